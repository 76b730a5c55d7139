"""The XLSX for the review meeting: a readable results sheet in the user's language, the raw table second."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from analytics.results_workbook import P_FORMAT, results_workbook
from analytics.wave_compare import Comparison, compare_primary
from db import waves as repo
from db.engine import make_engine, unit_of_work
from tests.verify_support import demo_database_url


@pytest.fixture(scope="module")
def primary() -> Comparison:
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        answers = repo.wave_answers(session, [1, 2])
    engine.dispose()
    return compare_primary(answers, baseline=1, follow_up=2)


def _book(results: pd.DataFrame, lang: str, **more: pd.DataFrame) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(results_workbook(results, lang, more)))


def _rows(sheet) -> dict[str, dict[str, openpyxl.cell.Cell]]:
    header = [c.value for c in sheet[1]]
    return {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}


def test_the_chinese_results_sheet_reads_in_chinese_with_formatted_numbers(primary):
    book = _book(primary.results, "zh", 范围=pd.DataFrame({"field": ["product"], "value": ["MediAssist"]}))
    assert book.sheetnames == ["检验结果", "原始数据", "范围"]
    sheet = book["检验结果"]
    header = [c.value for c in sheet[1]]
    assert header[:8] == [
        "指标",
        "结论",
        "基线",
        "复测",
        "变化",
        "95% 置信区间下限",
        "95% 置信区间上限",
        "校正后 p",
    ]
    assert not any("_" in str(h) for h in header)  # no internal names such as diff_ci_low
    assert sheet.freeze_panes == "B2" and all(c.font.bold for c in sheet[1])
    rows = _rows(sheet)
    accuracy = rows["准确性"]
    assert accuracy["结论"].value == "显著提升" and accuracy["结论"].font.color.rgb.endswith("1E8449")
    # Numbers stay numbers, shown rounded: a mean with two decimals, p < 0.001 as "< 0.001".
    assert accuracy["基线"].value == pytest.approx(3.346774193548387)
    assert accuracy["基线"].number_format == "0.00" and accuracy["变化"].number_format == "+0.00;-0.00;0.00"
    assert accuracy["校正后 p"].value < 0.001 and accuracy["校正后 p"].number_format == P_FORMAT
    share = rows["准确性（4 分及以上占比）"]
    assert share["基线"].value == pytest.approx(0.435484, abs=1e-6)
    assert share["基线"].number_format == "0%" and share["变化"].number_format == "+0%;-0%;0%"
    assert rows["NPS 净推荐值"]["基线"].number_format == "0"
    # Columns are as wide as their Chinese text (two characters' width each), long verdicts wrap.
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert widths["指标"] >= 2 * len("总体满意度") and widths["结论说明"] == 70
    assert accuracy["结论说明"].alignment.wrap_text
    # The raw table keeps every figure unrounded, under its own names.
    raw = book["原始数据"]
    raw_header = [c.value for c in raw[1]]
    assert "diff_ci_low" in raw_header and raw.freeze_panes == "B2"
    raw_accuracy = next(r for r in raw.iter_rows(min_row=2, values_only=True) if r[0] == "准确性")
    assert raw_accuracy[raw_header.index("mean_before")] == pytest.approx(3.346774193548387)


def test_the_english_sheet_and_a_p_value_above_the_floor(primary):
    sheet = _book(primary.results, "en")["Results"]
    rows = _rows(sheet)
    ease = rows["Ease of use"]
    assert ease["Result"].value == "No significant change" and ease["Adjusted p"].value == pytest.approx(1.0)
    assert ease["Respondents"].value == "Paired: 124 respondents who answered both waves"
    assert ease["n paired"].value == 124 and ease["Test"].value == "Wilcoxon signed-rank test"


def test_hostile_names_are_text_never_formulas(primary):
    results = primary.results.head(2).copy()
    results["label_en"] = ["=1+1", "@cmd"]
    sheet = _book(results, "en", **{"=Plan": pd.DataFrame({"x": ["+SUM(A1)"]})})["Results"]
    assert [sheet.cell(row=i, column=1).value for i in (2, 3)] == ["'=1+1", "'@cmd"]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
