"""Compare two survey waves from files, without a database: one verdict per question.

Wide files, as survey tools export them (one row per respondent; 问卷星, 腾讯问卷, Qualtrics,
SurveyMonkey, Google Forms, Microsoft Forms or a plain table; CSV or XLSX, UTF-8 or GBK)::

    python -m analytics.verify --baseline-file BEFORE.csv --follow-up-file AFTER.xlsx
        [--id-column COL] [--paired auto|yes|no] [--lang zh|en] [--output OUT.csv] [--question Q ...]

Each file's questions are recognised from their values or labels (``analytics.survey_files``) and the
two files' questions matched by wording; a question is compared by its kind
(``analytics.wave_compare``). Free-text columns, and questions only one file asks, are listed as
skipped. By default all scale questions form one Holm family. ``--id-column`` names the column that
identifies a respondent in both files, so the waves can be paired.

The long format (one row per answer: wave, respondent_key, question, value; optional kind)::

    python -m analytics.verify answers.csv --baseline B --follow-up F [--question CODE ...] [...]

compares every question the file has answers to (or those named). A named question with no answers in
either wave is an error, as is a file that cannot be read: one line on stderr, exit status 2.

Every message the command prints (skipped questions, refused rows, errors, verdicts) is in ``--lang``.
A question named with ``--question`` may be given by its wording or by a file's column name (``Q1_1``).

``--output`` writes one row per analysed question with the columns ``question`` (as the file heads
it; a multiple-choice option as "question — option"), ``kind``, ``test``, ``statistic``, ``p_val``,
``p_adj``, ``n_before``, ``n_after``, ``status``, ``verdict_en``, ``verdict_zh`` and the rest of
``analytics.wave_compare.COLUMNS``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from analytics.importing import ImportProblem
from analytics.pairing import Paired
from analytics.questions import QuestionSpec
from analytics.survey_answers import check_answers, frame_kinds, unanswered
from analytics.survey_files import (
    ProposedQuestion,
    SurveyFile,
    normalise_wording,
    read_survey,
    responses_from,
)
from analytics.wave_compare import COLUMNS, compare_waves

PAIRING_CHOICES: dict[str, Paired] = {"auto": "auto", "yes": True, "no": False}
FIRST_COLUMNS = ("question", "kind", "test", "statistic", "p_val", "p_adj", "n_before", "n_after", "status")
BEFORE, AFTER = "baseline", "follow_up"


Message = tuple[str, str]  # (en, zh)


class Refused(ValueError):
    """A comparison that cannot be made, said in one line, in English and Chinese."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh or en

    def text(self, lang: str) -> str:
        """The line in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class WideComparison:
    """Two exports read, their questions matched, and what was left out."""

    answers: pd.DataFrame
    questions: tuple[QuestionSpec, ...]
    headers: dict[str, str]  # question code -> the question as the files head it
    columns: dict[str, tuple[str, ...]]  # question code -> the columns of both files answering it
    skipped: tuple[Message, ...]  # lines saying what was not compared and why
    refused_rows: tuple[Message, ...]  # lines saying which rows were refused


# What a refused file means, for the one line the command prints (the page has the same in ui/strings,
# which analytics may not import): code -> (en, zh).
_PROBLEMS: dict[str, Message] = {
    "duplicate_ids": (
        "respondent ids repeat ({count} of them: {ids}): fix the file or pick another id column",
        "受访者 ID 有重复（{count} 个：{ids}）：请修正文件或选择其他 ID 列",
    ),
    "unknown_columns": ("no column {columns}", "没有列 {columns}"),
    "scale_points_differ": (
        "column {column} has {file_points} points, the question {points}",
        "列 {column} 是 {file_points} 分量表，题目是 {points} 分量表",
    ),
    "no_question_columns": ("no column looks like a question", "没有可识别的题目列"),
    "not_a_survey": (
        "not a survey export (one row per respondent, one column per question)",
        "不是问卷结果导出（每位受访者一行、每题一列）",
    ),
    "undecodable": (
        "the text encoding cannot be read: save it as UTF-8 or GBK",
        "无法识别文字编码，请另存为 UTF-8 或 GBK",
    ),
    "unsupported_type": ("not a CSV or XLSX file", "不是 CSV 或 XLSX 文件"),
    "empty_file": ("the file is empty", "文件是空的"),
    "too_large": ("the file is too large", "文件太大"),
    "unreadable": ("the file cannot be read", "无法读取文件"),
    "no_rows": ("no respondents' answers", "没有受访者的回答"),
}
# Why a row was refused (analytics.survey_files.REASONS): code -> (en, zh).
_REASONS: dict[str, Message] = {
    "unknown_label": ("an answer that is no point of the scale", "无法识别的回答"),
    "out_of_scale": ("outside the scale", "超出量表范围"),
    "not_a_point": ("not a point of the scale", "不是量表上的整数分"),
    "not_a_number": ("not a number", "不是数字"),
    "unknown_option": ("not an option of the question", "不是此题的选项"),
    "duplicate_in_file": ("the same row again", "与前面的行重复"),
    "too_many_cells": ("more cells than the header", "单元格比表头多"),
}
_FILES: dict[str, Message] = {BEFORE: ("baseline file", "基线文件"), AFTER: ("follow-up file", "复测文件")}


def _problem(where: Message, problem: ImportProblem) -> Refused:
    values = {
        k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in problem.values.items()
    }
    texts = []
    for text, place, sep in zip(
        _PROBLEMS.get(problem.code, (problem.code,) * 2), where, (": ", "："), strict=True
    ):
        with contextlib.suppress(KeyError, IndexError):  # a message without its values is still a message
            text = text.format(**values)
        texts.append(f"{place}{sep}{text}")
    return Refused(texts[0], texts[1])


def _skipped(why: str, header: str) -> Message:
    words = {
        "text": ("free text", "开放题"),
        "after": ("only in the follow-up file", "只在复测文件中"),
        "before": ("only in the baseline file", "只在基线文件中"),
    }[why]
    return f"skipped ({words[0]}): {header}", f"已跳过（{words[1]}）：{header}"


def _read(path: Path) -> SurveyFile:
    try:
        return read_survey(path.read_bytes(), path.name)
    except OSError as err:
        reason = err.strerror or str(err)
        raise Refused(f"{path}: {reason}", f"{path}：无法读取（{reason}）") from err
    except ImportProblem as problem:
        raise _problem((path.name, path.name), problem) from problem


def _key(question: ProposedQuestion) -> str:
    return normalise_wording(question.spec.text_en) or ",".join(question.columns)


def _shared(before: QuestionSpec, after: QuestionSpec) -> QuestionSpec:
    """The follow-up's question under the baseline's code; a choice's options those of both files."""
    options = before.options + tuple(o for o in after.options if o not in before.options)
    return replace(
        after, code=before.code, options=options if after.kind in ("single", "multi") else after.options
    )


