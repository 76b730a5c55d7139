"""Exports for the review meeting: the deck's slides, chart images, and formula-safe CSV / XLSX."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

from analytics import charts_verify, reports
from analytics.verify import compare_waves
from db import verify as repo
from db.engine import make_engine, unit_of_work
from db.items import list_items
from tests.verify_support import demo_database_url

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")']


@pytest.fixture(scope="module")
def demo() -> dict:
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        answers = repo.wave_answers(session, [1, 2])
        items = list_items(session, 1)
    engine.dispose()
    results = compare_waves(answers, baseline=1, follow_up=2)
    return {"answers": answers, "results": results, "items": items}


def _slide_texts(deck: bytes) -> list[str]:
    texts = []
    for slide in Presentation(io.BytesIO(deck)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        texts.append("\n".join(parts))
    return texts


def _pictures(deck: bytes) -> int:
    return sum(
        1
        for slide in Presentation(io.BytesIO(deck)).slides
        for shape in slide.shapes
        if shape.shape_type == 13
    )


def test_the_english_deck_tells_the_demo_story(demo):
    charts = charts_verify.standard_charts(
        demo["answers"],
        demo["results"],
        baseline=1,
        follow_up=2,
        wave_names={1: "R1 baseline", 2: "R1 follow-up"},
    )
    images = reports.chart_images(charts)
    pain = pd.DataFrame(
        {"label": ["Wrong dosage", "Slow at peak hours"], "size": [120, 80], "share": [0.12, 0.08]}
    )
    deck = reports.build_deck(
        reports.ReviewReport(
            product="MediAssist",
            round_name="Round 1",
            baseline_name="R1 baseline",
            follow_up_name="R1 follow-up",
            results=demo["results"],
            lang="en",
            generated_on=date(2026, 8, 1),
            charts=images,
            pain_points=pain,
            items=demo["items"],
            topic_outcomes=[
                {"verdict_en": "Feedback about dosage fell significantly.", "verdict_zh": "下降"}
            ],
        )
    )
    slides = _slide_texts(deck)
    assert (
        "Rectification review" in slides[0]
        and "MediAssist · Round 1 · R1 baseline → R1 follow-up" in slides[0]
    )
    assert "2026-08-01" in slides[0] and "all segments" in slides[0]
    verdicts = "\n".join(s for s in slides if s.startswith("Verdicts"))
    assert "Accuracy improved significantly" in verdicts and "Ease of use: no significant change" in verdicts
    table = next(s for s in slides if s.startswith("Results"))
    assert "Wilcoxon signed-rank test" in table and "McNemar's test" in table and "Better" in table
    assert "No significant change" in table and "Adjusted p" in table
    assert any("Wrong dosage" in s and "Top pain points" in s for s in slides)
    items = next(s for s in slides if s.startswith("Rectification items"))
    assert "Fix crash when uploading lab reports" in items and "verified" in items and "carried over" in items
    assert "10.0% → 2.9% (significant)" in items  # the verified fix's evidence, as the items page shows it
    assert any("Feedback about dosage fell significantly." in s for s in slides)
    assert slides[-1].startswith("Method and caveats") and "not its cause" in slides[-1]
    assert _pictures(deck) == len(images) == 4


def test_the_chinese_deck_is_in_chinese(demo):
    deck = reports.build_deck(
        reports.ReviewReport(
            "MediAssist 医疗助手", "第一轮", "基线", "复测", demo["results"], lang="zh", segment="doctor"
        )
    )
    slides = _slide_texts(deck)
    assert "整改效果复盘" in slides[0] and "doctor" in slides[0]
    assert any("准确性显著提升" in s for s in slides) and any("易用性无显著变化" in s for s in slides)
    assert any("Wilcoxon 符号秩检验" in s and "校正后 p" in s for s in slides)
    assert _pictures(deck) == 0  # no charts given, no empty picture slides


def test_charts_render_to_png_and_svg_without_a_browser_chinese_included(demo):
    charts = charts_verify.standard_charts(
        demo["answers"], demo["results"], baseline=1, follow_up=2, lang="zh"
    )
    assert set(charts) == {"distribution", "means", "difference", "nps"}
    images = reports.chart_images({"difference": charts["difference"]}, scale=1.0)
    assert images["difference"].png.startswith(PNG_MAGIC)
    assert "<svg" in images["difference"].svg and "准确性" in images["difference"].svg
    archive = zipfile.ZipFile(io.BytesIO(reports.charts_zip(images)))
    assert sorted(archive.namelist()) == ["difference.png", "difference.svg"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_safe_cell_neutralises_formulas(text):
    assert reports.safe_cell(text) == "'" + text
    assert reports.safe_cell("Accuracy") == "Accuracy" and reports.safe_cell(-1.5) == -1.5


def _hostile_results(demo) -> pd.DataFrame:
    results = demo["results"].head(len(DANGEROUS)).copy()
    results["label_en"] = DANGEROUS
    results["verdict_en"] = [f"=cmd|' /C calc'!A{i}" for i in range(len(DANGEROUS))]
    return results


def test_csv_export_is_safe_against_formula_injection(demo):
    table = reports.results_table(_hostile_results(demo), "en")
    data = reports.to_csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["label"] for r in rows] == ["'" + d for d in DANGEROUS]
    assert all(r["verdict"].startswith("'=cmd") for r in rows)
    assert float(rows[0]["diff"]) == pytest.approx(table.loc[0, "diff"])  # numbers stay numbers
    assert rows[0]["warnings"] == "; ".join(demo["results"].loc[0, "warnings"])


def test_xlsx_export_stores_text_never_formulas(demo):
    table = reports.results_table(_hostile_results(demo), "en")
    workbook = openpyxl.load_workbook(
        io.BytesIO(reports.to_xlsx_bytes({"=Results": table, "Scope": table.head(1)}))
    )
    assert workbook.sheetnames == ["=Results", "Scope"]
    sheet = workbook["=Results"]
    header = [c.value for c in sheet[1]]
    labels = [sheet.cell(row=i + 2, column=header.index("label") + 1) for i in range(len(DANGEROUS))]
    assert [c.value for c in labels] == ["'" + d for d in DANGEROUS]
    assert all(c.data_type == "s" for c in labels)
    every = [c for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in every)
    diff = sheet.cell(row=2, column=header.index("diff") + 1)
    assert isinstance(diff.value, float)


def test_results_table_speaks_the_chosen_language(demo):
    zh = reports.results_table(demo["results"], "zh")
    assert zh.loc[0, "label"] == "准确性" and zh.loc[0, "test"] == "Wilcoxon 符号秩检验"
    assert zh.loc[0, "verdict"].startswith("准确性显著提升") and "配对分析" in zh.loc[0, "pairing"]
    en = reports.results_table(demo["results"], "en")
    assert en.loc[0, "test"] == "Wilcoxon signed-rank test" and tuple(en.columns) == tuple(zh.columns)
