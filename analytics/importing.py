"""Read customer-service records and community posts from CSV, XLSX and JSONL, and check them row by row.

Two steps, both pure Python (no Streamlit, no database):

1. :func:`read_table` turns the uploaded bytes into a :class:`Table` of header and cells. It detects the
   encoding (UTF-8, UTF-8 with a byte-order mark, UTF-16 with a mark, and GBK/GB18030 as Chinese Excel
   writes CSV), the delimiter, pads short rows and sets aside rows with more cells than the header.
2. :func:`prepare` maps columns to fields (:func:`guess_mapping` proposes a mapping from common Chinese
   and English headers), parses dates, ratings and severities, rejects bad rows with a reason, redacts
   personal data with :func:`analytics.pii.redact`, pseudonymises customer ids and drops rows that
   repeat an earlier row of the same file. What comes out is ready to store.

Decisions:

* A row with a date column mapped but an empty date is rejected, not given today's date: a wrong date
  would put old feedback into the wrong survey wave. Without a date column every row gets the time of
  the import, and the time is left out of the duplicate check so that a second import still matches.
* Times without a zone are read in the zone the analyst picks (Asia/Shanghai by default, as Chinese
  exports are) and stored in UTC. ``03/05/2026`` is read day first (3 May) unless the column shows a
  month first (a second number above 12); the analyst can override it.
* A row with more cells than the header is rejected (its columns are shifted, so any text taken from it
  may be the wrong one); a row with fewer cells is padded with empty cells, as Excel leaves them off.
* Text with HTML or script in it is kept as text (redacted) and must be shown as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as fixed_offset
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import ParseError
from zoneinfo import ZoneInfo

import pandas as pd
from charset_normalizer import from_bytes
from defusedxml import DefusedXmlException

from analytics.bulk import gc_paused
from analytics.hashing import content_hash, key_hash, normalise
from analytics.pii import redact
from analytics.progress import Progress
from analytics.pseudonym import pseudonymise
from analytics.spreadsheet_safety import to_csv_bytes
from analytics.upload_limits import ImportProblem as ImportProblem
from analytics.upload_limits import Limits, capped, check_workbook

MAX_FILE_BYTES = 200 * 1024 * 1024  # the same as Streamlit's default upload limit
MAX_TEXT_CHARS = 10_000  # longer "feedback" is almost always a pasted log or a whole chat export
DEFAULT_TIMEZONE = "Asia/Shanghai"
KINDS = ("csv", "xlsx", "jsonl")
FIELDS = (
    "text",
    "created_at",
    "rating",
    "customer_id",
    "source_ref",
    "severity",
    "app_version",
    "model_version",
    "segment",
    "language",
)
# Column sizes of db.models.Feedback; a longer value is rejected rather than cut.
FIELD_LIMITS = {"source_ref": 200, "app_version": 40, "model_version": 80, "segment": 60}
#: Why a row was rejected; each has a message in ui/strings/data.py (``import.reason.<code>``).
REASONS = (
    "empty_text",
    "text_too_long",
    "missing_date",
    "bad_date",
    "date_in_future",
    "bad_rating",
    "rating_out_of_range",
    "bad_severity",
    "field_too_long",
    "duplicate_in_file",
    "too_many_cells",
    "bad_json",
    "json_too_deep",
)
#: Why a whole file was refused; each has a message (``import.problem.<code>``).
PROBLEMS = (
    "empty_file",
    "too_large",
    "unsupported_type",
    "undecodable",
    "unreadable",
    "no_rows",
    "no_text_column",
    "too_many_rows",
    "unzipped_too_large",
    "compressed_too_much",
    "unsafe_xml",
    "json_too_deep",
)

# Header names per field, compared after lower-casing and dropping spaces, "_", "-", "." and brackets.
# Earlier names win: a file with both "内容" and "标题" maps its text to "内容".
SYNONYMS: dict[str, tuple[str, ...]] = {
    "text": (
        "反馈内容", "内容", "用户反馈", "客户反馈", "反馈", "意见", "意见反馈", "评论内容", "评论", "留言内容",
        "留言", "帖子内容", "正文", "问题描述", "描述", "详情", "咨询内容", "工单内容", "对话内容", "消息内容",
        "消息", "文本", "text", "content", "comment", "comments", "feedback", "body", "message",
        "description", "review", "posttext", "post", "complaint", "问题",
    ),
    "created_at": (
        "时间", "日期", "创建时间", "提交时间", "发布时间", "反馈时间", "发帖时间", "评论时间", "咨询时间",
        "工单创建时间", "日期时间", "createdat", "created", "createtime", "createdtime", "creationdate",
        "date", "time", "datetime", "timestamp", "submittedat", "postedat", "publishedat", "reportedat",
    ),
    "rating": ("评分", "满意度", "满意度评分", "分数", "星级", "打分", "rating", "score", "stars",
               "satisfaction", "csat"),
    "customer_id": (
        "客户id", "客户编号", "客户号", "用户id", "用户编号", "会员id", "会员号", "账号", "用户账号", "客户",
        "用户", "用户名", "昵称", "customerid", "userid", "user", "customer", "memberid", "accountid",
        "account", "authorid", "author", "uid", "username",
    ),
    "source_ref": (
        "工单号", "工单编号", "工单id", "单号", "帖子id", "帖子编号", "评论id", "编号", "ticketid", "ticket",
        "ticketno", "ticketnumber", "caseid", "case", "postid", "commentid", "threadid", "messageid", "id",
        "ref", "reference",
    ),
    "severity": ("严重程度", "严重性", "严重级别", "优先级", "级别", "等级", "severity", "priority", "level"),
    "app_version": ("应用版本", "app版本", "客户端版本", "版本号", "版本", "appversion", "clientversion",
                    "version"),
    "model_version": ("模型版本", "模型", "modelversion", "model"),
    "segment": ("客户类型", "用户类型", "客户分层", "用户分层", "客户等级", "分组", "行业", "segment", "tier",
                "plan", "customertype", "usertype", "group"),
    "language": ("语言", "language", "lang", "locale"),
}  # fmt: skip
# A header that contains one of these is a text column when no name above matched exactly.
_TEXT_HINTS = ("内容", "反馈", "评论", "留言", "描述", "text", "comment", "content", "feedback", "message")

_LANGUAGE_NAMES = {
    "zh": (
        "zh",
        "zhcn",
        "zhhans",
        "zhhant",
        "zhtw",
        "zhhk",
        "cn",
        "chinese",
        "中文",
        "汉语",
        "简体中文",
        "繁体中文",
    ),
    "en": ("en", "enus", "engb", "english", "英文", "英语"),
}
_SEVERITY_WORDS = {
    1: ("minor", "low", "trivial", "轻微", "低"),
    2: ("medium", "moderate", "normal", "中", "中等", "一般"),
    3: ("high", "major", "serious", "高", "严重"),
    4: ("critical", "blocker", "urgent", "致命", "紧急", "阻断"),
}


@dataclass(frozen=True)
class Rejected:
    """One problem with one row of the file.

    Attributes:
        row: The row as the user finds it: the spreadsheet row (the header is row 1) or the JSONL line.
        reason: One of REASONS.
        column: The file's column the problem is in, or None for the whole row.
        value: The offending value, redacted and shortened (empty for text problems: the row is enough).
        values: Numbers for the message: limit, length, first_row, cells, expected.
    """

    row: int
    reason: str
    column: str | None = None
    value: str = ""
    values: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A file read into a header and rows of cells (strings, or numbers and datetimes from XLSX/JSON)."""

    kind: str
    columns: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    encoding: str | None = None
    problems: list[Rejected] = field(default_factory=list)  # rows set aside while reading

    @property
    def n_rows(self) -> int:
        """Rows in the file (read and set aside), blank rows not counted."""
        return len(self.rows) + len({p.row for p in self.problems})


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a few microseconds more per row to build
class Record:
    """One accepted row, redacted and pseudonymised, ready to become a feedback item."""

    row: int
    text: str
    created_at: datetime
    rating: float | None
    language: str | None
    respondent_key: str | None
    app_version: str | None
    model_version: str | None
    segment: str | None
    source_ref: str | None
    severity: int | None
    pii_counts: dict[str, int]
    content_hash: str  # of the redacted text
    dedup_basis: str  # the row's identity: source ref, customer, date (if the file has dates) and text