def read_wide(before_path: Path, after_path: Path, id_column: str | None = None) -> WideComparison:
    """Read two exports, match their questions by wording and give the answers of both waves.

    Args:
        before_path: The baseline export.
        after_path: The follow-up export.
        id_column: The column identifying a respondent in both files, or None.

    Returns:
        The answers (wave "baseline" / "follow_up"), the questions compared (the follow-up file's, under
        the baseline file's codes), their headers and what was skipped.

    Raises:
        Refused: A file cannot be read, has repeated ids, or lacks the id column.
    """
    before, after = _read(before_path), _read(after_path)
    earlier = {_key(q): q for q in before.questions}
    skipped: list[Message] = []
    pairs: list[tuple[ProposedQuestion, ProposedQuestion]] = []
    for q in after.questions:
        match = earlier.pop(_key(q), None)
        if q.spec.kind == "text":
            skipped.append(_skipped("text", q.spec.text_en))
        elif match is None:
            skipped.append(_skipped("after", q.spec.text_en))
        else:
            pairs.append((match, q))
    skipped += [
        _skipped("text" if q.spec.kind == "text" else "before", q.spec.text_en) for q in earlier.values()
    ]
    frames: list[pd.DataFrame] = []
    refused: list[Message] = []
    questions = tuple(_shared(b.spec, a.spec) for b, a in pairs)
    for wave, survey, side in ((BEFORE, before, 0), (AFTER, after, 1)):
        # Scales are read as each file shows them (a 5 and a 7-point version are then told apart);
        # choices by the options of both files, so option 2 means the same in both waves.
        specs = [
            shared if shared.kind in ("single", "multi") else replace(pair[side].spec, code=shared.code)
            for pair, shared in zip(pairs, questions, strict=True)
        ]
        mapping = {pair[0].spec.code: pair[side].columns for pair in pairs}
        where = _FILES[wave]
        if id_column is not None and id_column not in {c.name for c in survey.columns}:
            raise Refused(f"{where[0]} has no column {id_column!r}", f"{where[1]}没有列 {id_column!r}")
        try:
            read = responses_from(survey, specs, mapping, id_column)
        except ImportProblem as problem:
            raise _problem(where, problem) from problem
        for r in read.rejected:
            reason = _REASONS.get(r.reason, (r.reason, r.reason))
            value = (f" ({r.value})", f"（{r.value}）") if r.value else ("", "")
            column = (f" in column {r.column!r}", f"列 {r.column!r} ") if r.column else ("", "")
            refused.append(
                (
                    f"{where[0]}, row {r.row} refused (left out of the comparison): {reason[0]}{value[0]}{column[0]}",
                    f"{where[1]}第 {r.row} 行被拒绝（未参与比较）：{column[1]}{reason[1]}{value[1]}",
                )
            )
        frames.append(read.answers.assign(wave=wave))
    answers = pd.concat(frames, ignore_index=True)
    headers = {b.spec.code: a.spec.text_en for b, a in pairs}
    columns = {b.spec.code: b.columns + a.columns for b, a in pairs}
    return WideComparison(answers, questions, headers, columns, tuple(skipped), tuple(refused))


