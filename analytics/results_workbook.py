"""The before/after results as a workbook fit for the review meeting.

The first sheet is for reading: headers in the user's language, one row per measure, numbers
stored as numbers but shown rounded (shares as percentages, p-values below 0.001 as "< 0.001"),
the result in its colour, a frozen header and columns wide enough for their text. The second sheet
holds the raw table (every figure unrounded, as the CSV has it) for anyone who recomputes. Further
sheets (the planner, the scope) follow as given.

Every text cell is formula-safe (:func:`analytics.reports.safe_cell`).
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics.reports import result_words, results_table, safe_cell, safe_frame
from analytics.verdicts import RESULT_COLOURS, SHARE_KINDS, test_name

# Excel's own conditional number format: the number stays a number, shown "< 0.001" when small.
P_FORMAT = '[<0.001]"< 0.001";0.000'
WIDEST, NARROWEST = 70, 8  # column widths, in characters
WRAPPED = 70  # columns whose text is longer than this wrap inside that width

_SHEETS: dict[str, tuple[str, str]] = {"results": ("检验结果", "Results"), "raw": ("原始数据", "Raw data")}
_HEADERS: dict[str, tuple[str, str]] = {  # column: (zh, en)
    "label": ("指标", "Measure"),
    "result": ("结论", "Result"),
    "mean_before": ("基线", "Before"),
    "mean_after": ("复测", "After"),
    "diff": ("变化", "Change"),
    "diff_ci_low": ("95% 置信区间下限", "95% CI low"),
    "diff_ci_high": ("95% 置信区间上限", "95% CI high"),
    "p_adj": ("校正后 p", "Adjusted p"),
    "test": ("检验", "Test"),
    "n_before": ("基线样本量", "n before"),
    "n_after": ("复测样本量", "n after"),
    "n_paired": ("配对人数", "n paired"),
    "respondents": ("受访者", "Respondents"),
    "verdict": ("结论说明", "Verdict"),
    "warnings": ("注意事项", "Caveats"),
}


def _number_formats(kind: str) -> tuple[str, str]:
    """(format of a level, format of a change) for a row of this kind."""
    if kind in SHARE_KINDS:
        return "0%", "+0%;-0%;0%"  # a change of shares, in percentage points
    if kind == "nps":
        return "0", "+0;-0;0"
    return "0.00", "+0.00;-0.00;0.00"


def _finite(value: Any) -> float | None:
    """The value as a float, or None when it is missing or not finite (an empty cell)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _display_width(text: str) -> int:
    """Characters a text needs in a column: Chinese and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_columns(sheet: Worksheet) -> None:
    """Each column as wide as its longest cell (up to :data:`WIDEST`); longer text wraps."""
    for column in sheet.iter_cols():
        widest = max((_display_width(str(c.value)) for c in column if c.value is not None), default=0)
        width = min(max(NARROWEST, widest + 2), WIDEST)
        sheet.column_dimensions[get_column_letter(column[0].column)].width = width
        if widest > WRAPPED:
            for c in column[1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")


def _header(sheet: Worksheet, names: list[str]) -> None:
    """The header row in bold on grey, frozen with the first column."""
    sheet.append([safe_cell(n) for n in names])
    for c in sheet[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E8E8E8")
        c.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "B2"


def _results_sheet(sheet: Worksheet, results: pd.DataFrame, lang: str) -> None:
    """The readable results: translated headers, rounded and formatted numbers, coloured results."""
    suffix = "zh" if lang == "zh" else "en"
    columns = [c for c in _HEADERS if c != "respondents" or f"respondents_{suffix}" in results.columns]
    _header(sheet, [_HEADERS[c][0 if lang == "zh" else 1] for c in columns])
    warnings = "warnings_zh" if lang == "zh" else "warnings"
    for r in results.to_dict("records"):
        level, change = _number_formats(str(r["kind"]))
        values: dict[str, Any] = {
            "label": r[f"label_{suffix}"],
            "result": result_words(r["result"], lang),
            "mean_before": _finite(r["mean_before"]),
            "mean_after": _finite(r["mean_after"]),
            "diff": _finite(r["diff"]),
            "diff_ci_low": _finite(r["diff_ci_low"]),
            "diff_ci_high": _finite(r["diff_ci_high"]),
            "p_adj": _finite(r["p_adj"]) if r["status"] == "ok" else None,
            "test": test_name(r["test"], lang) if r["test"] else "",
            "n_before": int(r["n_before"]),
            "n_after": int(r["n_after"]),
            "n_paired": int(r["n_paired"]) if r["analysis"] == "paired" else None,
            "respondents": r.get(f"respondents_{suffix}", ""),
            "verdict": r[f"verdict_{suffix}"],
            "warnings": "; ".join(r[warnings]),
        }
        sheet.append([safe_cell(values[c]) for c in columns])
        row = sheet[sheet.max_row]
        formats = {
            "mean_before": level,
            "mean_after": level,
            "diff": change,
            "diff_ci_low": change,
            "diff_ci_high": change,
            "p_adj": P_FORMAT,
        }
        for column, number_format in formats.items():
            row[columns.index(column)].number_format = number_format
        cell = row[columns.index("result")]
        cell.font = Font(bold=True, color=RESULT_COLOURS[r["result"]].lstrip("#").upper())
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"  # never a formula, whatever the text
    _fit_columns(sheet)


def _frame_sheet(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """A frame as it is (formula-safe), with a frozen header and fitted columns."""
    safe = safe_frame(frame)
    _header(sheet, [str(c) for c in safe.columns])
    for values in safe.itertuples(index=False):
        sheet.append([None if isinstance(v, float) and not math.isfinite(v) else v for v in values])
        for c in sheet[sheet.max_row]:
            if isinstance(c.value, str):
                c.data_type = "s"
    _fit_columns(sheet)


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unused sheet name (31 characters, none of Excel's forbidden ones)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31] or "sheet"
    candidate, n = clean, 2
    while candidate in taken:
        candidate = f"{clean[:28]} {n}"
        n += 1
    taken.add(candidate)
    return candidate


def results_workbook(
    results: pd.DataFrame, lang: str = "en", more: Mapping[str, pd.DataFrame] | None = None
) -> bytes:
    """The comparison as an XLSX workbook: a readable results sheet, the raw table, then ``more``.

    Args:
        results: ``analytics.wave_compare.compare_primary(...).results`` (or ``compare_waves`` output).
        lang: "zh" or "en": the headers, words and sheet names.
        more: Further sheets by name (e.g. the planner and the scope), written as they are.

    Returns:
        The workbook's bytes.
    """
    book = Workbook()
    taken: set[str] = set()
    first = book.active
    assert first is not None  # a new workbook has its sheet
    first.title = _sheet_name(_SHEETS["results"][0 if lang == "zh" else 1], taken)
    _results_sheet(first, results, lang)
    raw = book.create_sheet(_sheet_name(_SHEETS["raw"][0 if lang == "zh" else 1], taken))
    _frame_sheet(raw, results_table(results, lang))
    for name, frame in (more or {}).items():
        _frame_sheet(book.create_sheet(_sheet_name(name, taken)), frame)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
