"""Survey answers as the before/after analysis reads them.

Survey answers as the before/after analysis reads them: the measures, their scales, one wave's
cleaned answers to one question, NPS scores and their resampling.

An answers frame has one row per answer: ``wave`` (any id), ``respondent_key`` (pseudonymous; None for
anonymous answers, which are never paired), ``question`` (code, e.g. "accuracy", "nps") and ``value``;
optional ``kind`` ("likert5", "likert7", "nps", "yes_no", "single", "multi", "number", "text":
``analytics.questions.QuestionSpec.frame_kind``; when absent, taken from the questions compared
(:func:`frame_kinds`) or inferred from the code: "nps" for "nps", else "likert5").

:func:`answer_rule` says which answers a question of each kind accepts (a 7-point scale 1-7, yes/no 0,
0.5 and 1, a single choice its option numbers), :func:`unanswered` which questions have no answer.

Also here: the conventions every test of the answers shares (significance level, power, the fewest
answers a wave needs, the NPS groups, the bootstrap's resamples and seed).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.questions import QuestionSpec, answer_codes

MEASURES: tuple[str, ...] = ("accuracy", "ease_of_use", "response_speed", "problem_resolution", "csat", "nps")
SCALES: dict[str, tuple[int, int]] = {"likert5": (1, 5), "nps": (0, 10)}

ALPHA = 0.05
POWER = 0.8
MIN_ANSWERS = 5  # per wave (or pairs); below this no test is run
N_BOOT = 2000
SEED = 20260701
PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promoters, 0-6 detractors
ANONYMOUS = "__anonymous_"  # prefix of the stand-in key of an answer without a respondent key


def check_answers(answers: pd.DataFrame, kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Check an answers frame and return a copy with a numeric ``value`` and a ``kind`` column.

    Args:
        answers: One row per answer (see the module docstring).
        kinds: The frame kind of each question code, used when ``answers`` has no ``kind`` column
            (``frame_kinds``); codes it lacks are inferred from the code as before.

    Returns:
        A copy with ``value`` as float (NaN where missing or not a number), ``not_a_number`` (the value
        was given but is not a number) and ``kind``.

    Raises:
        ValueError: ``answers`` is not a DataFrame or lacks a column.
    """
    if not isinstance(answers, pd.DataFrame):
        raise ValueError("answers must be a pandas DataFrame")
    missing = {"wave", "respondent_key", "question", "value"} - set(answers.columns)
    if missing:
        raise ValueError(f"answers lacks the column(s) {sorted(missing)}")
    frame = answers.copy()
    raw = frame["value"]
    frame["value"] = pd.to_numeric(raw, errors="coerce").astype(float)
    frame["not_a_number"] = frame["value"].isna() & raw.notna()
    if "kind" not in frame.columns:
        inferred = pd.Series(
            np.where(frame["question"].astype(str) == "nps", "nps", "likert5"),
            index=frame.index,
            dtype=object,
        )
        given = frame["question"].astype(str).map(dict(kinds or {}))
        frame["kind"] = given.where(given.notna(), inferred)
    frame["kind"] = frame["kind"].astype(object)
    return frame


@dataclass
class Side:
    """One wave's answers to one question, by respondent, after cleaning.

    Attributes:
        values: Float answers indexed by respondent key (anonymous answers get a unique stand-in key
            starting with :data:`ANONYMOUS`), missing values dropped.
        kinds: The question kinds the answers were given on.
        missing: NaN answers dropped.
        not_numbers: Answers that were not numbers.
        duplicates: Second answers of the same respondent dropped.
    """

    values: pd.Series
    kinds: set[str]
    missing: int = 0
    not_numbers: int = 0
    duplicates: int = 0


def wave_side(frame: pd.DataFrame, wave: Hashable, code: str) -> Side:
    """One wave's cleaned answers to one question.

    Args:
        frame: An answers frame from :func:`check_answers`.
        wave: The ``wave`` value.
        code: The question code.

    Returns:
        The answers by respondent; a respondent's first answer counts, later ones are counted as
        duplicates.
    """
    rows = frame[(frame["wave"] == wave) & (frame["question"] == code)]
    kinds = {str(k) for k in rows["kind"].dropna().unique()}
    not_numbers = int(rows["not_a_number"].sum())
    keep = rows[rows["value"].notna()]
    dup = keep["respondent_key"].notna() & keep["respondent_key"].duplicated(keep="first")
    keep = keep[~dup]
    # A missing key is an anonymous answer: it counts, but can never be paired.
    keys = [
        k if isinstance(k, str) and k else f"{ANONYMOUS}{i}"
        for i, k in enumerate(keep["respondent_key"].tolist())
    ]
    values = pd.Series(keep["value"].to_numpy(dtype=float), index=pd.Index(keys, dtype=object))
    return Side(values, kinds, int(rows["value"].isna().sum()) - not_numbers, not_numbers, int(dup.sum()))


def is_anonymous(key: object) -> bool:
    """Whether a key of :attr:`Side.values` stands in for an anonymous answer."""
    return str(key).startswith(ANONYMOUS)


def shared_keys(before: Side, after: Side) -> pd.Index:
    """The identified respondents who answered in both waves, in the order of ``before``."""
    common = before.values.index.intersection(after.values.index)
    return common[[not is_anonymous(k) for k in common]]