def compare_files(
    before_path: Path,
    after_path: Path,
    *,
    id_column: str | None = None,
    paired: Paired = "auto",
    named: Sequence[str] = (),
) -> tuple[pd.DataFrame, WideComparison]:
    """Compare two wide exports: one row per analysed question, all scale questions one Holm family.

    Args:
        before_path: The baseline export.
        after_path: The follow-up export.
        id_column: The column identifying a respondent in both files, or None.
        paired: "auto", True or False.
        named: Question headers to compare (default: every question both files ask).

    Returns:
        The result table (``question`` first, as the files head it) and the files as read.

    Raises:
        Refused: A file cannot be read, a named question is not in both files or has no answers.
    """
    wide = read_wide(before_path, after_path, id_column)
    questions = wide.questions
    if named:
        by_header = {normalise_wording(h): code for code, h in wide.headers.items()}
        by_column = {column.strip(): code for code, columns in wide.columns.items() for column in columns}

        def code_of(name: str) -> str | None:
            return by_column.get(name.strip()) or by_header.get(normalise_wording(name))

        unknown = [n for n in named if code_of(n) is None]
        if unknown:
            raise Refused(
                f"no question {unknown[0]!r} is in both files", f"两个文件中没有共同的题目 {unknown[0]!r}"
            )
        wanted = {code_of(n) for n in named}
        questions = tuple(q for q in questions if q.code in wanted)
        frame = check_answers(wide.answers, frame_kinds(questions))
        _refuse_unanswered(unanswered(frame, questions, (BEFORE, AFTER)), wide.headers)
    if not questions:
        raise Refused("the two files have no question in common to compare", "两个文件没有可以比较的共同题目")
    families = {q.code: "scale" for q in questions if q.kind == "scale"}  # one Holm family
    try:
        result = compare_waves(
            wide.answers,
            baseline=BEFORE,
            follow_up=AFTER,
            questions=questions,
            families=families,
            paired=paired,
            top_box=None,  # one row per question: the rank test, its mean difference beside it
            require_answers=bool(named),
        )
    except ValueError as err:
        raise Refused(str(err)) from err
    headers = [
        wide.headers.get(str(code), str(code)) if str(code) in wide.headers else str(label)
        for code, label in zip(result["question"], result["label_en"], strict=True)
    ]
    return _ordered(result.assign(question=headers, code=result["question"])), wide


def compare_long(
    path: Path, *, baseline: str, follow_up: str, paired: Paired = "auto", named: Sequence[str] = ()
) -> pd.DataFrame:
    """Compare two waves of a long answers file (wave, respondent_key, question, value; optional kind).

    Args:
        path: The CSV file.
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        paired: "auto", True or False.
        named: Question codes to compare (default: every question the two waves have answers to).

    Returns:
        The result table, ``question`` first.

    Raises:
        Refused: The file cannot be read, or a named question has no answers in either wave.
    """
    try:
        answers = pd.read_csv(path, dtype={"wave": str, "respondent_key": str})
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise Refused(f"{path.name}: {err}", f"{path.name}：无法读取（{err}）") from err
    missing = {"wave", "respondent_key", "question", "value"} - set(answers.columns)
    if missing:
        columns = ", ".join(sorted(missing))
        raise Refused(f"{path.name} lacks the column(s) {columns}", f"{path.name} 缺少列 {columns}")
    present = list(dict.fromkeys(answers["wave"].astype(str)))
    for wave in (baseline, follow_up):
        if wave not in present:  # a typo, not a wave without answers: refuse rather than "not tested"
            shown = ", ".join(present[:10])
            raise Refused(
                f"{path.name} has no wave {wave!r} (its waves: {shown})",
                f"{path.name} 中没有批次 {wave!r}（文件中的批次：{shown}）",
            )
    in_waves = answers[answers["wave"].isin([baseline, follow_up])]
    if "kind" in in_waves.columns:
        in_waves = in_waves[in_waves["kind"].astype(str) != "text"]
    codes = list(named) or list(
        dict.fromkeys(in_waves.loc[in_waves["value"].notna(), "question"].astype(str))
    )
    if not codes:
        raise Refused(
            f"neither wave {baseline!r} nor {follow_up!r} has answers in {path.name}",
            f"{path.name} 中批次 {baseline!r} 和 {follow_up!r} 都没有回答",
        )
    try:
        frame = check_answers(answers)
    except ValueError as err:
        raise Refused(f"{path.name}: {err}", f"{path.name}：{err}") from err
    _refuse_unanswered(unanswered(frame, codes, (baseline, follow_up)), {})
    try:
        result = compare_waves(
            answers,
            baseline=baseline,
            follow_up=follow_up,
            dimensions=codes,
            paired=paired,
            require_answers=True,
        )
    except ValueError as err:
        raise Refused(str(err)) from err
    return _ordered(result.assign(question=result["measure"]))


