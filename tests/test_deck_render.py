"""The review deck as LibreOffice draws it: 16:9, every text inside its box and the slide, in zh and en.

The deck is built from the demo comparison with long Chinese and English names (a survey's wording,
long item titles and pain points), checked on the shapes' geometry, converted to PDF by LibreOffice
(headless) and checked again on where each rendered word lies. The slides are kept as PNGs under
artifacts/deck/<lang>/ for a person to look at.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from pptx import Presentation

from analytics import charts_verify, reports
from analytics.evidence import TopicEvidence
from analytics.slide_layout import BOX_PAD_X, BOX_PAD_Y, CELL_PAD_X, CELL_PAD_Y
from analytics.slide_text import line_height, wrap
from analytics.wave_compare import compare_primary
from db import waves as repo
from db.engine import make_engine, unit_of_work
from db.items import list_items
from tests.verify_support import demo_database_url

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "deck"
PT = 12700  # EMU per point
LONG = {
    "en": "When you asked the assistant about a medicine's dosage for a child, how accurate was the answer?",
    "zh": "当您向助手询问儿童用药剂量时，您认为它给出的回答在多大程度上准确、完整并且符合最新的临床指南？",
}


@pytest.fixture(scope="module")
def demo() -> dict:
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        answers = repo.wave_answers(session, [1, 2])
        items = list_items(session, 1)
    engine.dispose()
    comparison = compare_primary(answers, baseline=1, follow_up=2)
    results = comparison.results.copy()
    results.loc[0, "label_en"], results.loc[0, "label_zh"] = LONG["en"], LONG["zh"]  # a survey's wording
    long_item = items.iloc[0].to_dict() | {
        "id": 999,
        "title": "修复长时间对话后上下文丢失、回答前后矛盾的问题 / Keep the context across long follow-up "
        "conversations so answers never contradict what was said before",
    }
    items = pd.concat([items, pd.DataFrame([long_item])], ignore_index=True)
    return {"comparison": comparison, "results": results, "items": items}


def _deck(demo: dict, lang: str) -> bytes:
    comparison = demo["comparison"]
    charts = charts_verify.standard_charts(
        comparison.answers,
        demo["results"],
        baseline=1,
        follow_up=2,
        wave_names={1: "第一轮基线 R1 baseline", 2: "第一轮复测 R1 follow-up"},
        lang=lang,
        respondents=comparison.analysis.label(lang),
    )
    pain = pd.DataFrame(
        {
            "label": [
                "剂量建议错误 / Wrong dosage advice for children and the elderly",
                "高峰时段响应缓慢",
                "Citations that cannot be verified against the source guideline",
            ],
            "size": [120, 80, 45],
            "share": [0.12, 0.08, 0.045],
        }
    )
    return reports.build_deck(
        reports.ReviewReport(
            product="MediAssist 医疗助手 clinical decision support",
            round_name="第一轮 / Round 1",
            baseline_name="第一轮基线 R1 baseline",
            follow_up_name="第一轮复测 R1 follow-up",
            results=demo["results"],
            lang=lang,
            segment="doctor",
            generated_on=date(2026, 8, 1),
            charts=reports.chart_images(charts, scale=1.5),
            pain_points=pain,
            items=demo["items"],
            topic_outcomes=[
                TopicEvidence(
                    status="ok",
                    verdict_en="Feedback about dosage fell significantly: 13.2% → 5.5%.",
                    verdict_zh="关于剂量的反馈显著下降：13.2% → 5.5%。",
                )
            ],
            analysis=comparison.analysis,
            pain_points_scope="第一轮 / Round 1, 480",
        )
    )


def _box(shape) -> tuple[float, float, float, float]:
    """left, top, right, bottom in points."""
    return (
        shape.left / PT,
        shape.top / PT,
        (shape.left + shape.width) / PT,
        (shape.top + shape.height) / PT,
    )


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _lines(frame, width: float) -> float:
    """The height the frame's paragraphs need at their own sizes, wrapped to ``width`` (points)."""
    needed = 0.0
    paragraphs = list(frame.paragraphs)
    for i, paragraph in enumerate(paragraphs):
        size = paragraph.runs[0].font.size.pt if paragraph.runs else 18.0
        bold = bool(paragraph.runs and paragraph.runs[0].font.bold)
        needed += len(wrap(paragraph.text, width, size, bold)) * line_height(size)
        if i < len(paragraphs) - 1 and paragraph.space_after is not None:
            needed += paragraph.space_after.pt
    return needed


