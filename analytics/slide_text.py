"""How much room a text needs on a slide: its width, the lines it wraps to, its height.

python-pptx places boxes but lays out no text, so the deck measures its text itself, with the font
it sets on every run (Noto Sans CJK SC, which covers Chinese and Latin, read through Pillow). A box
is made as tall as its wrapped text, or its text as small as the box allows, so nothing runs out of a
box or over another. Without the font file the widths are estimated (a Chinese character one em,
anything else 0.6 em), which errs on the wide side.

Lines break as LibreOffice and PowerPoint break them: at spaces, between Chinese characters, never
before closing punctuation nor after opening punctuation; a word wider than the line is cut.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from PIL import ImageFont

FONT_NAME = "Noto Sans CJK SC"
FONT_FILES = {
    False: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # (file, index of the SC face)
    True: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
}
UNITS = 1000  # the size fonts are measured at; widths scale linearly
LINE_HEIGHT = 1.448  # Noto Sans CJK's ascent + descent per em (single spacing), when the font is missing
SLACK = 0.95  # wrap within this share of a line, for renderers' small differences in kerning and breaks

_OPENING = "([{（［｛〔【《〈「『“‘"
_CLOSING = ")]}，。、；：？！）］｝〕】》〉」』”’,.;:?!%"
# A token: a run of spaces, a Chinese (wide) character with the closing punctuation after it, or a
# run of other characters; opening punctuation sticks to what follows.
_TOKEN = re.compile(
    rf"\s+|[{re.escape(_OPENING)}]*(?:[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+)[{re.escape(_CLOSING)}]*"
)


@functools.cache
def _font(bold: bool) -> ImageFont.FreeTypeFont | None:
    path, index = FONT_FILES[bold]
    if not Path(path).is_file():
        return None
    return ImageFont.truetype(path, UNITS, index=index)


def line_height(points: float) -> float:
    """The height of one line of text at ``points`` (single spacing), in points."""
    font = _font(False)
    if font is None:
        return LINE_HEIGHT * points
    ascent, descent = font.getmetrics()
    return (ascent + descent) / UNITS * points


def text_width(text: str, points: float, bold: bool = False) -> float:
    """The width of ``text`` on one line at ``points``, in points."""
    font = _font(bold)
    if font is None:
        wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
        return (wide + 0.6 * (len(text) - wide)) * points
    return float(font.getlength(text)) / UNITS * points


def wrap(text: str, width: float, points: float, bold: bool = False) -> list[str]:
    """The lines ``text`` wraps to in a line ``width`` points wide (at least one line).

    Args:
        text: One paragraph (no line breaks).
        width: The width of a line, in points.
        points: The font size.
        bold: Whether the text is bold (wider).

    Returns:
        The lines, trailing spaces removed.
    """
    room = width * SLACK
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text) or [""]:
        if not line and token.isspace():
            continue  # a line never starts with the space it broke at
        if text_width(line + token, points, bold) <= room:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = "" if token.isspace() else token
        while text_width(line, points, bold) > room and len(line) > 1:  # a word wider than a line
            cut = max([1, *(i for i in range(1, len(line)) if text_width(line[:i], points, bold) <= room)])
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line.rstrip())
    return lines


def text_height(
    paragraphs: Sequence[str], width: float, points: float, bold: bool = False, space_after: float = 0.0
) -> float:
    """The height the paragraphs take in a box ``width`` points wide, spacing after each but the last.

    Args:
        paragraphs: The paragraphs, one per entry.
        width: The width of a line, in points.
        points: The font size.
        bold: Whether the text is bold.
        space_after: Points after each paragraph.

    Returns:
        The height, in points.
    """
    lines = sum(len(wrap(p, width, points, bold)) for p in paragraphs)
    return lines * line_height(points) + space_after * max(0, len(paragraphs) - 1)


def fit_size(
    paragraphs: Sequence[str],
    width: float,
    height: float,
    largest: float,
    smallest: float,
    bold: bool = False,
    spacing: float = 0.0,
) -> float | None:
    """The largest font size, in whole points from ``largest`` down to ``smallest``, at which the text fits.

    Args:
        paragraphs: The paragraphs.
        width: The box's inner width, in points.
        height: The box's inner height, in points.
        largest: The size to try first.
        smallest: The smallest size allowed.
        bold: Whether the text is bold.
        spacing: Space after each paragraph, as a share of the font size.

    Returns:
        The size, or None when the text does not fit even at ``smallest``.
    """
    size = largest
    while size >= smallest:
        if text_height(paragraphs, width, size, bold, spacing * size) <= height:
            return size
        size -= 1
    return None