@dataclass(frozen=True)
class Prepared:
    """The outcome of checking a table: rows to store and problems to report."""

    records: list[Record]
    rejected: list[Rejected]
    total_rows: int
    day_first: bool
    date_mapped: bool

    @property
    def rejected_rows(self) -> int:
        """Rows with at least one problem, each counted once."""
        return len({r.row for r in self.rejected})

    @property
    def pii_counts(self) -> dict[str, int]:
        """Personal data found and redacted, per type, over every accepted row."""
        total: dict[str, int] = {}
        for record in self.records:
            for kind, n in record.pii_counts.items():
                total[kind] = total.get(kind, 0) + n
        return total


# --------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------


def read_table(
    data: bytes, filename: str, *, max_bytes: int = MAX_FILE_BYTES, limits: Limits | None = None
) -> Table:
    """Read an uploaded CSV, XLSX or JSONL file.

    A CSV is decoded as it is read, never held as one string; an XLSX is checked before it is
    unpacked (:func:`analytics.upload_limits.check_workbook`); reading stops at the row limit.

    Args:
        data: The uploaded file.
        filename: Its name (the extension tells the kind when the content does not).
        max_bytes: Larger files are refused.
        limits: Rows and unpacked size; None: the environment's (``Limits.from_env``).

    Raises:
        ImportProblem: empty_file, too_large (values limit_mb), unsupported_type, undecodable,
            unreadable, no_rows, too_many_rows (limit), unzipped_too_large (limit_mb),
            compressed_too_much (ratio), unsafe_xml, json_too_deep.
    """
    if len(data) > max_bytes:
        raise ImportProblem("too_large", limit_mb=max_bytes // (1024 * 1024))
    if not data[:65536].strip() and not data.strip():
        raise ImportProblem("empty_file")
    limits = limits or Limits.from_env()
    kind = file_kind(data, filename)
    with gc_paused():
        if kind == "xlsx":
            check_workbook(data, limits)
            table = _read_xlsx(data, limits.max_rows)
        elif kind == "jsonl":
            table = _read_jsonl(data, max_rows=limits.max_rows)
        else:
            table = _read_csv(data, tab=filename.lower().endswith((".tsv", ".tab")), max_rows=limits.max_rows)
    if not table.rows and not table.problems:
        raise ImportProblem("no_rows")
    return table


def file_kind(data: bytes, filename: str) -> str:
    """csv, xlsx or jsonl, from the content where it is telling and the file name otherwise.

    Raises:
        ImportProblem: unsupported_type for old .xls files, encrypted workbooks and other formats.
    """
    name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xls", ".numbers", ".ods")):
        raise ImportProblem("unsupported_type")  # old Excel or an encrypted workbook
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv", ".tab", ".txt")) or not name.rpartition(".")[1]:
        return "csv"
    raise ImportProblem("unsupported_type")


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding (:func:`encoding_of`), as one string.

    Raises:
        ImportProblem: undecodable (binary data or an encoding no candidate fits).
    """
    data, encoding = encoding_of(data)
    return data.decode(encoding), encoding


def encoding_of(data: bytes) -> tuple[bytes, str]:
    """The name of the file's encoding, checked over the whole file without holding its text.

    UTF-8 and byte-order marks are certain; otherwise charset-normalizer guesses from the first megabyte.
    Short Chinese files fool it (GBK text guessed as Korean or Big5), so GB18030, a superset of GBK
    and GB2312, is preferred whenever the whole file decodes as GB18030 and the detector lists it or
    has no better idea.

    Returns:
        The data (without the stray NUL bytes some exporters pad files with) and the encoding.

    Raises:
        ImportProblem: undecodable (binary data or an encoding no candidate fits).
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            if not _decodes(data, encoding):
                raise ImportProblem("undecodable")
            return data, encoding
    if b"\x00" in data:
        sample = data[:65536]
        if sample.count(0) > len(sample) // 100:
            raise ImportProblem("undecodable")  # binary, or UTF-16 without a mark
        data = data.replace(b"\x00", b"")  # a few stray NULs, as some exporters pad files
    if _decodes(data, "utf-8"):
        return data, "utf-8"
    guesses = [match.encoding for match in from_bytes(data[: 1024 * 1024])]
    gb = _decodes(data, "gb18030")
    if gb and (not guesses or {"gb18030", "gbk", "gb2312", "hz"} & set(guesses)):
        return data, "gb18030"
    for guess in guesses[:3]:
        if _decodes(data, guess):
            return data, guess
    if gb:
        return data, "gb18030"
    raise ImportProblem("undecodable")


_DECODE_CHUNK = 4 * 1024 * 1024


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether the whole of `data` is valid `encoding`, decoded a few MB at a time and dropped."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return False
    view = memoryview(data)
    try:
        for start in range(0, len(data), _DECODE_CHUNK):
            decoder.decode(view[start : start + _DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _clean_header(names: Sequence[Any]) -> list[str]:
    columns: list[str] = []
    for i, raw in enumerate(names):
        name = " ".join(cell_text(raw).replace("\ufeff", "").split()) or f"column {i + 1}"
        unique, n = name, 2
        while unique in columns:
            unique, n = f"{name} ({n})", n + 1
        columns.append(unique)
    return columns


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


_SHARED_CHARS = 12  # longer values (texts, dates, ticket ids) rarely repeat


def _fit_rows(kind: str, raw_rows: Iterable[tuple[int, Sequence[Any]]], encoding: str | None) -> Table:
    """Header from the first non-blank row; short rows padded, long rows set aside."""
    header: list[str] | None = None
    rows: list[list[Any]] = []
    numbers: list[int] = []
    problems: list[Rejected] = []
    width = 0
    # One copy of each short value: versions, segments, priorities and customer ids repeat down a
    # column, and a copy per row is most of a big file's memory (400,000 rows: 288 -> 194 MB).
    shared: dict[str, str] = {}
    for number, cells in raw_rows:
        if _blank(cells):
            continue
        if header is None:
            last = max(i for i, c in enumerate(cells) if not _blank([c]))
            header = _clean_header(cells[: last + 1])
            width = len(header)
            continue
        row = [
            shared.setdefault(c, c) if c.__class__ is str and len(c) <= _SHARED_CHARS else c for c in cells
        ]
        if len(row) > width:
            if not _blank(row[width:]):
                problems.append(
                    Rejected(number, "too_many_cells", values={"cells": len(row), "expected": width})
                )
                continue
            del row[width:]
        elif len(row) < width:
            row.extend([""] * (width - len(row)))
        rows.append(row)
        numbers.append(number)
    if header is None:
        raise ImportProblem("no_rows")
    return Table(kind, header, rows, numbers, encoding, problems)


def _delimiter(text: str, tab: bool) -> str:
    if tab:
        return "\t"
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The file's text, decoded as it is read (io.StringIO would hold it whole, four bytes a character)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def csv_records(
    data: bytes, *, tab: bool, max_rows: int, header_rows: int = 1
) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """A CSV's records, numbered as spreadsheet rows, read as they are needed; and its encoding.

    Raises:
        ImportProblem: undecodable; too_many_rows (while iterating) past `max_rows` rows of data.
    """
    data, encoding = encoding_of(data)
    stream = text_stream(data, encoding)
    first = ""
    while not first.strip("\r\n") and (line := stream.readline()):
        first = line
    stream.seek(0)
    reader = csv.reader(stream, delimiter=_delimiter(first, tab))
    # Spreadsheet row numbers: the header is row 1, whatever newlines quoted cells hold.
    return capped(enumerate(reader, start=1), max_rows, header_rows), encoding


def _read_csv(data: bytes, *, tab: bool = False, max_rows: int) -> Table:
    records, encoding = csv_records(data, tab=tab, max_rows=max_rows)
    try:
        return _fit_rows("csv", records, encoding)
    except csv.Error as err:
        raise ImportProblem("unreadable") from err


@contextmanager
def open_workbook(data: bytes, max_rows: int, header_rows: int = 1) -> Iterator[list[SheetRows]]:
    """Each sheet's rows (empty cells as ""), numbered as spreadsheet rows, read as they are needed.

    Check the file with :func:`analytics.upload_limits.check_workbook` first. XML that defusedxml
    refuses (an entity declaration deep inside a part) is unsafe_xml; broken XML is unreadable.

    Raises:
        ImportProblem: unreadable, unsafe_xml; while iterating also too_many_rows past `max_rows`.
    """
    from openpyxl import load_workbook  # imported here: a CSV import should not pay for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN as err:
        raise ImportProblem("unsafe_xml" if _refused_xml(err) else "unreadable") from err
    try:
        yield [_sheet_rows(sheet, max_rows, header_rows) for sheet in book.worksheets]
    finally:
        book.close()


SheetRows = Iterator[tuple[int, tuple[Any, ...]]]
_BROKEN = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, EOFError, ParseError)


def _sheet_rows(sheet: Any, max_rows: int, header_rows: int) -> SheetRows:
    try:
        sheet.reset_dimensions()  # some writers store a wrong size, which would cut columns off
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        for i, cells in capped(rows, max_rows, header_rows):
            yield i, tuple("" if c is None else c for c in cells)
    except ImportProblem:  # a ValueError too: too_many_rows, as it is
        raise
    except _BROKEN as err:
        raise ImportProblem("unsafe_xml" if _refused_xml(err) else "unreadable") from err


def _refused_xml(err: BaseException | None) -> bool:
    """Whether defusedxml refused the XML, maybe inside openpyxl's ValueError("Unable to read workbook")."""
    while err is not None:
        if isinstance(err, DefusedXmlException):
            return True
        err = err.__cause__ or err.__context__
    return False


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    with open_workbook(data, max_rows) as sheets:
        for raw in sheets:  # the first sheet that holds anything
            try:
                return _fit_rows("xlsx", raw, None)
            except ImportProblem as problem:
                if problem.code != "no_rows":
                    raise
    raise ImportProblem("no_rows")


def _read_jsonl(data: bytes, *, max_rows: int) -> Table:
    data, encoding = encoding_of(data)
    # Lines end at "\n" only: JSON strings may hold U+2028 and other breaks that are not line ends.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="\n")
    start = ""
    while not start and (chunk := stream.read(65536)):
        start = chunk.lstrip()[:1]
    stream.seek(0)
    objects: list[tuple[int, dict[str, Any]]] = []
    problems: list[Rejected] = []
    if start == "[":  # a JSON array of objects, as some tools export: read whole
        try:
            items = json.loads(stream.read())
        except json.JSONDecodeError as err:
            raise ImportProblem("unreadable") from err
        except RecursionError as err:  # nested deeper than Python's stack: a crafted file
            raise ImportProblem("json_too_deep") from err
        lines: Iterable[tuple[int, Any]] = enumerate(items if isinstance(items, list) else [items], start=1)
    else:  # one object a line, parsed as it is read
        lines = _json_lines(stream)
    for number, item in capped(lines, max_rows, header_rows=0):
        if isinstance(item, dict):
            try:
                objects.append((number, {str(k): _json_cell(v) for k, v in item.items()}))
            except RecursionError:
                problems.append(Rejected(number, "json_too_deep"))
        else:
            problems.append(Rejected(number, "json_too_deep" if item is _TOO_DEEP else "bad_json"))
    if not objects:
        if problems and all(p.reason == "json_too_deep" for p in problems):
            raise ImportProblem("json_too_deep")
        raise ImportProblem("unreadable" if problems else "no_rows")
    keys: dict[str, None] = {}
    for _, item in objects:
        keys.update(dict.fromkeys(item))
    columns = list(keys)
    rows = [[item.get(k, "") for k in columns] for _, item in objects]
    return Table("jsonl", _clean_header(columns), rows, [n for n, _ in objects], encoding, problems)


_TOO_DEEP = object()


def _json_lines(text: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """Each non-blank line parsed: a value, None when it is not JSON, _TOO_DEEP when nested too deep."""
    for number, line in enumerate(text, start=1):  # a "\r" before the "\n" is JSON whitespace
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError:
            yield number, None
        except RecursionError:
            yield number, _TOO_DEEP


def _json_cell(value: Any) -> Any:
    """A JSON value as a cell; an object or list nested in it becomes its JSON text."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def cell_text(value: Any) -> str:
    """A cell as text: whole floats without ".0" (ticket 12345 read as 12345.0 by Excel)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------------------------------
# Column mapping
# --------------------------------------------------------------------------------------------------


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-.()（）\[\]【】:：/]+", "", unicodedata.normalize("NFKC", name).lower())


def guess_mapping(columns: Sequence[str]) -> dict[str, str | None]:
    """Propose a column for each field from the header names; None where nothing fits."""
    squashed = {column: _squash(column) for column in columns}
    taken: set[str] = set()
    mapping: dict[str, str | None] = dict.fromkeys(FIELDS)
    for name in FIELDS:
        for synonym in SYNONYMS[name]:
            hit = next((c for c in columns if c not in taken and squashed[c] == synonym), None)
            if hit is not None:
                mapping[name] = hit
                taken.add(hit)
                break
    if mapping["text"] is None:
        hit = next(
            (c for c in columns if c not in taken and any(h in squashed[c] for h in _TEXT_HINTS)), None
        )
        if hit is not None:
            mapping["text"] = hit
    return mapping


def preview(table: Table, mapping: Mapping[str, str | None], n: int = 20) -> pd.DataFrame:
    """The first `n` rows of the mapped columns, cells as text, one column per mapped field.

    Returns:
        A frame with a `row` column and one column per mapped field (named by the field).
    """
    index = {c: i for i, c in enumerate(table.columns)}
    used = [(name, index[column]) for name, column in mapping.items() if column in index]
    data: dict[str, list[Any]] = {"row": table.row_numbers[:n]}
    for name, i in used:
        data[name] = [cell_text(row[i]) for row in table.rows[:n]]
    return pd.DataFrame(data)


def text_column_looks_wrong(table: Table, column: str, sample: int = 200) -> bool:
    """True when most cells of the chosen text column are numbers, dates or ids rather than sentences."""
    i = table.columns.index(column)
    values = [cell_text(row[i]).strip() for row in table.rows[:sample]]
    values = [v for v in values if v]
    if not values:
        return True
    wordless = sum(1 for v in values if not re.search(r"[^\W\d_]{2,}|[\u4e00-\u9fff]", v))
    return wordless > len(values) / 2


# --------------------------------------------------------------------------------------------------
# Parsing values
# --------------------------------------------------------------------------------------------------

_EXCEL_EPOCH = datetime(1899, 12, 30)
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_TIME = re.compile(
    r"(上午|下午|晚上|中午|凌晨)?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})"
    r"(?:\s*[:分]\s*(\d{1,2})(?:[.,](\d{1,6}))?\s*秒?)?\s*分?\s*([ap]\.?m\.?)?",
    re.IGNORECASE,
)
_ZONE = re.compile(r"\s*(z|utc|gmt|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_CLOCK = re.compile(r"\d\s*[:时]\s*\d")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# 2026-05-03, 2026/5/3 or 2026.5.3 [14:05[:00[.123]][Z|+08:00]] and 2026年5月3日[ 14:05[:00]]; ASCII
# digits only, so that NFKC could not change what it matches.
_COMMON_SHAPE = re.compile(
    r"([0-9]{4})(?:([-/.])([0-9]{1,2})\2([0-9]{1,2})(?=[ T]|$)|年([0-9]{1,2})月([0-9]{1,2})日 ?)"
    r"(?:(?<=[0-9日 ])[ T]?([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_WORDY_FORMATS = (
    "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y %H:%M", "%B %d %Y %H:%M",
    "%d %b %Y %H:%M", "%d %B %Y %H:%M", "%b %d %Y %H:%M:%S", "%d %b %Y %H:%M:%S", "%d-%b-%Y",
    "%d-%b-%Y %H:%M", "%d-%b-%Y %H:%M:%S",
)  # fmt: skip


def detect_day_first(values: Iterable[Any]) -> bool | None:
    """True when the column writes dates as 03/05/2026 = 3 May, False for 05/03/2026, None if unclear."""
    day_first = month_first = False
    for value in values:
        if not isinstance(value, str):
            continue
        match = _DMY.match(value.strip())
        if match:
            first, second = int(match[1]), int(match[2])
            day_first |= first > 12
            month_first |= second > 12
    if day_first == month_first:
        return None
    return day_first


def parse_datetime(value: Any, zone: ZoneInfo, *, day_first: bool = True) -> datetime | None:
    """A cell as an aware UTC datetime, or None when it is not a date.

    Reads ISO 8601 (``2026-05-03T14:05:00Z``), ``2026/5/3 14:05``, ``2026.5.3``, ``2026年5月3日 14时05分``
    (with 上午/下午), ``03/05/2026`` (day first unless told otherwise), ``May 3, 2026``, RFC 2822 mail
    dates, ``20260503``, Excel serial dates (``46145`` or ``46145.59``) and Unix seconds or milliseconds.
    Times without a zone are in `zone`.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment_or_none = _from_number(float(value))
        if moment_or_none is None:
            return None
        moment = moment_or_none
    elif isinstance(value, str):
        parsed = _from_common_shape(value.strip())
        if parsed is None:
            text = unicodedata.normalize("NFKC", value).strip()
            if not text:
                return None
            parsed = _from_text(text, day_first)
            if parsed is None:
                return None
        moment = parsed
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _from_common_shape(text: str) -> datetime | None:
    """The shapes most exports write, read with one regex and no normalisation (a third of the cost).

    None when `text` has another shape or is not a real date: the general path then decides.
    """
    match = _COMMON_SHAPE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.group(1, 3, 4, 7, 8, 9, 10, 11)
    try:
        moment = datetime(
            int(year),
            int(month or match[5]),
            int(day or match[6]),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int(fraction.ljust(6, "0")) if fraction else 0,
        )
    except ValueError:
        return None
    return moment.replace(tzinfo=_offset(zone)) if zone else moment


def _from_number(number: float) -> datetime | None:
    if 19000101 <= number <= 21001231 and number.is_integer():  # 20260503
        try:
            return datetime.strptime(str(int(number)), "%Y%m%d")
        except ValueError:
            return None
    # Excel serial day in the 1900 system (Excel on Windows, WPS), 1954 .. 2119.
    if 20_000 <= number < 80_000:
        return _EXCEL_EPOCH + timedelta(days=number)
    if 1e9 <= number < 5e9:  # Unix seconds
        return datetime.fromtimestamp(number, UTC)
    if 1e12 <= number < 5e12:  # Unix milliseconds
        return datetime.fromtimestamp(number / 1000, UTC)
    return None


def _from_text(text: str, day_first: bool) -> datetime | None:
    if _NUMBER.fullmatch(text):
        return _from_number(float(text))
    body, offset = text, None
    zone_match = _ZONE.search(text)
    if zone_match and _CLOCK.search(text, 0, zone_match.start()):  # a zone after a time
        body, offset = text[: zone_match.start()], _offset(zone_match[1])
    moment = _from_numeric_date(body, day_first)  # the common shapes first: no exception to pay for
    if moment is None:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            moment = _from_words(body)
    if moment is None:
        return None
    return moment.replace(tzinfo=offset) if offset is not None and moment.tzinfo is None else moment


def _offset(zone: str) -> fixed_offset:
    zone = zone.lower()
    if zone in ("z", "utc", "gmt"):
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return fixed_offset(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _from_numeric_date(text: str, day_first: bool) -> datetime | None:
    match = _YMD.match(text)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        match = _DMY.match(text)
        if not match:
            return None
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first > 12 or (day_first and second <= 12):
            day, month = first, second
        else:
            month, day = first, second
    rest = text[match.end() :].strip().lstrip("T").strip()
    hour = minute = second_ = micro = 0
    if rest:
        clock = _TIME.fullmatch(rest)
        if not clock:
            return None
        hour, minute = int(clock[2]), int(clock[3])
        second_ = int(clock[4] or 0)
        micro = int((clock[5] or "0").ljust(6, "0")[:6])
        half = (clock[1] or "") + (clock[6] or "").lower().replace(".", "")
        if half in ("下午", "晚上", "pm") and hour < 12:
            hour += 12
        elif half in ("上午", "凌晨", "am") and hour == 12:
            hour = 0
    try:
        return datetime(year, month, day, hour, minute, second_, micro)
    except ValueError:
        return None


def _from_words(text: str) -> datetime | None:
    plain = " ".join(text.replace(",", " ").split())
    for fmt in _WORDY_FORMATS:
        try:
            return datetime.strptime(plain, fmt)
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text)  # "Sun, 03 May 2026 14:05:00 +0800"
    except (TypeError, ValueError, IndexError):
        return None


def parse_rating(value: Any) -> float | None:
    """A rating on the 1-5 scale: 4, "4.5", "4分", "4 stars", "4/5", "★★★★☆".

    Returns None for an empty cell. Raises ValueError when it is not a number (range not checked).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a rating")
    if isinstance(value, int | float):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if not text:
        return None
    if set(text) <= {"★", "☆", " "} and "★" in text:
        return float(text.count("★"))
    text = re.sub(r"\s*(分|星|颗星|stars?|points?|pts?)$", "", text)
    text = re.sub(r"\s*/\s*5$", "", text)
    return float(text)


def parse_severity(value: Any) -> int | None:
    """A severity 1 (minor) .. 4 (critical) from a number or a word (high, 严重, P1 ...).

    Returns None for an empty cell. Raises ValueError when it is neither.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        raise ValueError("not a whole number")
    text = unicodedata.normalize("NFKC", cell_text(value)).strip().lower()
    if not text:
        return None
    for level, words in _SEVERITY_WORDS.items():
        if text in words:
            return level
    match = re.fullmatch(r"p([0-3])", text)  # P0 is the most urgent in most trackers
    if match:
        return 4 - int(match[1])
    return int(text)


def language_of(text: str, given: str = "") -> str | None:
    """Language code from a language cell when it says so, else zh or en from the text (any Han: zh).

    Returns:
        A two-letter code, or None when the cell names no language and the text has no letters.
    """
    squashed = _squash(given)
    if squashed:
        for code, names in _LANGUAGE_NAMES.items():
            if squashed in names:
                return code
        if re.fullmatch(r"[a-z]{2,3}(-?[a-z0-9]{2,4})?", squashed):
            return squashed[:2]
    if _HAN.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return None


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: Any) -> str:
    text = cell_text(value)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text.strip()


def _safe_value(value: Any, limit: int = 60) -> str:
    """A cell fit for the report: redacted and shortened, so the report holds no personal data."""
    text = cell_text(value).strip()
    text = text[:limit] + "…" if len(text) > limit else text
    return redact(text, names=False).text


# --------------------------------------------------------------------------------------------------
# Checking rows
# --------------------------------------------------------------------------------------------------


def prepare(
    table: Table,
    mapping: Mapping[str, str | None],
    *,
    secret: bytes,
    timezone: str = DEFAULT_TIMEZONE,
    day_first: bool | None = None,
    now: datetime | None = None,
    max_text_chars: int = MAX_TEXT_CHARS,
    rating_alone: bool = False,
    progress: Progress | None = None,
) -> Prepared:
    """Check every row, redact and pseudonymise the good ones, and say why each bad one is refused.

    Args:
        table: From :func:`read_table`.
        mapping: Field name -> column of the table (None or missing: not in the file); text is required.
        secret: For pseudonymising customer ids (``db.settings.respondent_key_secret``).
        timezone: The zone of times written without one.
        day_first: How to read 03/05/2026; None: from the column (day first when it cannot tell).
        now: The time of the import: the date of rows without a date column, and the limit for dates.
        max_text_chars: Longer texts are refused.
        rating_alone: Whether a row with a rating and no text is accepted (the HTTP API's items: a
            star rating alone is feedback too); a file's row needs a text.
        progress: Called with (rows checked, rows in the file).

    Raises:
        ImportProblem: no_text_column when the mapping has no text column.
        ValueError: a mapped column that is not in the table.
    """
    text_column = mapping.get("text")
    if not text_column:
        raise ImportProblem("no_text_column")
    index = {c: i for i, c in enumerate(table.columns)}
    unknown = [c for c in mapping.values() if c and c not in index]
    if unknown:
        raise ValueError(f"columns not in the file: {unknown}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    columns = {name: column for name, column in mapping.items() if column}
    date_column = columns.get("created_at")
    if day_first is None:
        dates = [row[index[date_column]] for row in table.rows] if date_column else []
        day_first = detect_day_first(dates) is not False
    plan = _Plan(
        table=table,
        columns={name: (column, index[column]) for name, column in columns.items()},
        zone=ZoneInfo(timezone),
        day_first=day_first,
        now=now,
        secret=secret,
        max_text_chars=max_text_chars,
        rating_alone=rating_alone,
    )
    with gc_paused():
        checked, rejected = _check_rows(plan, 0, len(table.rows), progress)
        rejected.extend(table.problems)
        # A row that repeats an earlier one (same source, customer, date and text) is refused.
        records: list[Record] = []
        first_row: dict[str, int] = {}
        for record in checked:
            first = first_row.setdefault(record.dedup_basis, record.row)
            if first == record.row:
                records.append(record)
            else:
                rejected.append(Rejected(record.row, "duplicate_in_file", values={"first_row": first}))
    if progress is not None:
        progress(len(table.rows), len(table.rows))
    rejected.sort(key=lambda r: r.row)
    return Prepared(records, rejected, table.n_rows, day_first, date_column is not None)


@dataclass(frozen=True)
class _Plan:
    """What checking rows needs, besides the rows."""

    table: Table
    columns: dict[str, tuple[str, int]]  # field -> (column name, index)
    zone: ZoneInfo
    day_first: bool
    now: datetime
    secret: bytes
    max_text_chars: int
    rating_alone: bool = False


def _check_rows(
    plan: _Plan, start: int, stop: int, progress: Progress | None = None
) -> tuple[list[Record], list[Rejected]]:
    """Check rows start..stop-1: the good ones redacted and pseudonymised, the bad ones with reasons.

    Repeats within the file are left to the caller.
    """
    rows, numbers = plan.table.rows, plan.table.row_numbers
    text_column, text_index = plan.columns["text"]
    latest = plan.now + timedelta(days=1)  # a day of slack for clocks and zones
    checks: list[tuple[str, str, int, Callable[[Any], _Checked]]] = []
    for name, check in (
        ("created_at", _date_check(plan.zone, plan.day_first, latest)),
        ("rating", _rating_check),
        ("severity", _severity_check),
        *((name, _short_check(limit)) for name, limit in FIELD_LIMITS.items()),
    ):
        if name in plan.columns:
            column, i = plan.columns[name]
            # Ticket ids are unique: remembering them would only fill memory.
            checks.append((name, column, i, check if name == "source_ref" else _memoised(check)))
    customer_index = plan.columns["customer_id"][1] if "customer_id" in plan.columns else None
    language_index = plan.columns["language"][1] if "language" in plan.columns else None
    dated = "created_at" in plan.columns
    # Customer ids repeat: normalising inside the memory saves that work for every repeat.
    pseudonym = _memoised(lambda raw: pseudonymise(raw, plan.secret) if normalise(raw) else None)

    records: list[Record] = []
    rejected: list[Rejected] = []
    step = max(1000, (stop - start) // 50)
    for i in range(start, stop):
        if progress is not None and (i - start) % step == 0:
            progress(i - start, stop - start)
        cells, row = rows[i], numbers[i]
        problems: list[Rejected] = []
        text = _clean_text(cells[text_index])
        if not text:
            rated = "rating" in plan.columns and not _blank([cells[plan.columns["rating"][1]]])
            if not (plan.rating_alone and rated):
                problems.append(Rejected(row, "empty_text", text_column))
        elif len(text) > plan.max_text_chars:
            limits = {"length": len(text), "limit": plan.max_text_chars}
            problems.append(Rejected(row, "text_too_long", text_column, values=limits))
        found: dict[str, Any] = {}
        for name, column, j, check in checks:
            value, reason = check(cells[j])
            if reason is None:
                found[name] = value
            elif reason == "field_too_long":
                problems.append(Rejected(row, reason, column, values={"limit": FIELD_LIMITS[name]}))
            else:
                problems.append(Rejected(row, reason, column, _safe_value(cells[j])))
        if problems:
            rejected.extend(problems)
            continue

        redaction = redact(text)
        pii_counts = redaction.counts if redaction.entities else {}
        extras: dict[str, str | None] = dict.fromkeys(FIELD_LIMITS)
        for name in FIELD_LIMITS:
            if found.get(name) is not None:
                extras[name], extra_counts = found[name]
                for kind, count in extra_counts.items():
                    pii_counts[kind] = pii_counts.get(kind, 0) + count
        respondent_key = None
        if customer_index is not None:
            respondent_key = pseudonym(cell_text(cells[customer_index]))
        created_at = found.get("created_at", plan.now)
        text_hash = content_hash(redaction.text)
        basis = key_hash(
            extras["source_ref"], respondent_key, created_at.isoformat() if dated else "", text_hash
        )
        given_language = cell_text(cells[language_index]) if language_index is not None else ""
        records.append(
            Record(
                row=row,
                text=redaction.text,
                created_at=created_at,
                rating=found.get("rating"),
                language=language_of(text, given_language),
                respondent_key=respondent_key,
                app_version=extras["app_version"],
                model_version=extras["model_version"],
                segment=extras["segment"],
                source_ref=extras["source_ref"],
                severity=found.get("severity"),
                pii_counts=pii_counts,
                content_hash=text_hash,
                dedup_basis=basis,
            )
        )
    return records, rejected


_Checked = tuple[Any, str | None]  # (parsed value, None) or (None, reason)


_MISSING = object()


def _memoised(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`check` with a memory: dates, ratings, versions and customer ids repeat a lot within a file."""
    memo: dict[Any, Any] = {}

    def remembered(raw: Any) -> Any:
        try:
            result = memo.get(raw, _MISSING)
        except TypeError:  # not hashable
            return check(raw)
        if result is _MISSING:
            memo[raw] = result = check(raw)
        return result

    return remembered


def _date_check(zone: ZoneInfo, day_first: bool, latest: datetime) -> Callable[[Any], _Checked]:
    def check(raw: Any) -> _Checked:
        if not cell_text(raw).strip():
            return None, "missing_date"
        parsed = parse_datetime(raw, zone, day_first=day_first)
        if parsed is None:
            return None, "bad_date"
        if parsed > latest:
            return None, "date_in_future"
        return parsed, None

    return check


def _rating_check(raw: Any) -> _Checked:
    try:
        rating = parse_rating(raw)
    except ValueError:
        return None, "bad_rating"
    if rating is not None and not 1 <= rating <= 5:
        return None, "rating_out_of_range"
    return rating, None


def _severity_check(raw: Any) -> _Checked:
    try:
        severity = parse_severity(raw)
    except ValueError:
        return None, "bad_severity"
    if severity is not None and not 1 <= severity <= 4:
        return None, "bad_severity"
    return severity, None


def _short_check(limit: int) -> Callable[[Any], _Checked]:
    """A short field (ticket id, version, segment): cleaned, checked for length, redacted."""

    def check(raw: Any) -> _Checked:
        value = _clean_text(raw)
        if len(value) > limit:
            return None, "field_too_long"
        if not value:
            return None, None
        redaction = redact(value, names=False)
        if len(redaction.text) > limit:  # a placeholder can be longer than what it replaced
            return None, "field_too_long"
        return (redaction.text, redaction.counts if redaction.entities else {}), None

    return check


def report_frame(rejected: Sequence[Rejected], reason_text: Callable[[Rejected], str]) -> pd.DataFrame:
    """The validation report: one line per problem, the reason in the reader's words.

    Args:
        rejected: From :attr:`Prepared.rejected`.
        reason_text: Turns a problem into a sentence in the user's language.

    Returns:
        A frame with columns `row`, `column`, `reason`, `value` (redacted), in row order.
    """
    return pd.DataFrame(
        {
            "row": pd.Series([r.row for r in rejected], dtype="int64"),
            "column": pd.Series([r.column or "" for r in rejected], dtype="str"),
            "reason": pd.Series([reason_text(r) for r in rejected], dtype="str"),
            "value": pd.Series([r.value for r in rejected], dtype="str"),
        }
    )


def report_csv(frame: pd.DataFrame) -> bytes:
    """The report as CSV in UTF-8 with a byte-order mark, so Excel opens the Chinese correctly.

    Cells and column names that a spreadsheet would run as formulas (a file's ``=HYPERLINK(...)``
    quoted back as the offending value, a column named ``@cmd``) are made inert, as in every export.
    """
    return to_csv_bytes(frame)
