"""The review deck's page layout: where each box sits on a 16:9 slide, and boxes sized to their text.

Every slide is blank (no template placeholders, whose 4:3 positions and zero heights clipped the
old title slide) and gets its boxes from here: a title, an optional note saying who the figures
describe, a body area, and a footer with the product, the date and the page number. Text boxes take
the size their text needs (:mod:`analytics.slide_text`); table rows are as tall as their wrapped
cells, and rows are spread evenly over as few slides as hold them. All measures are in points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Pt

from analytics.slide_text import FONT_NAME, fit_size, line_height, text_height, wrap

SLIDE_W, SLIDE_H = 960.0, 540.0  # 13.333 x 7.5 inches: 16:9
MARGIN = 36.0
TITLE_TOP, TITLE_H = 18.0, 56.0
TITLE_NAME = "Title"  # the name of every slide title's text box
NOTE_TOP, NOTE_POINTS = 74.0, 12.0
BODY_TOP = NOTE_TOP + 4  # below the title, when there is no note
FOOTER_TOP, FOOTER_H = 506.0, 22.0
BODY_BOTTOM = 496.0
BODY_W = SLIDE_W - 2 * MARGIN
BOX_PAD_X, BOX_PAD_Y = 4.0, 2.0  # a text box's inner margins
CELL_PAD_X, CELL_PAD_Y = 5.0, 3.0  # a table cell's inner margins


def _colour(hex_code: str) -> RGBColor:
    colour: RGBColor = RGBColor.from_string(hex_code)
    return colour


INK, GREY, ACCENT, WHITE = (_colour(c) for c in ("1F2937", "6B7280", "1F4E79", "FFFFFF"))


class Box(NamedTuple):
    """A rectangle on the slide, in points."""

    left: float
    top: float
    width: float
    height: float


def _style(paragraph: Any, size: float, bold: bool, colour: RGBColor) -> None:
    """Font, size, weight and colour on the paragraph and on each of its runs.

    The runs carry them too, since LibreOffice ignores a paragraph's default run properties; the font
    is named for Latin and East Asian text alike, so the deck is drawn in the font it was measured in.
    """
    targets = [paragraph.font, *(run.font for run in paragraph.runs)]
    for font in targets:
        font.size, font.bold, font.name = Pt(size), bold, FONT_NAME
        font.color.rgb = colour
    for run in paragraph.runs:
        properties = run._r.get_or_add_rPr()  # noqa: SLF001 (python-pptx has no East Asian font setter)
        latin = properties.find("{http://schemas.openxmlformats.org/drawingml/2006/main}latin")
        ea = etree.SubElement(properties, "{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
        ea.set("typeface", FONT_NAME)
        latin.addnext(ea)


def add_text(
    slide: Any,
    box: Box,
    paragraphs: Sequence[str],
    size: float,
    *,
    bold: bool = False,
    colour: RGBColor = INK,
    spacing: float = 0.0,
    align: str = "left",
) -> Any:
    """A text box at ``box`` holding ``paragraphs`` at ``size`` points, ``spacing`` x size after each.

    Returns:
        The shape.
    """
    shape = slide.shapes.add_textbox(Pt(box.left), Pt(box.top), Pt(box.width), Pt(box.height))
    frame = shape.text_frame
    frame.word_wrap, frame.auto_size, frame.vertical_anchor = True, MSO_AUTO_SIZE.NONE, MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = Pt(BOX_PAD_X)
    frame.margin_top = frame.margin_bottom = Pt(BOX_PAD_Y)
    for i, text in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = text
        paragraph.line_spacing = 1.0
        paragraph.space_before = Pt(0)
        paragraph.space_after = Pt(spacing * size if i < len(paragraphs) - 1 else 0)
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}[
            align
        ]
        _style(paragraph, size, bold, colour)
    return shape


def fitted_size(
    paragraphs: Sequence[str],
    box: Box,
    largest: float,
    smallest: float,
    bold: bool = False,
    spacing: float = 0.0,
) -> float | None:
    """The largest size at which ``paragraphs`` fit inside ``box`` (its margins off), or None."""
    inner_w, inner_h = box.width - 2 * BOX_PAD_X, box.height - 2 * BOX_PAD_Y
    return fit_size(paragraphs, inner_w, inner_h, largest, smallest, bold, spacing)


def needed_height(
    paragraphs: Sequence[str], width: float, size: float, bold: bool = False, spacing: float = 0.0
) -> float:
    """The height of a text box ``width`` wide that holds ``paragraphs`` at ``size``, margins included."""
    return text_height(paragraphs, width - 2 * BOX_PAD_X, size, bold, spacing * size) + 2 * BOX_PAD_Y


def add_fitted_text(
    slide: Any,
    box: Box,
    paragraphs: Sequence[str],
    largest: float,
    smallest: float,
    *,
    bold: bool = False,
    colour: RGBColor = INK,
    spacing: float = 0.0,
    more: str = "…",
) -> Any:
    """Text as large as fits ``box`` (from ``largest`` down to ``smallest``).

    When even ``smallest`` is too large, the last paragraphs give way to ``more`` (e.g. "and 3 more"),
    so the box never overflows. Returns the shape.
    """
    kept = list(paragraphs)
    while True:
        size = fitted_size(kept, box, largest, smallest, bold, spacing)
        if size is not None or len(kept) <= 1:
            break
        kept = [*kept[: -2 if kept[-1] == more else -1], more]
    if size is None:  # one paragraph too long even alone: the longest start of it that fits, and "…"
        text, low, high = kept[0], 0, len(kept[0])
        while low < high:  # bisect the length
            middle = (low + high + 1) // 2
            fits = fitted_size([text[:middle] + "…"], box, smallest, smallest, bold) is not None
            low, high = (middle, high) if fits else (low, middle - 1)
        kept, size = [text[:low].rstrip() + "…"], smallest
    return add_text(slide, box, kept, size, bold=bold, colour=colour, spacing=spacing)


def add_title(slide: Any, title: str, colour: RGBColor = ACCENT) -> Any:
    """The slide's title across the top, bold, smaller when long (two lines at most).

    Named TITLE_NAME: slides are blank (no title placeholder), so readers of the deck find it by name.
    """
    shape = add_fitted_text(
        slide, Box(MARGIN, TITLE_TOP, BODY_W, TITLE_H), [title], 28, 16, bold=True, colour=colour
    )
    shape.name = TITLE_NAME
    return shape


def body_top(note: str) -> float:
    """Where a slide's body starts: below the title, and below the note when there is one."""
    if not note:
        return BODY_TOP
    return NOTE_TOP + _note_height(note) + 6


