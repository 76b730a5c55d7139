"""Survey responses exported by other tools, one row per respondent: recognised, inferred and checked.

Three steps, all pure (no Streamlit, no database):

1. :func:`read_survey` reads a CSV or XLSX (UTF-8, UTF-8 with a mark, GBK/GB18030; decoded as it is
   read, :func:`analytics.importing.csv_records`; limits from :mod:`analytics.upload_limits`) and
   recognises the tool that wrote it from its header (see :data:`LAYOUTS`): the metadata columns (ids, times, e-mails), the question columns with their
   question text, the respondent-id candidates, and a proposed :class:`~analytics.questions.QuestionSpec`
   for every logical question (a multiple-choice question spread over 0/1 sub-columns is one question).
2. :func:`match_columns` proposes which file columns answer which questions of an existing survey, by
   their wording (case, full/half-width, numbering such as "1、" or "Q3." and spacing ignored).
3. :func:`read_responses` (or :func:`responses_from` on a file already read) turns the mapped columns
   into a long frame of answers, with :func:`answer_value` reading each cell, and lists the rows it
   refuses with a reason code.

Layouts recognised (the header rows of each tool's default export):

================== =====================================================================================
layout             header
================== =====================================================================================
wjx                问卷星: ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP, 1、题目, ...``; a
                   multiple choice as ``3、题目(选项)`` 0/1 sub-columns or one ``A┋B`` column
tencent            腾讯问卷: ``编号, 开始答题时间, 结束答题时间, 答题时长, 地理位置..., 1.题目``; a multiple
                   choice as ``2.题目:选项`` sub-columns
qualtrics          three header rows: ids (``StartDate ... ResponseId, ExternalReference, Q1, Q2_1``),
                   question texts (``Question - Sub-item``), ``{"ImportId":"QID1"}``
surveymonkey       two header rows: ``Respondent ID, Collector ID, Start Date, ...`` then question texts
                   (a multiple choice spans columns, blank after the first), then ``Response`` or the
                   option per sub-column
google_forms       ``Timestamp, Email Address, questions...``; checkboxes joined by ", "
microsoft_forms    ``ID, Start time, Completion time, Email, Name, (Last modified time), questions...``;
                   multiple choices joined by ";"
generic            any other one-header wide file with at least two scale, NPS, yes/no or multi columns
================== =====================================================================================

Decisions:

* A row with any answer that cannot be read is refused whole, with every problem listed: the user fixes
  the file and imports it again, and the fixed row (a new fingerprint) comes in while the rows already
  imported (the same fingerprints) are skipped. Keeping half a row would leave the old half behind.
* The fingerprint is a hash of every cell of the row (whitespace and full-width forms normalised), so
  importing the same file twice adds nothing, whatever the id column.
* Missing answers (:data:`MISSING_LABELS`: blank, N/A, 不适用, 问卷星's ``(跳过)`` and ``(空)``) are
  left out, not refused. Qualtrics writes ``-99`` for "seen but unanswered" when its export option
  "Recode seen but unanswered questions as -99" is on; that code is read as missing in Qualtrics files
  only (elsewhere it is out of scale).
* A 5-point question mapped to a column that shows 7 points (a 7, or a 7-point-only word) refuses the
  whole file (``scale_points_differ``): a 4 of 7 is not a 4 of 5, so reading the rest would be wrong
  without a single rejected row. A lone 6 on a 1-5 column is a typing slip: that row is refused.
* Free text comes out as written; the caller redacts it before storing. Values shown in rejections are
  redacted and shortened.

Reason codes of refused rows (:data:`REASONS`; messages ``survey_import.reason.<code>``): unknown_label
(a word that is no point of the scale, nor yes/no), out_of_scale (a number outside the question's
range), not_a_point (3.5 on a scale), not_a_number (a number question), unknown_option (a choice that is
not an option of the question), duplicate_in_file (the same row again), too_many_cells (more cells than
the header).

Problem codes of refused files (:data:`PROBLEMS`, raised as :class:`analytics.importing.ImportProblem`;
messages ``survey_import.problem.<code>``): the reading ones of :mod:`analytics.importing` (empty_file,
too_large, unsupported_type, undecodable, unreadable, no_rows), and no_question_columns, not_a_survey,
duplicate_ids (values: ``ids``, ``count``), unknown_columns (values: ``columns``), scale_points_differ
(values: ``column``, ``question``, ``points``, ``file_points``).
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from analytics.hashing import key_hash
from analytics.importing import (
    MAX_FILE_BYTES,
    ImportProblem,
    Rejected,
    cell_text,
    csv_records,
    file_kind,
    open_workbook,
)
from analytics.pii import redact
from analytics.questions import SCALE_WORDS, YES_NO, Kind, Option, QuestionSpec, Wording, option_code
from analytics.upload_limits import Limits, check_workbook

LAYOUTS = ("wjx", "tencent", "qualtrics", "surveymonkey", "google_forms", "microsoft_forms", "generic")
#: Why a row was refused (see the module docstring).
REASONS = (
    "unknown_label",
    "out_of_scale",
    "not_a_point",
    "not_a_number",
    "unknown_option",
    "duplicate_in_file",
    "too_many_cells",
)
#: Why a whole file was refused (see the module docstring).
PROBLEMS = (
    "empty_file",
    "too_large",
    "unsupported_type",
    "undecodable",
    "unreadable",
    "no_rows",
    "no_question_columns",
    "not_a_survey",
    "duplicate_ids",
    "unknown_columns",
    "scale_points_differ",
    "too_many_rows",
    "unzipped_too_large",
    "compressed_too_much",
    "unsafe_xml",
)
#: Cells that mean "no answer", compared after NFKC and lower-casing (so "（跳过）" is "(跳过)").
MISSING_LABELS = frozenset(
    {"", "n/a", "na", "not applicable", "不适用", "(跳过)", "(空)", "跳过", "-", "--", "—", "null", "none"}
)
QUALTRICS_UNANSWERED = "-99"

# Words beside SCALE_WORDS that tools write for each point, lowest first, by (points, wording).
# Qualtrics' 5-point defaults are "Extremely ... / Somewhat ...", its 7-point ones add "Moderately" and
# "Slightly"; Chinese tools often write 比较满意 for the fourth of five points.
SCALE_VARIANTS: dict[tuple[int, str], tuple[tuple[str, ...], ...]] = {
    (5, "satisfaction"): (
        ("很不满意", "extremely dissatisfied", "very unsatisfied", "非常差", "很差"),
        ("比较不满意", "somewhat dissatisfied", "unsatisfied", "不太满意", "较差", "差"),
        ("中立", "neutral", "neither", "还行", "一般般", "中"),
        ("比较满意", "somewhat satisfied", "较满意", "好"),
        ("很满意", "extremely satisfied", "非常好", "很好"),
    ),
    (5, "agreement"): (
        ("完全不同意", "strongly disagree"),
        ("比较不同意", "somewhat disagree", "不太同意"),
        ("一般", "neutral", "不确定", "说不清"),
        ("比较同意", "somewhat agree"),
        ("完全同意", "strongly agree"),
    ),
    (7, "satisfaction"): (
        ("很不满意", "extremely dissatisfied"),
        ("moderately dissatisfied",),
        ("slightly dissatisfied", "有点不满意"),
        ("中立", "neutral"),
        ("slightly satisfied", "有点满意"),
        ("moderately satisfied",),
        ("很满意", "extremely satisfied"),
    ),
    (7, "agreement"): (
        ("完全不同意",),
        ("moderately disagree",),
        ("slightly disagree", "有点不同意"),
        ("一般", "neutral"),
        ("slightly agree", "有点同意"),
        ("moderately agree",),
        ("完全同意",),
    ),
}
_YES_NO_WORDS: dict[str, float] = {
    **{w: v for v, zh, en in YES_NO for w in (zh, en.lower())},
    **dict.fromkeys(("是的", "有", "y", "true", "已解决", "解决了", "solved"), 1.0),
    **dict.fromkeys(("部分解决", "部分是", "partially", "partly solved", "somewhat"), 0.5),
    **dict.fromkeys(("不是", "没有", "n", "false", "未解决", "没解决", "not solved"), 0.0),
}

# Metadata headers per layout (compared squashed: lower case, no spaces or punctuation).
_META: dict[str, frozenset[str]] = {
    "wjx": frozenset({"序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自ip", "总分", "自定义字段"}),
    "tencent": frozenset(
        {"编号", "原始记录编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区",
         "地理位置省", "地理位置市", "用户类型", "用户标识", "昵称", "自定义字段"}
    ),
    "surveymonkey": frozenset(
        {"respondentid", "collectorid", "startdate", "enddate", "ipaddress", "emailaddress", "firstname",
         "lastname", "customdata1", "customdata2"}
    ),
    "google_forms": frozenset({"timestamp", "时间戳记", "emailaddress", "电子邮件地址", "score", "分数"}),
    "microsoft_forms": frozenset(
        {"id", "starttime", "completiontime", "email", "name", "lastmodifiedtime", "totalpoints",
         "开始时间", "完成时间", "电子邮件", "名称", "上次修改时间"}
    ),
    "qualtrics": frozenset(
        {"startdate", "enddate", "status", "ipaddress", "progress", "durationinseconds", "finished",
         "recordeddate", "responseid", "recipientlastname", "recipientfirstname", "recipientemail",
         "externalreference", "locationlatitude", "locationlongitude", "distributionchannel",
         "userlanguage"}
    ),
}  # fmt: skip
_GENERIC_META = frozenset().union(*_META.values()) | {
    "时间", "提交时间", "日期", "date", "time", "created", "submittedat", "姓名", "邮箱", "email", "ip",
    "duration", "responseid", "userid", "用户id", "用户编号",
}  # fmt: skip
# Headers of columns that can identify a respondent across waves, best first; the last ones identify
# one response only and come last.
_ID_WORDS = (
    "externalreference", "externaldatareference", "用户id", "userid", "用户编号", "客户id", "会员id",
    "memberid", "customerid", "uid", "用户标识", "自定义字段", "customdata", "recipientemail",
    "emailaddress", "email", "电子邮件", "邮箱", "respondentid", "responseid",
)  # fmt: skip
_NPS_WORDS = ("recommend", "推荐", "nps")
_SEVEN_HINTS = re.compile(r"1\s*[-–~～至到]\s*7|七分|7\s*分制|7-point|seven", re.IGNORECASE)
_NUMBERED = {"wjx": re.compile(r"^(\d+)\s*、\s*(.*)$"), "tencent": re.compile(r"^(\d+)\s*[.．、]\s*(.*)$")}
# A number that may carry a unit or a label: "4", "4.0", "5分", "5 - Very satisfied", "5 = 非常满意".
_LEADING_NUMBER = re.compile(
    r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:分|points?|pts?|stars?|星)?\s*(?:(?:[-–—=:：.、)]|\()\s*.*)?$", re.S
)
_MULTI_DELIMITERS = ("┋", "|", ";", "；", ",", "，")
_BINARY_CHOSEN = frozenset({"1", "1.0", "选中", "checked", "selected", "true", "√", "✓", "☑"})
_BINARY_NOT = frozenset({"0", "0.0", "未选中", "unchecked", "not selected", "false", "☐"})
_DIMENSION_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accuracy", ("准确", "正确", "accura", "correct", "reliab", "信赖")),
    ("response_speed", ("速度", "快", "等待", "speed", "fast", "quick", "wait")),
    ("ease_of_use", ("易用", "方便", "好用", "easy", "ease", "understand", "理解")),
    ("problem_resolution", ("解决", "solve", "resolv")),
    ("overall", ("总体", "整体", "overall")),
)
_MAX_OPTIONS = 12


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileColumn:
    """One column of the file as the tool wrote it.

    Attributes:
        name: Unique within the file; mappings name columns by it (Qualtrics: the row-1 id, e.g. "Q2_1";
            SurveyMonkey: "question - sub-item" for a sub-column; otherwise the header).
        text: The question's wording without the tool's numbering; a sub-column's text is its stem.
        metadata: An id, time, e-mail or other column that is not an answer.
        position: The tool's question number (问卷星, 腾讯问卷, Qualtrics "Q3") when it has one.
        group: The logical question the column belongs to, shared by the sub-columns of one question.
        option: A sub-column's option or sub-item ("Drug interactions", "准确性").
    """

    name: str
    text: str
    metadata: bool = False
    position: int | None = None
    group: str | None = None
    option: str | None = None


@dataclass(frozen=True)
class ProposedQuestion:
    """A logical question found in the file, with the columns its answers come from.

    Attributes:
        spec: The proposed question (code "q<position>", kind, points, wording, options, dimension).
        columns: The file columns, one, or one per option of a multiple choice spread over sub-columns.
        language: "zh" when the wording has Chinese characters, else "en".
    """

    spec: QuestionSpec
    columns: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class SurveyFile:
    """A survey export, read and recognised.

    Attributes:
        layout: One of :data:`LAYOUTS`.
        columns: Every column, in file order.
        rows: The respondents' rows (header rows left out), cells as the file holds them.
        row_numbers: Each row's spreadsheet row number (the first header row is row 1).
        questions: The proposed logical questions, in file order.
        id_candidates: Columns that can identify a respondent across waves, best first.
        encoding: The text encoding of a CSV (None for XLSX).
        problems: Rows set aside while reading (too_many_cells).
    """

    layout: str
    columns: tuple[FileColumn, ...]
    rows: list[list[Any]]
    row_numbers: list[int]
    questions: tuple[ProposedQuestion, ...]
    id_candidates: tuple[str, ...]
    encoding: str | None = None
    problems: list[Rejected] = field(default_factory=list)

    @property
    def metadata_columns(self) -> tuple[str, ...]:
        """Names of the columns that are not answers."""
        return tuple(c.name for c in self.columns if c.metadata)

    @property
    def question_columns(self) -> tuple[str, ...]:
        """Names of the answer columns."""
        return tuple(c.name for c in self.columns if not c.metadata)

    def column(self, name: str) -> FileColumn:
        """The column of that name.

        Raises:
            KeyError: The file has no such column.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def values(self, name: str) -> list[Any]:
        """Every row's cell of a column."""
        i = [c.name for c in self.columns].index(name)
        return [row[i] for row in self.rows]


