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
from analytics.evidence import TopicEvidence
from analytics.wave_compare import Comparison, compare_primary, compare_waves
from db import waves as repo
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


@pytest.mark.slow
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
                TopicEvidence(verdict_en="Feedback about dosage fell significantly.", verdict_zh="下降")
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
    # One chart per slide, each under a one-line takeaway of the results it shows.
    changes = next(s for s in _texts_by_shape(deck) if s[0] == "Changes")
    assert changes[1] == (
        "Better: Accuracy, Problem resolution, Overall satisfaction; No significant change: Ease of use, "
        "Response speed"
    )
    nps = next(s for s in _texts_by_shape(deck) if s[0] == "NPS")
    assert nps[1].startswith("NPS: no significant change")


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


# --- one primary analysis, labelled, with its sensitivity check --------------------------------------


@pytest.fixture(scope="module")
def primary(demo) -> Comparison:
    return compare_primary(demo["answers"], baseline=1, follow_up=2)


def _fits(shape, size_default: float = 18.0) -> bool:
    """Whether a text box's paragraphs, wrapped with the deck font's metrics, fit its height."""
    from analytics.slide_text import line_height, wrap

    frame = shape.text_frame
    width = (shape.width - frame.margin_left - frame.margin_right) / 12700  # points
    height = (shape.height - frame.margin_top - frame.margin_bottom) / 12700
    needed = 0.0
    for paragraph in frame.paragraphs:
        size = paragraph.font.size.pt if paragraph.font.size else size_default
        needed += len(wrap(paragraph.text, width, size, bool(paragraph.font.bold))) * line_height(size)
        needed += paragraph.space_after.pt if paragraph.space_after is not None else 0
    return needed <= height + 0.01


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_title_slide_names_the_scope_and_the_respondents_and_fits(primary, lang):
    deck = reports.build_deck(
        reports.ReviewReport(
            product="MediAssist 医疗助手 clinical decision support",
            round_name="第一轮 / Round 1",
            baseline_name="第一轮基线 / Round 1 baseline",
            follow_up_name="第一轮复测 / Round 1 follow-up",
            results=primary.results,
            lang=lang,
            segment="doctor",
            generated_on=date(2026, 8, 1),
            analysis=primary.analysis,
        )
    )
    prs = Presentation(io.BytesIO(deck))
    title = prs.slides[0]
    boxes = [s for s in title.shapes if s.has_text_frame and s.text_frame.text]
    assert len(boxes) == 2 and all(b.text_frame.text.strip() for b in boxes)
    for box in boxes:
        assert box.left >= 0 and box.left + box.width <= prs.slide_width
        assert box.top >= 0 and box.top + box.height <= prs.slide_height
        assert _fits(box), box.text_frame.text
    assert boxes[0].top + boxes[0].height <= boxes[1].top  # title above the scope, no overlap
    label = primary.analysis.label(lang)
    assert label == (
        "配对：124 名回答了两个批次的受访者"
        if lang == "zh"
        else "Paired: 124 respondents who answered both waves"
    )
    assert label in boxes[1].text_frame.text and "doctor" in boxes[1].text_frame.text
    # Every bullet slide fits too: verdicts with their label, the sensitivity check, the method.
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text and shape != slide.shapes.title:
                assert _fits(shape, 18.0), shape.text_frame.text[:80]