def nps_scores(values: pd.Series | np.ndarray) -> np.ndarray:
    """NPS answers 0-10 as scores: promoters +100, passives 0, detractors -100.

    Args:
        values: Answers on the 0-10 scale.

    Returns:
        A float array of the scores.
    """
    v = np.asarray(values, dtype=float)
    return np.where(v >= PROMOTER, 100.0, np.where(v <= DETRACTOR, -100.0, 0.0))


def resampled_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` bootstrap resamples of ``values``.

    NPS scores take three values (differences of pairs five), so a resample is fully described by how
    often each value is drawn: multinomial counts give the same distribution as drawing indices, in
    O(n_boot) instead of O(n_boot x n) (13,000 pairs: milliseconds instead of seconds).

    Args:
        values: The values to resample.
        n_boot: Number of resamples.
        rng: The random generator (seeded by the caller).

    Returns:
        The ``n_boot`` resample means.
    """
    levels, counts = np.unique(values, return_counts=True)
    drawn = rng.multinomial(values.size, counts / values.size, size=n_boot)
    return np.asarray(drawn @ levels / values.size, dtype=float)


def frame_kinds(questions: Iterable[QuestionSpec]) -> dict[str, str]:
    """The answers-frame ``kind`` of every answer code of the questions (a multi question's options too)."""
    return {code: spec.frame_kind() for spec in questions for code in answer_codes(spec)}


def unanswered(
    frame: pd.DataFrame, questions: Iterable[QuestionSpec | str], waves: Iterable[Hashable]
) -> list[str]:
    """The codes of the questions with no answer at all in the given waves (text questions left out).

    A command line can refuse a misnamed question with it instead of printing a "no data" row.

    Args:
        frame: An answers frame from :func:`check_answers`.
        questions: The questions asked about; a plain code stands for a fixed measure of that code.
        waves: The ``wave`` values looked in.

    Returns:
        The question codes, in the questions' order.
    """
    answered = frame[frame["wave"].isin(list(waves)) & (frame["value"].notna() | frame["not_a_number"])]
    present = set(answered["question"].astype(str))
    missing: list[str] = []
    for question in questions:
        code, codes = (
            (question, (question,)) if isinstance(question, str) else (question.code, answer_codes(question))
        )
        if codes and not present & set(codes):
            missing.append(code)
    return missing


@dataclass(frozen=True)
class AnswerRule:
    """The answers a question accepts, and what breaking the rule is called.

    Attributes:
        frame_kind: The ``kind`` its answers must carry in the frame; None: not checked.
        low: The smallest answer accepted.
        high: The largest answer accepted.
        whole: Whether answers must be whole numbers.
        allowed: When not empty, the only answers accepted.
        status: The row status of an answer that breaks the rule ("scale_mismatch", "invalid_value").
        what_en: What the accepted answers are, for the sentence ("the whole numbers 1-5").
        what_zh: The same in Chinese.
    """

    frame_kind: str | None
    low: float = -math.inf
    high: float = math.inf
    whole: bool = True
    allowed: tuple[float, ...] = ()
    status: str = "scale_mismatch"
    what_en: str = ""
    what_zh: str = ""

    def breaks(self, values: pd.Series) -> bool:
        """Whether any of the values is not accepted."""
        v = values.to_numpy(dtype=float)
        if not v.size:
            return False
        if self.allowed:
            return bool((~np.isin(v, self.allowed)).any())
        bad = (v < self.low) | (v > self.high) | ~np.isfinite(v)
        if self.whole:
            bad |= v != np.round(v)
        return bool(bad.any())


def scale_rule(scale_kind: str) -> AnswerRule:
    """The rule of the fixed measures (no question given): whole numbers on ``SCALES[scale_kind]``."""
    low, high = SCALES.get(scale_kind, (-math.inf, math.inf))
    return AnswerRule(
        None, low, high, what_en=f"the whole numbers {low}-{high}", what_zh=f"{low}-{high} 整数"
    )


def answer_rule(spec: QuestionSpec) -> AnswerRule:
    """The answers a question of a survey accepts, by its kind (``analytics.questions``)."""
    kind = spec.frame_kind()
    if spec.kind in ("scale", "nps"):
        low, high = (int(v) for v in spec.value_range or (1, 5))
        return AnswerRule(
            kind, low, high, what_en=f"the whole numbers {low}-{high}", what_zh=f"{low}-{high} 整数"
        )
    if spec.kind == "yes_no":
        return AnswerRule(
            kind,
            allowed=(0.0, 0.5, 1.0),
            status="invalid_value",
            what_en="1 (yes), 0.5 (partly) and 0 (no)",
            what_zh="1（是）、0.5（部分）和 0（否）",
        )
    if spec.kind == "multi":
        return AnswerRule(
            "multi",
            allowed=(0.0, 1.0),
            status="invalid_value",
            what_en="1 (chosen) and 0",
            what_zh="1（选中）和 0",
        )
    if spec.kind == "single":
        k = len(spec.options)
        return AnswerRule(
            kind, 1, k, status="invalid_value", what_en=f"the option numbers 1-{k}", what_zh=f"选项编号 1-{k}"
        )
    return AnswerRule(kind, whole=False, status="invalid_value", what_en="finite numbers", what_zh="有限数值")