@dataclass(frozen=True)
class Answer:
    """One cell read for one question: a value, nothing (missing), or the reason it cannot be read.

    ``value`` is a float for scale, NPS, yes/no, number and single choice (the option number), a tuple of
    option numbers (1-based, ascending) for a multiple choice, and the text for a text question.
    """

    value: float | str | tuple[int, ...] | None = None
    reason: str | None = None

    @property
    def missing(self) -> bool:
        """No answer given (and nothing wrong with that)."""
        return self.value is None and self.reason is None


@dataclass(frozen=True)
class ColumnMatch:
    """Columns matched to a survey's questions by wording.

    Attributes:
        mapping: Question code -> the file columns of its answers.
        unmatched_columns: Question columns of the file that answer none of the questions.
        unmatched_questions: Codes of questions no column answers.
        scores: Question code -> how alike the wordings are (1.0: the same once normalised).
    """

    mapping: dict[str, tuple[str, ...]]
    unmatched_columns: tuple[str, ...]
    unmatched_questions: tuple[str, ...]
    scores: dict[str, float]


@dataclass(frozen=True)
class Responses:
    """The answers of a file, ready to store, and the rows refused.

    Attributes:
        answers: One row per answer: ``row`` (spreadsheet row), ``fingerprint`` (of the whole row),
            ``respondent_key`` (the id column's value as written, None without one), ``question``
            (code; a multiple choice gives one question per option, coded
            :func:`analytics.questions.option_code`, valued 1 chosen / 0 not), ``kind``
            (:meth:`QuestionSpec.frame_kind`) and ``value`` (a float, or the text of a text question).
        rejected: The refused rows' problems, in row order (reasons: :data:`REASONS`).
        fingerprints: Spreadsheet row -> fingerprint, for every row read (refused ones included).
        layout: The tool recognised.
        total_rows: Respondent rows in the file.
    """

    answers: pd.DataFrame
    rejected: list[Rejected]
    fingerprints: dict[int, str]
    layout: str
    total_rows: int

    @property
    def rejected_rows(self) -> int:
        """Rows with at least one problem, each counted once."""
        return len({r.row for r in self.rejected})