def test_the_deck_and_the_tables_describe_the_primary_respondents(demo, primary):
    results = primary.results
    nps = results[results["measure"] == "nps"].iloc[0]
    assert nps["analysis"] == "paired" and nps["n_paired"] == 124
    deck = reports.build_deck(
        reports.ReviewReport("MediAssist", "Round 1", "B", "F", results, analysis=primary.analysis)
    )
    slides = _slide_texts(deck)
    label = "Paired: 124 respondents who answered both waves"
    assert label in slides[0]
    assert all(label in s for s in slides if s.startswith(("Verdicts", "Results")))
    assert nps["verdict_en"] in "\n".join(slides)
    sensitivity = next(s for s in slides if s.startswith("Sensitivity check"))
    assert nps["sensitivity_en"] in sensitivity and "Primary analysis: paired" in sensitivity
    # CSV and XLSX say who each row describes and carry the other analysis beside it.
    table = reports.results_table(results, "en")
    assert set(table["respondents"]) == {label}
    row = table[table["label"] == "NPS"].iloc[0]
    assert (row["mean_before"], row["mean_after"]) == (nps["mean_before"], nps["mean_after"])
    assert row["sensitivity"].startswith("Sensitivity, all answers as independent groups (222 baseline, 203")
    assert row["sensitivity_before"] == pytest.approx(nps["mean_before_all"])
    rows = list(csv.DictReader(io.StringIO(reports.to_csv_bytes(table).decode("utf-8-sig"), newline="")))
    assert rows[0]["respondents"] == label
    # The charts (PNG/SVG) show the same respondents: the paired NPS and the label.
    charts = charts_verify.standard_charts(
        primary.answers, results, baseline=1, follow_up=2, respondents=primary.analysis.label("en")
    )
    svg = reports.chart_images({"nps": charts["nps"]}, scale=1.0)["nps"].svg
    assert label in svg and f"NPS {nps['mean_before']:+.0f}" in svg and f"NPS {nps['mean_after']:+.0f}" in svg
    assert f"NPS {nps['mean_before_all']:+.0f}" not in svg


def test_results_rows_with_long_names_spread_evenly_over_more_slides_and_short_ones_do_not():
    from analytics.slide_layout import paginate, row_height, table_room

    widths = reports.RESULT_WIDTHS
    header = ["Measure", "Test", "n", "Before", "After", "Change (95% CI)", "Adjusted p", "Result"]
    room = table_room(100, header, widths, 12)
    row = [
        "Accuracy",
        "Wilcoxon signed-rank test",
        "124",
        "3.35",
        "3.81",
        "+0.46 (+0.28, +0.64)",
        "< 0.001",
        "Better",
    ]
    short = [row_height(row, widths, 12)] * 12
    assert paginate(short, room) == [(0, 12)]  # the standard questionnaire: one slide, as before
    long = ["Which features have you used? Select all that apply. — Insurance claims help", *row[1:]]
    heights = [row_height(long, widths, 12)] * 10
    pages = paginate(heights, room)
    # More slides, each holding what fits, and evenly: never a full slide and a lone last row.
    assert len(pages) > 1 and all(sum(heights[a:b]) <= room for a, b in pages)
    sizes = [b - a for a, b in pages]
    assert max(sizes) - min(sizes) <= 1
    assert (
        pages[0][0] == 0
        and pages[-1][1] == 10
        and all(a[1] == b[0] for a, b in zip(pages, pages[1:], strict=False))
    )
    assert paginate([50.0] * 7, 300.0) == [(0, 4), (4, 7)]  # 4 + 3, not 6 + 1


# --- the headline, the footer, the takeaways ---------------------------------------------------------


def _texts_by_shape(deck: bytes) -> list[list[str]]:
    """Each slide's text boxes' texts, in order (tables left out)."""
    return [
        [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]
        for slide in Presentation(io.BytesIO(deck)).slides
    ]


def test_the_headline_calls_improved_only_what_is_significantly_better(demo):
    results = demo["results"].copy()
    # Accuracy loses its significance, response speed turns worse: the headline follows the categories.
    results.loc[results["measure"] == "accuracy", "result"] = "unclear"
    results.loc[(results["measure"] == "response_speed") & (results["kind"] == "likert"), "result"] = "worse"
    deck = reports.build_deck(
        reports.ReviewReport(
            "MediAssist", "Round 1", "B", "F", results, items=demo["items"], generated_on=date(2026, 8, 1)
        )
    )
    slides = _texts_by_shape(deck)
    title, improved_heading, improved, not_heading, not_improved, topics_heading, topics, *footer = slides[1]
    assert title == "What the results say" and improved_heading == "Improved"
    assert "Accuracy" not in improved and "Problem resolution: mean 3.41 → 3.69" in improved
    assert not_heading == "Not improved"
    heading = next(
        s for s in Presentation(io.BytesIO(deck)).slides[1].shapes if s.text_frame.text == "Not improved"
    )
    assert (
        str(heading.text_frame.paragraphs[0].runs[0].font.color.rgb) == "C0392B"
    )  # something got worse: red
    assert "Worse: Response speed" in not_improved
    assert "No significant change: Accuracy, Ease of use, NPS" in not_improved
    assert topics_heading == "Evidence on the fixed pain points"
    assert "Fix crash when uploading lab reports: 10.0% → 2.9% (significant)" in topics
    assert footer == ["MediAssist · 2026-08-01", f"2 / {len(slides)}"]
    # Nothing better: the headline says so instead of naming any measure improved.
    none = results.assign(result=results["result"].replace("better", "unclear"))
    slide = _texts_by_shape(reports.build_deck(reports.ReviewReport("P", "R", "B", "F", none, lang="zh")))[1]
    assert slide[1:3] == ["显著改善", "没有指标显著改善。"]