def _note_height(note: str) -> float:
    return min(needed_height([note], BODY_W, NOTE_POINTS), 2 * line_height(NOTE_POINTS) + 2 * BOX_PAD_Y)


def add_note(slide: Any, note: str) -> None:
    """A grey line (two at most) under the title: who the figures describe."""
    add_fitted_text(
        slide, Box(MARGIN, NOTE_TOP, BODY_W, _note_height(note)), [note], NOTE_POINTS, 9, colour=GREY
    )


def add_footer(slide: Any, left: str, page: int, pages: int) -> None:
    """The product and the date on the left of the footer, "page / pages" on the right."""
    add_fitted_text(slide, Box(MARGIN, FOOTER_TOP, BODY_W - 90, FOOTER_H), [left], 11, 8, colour=GREY)
    add_text(
        slide,
        Box(SLIDE_W - MARGIN - 80, FOOTER_TOP, 80, FOOTER_H),
        [f"{page} / {pages}"],
        11,
        colour=GREY,
        align="right",
    )


# --- tables --------------------------------------------------------------------------------------


MAX_CELL_LINES = 8  # a cell longer than this is cut, so that one row never outgrows a slide


def clip(text: str, width: float, size: float, lines: int = MAX_CELL_LINES, bold: bool = False) -> str:
    """``text`` as it fits in ``lines`` lines of a cell ``width`` wide: whole, or its longest start and "…"."""
    inner = width - 2 * CELL_PAD_X
    if len(wrap(text, inner, size, bold)) <= lines:
        return text
    low, high = 0, len(text)
    while low < high:  # bisect the length
        middle = (low + high + 1) // 2
        fits = len(wrap(text[:middle] + "…", inner, size, bold)) <= lines
        low, high = (middle, high) if fits else (low, middle - 1)
    return text[:low].rstrip() + "…"