# --------------------------------------------------------------------------------------------------
# Reading and recognising
# --------------------------------------------------------------------------------------------------


def read_survey(
    data: bytes, filename: str, *, max_bytes: int = MAX_FILE_BYTES, limits: Limits | None = None
) -> SurveyFile:
    """Read a survey export and recognise its layout, columns and questions.

    Args:
        data: The uploaded file.
        filename: Its name (the extension tells CSV from XLSX when the content does not).
        max_bytes: Larger files are refused.
        limits: Rows and unpacked size; None: the environment's (``Limits.from_env``).

    Returns:
        The file, recognised; its ``questions`` are proposals the user confirms.

    Raises:
        ImportProblem: empty_file, too_large, unsupported_type, undecodable, unreadable, no_rows,
            no_question_columns, not_a_survey, too_many_rows (limit), unzipped_too_large (limit_mb),
            compressed_too_much (ratio), unsafe_xml.
    """
    raw, encoding = _raw_rows(data, filename, max_bytes, limits or Limits.from_env())
    layout, n_header = _layout(raw)
    header_rows = [cells for _, cells in raw[:n_header]]
    columns = _columns(layout, header_rows)
    rows, numbers, problems = _fit(raw[n_header:], len(columns))
    if not rows and not problems:
        raise ImportProblem("no_rows")
    values = {c.name: [row[i] for row in rows] for i, c in enumerate(columns)}
    columns, ids = _set_aside_ids(columns, values)
    if all(c.metadata for c in columns):
        raise ImportProblem("no_question_columns")
    questions = _propose(columns, values)
    if layout == "generic" and sum(q.spec.kind in ("scale", "nps", "yes_no", "multi") for q in questions) < 2:
        # A ticket or review export (text, a rating, a priority) is not a survey.
        raise ImportProblem("not_a_survey")
    return SurveyFile(layout, tuple(columns), rows, numbers, questions, ids, encoding, problems)


