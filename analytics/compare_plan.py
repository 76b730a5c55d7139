"""Which rows a before/after comparison has: their kind, family and name, from measures or questions.

Two ways to say what to compare (``analytics.wave_compare.compare_waves``):

* **Fixed measures** (``dimensions``, codes answered on 1-5, "nps" on 0-10): a Likert row per code, the
  NPS row, then a top-2-box row per code; the p-values are adjusted within each row kind (``family``
  "kind") or across every row ("all"), and the family column says which.
* **A survey's own questions** (``analytics.questions.QuestionSpec``), rows in the questions' order:

  ========== ======================================================================================
  kind       rows (row kind)
  ========== ======================================================================================
  scale      rank row ("likert"), then the share of answers >= points - 1 ("top2box") unless top_box
             is None
  nps        "nps"
  yes_no     share answering "yes" ("share")
  multi      one share row per option ("share"), its code ``option_code(code, i)``
  single     "choice"
  number     "number"
  text       none: free text is not compared (it becomes survey_comment feedback)
  ========== ======================================================================================

  Families (the sets of tests adjusted together): a ``families`` entry for the question's code (or,
  for one option of a multiple-choice question, the option's code) wins; then ``family="all"`` puts
  every row in one family "all"; otherwise ``QuestionSpec.family()``: scale questions by dimension,
  every other question its own family, a multiple-choice question's options one family. A scale
  question's top-box row is in the parallel family ``"top2box:" + name`` (the name without its
  "scale:" prefix), so top-box tests are adjusted with each other, not with the rank tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from analytics.questions import (
    DIMENSIONS,
    MEASURED_KINDS,
    SCALE_POINTS,
    QuestionSpec,
    dimension_label,
    option_code,
)
from analytics.verdicts import row_label

KINDS = ("likert", "nps", "top2box")  # row kinds of the fixed measures, in the order rows are returned
QUESTION_KINDS = ("likert", "top2box", "nps", "share", "choice", "number")  # rows of a survey's questions


@dataclass(frozen=True)
class PlannedRow:
    """One row a comparison will have.

    Attributes:
        code: The answers-frame question code the row tests (an option's code for a multi option).
        kind: The row kind (:data:`QUESTION_KINDS`).
        family: The family its p-value is adjusted in.
        label_en: The row's name in English.
        label_zh: The row's name in Chinese.
        top_box: The lowest answer counted in the share (top-box and share rows).
        spec: The survey's question, or None for a fixed measure.
    """

    code: str
    kind: str
    family: str
    label_en: str
    label_zh: str
    top_box: float = 4.0
    spec: QuestionSpec | None = None


def plan_measures(
    dimensions: Sequence[str], top_box: float | None, family: Literal["kind", "all"]
) -> list[PlannedRow]:
    """The rows of the fixed measures, as the comparison has always had them.

    Args:
        dimensions: Question codes; "nps" is the NPS row, every other code a Likert row.
        top_box: The top box's lowest answer; None leaves the top-2-box rows out.
        family: "kind" (adjust within each row kind) or "all".

    Returns:
        Likert rows, the NPS row, then top-2-box rows.
    """
    codes = list(dict.fromkeys(dimensions))
    plan = [(c, "likert") for c in codes if c != "nps"]
    plan += [(c, "nps") for c in codes if c == "nps"]
    if top_box is not None:
        plan += [(c, "top2box") for c in codes if c != "nps"]
    box = float(top_box) if top_box is not None else 4.0
    return [
        PlannedRow(
            code,
            kind,
            "all" if family == "all" else kind,
            row_label(code, kind, top_box or 4, "en"),
            row_label(code, kind, top_box or 4, "zh"),
            box,
        )
        for code, kind in plan
    ]


def _check(questions: Sequence[QuestionSpec], families: Mapping[str, str]) -> None:
    codes = [q.code for q in questions]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValueError(f"questions repeat the code(s) {repeated}")
    for q in questions:
        if q.kind == "scale" and (q.points or 5) not in SCALE_POINTS:
            raise ValueError(
                f"question {q.code} has {q.points} scale points; only {SCALE_POINTS} are compared"
            )
        if q.kind in ("single", "multi") and len(q.options) < 2:
            raise ValueError(f"question {q.code} is a choice question with fewer than 2 options")
    known = set(codes) | {
        option_code(q.code, i) for q in questions if q.kind == "multi" for i in range(1, len(q.options) + 1)
    }
    unknown = sorted(set(families) - known)
    if unknown:
        raise ValueError(f"families names question(s) not compared: {unknown}")


def _share_label(name: str, top_box: float, lang: str) -> str:
    return (
        f"{name}（{top_box:g} 分及以上占比）" if lang == "zh" else f"{name}, share of answers ≥ {top_box:g}"
    )


def plan_questions(
    questions: Sequence[QuestionSpec],
    *,
    top_box: bool,
    families: Mapping[str, str] | None = None,
    family: Literal["kind", "all"] = "kind",
) -> list[PlannedRow]:
    """The rows of a survey's own questions, by the table of the module docstring.

    Args:
        questions: The questions, in the order the rows are wanted.
        top_box: Whether scale questions get their top-box row.
        families: Question code (or multi option code) -> family name, overriding the default.
        family: "all" puts every row not named in ``families`` in one family.

    Returns:
        The rows.

    Raises:
        ValueError: A code repeats, a scale has other than 5 or 7 points, a choice question has fewer
            than 2 options, or ``families`` names a question that is not compared.
    """
    chosen = dict(families or {})
    _check(questions, chosen)

    def family_of(code: str, spec: QuestionSpec) -> str:
        if code in chosen:
            return chosen[code]
        if spec.code in chosen:
            return chosen[spec.code]
        return "all" if family == "all" else spec.family()

    names = result_names(questions)
    rows: list[PlannedRow] = []
    for q in questions:
        if q.kind == "text":
            continue
        fam = family_of(q.code, q)
        name_en, name_zh = names[q.code]
        if q.kind == "scale":
            rows.append(PlannedRow(q.code, "likert", fam, name_en, name_zh, spec=q))
            if top_box:
                box = float((q.points or 5) - 1)
                box_family = fam if fam == "all" else "top2box:" + fam.removeprefix("scale:")
                labels = (_share_label(name_en, box, "en"), _share_label(name_zh, box, "zh"))
                rows.append(PlannedRow(q.code, "top2box", box_family, *labels, top_box=box, spec=q))
        elif q.kind == "multi":
            for i, option in enumerate(q.options, start=1):
                code = option_code(q.code, i)
                label_en, label_zh = f"{q.text_en} — {option.en}", f"{q.text_zh} — {option.zh}"
                rows.append(PlannedRow(code, "share", family_of(code, q), label_en, label_zh, 1.0, q))
        else:
            kind = {"nps": "nps", "yes_no": "share", "single": "choice", "number": "number"}[q.kind]
            rows.append(PlannedRow(q.code, kind, fam, name_en, name_zh, 1.0, q))
    return rows


def result_names(questions: Sequence[QuestionSpec]) -> dict[str, tuple[str, str]]:
    """Each question's name in the results, (en, zh): short where it can be, the wording otherwise.

    A scale or NPS question that is the only one of the compared ones to measure a seed dimension
    (accuracy, ease of use, ..., overall satisfaction, NPS) is named by that dimension, as a review
    meeting says it ("Accuracy improved"); a question sharing its dimension, measuring none of them, or
    of another kind (a yes/no share needs its question to be read) by its wording.
    """
    named = [q.dimension for q in questions if q.kind in ("scale", "nps") and q.dimension in DIMENSIONS]
    measured = [q.dimension for q in questions if q.kind in MEASURED_KINDS and q.dimension in DIMENSIONS]
    names: dict[str, tuple[str, str]] = {}
    for q in questions:
        if q.dimension in named and measured.count(q.dimension) == 1 and q.kind in ("scale", "nps"):
            names[q.code] = (dimension_label(q.dimension, "en"), dimension_label(q.dimension, "zh"))
        else:
            names[q.code] = (q.text_en, q.text_zh)
    return names