def test_every_slide_after_the_title_has_the_product_the_date_and_its_number(demo):
    deck = reports.build_deck(
        reports.ReviewReport(
            "MediAssist",
            "Round 1",
            "B",
            "F",
            demo["results"],
            items=demo["items"],
            generated_on=date(2026, 8, 1),
        )
    )
    slides = _texts_by_shape(deck)
    assert not any(t.endswith(f" / {len(slides)}") for t in slides[0])
    for n, texts in enumerate(slides[1:], start=2):
        assert texts[-2:] == ["MediAssist · 2026-08-01", f"{n} / {len(slides)}"]
    prs = Presentation(io.BytesIO(deck))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9


def test_the_headline_names_a_questions_options_once_under_the_question(demo):
    results = demo["results"].copy()
    unclear = results.index[results["result"] == "unclear"][:3]
    results.loc[unclear, "label_en"] = [
        "Which features have you used? — Lab reports",
        "Which features have you used? — Medication lookup",
        "Was your problem solved?",
    ]
    slide = _texts_by_shape(reports.build_deck(reports.ReviewReport("P", "R", "B", "F", results)))[1]
    not_improved = slide[4]
    assert "Which features have you used? — Lab reports, Medication lookup" in not_improved
    assert (
        not_improved.count("Which features have you used?") == 1
        and "Was your problem solved?" in not_improved
    )


def test_a_name_too_long_for_a_slide_is_cut_and_every_table_stays_on_its_slide(demo):
    results = demo["results"].copy()
    results.loc[0, "label_en"] = "Tell us everything about the dosage answers you got. " * 40
    prs = Presentation(io.BytesIO(reports.build_deck(reports.ReviewReport("P", "R", "B", "F", results))))
    tables = [s for slide in prs.slides for s in slide.shapes if s.has_table]
    assert tables and all(
        t.top + t.height <= prs.slide_height - 12700 * 40 for t in tables
    )  # above the footer
    cut = next(t.table.cell(1, 0).text for t in tables if t.table.cell(0, 0).text == "Measure")
    assert cut.startswith("Tell us everything about the dosage") and cut.endswith("…") and len(cut) < 400


def test_the_deck_carries_who_answered_when_a_user_list_exists(demo):
    shares = pd.DataFrame(
        {
            "attribute": ["usage", "usage"],
            "value": ["heavy", "light"],
            "population_share": [0.2, 0.8],
            "respondent_share": [0.6, 0.4],
            "under_represented": [False, True],
        }
    )
    who = reports.WhoAnsweredSlide("Follow-up", shares, 59, 1, 1.62, 36.4)
    with_list = _slide_texts(
        reports.build_deck(reports.ReviewReport("P", "R", "B", "F", demo["results"], who_answered=who))
    )
    slide = next(s for s in with_list if s.startswith("Who answered: Follow-up"))
    assert "heavy\n20%\n60%" in slide and "light\n80%\n40%\nunder-represented" in slide
    assert "design effect (Kish) 1.62, effective n 36.4" in slide and "1 not in it, unweighted" in slide
    without = _slide_texts(reports.build_deck(reports.ReviewReport("P", "R", "B", "F", demo["results"])))
    assert not any(s.startswith("Who answered") for s in without)
    assert len(with_list) == len(without) + 1
    zh = _slide_texts(
        reports.build_deck(
            reports.ReviewReport("P", "R", "B", "F", demo["results"], lang="zh", who_answered=who)
        )
    )
    assert any(s.startswith("谁答了问卷：Follow-up") and "代表不足" in s for s in zh)