def _raw_rows(
    data: bytes, filename: str, max_bytes: int, limits: Limits
) -> tuple[list[tuple[int, list[Any]]], str | None]:
    """Every non-blank row with its spreadsheet number; no header is taken yet (exports have 1 to 3)."""
    if len(data) > max_bytes:
        raise ImportProblem("too_large", limit_mb=max_bytes // (1024 * 1024))
    if not data.strip():
        raise ImportProblem("empty_file")
    kind = file_kind(data, filename)
    if kind == "jsonl":
        raise ImportProblem("unsupported_type")
    encoding: str | None = None
    if kind == "xlsx":
        check_workbook(data, limits)
        rows = _xlsx_rows(data, limits.max_rows)
    else:
        records, encoding = csv_records(data, tab=False, max_rows=limits.max_rows, header_rows=_HEADER_ROWS)
        try:
            rows = list(records)
        except csv.Error as err:
            raise ImportProblem("unreadable") from err
    rows = [(i, cells) for i, cells in rows if not _blank_row(cells)]
    if not rows:
        raise ImportProblem("empty_file")
    return rows, encoding


_HEADER_ROWS = 3  # Qualtrics writes three; the row limit counts the rows below them


def _xlsx_rows(data: bytes, max_rows: int) -> list[tuple[int, list[Any]]]:
    with open_workbook(data, max_rows, _HEADER_ROWS) as sheets:
        for sheet in sheets:  # the first sheet that holds anything
            rows = [(i, list(cells)) for i, cells in sheet if not _blank_row(cells)]
            if rows:
                return rows
    raise ImportProblem("empty_file")


def _blank_row(cells: Sequence[Any]) -> bool:
    return all(not cell_text(c).strip() for c in cells)


def _fit(
    raw: Sequence[tuple[int, list[Any]]], width: int
) -> tuple[list[list[Any]], list[int], list[Rejected]]:
    """Rows padded to the header's width; a row with more non-blank cells is set aside."""
    rows: list[list[Any]] = []
    numbers: list[int] = []
    problems: list[Rejected] = []
    for number, cells in raw:
        if len(cells) > width and not _blank_row(cells[width:]):
            problems.append(
                Rejected(number, "too_many_cells", values={"cells": len(cells), "expected": width})
            )
            continue
        rows.append(list(cells[:width]) + [""] * (width - len(cells)))
        numbers.append(number)
    return rows, numbers, problems


def _squash(text: str) -> str:
    """Lower case without spaces or punctuation, full-width forms folded: for comparing headers."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def _layout(raw: Sequence[tuple[int, list[Any]]]) -> tuple[str, int]:
    """The tool that wrote the file and how many header rows it wrote."""
    first = {_squash(cell_text(c)) for c in raw[0][1]}
    if "responseid" in first or {"startdate", "enddate", "finished"} <= first:
        third = raw[2][1] if len(raw) > 2 else []
        has_import_ids = any(cell_text(c).lstrip().startswith('{"ImportId"') for c in third)
        return "qualtrics", 3 if has_import_ids else 2
    if {"respondentid", "collectorid"} <= first:
        return "surveymonkey", 2
    if "提交答卷时间" in first or {"序号", "来自ip"} <= first:
        return "wjx", 1
    if {"开始答题时间", "答题时长"} <= first or {"开始答题时间", "结束答题时间"} <= first:
        return "tencent", 1
    if _squash(cell_text(raw[0][1][0])) in ("timestamp", "时间戳记"):
        return "google_forms", 1
    if "id" in first and ({"starttime", "completiontime"} <= first or {"开始时间", "完成时间"} <= first):
        return "microsoft_forms", 1
    return "generic", 1


def _unique(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        base = name or f"column {i + 1}"
        unique, n = base, 2
        while unique in out:
            unique, n = f"{base} ({n})", n + 1
        out.append(unique)
    return out


def _clean(value: Any) -> str:
    return " ".join(cell_text(value).replace("\ufeff", "").split())


def _columns(layout: str, header_rows: list[list[Any]]) -> list[FileColumn]:
    width = max(len(r) for r in header_rows)
    padded = [[_clean(c) for c in r] + [""] * (width - len(r)) for r in header_rows]
    while width and all(not r[width - 1] for r in padded):  # trailing empty columns
        width -= 1
    padded = [r[:width] for r in padded]
    if layout == "qualtrics":
        return _qualtrics_columns(padded)
    if layout == "surveymonkey":
        return _surveymonkey_columns(padded)
    if layout in _NUMBERED:
        return _numbered_columns(layout, padded[0])
    return _plain_columns(layout, padded[0])


def _numbered_columns(layout: str, header: list[str]) -> list[FileColumn]:
    """问卷星 and 腾讯问卷: "3、题目" / "3.题目"; sub-columns share the number."""
    pattern = _NUMBERED[layout]
    names = _unique(header)
    found = [pattern.match(name) for name in names]
    counts = Counter(m[1] for m in found if m)
    columns: list[FileColumn] = []
    stems: dict[str, str] = {}
    for name, match in zip(names, found, strict=True):
        if match is None or _squash(name) in _META[layout]:
            columns.append(FileColumn(name, name, metadata=True))
            continue
        number, rest = match[1], match[2].strip()
        if counts[number] == 1:
            columns.append(FileColumn(name, rest, position=int(number), group=number))
            continue
        stem, option = _split_sub(layout, rest)
        stem = stems.setdefault(number, stem or rest)
        columns.append(FileColumn(name, stem, position=int(number), group=number, option=option or rest))
    return columns


def _split_sub(layout: str, rest: str) -> tuple[str, str]:
    """A sub-column's stem and option: 问卷星 "题目(选项)" or "(选项)"; 腾讯问卷 "题目:选项"."""
    if layout == "tencent":
        stem, sep, option = rest.replace("：", ":").rpartition(":")
        if sep and option.strip():
            return stem.strip(), option.strip()
    match = re.match(r"^(.*?)[(（]([^()（）]+)[)）]$", rest)
    if match:
        return match[1].strip(), match[2].strip()
    stem, sep, option = _dash(rest)  # a matrix row: "题目—准确性"
    return (stem, option) if sep else ("", rest)


def _dash(rest: str) -> tuple[str, str, str]:
    for sep in ("—", " - ", "--"):
        if sep in rest:
            stem, _, option = rest.rpartition(sep)
            return stem.strip(), sep, option.strip()
    return rest, "", ""


def _qualtrics_columns(rows: list[list[str]]) -> list[FileColumn]:
    """Row 1 ids, row 2 texts ("Question - Sub-item"), row 3 ImportIds (QID... for questions)."""
    ids, texts = _unique(rows[0]), rows[1] if len(rows) > 1 else rows[0]
    imports = [_import_id(c) for c in rows[2]] if len(rows) > 2 else [None] * len(ids)
    columns: list[FileColumn] = []
    for name, text, import_id in zip(ids, texts, imports, strict=True):
        question = import_id.startswith("QID") if import_id else _squash(name) not in _META["qualtrics"]
        if not question or name.endswith("_NPS_GROUP"):
            columns.append(FileColumn(name, text or name, metadata=True))
            continue
        base = re.match(r"^(.*?)_(\d+)$", name)
        number = re.search(r"(\d+)", (base[1] if base else name))
        position = int(number[1]) if number else None
        if base and not name.endswith("_TEXT"):
            stem, _, option = text.rpartition(" - ")
            columns.append(FileColumn(name, stem or text, position=position, group=base[1], option=option))
        else:
            columns.append(FileColumn(name, text or name, position=position, group=name))
    return columns


def _import_id(cell: str) -> str | None:
    try:
        found = json.loads(cell)
    except ValueError:
        return None
    return str(found.get("ImportId", "")) if isinstance(found, dict) else None


def _surveymonkey_columns(rows: list[list[str]]) -> list[FileColumn]:
    """Row 1 question texts (blank over a question's later sub-columns), row 2 "Response" or the option."""
    first, second = rows[0], rows[1] if len(rows) > 1 else [""] * len(rows[0])
    spans: list[tuple[int, str]] = []  # each column's question: (first column, text)
    for i, text in enumerate(first):
        spans.append((i, text) if text or not spans else spans[-1])
    sizes = Counter(start for start, _ in spans)
    names: list[str] = []
    for (start, text), sub in zip(spans, second, strict=True):
        plain = sizes[start] == 1 or sub in ("", "Response")
        names.append(text if plain else f"{text} - {sub}")
    columns: list[FileColumn] = []
    for name, (start, text), sub in zip(_unique(names), spans, second, strict=True):
        if start < len(first) and _squash(text) in _META["surveymonkey"]:
            columns.append(FileColumn(name, text, metadata=True))
        elif sub == "Open-Ended Response" and sizes[start] > 1:
            columns.append(FileColumn(name, name, group=name))  # "Other (please specify)": its own text
        elif sizes[start] == 1:
            columns.append(FileColumn(name, text, group=str(start)))
        else:
            columns.append(FileColumn(name, text, group=str(start), option=sub))
    return columns


def _plain_columns(layout: str, header: list[str]) -> list[FileColumn]:
    """One header row; Google Forms grids write "Question [Row]" per row."""
    meta = _META.get(layout, _GENERIC_META)
    columns: list[FileColumn] = []
    for name in _unique(header):
        if _squash(name) in meta:
            columns.append(FileColumn(name, name, metadata=True))
            continue
        grid = re.match(r"^(.*\S)\s*\[(.+)\]$", name)
        if grid:
            columns.append(FileColumn(name, grid[1], group=grid[1], option=grid[2]))
        else:
            columns.append(FileColumn(name, name, group=name))
    return columns


def _set_aside_ids(
    columns: list[FileColumn], values: Mapping[str, list[Any]]
) -> tuple[list[FileColumn], tuple[str, ...]]:
    """Columns that identify respondents (a "用户ID" question too) become metadata; candidates best first."""
    ranked: list[tuple[int, str]] = []
    out: list[FileColumn] = []
    for column in columns:
        rank = _id_rank(column, values[column.name])
        if rank is None:
            out.append(column)
            continue
        ranked.append((rank, column.name))
        out.append(FileColumn(column.name, column.text, metadata=True))
    return out, tuple(name for _, name in sorted(ranked))


def _id_rank(column: FileColumn, values: Sequence[Any]) -> int | None:
    squashed = _squash(column.text)
    rank = next((i for i, word in enumerate(_ID_WORDS) if word in squashed), None)
    if rank is None:
        return None
    given = [_norm(v) for v in values if not _is_missing(v)]
    if len(given) < max(1, len(values) // 2) or len(set(given)) < 0.9 * len(given):
        return None
    return rank


# --------------------------------------------------------------------------------------------------
# Inferring questions
# --------------------------------------------------------------------------------------------------


def _propose(columns: Sequence[FileColumn], values: Mapping[str, list[Any]]) -> tuple[ProposedQuestion, ...]:
    groups: dict[str, list[FileColumn]] = {}
    for column in columns:
        if not column.metadata:
            groups.setdefault(column.group or column.name, []).append(column)
    proposals: list[ProposedQuestion] = []
    for members in groups.values():
        if len(members) > 1 and all(_binary(values[c.name], c.option) for c in members):
            proposals.append(_multi_from_columns(members, len(proposals) + 1))
            continue
        sequence = len(proposals) + 1  # a matrix's rows share their question's number: q3_1, q3_2
        for k, column in enumerate(members, start=1):
            text = column.text if len(members) == 1 else f"{column.text} - {column.option}"
            code = _code(column.position, sequence, k if len(members) > 1 else None)
            proposals.append(_proposal(code, text, (column.name,), values[column.name]))
    return tuple(proposals)


def _code(position: int | None, sequence: int, sub: int | None) -> str:
    base = f"q{position if position is not None else sequence}"
    return f"{base}_{sub}" if sub is not None else base


def _binary(values: Sequence[Any], option: str | None) -> bool:
    """Whether a sub-column holds choices: 1/0, 选中/未选中, or its option's own words or a blank."""
    chosen = {_norm(option)} if option else set()
    seen = [_norm(v) for v in values if not _is_missing(v)]
    return bool(seen) and all(v in _BINARY_CHOSEN or v in _BINARY_NOT or v in chosen for v in seen)


def _multi_from_columns(members: Sequence[FileColumn], sequence: int) -> ProposedQuestion:
    first = members[0]
    options = tuple(Option(c.option or c.name, c.option or c.name) for c in members)
    spec = QuestionSpec(
        _code(first.position, sequence, None),
        "multi",
        first.text,
        first.text,
        required=False,
        options=options,
    )
    return ProposedQuestion(spec, tuple(c.name for c in members), _language(first.text))


def _proposal(code: str, text: str, columns: tuple[str, ...], values: Sequence[Any]) -> ProposedQuestion:
    given = [v for v in values if not _is_missing(v)]
    spec = infer_question(code, text, given)
    return ProposedQuestion(spec, columns, _language(text))


def infer_question(code: str, text: str, values: Sequence[Any]) -> QuestionSpec:
    """Propose a question from its wording and its answers.

    Args:
        code: The code to give it.
        text: The wording (both languages get it; the user translates).
        values: The answers given (missing ones may be included; they are ignored).

    Returns:
        A scale (5 or 7 points, from numbers or words), NPS (0-10, or "recommend"/"推荐" with 0-10),
        yes/no, multiple choice (delimited labels), number, single choice (a few labels) or text question.
    """
    given = [v for v in values if not _is_missing(v)]
    words = [_norm(v) for v in given]
    kind, points, wording, options = _infer_kind(text, given, words)
    dimension = _dimension(text, kind)
    return QuestionSpec(
        code,
        kind,
        text,
        text,
        required=False,
        points=points,
        wording=wording,
        options=tuple(Option(o, o) for o in options),
        dimension=dimension,
    )


_Inferred = tuple[Kind, int | None, Wording | None, tuple[str, ...]]


def _infer_kind(text: str, given: Sequence[Any], words: Sequence[str]) -> _Inferred:
    if not words:
        return "text", None, None, ()
    numbers = [_number(v) for v in given]
    if all(n is not None for n in numbers):
        return _numeric_kind(text, [n for n in numbers if n is not None], words)
    if all(w in _YES_NO_WORDS for w in words):
        return "yes_no", None, None, ()
    scale = _label_scale(words)
    if scale is not None:
        return "scale", scale[0], scale[1], ()
    multi = _split_multi(given)
    if multi is not None:
        return "multi", None, None, multi
    distinct = list(dict.fromkeys(_clean(v) for v in given))
    # Options are short labels that come back; comments that repeat are still sentences.
    short = sum(_width(d) for d in distinct) <= 30 * len(distinct)
    if len(distinct) <= _MAX_OPTIONS and len(given) >= 2 * len(distinct) and short:
        return "single", None, None, tuple(distinct)
    return "text", None, None, ()


def _numeric_kind(text: str, numbers: Sequence[float], words: Sequence[str]) -> _Inferred:
    """Numbers (perhaps with words, "5 - Very satisfied"): a scale, an NPS question or a number."""
    low, high = min(numbers), max(numbers)
    whole = all(float(n).is_integer() for n in numbers)
    nps_words = any(w in _squash(text) for w in _NPS_WORDS) or any("likely" in w for w in words)
    wording = _wording(words)
    if not whole or low < 0 or high > 10:
        return "number", None, None, ()
    if set(numbers) <= {0.0, 1.0} and not nps_words:  # 1 yes, 0 no, as tools code a yes/no question
        return "yes_no", None, None, ()
    if nps_words or low == 0 or high > 7:
        return "nps", None, None, ()
    points = 7 if high == 7 or _SEVEN_HINTS.search(text) else 5
    return "scale", points, wording, ()


def _wording(words: Sequence[str]) -> Wording:
    agree = sum(("agree" in w or "同意" in w) for w in words)
    return "agreement" if agree > len(words) / 2 else "satisfaction"


def _label_scale(words: Sequence[str]) -> tuple[int, Wording] | None:
    """The scale whose words cover every answer: five points unless only seven fit.

    Most words belong to both ("满意" is the 4th of 5 and the 6th of 7), so a file is read as 7 points
    when a word only 7-point scales have shows, or its words take more than five of the seven points.
    """
    distinct = set(words)
    for wording in ("satisfaction", "agreement"):
        five, seven = _scale_lookup(5, wording), _scale_lookup(7, wording)
        seven_points = {seven[w] for w in distinct if w in seven}
        if distinct <= set(five) and (not distinct <= set(seven) or len(seven_points) <= 5):
            return 5, wording
        if distinct <= set(seven):
            return 7, wording
    return None


def _split_multi(given: Sequence[Any]) -> tuple[str, ...] | None:
    """Options of a multiple choice written in one cell ("A┋B", "A;B;", "A, B"), or None."""
    texts = [_clean(v) for v in given]
    for delimiter in _MULTI_DELIMITERS:
        joined = [t for t in texts if delimiter in t]
        if len(joined) < max(2, len(texts) // 10):
            continue
        parts = [p.strip() for t in texts for p in t.split(delimiter) if p.strip()]
        distinct = list(dict.fromkeys(parts))
        # Options are short and come back again and again; sentences with commas do neither.
        few = 1 < len(distinct) <= _MAX_OPTIONS and len(parts) >= 2 * len(distinct)
        if few and max(len(p) for p in distinct) <= 40:
            return tuple(distinct)
    return None


def _width(text: str) -> int:
    """Display width: a Chinese character says about as much as two Latin letters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _dimension(text: str, kind: Kind) -> str | None:
    if kind == "nps":
        return "nps"
    if kind not in ("scale", "yes_no"):
        return None
    lowered = unicodedata.normalize("NFKC", text).lower()
    for dimension, hints in _DIMENSION_HINTS:
        if any(h in lowered for h in hints):
            return dimension
    return "overall" if kind == "scale" else None


def _language(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


# --------------------------------------------------------------------------------------------------
# Reading answers
# --------------------------------------------------------------------------------------------------


def _norm(value: Any) -> str:
    """A cell for comparing words: NFKC (full-width folded), lower case, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", cell_text(value)).lower().split())


def _is_missing(value: Any, extra: Collection[str] = ()) -> bool:
    word = _norm(value)
    return word in MISSING_LABELS or word in extra


def _number(value: Any) -> float | None:
    """The number a cell starts with ("4", "4.0", " 4 ", "5分", "5 - Very satisfied"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _LEADING_NUMBER.match(unicodedata.normalize("NFKC", str(value)))
    return float(match[1]) if match else None


@lru_cache(maxsize=256)  # called for every cell: a file has a few questions and many rows
def _scale_lookup(points: int, wording: str, spec: QuestionSpec | None = None) -> dict[str, int]:
    """Word -> point (1-based) of a scale: SCALE_WORDS, the variants, and a question's own end labels."""
    lookup: dict[str, int] = {}
    for point, variants in enumerate(SCALE_VARIANTS.get((points, wording), ()), start=1):
        lookup.update(dict.fromkeys((_norm(v) for v in variants), point))
    for point, pair in enumerate(SCALE_WORDS.get((points, wording), ()), start=1):
        lookup.update(dict.fromkeys((_norm(w) for w in pair), point))
    if spec is not None:
        for lang in ("zh", "en"):
            lookup.update({_norm(w): point for point, w in enumerate(spec.point_words(lang), start=1)})
    return lookup


def answer_value(spec: QuestionSpec, raw: Any, *, missing: Collection[str] = ()) -> Answer:
    """Read one cell as an answer to ``spec``.

    Args:
        spec: The question.
        raw: The cell: a number, or text such as "非常满意", "5 - Very satisfied", "5 = 非常满意", "5分",
            " 4 ", "4.0", "是", "Partly", "10 - Extremely likely", an option's words, or "A┋B" / "A;B;" /
            "A, B" for a multiple choice.
        missing: More cells that mean no answer, besides :data:`MISSING_LABELS` (e.g. Qualtrics' "-99").

    Returns:
        The value (see :class:`Answer`), nothing for a missing answer, or a reason from :data:`REASONS`.
    """
    if _is_missing(raw, missing):
        return Answer()
    if spec.kind == "text":
        return Answer(cell_text(raw).strip())
    if spec.kind == "multi":
        return _multi_value(spec, raw)
    if spec.kind == "single":
        return _single_value(spec, raw)
    if spec.kind == "number":
        number = _number(raw)
        return Answer(number) if number is not None else Answer(reason="not_a_number")
    return _ranged_value(spec, raw)


def _ranged_value(spec: QuestionSpec, raw: Any) -> Answer:
    """Scale, NPS and yes/no: a word of the question, else a number within its range."""
    word = _norm(raw)
    if spec.kind == "yes_no" and word in _YES_NO_WORDS:
        return Answer(_YES_NO_WORDS[word])
    if spec.kind == "scale":
        point = _scale_lookup(spec.points or 5, spec.wording or "satisfaction", spec).get(word)
        if point is not None:
            return Answer(float(point))
    number = _number(raw)
    if number is None:
        return Answer(reason="unknown_label")
    low, high = spec.value_range or (float("-inf"), float("inf"))
    if not low <= number <= high:
        return Answer(reason="out_of_scale")
    if spec.kind != "yes_no" and not number.is_integer():
        return Answer(reason="not_a_point")
    if spec.kind == "yes_no" and number not in (0.0, 0.5, 1.0):
        return Answer(reason="out_of_scale")
    return Answer(number)


def _option_number(spec: QuestionSpec, raw: Any) -> int | None:
    """An option's number (1-based) from its words in either language, else from its number."""
    word = _norm(raw)
    for i, option in enumerate(spec.options, start=1):
        if word in (_norm(option.zh), _norm(option.en)):
            return i
    number = _number(raw)
    if number is not None and number.is_integer() and 1 <= number <= len(spec.options):
        return int(number)
    return None


def _single_value(spec: QuestionSpec, raw: Any) -> Answer:
    number = _option_number(spec, raw)
    return Answer(float(number)) if number is not None else Answer(reason="unknown_option")


def _multi_value(spec: QuestionSpec, raw: Any) -> Answer:
    whole = _option_number(spec, raw)
    if whole is not None:  # one option, or an option whose words hold a delimiter
        return Answer((whole,))
    text = _clean(raw)
    for delimiter in _MULTI_DELIMITERS:
        if delimiter not in text:
            continue
        numbers = [_option_number(spec, p) for p in text.split(delimiter) if p.strip()]
        if all(n is not None for n in numbers):
            return Answer(tuple(sorted({n for n in numbers if n is not None})))
    return Answer(reason="unknown_option")


def chosen(raw: Any, option: str | None = None) -> bool | None:
    """Whether a multiple-choice sub-column's cell marks its option chosen (None: no answer).

    Args:
        raw: 1/0, 选中/未选中, the option's own words (SurveyMonkey, 腾讯问卷) or a blank.
        option: The sub-column's option.

    Returns:
        True chosen, False not chosen, None for a blank or a skipped cell.
    """
    word = _norm(raw)
    if word in _BINARY_CHOSEN or (option and word == _norm(option)):
        return True
    if word in _BINARY_NOT:
        return False
    return None


# --------------------------------------------------------------------------------------------------
# Matching columns to a survey's questions
# --------------------------------------------------------------------------------------------------

_NUMBERING = re.compile(
    r"^\s*(?:第\s*\d+\s*题[:：.、]?|q\s*\d+[a-z]?\s*[.:：、)）-]?|\(?\d+\s*[)）.．、:：]|\d+\s+)\s*",
    re.IGNORECASE,
)
_TYPE_TAG = re.compile(r"[\[【(（]\s*(?:单选题|多选题|多选|单选|填空题|量表题|矩阵\w*|必填)\s*[\]】)）]\s*$")


def normalise_wording(text: str) -> str:
    """A question's wording for comparing: lower case, full-width folded, no spaces or punctuation.

    Numbering ("1、", "Q3.", "第2题") and type tags ("[单选题]") are dropped.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = _TYPE_TAG.sub("", _NUMBERING.sub("", folded, count=1))
    return _squash(folded)


def match_columns(
    survey: SurveyFile, questions: Sequence[QuestionSpec], *, cutoff: float = 0.8
) -> ColumnMatch:
    """Propose which columns answer which questions, by wording in either language.

    Args:
        survey: From :func:`read_survey`.
        questions: The survey's questions.
        cutoff: The least likeness (0-1, difflib's ratio on normalised wording) of a match.

    Returns:
        The proposed mapping (each column and question used once, the likest pairs first) and what is left.
    """
    pairs: list[tuple[float, int, int]] = []
    for i, proposal in enumerate(survey.questions):
        for j, spec in enumerate(questions):
            score = max(_likeness(proposal.spec.text_zh, t) for t in (spec.text_zh, spec.text_en) if t)
            if score >= cutoff:
                pairs.append((score, i, j))
    mapping: dict[str, tuple[str, ...]] = {}
    scores: dict[str, float] = {}
    used: set[int] = set()
    for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        code = questions[j].code
        if i in used or code in mapping:
            continue
        used.add(i)
        mapping[code], scores[code] = survey.questions[i].columns, round(score, 3)
    left = tuple(c for i, p in enumerate(survey.questions) if i not in used for c in p.columns)
    missing = tuple(q.code for q in questions if q.code not in mapping)
    return ColumnMatch(mapping, left, missing, scores)


def _likeness(a: str, b: str) -> float:
    """How alike two wordings are (0-1); the rows of one matrix must also be alike in their sub-item."""
    whole_a, whole_b = normalise_wording(a), normalise_wording(b)
    if not whole_a or not whole_b:
        return 0.0
    if whole_a == whole_b:
        return 1.0
    # "Stem - Accuracy" and "Stem - Ease of use" share a long stem: compared whole they look alike.
    tail_a, tail_b = (_squash(t.rpartition(" - ")[2]) if " - " in t else "" for t in (a, b))
    if tail_a and tail_b and _ratio(tail_a, tail_b) < 0.6:
        return 0.0
    return _ratio(whole_a, whole_b)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


# --------------------------------------------------------------------------------------------------
# Reading responses
# --------------------------------------------------------------------------------------------------


def read_responses(
    data: bytes,
    filename: str,
    questions: Sequence[QuestionSpec],
    mapping: Mapping[str, str | Sequence[str]],
    id_column: str | None = None,
) -> Responses:
    """Read a survey export's answers to ``questions``.

    Args:
        data: The uploaded file.
        filename: Its name.
        questions: The survey's questions.
        mapping: Question code -> the column (or columns: a multiple choice's sub-columns) answering it;
            questions left out are not read.
        id_column: The column identifying respondents across waves, or None (answers stay anonymous).

    Returns:
        The answers and the refused rows (see :class:`Responses`).

    Raises:
        ImportProblem: any of :func:`read_survey`'s, and duplicate_ids, unknown_columns,
            scale_points_differ.
    """
    return responses_from(read_survey(data, filename), questions, mapping, id_column)


def responses_from(
    survey: SurveyFile,
    questions: Sequence[QuestionSpec],
    mapping: Mapping[str, str | Sequence[str]],
    id_column: str | None = None,
) -> Responses:
    """Like :func:`read_responses`, for a file already read with :func:`read_survey`.

    Raises:
        ImportProblem: duplicate_ids, unknown_columns, scale_points_differ.
        KeyError: A mapped question code that is not in ``questions``.
    """
    plan = _plan(survey, questions, mapping, id_column)
    extra = (QUALTRICS_UNANSWERED,) if survey.layout == "qualtrics" else ()
    records: list[tuple[int, str, str | None, str, str, float | str]] = []
    rejected: list[Rejected] = list(survey.problems)
    fingerprints: dict[int, str] = {}
    first_row: dict[str, int] = {}
    for cells, row in zip(survey.rows, survey.row_numbers, strict=True):
        fingerprint = key_hash(*(_norm(c) for c in cells))
        fingerprints[row] = fingerprint
        first = first_row.setdefault(fingerprint, row)
        if first != row:
            rejected.append(Rejected(row, "duplicate_in_file", values={"first_row": first}))
            continue
        key = _clean(cells[plan.id_index]) or None if plan.id_index is not None else None
        answers, problems = _read_row(plan, cells, row, extra)
        if problems:
            rejected.extend(problems)
            continue
        records.extend((row, fingerprint, key, code, kind, value) for code, kind, value in answers)
    frame = pd.DataFrame(
        records, columns=["row", "fingerprint", "respondent_key", "question", "kind", "value"]
    ).astype({"row": "int64"})
    rejected.sort(key=lambda r: r.row)
    return Responses(frame, rejected, fingerprints, survey.layout, len(survey.rows) + len(survey.problems))


_Source = tuple[str, int, int | None, str]  # column, index, option number, the column's option words


@dataclass(frozen=True)
class _Plan:
    """What reading rows needs: each question with its column indexes, and the id column's index."""

    questions: list[tuple[QuestionSpec, list[_Source]]]
    id_index: int | None


def _plan(
    survey: SurveyFile,
    questions: Sequence[QuestionSpec],
    mapping: Mapping[str, str | Sequence[str]],
    id_column: str | None,
) -> _Plan:
    index = {c.name: i for i, c in enumerate(survey.columns)}
    wanted = {code: (cols,) if isinstance(cols, str) else tuple(cols) for code, cols in mapping.items()}
    unknown = sorted({c for cols in wanted.values() for c in cols if c not in index})
    if id_column is not None and id_column not in index:
        unknown.append(id_column)
    if unknown:
        raise ImportProblem("unknown_columns", columns=unknown)
    specs = {q.code: q for q in questions}
    planned: list[tuple[QuestionSpec, list[_Source]]] = []
    for code, cols in wanted.items():
        spec = specs[code]
        _check_points(survey, spec, cols)
        sources = [(c, index[c], _sub_option(survey, spec, c, cols), _sub_label(survey, c)) for c in cols]
        planned.append((spec, sources))
    if id_column is not None:
        _check_ids(survey.values(id_column))
    return _Plan(planned, index[id_column] if id_column is not None else None)


def _sub_option(survey: SurveyFile, spec: QuestionSpec, column: str, columns: tuple[str, ...]) -> int | None:
    """The option a multiple choice's sub-column stands for: by its words, else by its place."""
    if spec.kind != "multi" or len(columns) == 1:
        return None
    number = _option_number(spec, _sub_label(survey, column))
    return number if number is not None else columns.index(column) + 1


def _sub_label(survey: SurveyFile, column: str) -> str:
    return survey.column(column).option or column


def _check_points(survey: SurveyFile, spec: QuestionSpec, columns: tuple[str, ...]) -> None:
    """Refuse a column that shows more scale points than the question has (7 answers to a 5-point one)."""
    if spec.kind != "scale" or len(columns) != 1:
        return
    points = spec.points or 5
    values = [v for v in survey.values(columns[0]) if not _is_missing(v)]
    numbers = [n for n in (_number(v) for v in values) if n is not None]
    words = {_norm(v) for v in values}
    own = set(_scale_lookup(points, spec.wording or "satisfaction", spec))
    wider = set(_scale_lookup(7, spec.wording or "satisfaction")) - own if points == 5 else set()
    if (points == 5 and 7 in numbers) or words & wider:
        raise ImportProblem(
            "scale_points_differ", column=columns[0], question=spec.code, points=points, file_points=7
        )


def _check_ids(values: Sequence[Any]) -> None:
    given = [_clean(v) for v in values if not _is_missing(v)]
    repeated = sorted(k for k, n in Counter(given).items() if n > 1)
    if repeated:
        raise ImportProblem("duplicate_ids", ids=repeated[:20], count=len(repeated))


def _read_row(
    plan: _Plan, cells: Sequence[Any], row: int, extra: Sequence[str]
) -> tuple[list[tuple[str, str, float | str]], list[Rejected]]:
    """One row's answers (code, frame kind, value), or its problems."""
    answers: list[tuple[str, str, float | str]] = []
    problems: list[Rejected] = []
    for spec, columns in plan.questions:
        if spec.kind == "multi" and len(columns) > 1:
            picked = _picked_from_columns(columns, cells)
            answer = Answer(picked) if picked is not None else Answer()
        else:
            name, i, _, _ = columns[0]
            answer = answer_value(spec, cells[i], missing=extra)
            if answer.reason is not None:
                problems.append(Rejected(row, answer.reason, name, _shown(cells[i])))
                continue
        answers.extend(_answer_rows(spec, answer))
    return answers, problems


def _picked_from_columns(columns: Sequence[_Source], cells: Sequence[Any]) -> tuple[int, ...] | None:
    """Options chosen across 0/1 sub-columns; None when every sub-column is blank or skipped."""
    marks = [(option, chosen(cells[i], label)) for _, i, option, label in columns]
    if all(mark is None for _, mark in marks):
        return None
    return tuple(sorted(option for option, mark in marks if option is not None and mark))


def _answer_rows(spec: QuestionSpec, answer: Answer) -> list[tuple[str, str, float | str]]:
    if answer.value is None:
        return []
    if isinstance(answer.value, tuple):  # a multiple choice: one 0/1 row per option
        picked = set(answer.value)
        return [
            (option_code(spec.code, n), "multi", 1.0 if n in picked else 0.0)
            for n in range(1, len(spec.options) + 1)
        ]
    return [(spec.code, spec.frame_kind(), answer.value)]


def _shown(value: Any, limit: int = 60) -> str:
    """A refused cell fit for the report: shortened and redacted."""
    text = cell_text(value).strip()
    text = text[:limit] + "…" if len(text) > limit else text
    return redact(text, names=False).text