def row_height(cells: Sequence[str], widths: Sequence[float], size: float, bold: bool = False) -> float:
    """The height of a table row: its tallest wrapped cell, margins included (points)."""
    tallest = max(
        len(wrap(text, w - 2 * CELL_PAD_X, size, bold)) for text, w in zip(cells, widths, strict=True)
    )
    return tallest * line_height(size) + 2 * CELL_PAD_Y


def paginate(heights: Sequence[float], room: float) -> list[tuple[int, int]]:
    """(start, stop) of the rows on each slide: as few slides as hold them, the rows spread evenly.

    First the fewest slides any split needs (filling each in turn); then the smallest height per
    slide that still gives that many, so that no slide ends with a lone row.

    Args:
        heights: Each row's height.
        room: The height a slide has for rows.

    Returns:
        The slices, covering every row in order (one empty slice when there are no rows).
    """

    def split(cap: float) -> list[tuple[int, int]]:
        pages, start, used = [], 0, 0.0
        for i, h in enumerate(heights):
            if used + h > cap and i > start:
                pages.append((start, i))
                start, used = i, 0.0
            used += h
        return [*pages, (start, len(heights))]

    if not heights:
        return [(0, 0)]
    fewest = len(split(room))
    low, high = max(max(heights), sum(heights) / fewest), max(room, max(heights))
    for _ in range(40):  # bisect the height per slide
        middle = (low + high) / 2
        low, high = (middle, high) if len(split(middle)) > fewest else (low, middle)
    return split(high)


def add_table(
    slide: Any,
    top: float,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    size: float = 12,
) -> Any:
    """A table at ``top`` across the body, each row as tall as its wrapped text; returns the table.

    Args:
        slide: The slide.
        top: Where the table starts, in points.
        header: The header row (bold).
        rows: The rows.
        widths: Each column's width in points (they add up to the table's width).
        size: The font size.

    Returns:
        The python-pptx table.
    """
    heights = [row_height(header, widths, size, bold=True), *(row_height(r, widths, size) for r in rows)]
    shape = slide.shapes.add_table(
        len(rows) + 1, len(header), Pt(MARGIN), Pt(top), Pt(sum(widths)), Pt(sum(heights))
    )
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Pt(w)
    for i, (h, cells) in enumerate(zip(heights, [header, *rows], strict=True)):
        table.rows[i].height = Pt(h)
        for j, text in enumerate(cells):
            cell = table.cell(i, j)
            cell.text = text
            cell.margin_left = cell.margin_right = Pt(CELL_PAD_X)
            cell.margin_top = cell.margin_bottom = Pt(CELL_PAD_Y)
            cell.vertical_anchor = MSO_ANCHOR.TOP
            for paragraph in cell.text_frame.paragraphs:
                paragraph.line_spacing = 1.0
                _style(paragraph, size, i == 0, WHITE if i == 0 else INK)
    shape.height = Emu(sum(row.height for row in table.rows))  # exactly its rows, no rounding gap
    return table


def table_room(top: float, header: Sequence[str], widths: Sequence[float], size: float) -> float:
    """The height left for rows below a table's header that starts at ``top``."""
    return BODY_BOTTOM - top - row_height(header, widths, size, bold=True)