def _check_geometry(prs) -> list[list[tuple[float, float, float, float]]]:
    """Assert the shapes' geometry; returns each slide's boxes that hold text (points)."""
    width, height = prs.slide_width / PT, prs.slide_height / PT
    assert round(width / height, 3) == round(16 / 9, 3)
    boxes_per_slide = []
    for number, slide in enumerate(prs.slides, start=1):
        boxes = []
        for shape in slide.shapes:
            box = _box(shape)
            where = f"slide {number}: {shape.shape_type} {box}"
            assert box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height, where
            assert box[3] - box[1] > 5, where  # nothing at height 0
            if shape.has_text_frame and shape.text_frame.text:
                frame = shape.text_frame
                inner_w = shape.width / PT - BOX_PAD_X * 2
                inner_h = shape.height / PT - BOX_PAD_Y * 2
                assert frame.margin_left / PT == BOX_PAD_X and frame.margin_top / PT == BOX_PAD_Y
                assert _lines(frame, inner_w) <= inner_h + 0.01, f"{where}: {frame.text[:60]}"
                boxes.append(box)
            elif shape.has_table:
                table = shape.table
                assert sum(r.height for r in table.rows) == shape.height, where
                for row in table.rows:
                    for cell, column in zip(row.cells, table.columns, strict=True):
                        room = row.height / PT - 2 * CELL_PAD_Y
                        assert _lines(cell.text_frame, column.width / PT - 2 * CELL_PAD_X) <= room + 0.01, (
                            f"{where}: {cell.text[:60]}"
                        )
                boxes.append(box)
            elif shape.shape_type == 13:  # a picture: text drawn inside it is the chart's
                boxes.append(box)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not _overlap(a, b), f"slide {number}: {a} overlaps {b}"
        boxes_per_slide.append(boxes)
    return boxes_per_slide


def _render(deck: bytes, lang: str, tmp_path: Path) -> Path:
    """The deck as a PDF drawn by LibreOffice; PNGs of its slides under artifacts/deck/<lang>/."""
    source = tmp_path / f"review_deck_{lang}.pptx"
    source.write_bytes(deck)
    profile = f"-env:UserInstallation=file://{tmp_path / 'libreoffice'}"
    subprocess.run(
        [
            str(shutil.which("soffice")),
            profile,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    pdf = source.with_suffix(".pdf")
    out = ARTIFACTS / lang
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copy(source, out / source.name)
    shutil.copy(pdf, out / pdf.name)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out / "slide")], check=True, timeout=300)
    return pdf


def _words(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Each page's words with their boxes (points), from pdftotext -bbox."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=120
    ).stdout
    root = etree.fromstring(html, etree.HTMLParser(encoding="utf-8"))
    pages = []
    for page in root.iter("page"):
        size = (float(page.get("width")), float(page.get("height")))
        words = [
            (w.text or "", *(float(w.get(k)) for k in ("xmin", "ymin", "xmax", "ymax")))
            for w in page.iter("word")
        ]
        pages.append((size, words))
    return pages


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_text_of_the_deck_stays_inside_its_box_and_the_slide(demo, lang, tmp_path):
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.fail("LibreOffice and poppler-utils are needed (.ci/run installs them)")
    deck = _deck(demo, lang)
    prs = Presentation(io.BytesIO(deck))
    boxes = _check_geometry(prs)

    pdf = _render(deck, lang, tmp_path)
    pages = _words(pdf)
    assert len(pages) == len(prs.slides) == len(list((ARTIFACTS / lang).glob("slide-*.png")))
    for number, ((width, height), words) in enumerate(pages, start=1):
        assert (width, height) == pytest.approx((960, 540), abs=1)
        assert words, f"slide {number} is empty"
        for text, x0, y0, x1, y1 in words:
            assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height, (
                f"slide {number}: {text!r} off the page"
            )
            # Drawn where the deck meant it: inside the box of the shape holding it (a line's ascent
            # and descent may reach a little past a tight box).
            assert any(
                b[0] - 2 <= x0 and x1 <= b[2] + 2 and b[1] - 3 <= y0 and y1 <= b[3] + 3
                for b in boxes[number - 1]
            ), f"slide {number}: {text!r} at {(x0, y0, x1, y1)} outside every box"
    drawn = " ".join(w[0] for _, words in pages for w in words)
    first_word = LONG[lang].split()[0] if lang == "en" else LONG[lang][:4]
    assert first_word in drawn and "2026-08-01" in drawn
    assert ("1 /" in drawn or "2 /" in drawn) and f"{len(pages)} / {len(pages)}" in " ".join(
        " ".join(w[0] for w in words) for _, words in pages[-1:]
    )