def _refuse_unanswered(codes: Sequence[str], headers: dict[str, str]) -> None:
    if codes:
        names = ", ".join(repr(headers.get(c, c)) for c in codes)
        raise Refused(
            f"question {names} has no answers in either wave", f"题目 {names} 在两个批次中都没有回答"
        )


def _ordered(result: pd.DataFrame) -> pd.DataFrame:
    rest = [c for c in (*COLUMNS, "code") if c in result.columns and c not in FIRST_COLUMNS]
    return result[
        [*FIRST_COLUMNS, "verdict_en", "verdict_zh", *[c for c in rest if not c.startswith("verdict_")]]
    ]


def main(argv: Sequence[str] | None = None, prog: str = "python -m analytics.verify") -> int:
    """Compare two waves from files; print the verdicts, optionally write the table.

    Args:
        argv: The arguments (default: the process's).
        prog: The command's name in the usage line.

    Returns:
        The exit status: 0, or 2 when a file cannot be read or the comparison is refused.
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compare a follow-up survey wave with its baseline: two exports of a survey tool "
        "(--baseline-file, --follow-up-file), or one long answers CSV (wave, respondent_key, question, "
        "value; optional kind) with --baseline and --follow-up.",
    )
    parser.add_argument("input", type=Path, nargs="?", help="long answers CSV (UTF-8), one row per answer")
    parser.add_argument("--baseline", help="long format: wave value of the baseline")
    parser.add_argument("--follow-up", help="long format: wave value of the follow-up")
    parser.add_argument("--baseline-file", type=Path, help="wide export of the baseline wave (CSV/XLSX)")
    parser.add_argument("--follow-up-file", type=Path, help="wide export of the follow-up wave (CSV/XLSX)")
    parser.add_argument("--id-column", help="wide format: the column identifying a respondent in both files")
    parser.add_argument("--question", action="append", default=[], help="compare only this question (repeat)")
    parser.add_argument("--paired", choices=["auto", "yes", "no"], default="auto")
    parser.add_argument("--lang", choices=["zh", "en"], default="en")
    parser.add_argument("--output", type=Path, help="CSV file for the result table")
    args = parser.parse_args(argv)
    wide = args.baseline_file is not None or args.follow_up_file is not None
    if wide and (args.baseline_file is None or args.follow_up_file is None or args.input is not None):
        parser.error("give both --baseline-file and --follow-up-file (and no long answers file)")
    if not wide and (args.input is None or args.baseline is None or args.follow_up is None):
        parser.error(
            "give --baseline-file and --follow-up-file, or a long answers file with --baseline and --follow-up"
        )
    paired = PAIRING_CHOICES[args.paired]
    try:
        if wide:
            result, read = compare_files(
                args.baseline_file,
                args.follow_up_file,
                id_column=args.id_column,
                paired=paired,
                named=args.question,
            )
            for en, zh in (*read.skipped, *read.refused_rows):
                print(zh if args.lang == "zh" else en, file=sys.stderr)
        else:
            result = compare_long(
                args.input,
                baseline=str(args.baseline),
                follow_up=str(args.follow_up),
                paired=paired,
                named=args.question,
            )
    except Refused as err:
        print(f"{'错误：' if args.lang == 'zh' else 'error: '}{err.text(args.lang)}", file=sys.stderr)
        return 2
    for verdict in result[f"verdict_{args.lang}"]:
        print(verdict)
    if args.output is not None:
        result.to_csv(args.output, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
