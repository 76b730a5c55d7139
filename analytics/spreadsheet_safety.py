"""Cells a spreadsheet would run as formulas, made inert, for every CSV and XLSX Rectify writes.

OWASP "CSV injection": a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote, so Excel and LibreOffice show it as text instead of running it.
Numbers stay numbers. Kept apart from :mod:`analytics.reports` so that small exports (the import
report) need not load the deck and chart libraries.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a leading single quote when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) made safe; tuples and lists become "; "-joined text."""

    def cell(value: Any) -> Any:
        if isinstance(value, tuple | list):
            value = "; ".join(str(v) for v in value)
        return safe_cell(value)

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(cell).astype(object)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark (so Excel reads Chinese), formula-safe, CRLF rows (RFC 4180).

    CRLF also makes the writer quote any cell holding a lone carriage return.
    """
    text: str = safe_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")
