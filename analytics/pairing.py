"""Who a before/after comparison compares: the same respondents in both waves, or every answer.

Respondents are matched across the waves by their pseudonymous key. When at least :data:`MIN_PAIRS`
respondents answered in both waves *and* they make up at least :data:`PAIRED_SHARE` of the smaller
wave, the paired test runs on the matched respondents only; the unmatched ones are left out of the test
and said so. Why the matched respondents: comparing the same people keeps a change in *who* answered
from passing for a change in satisfaction, and it is the comparison users reproduce with R's
``wilcox.test(paired = TRUE)``; the price is power when many respondents are unmatched, which the
sensitivity check makes visible. Otherwise every answer is treated as an independent sample, which is
conservative when the few repeat respondents' answers are positively correlated.

:func:`pair_sides` applies the rule to one measure (``paired="auto"``, or forced), :func:`choose_analysis`
once per comparison over the chosen measures (the primary analysis), and :func:`analysed_answers` gives
the answers that analysis tests, for charts that must show the same people.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from analytics.questions import QuestionSpec, answer_codes
from analytics.survey_answers import (
    MEASURES,
    MIN_ANSWERS,
    Side,
    check_answers,
    frame_kinds,
    is_anonymous,
    shared_keys,
    wave_side,
)

MIN_PAIRS = 20  # matched respondents needed before "auto" pairs
PAIRED_SHARE = 0.5  # ... and they must be at least this share of the smaller wave

Paired = bool | Literal["auto"]


@dataclass(frozen=True)
class Pairing:
    """How one measure's two waves are compared.

    Attributes:
        paired: Whether the test compares each matched respondent's two answers.
        after: The follow-up answers the test uses (matched respondents only when paired).
        before: The baseline answers the test uses.
        n_paired: Identified respondents who answered the measure in both waves.
        sentence_en: Which analysis and why, in English ("" when refused).
        sentence_zh: The same in Chinese.
        refusal_en: Why no test may run (a paired analysis forced on too few pairs); "" otherwise.
        refusal_zh: The same in Chinese.
    """

    paired: bool
    after: pd.Series
    before: pd.Series
    n_paired: int
    sentence_en: str = ""
    sentence_zh: str = ""
    refusal_en: str = ""
    refusal_zh: str = ""


def pair_sides(before: Side, after: Side, paired: Paired) -> Pairing:
    """Decide paired or independent for one measure and say why.

    Args:
        before: The baseline wave's answers.
        after: The follow-up wave's answers.
        paired: "auto" (the rule of the module docstring), True (matched respondents only) or False.

    Returns:
        The decision with the answers the test uses; ``refusal_en`` is set when a paired analysis was
        forced but fewer than ``MIN_ANSWERS`` respondents answered both waves.
    """
    common = shared_keys(before, after)
    n_p, n_b, n_a = len(common), len(before.values), len(after.values)
    smaller = min(n_b, n_a)
    auto = n_p >= MIN_PAIRS and n_p >= PAIRED_SHARE * smaller
    use = auto if paired == "auto" else bool(paired)
    if use and n_p < MIN_ANSWERS:
        return Pairing(
            False,
            after.values,
            before.values,
            n_p,
            refusal_en=(
                f"a paired analysis was asked for, but only {n_p} respondent(s) answered both waves; at least "
                f"{MIN_ANSWERS} are needed"
            ),
            refusal_zh=f"要求配对分析，但只有 {n_p} 名受访者回答了两个批次，至少需要 {MIN_ANSWERS} 名",
        )
    if use:
        only_b, only_a = n_b - n_p, n_a - n_p
        return Pairing(
            True,
            after.values.loc[common],
            before.values.loc[common],
            n_p,
            (
                f"Paired: {n_p} respondents answered both waves and the test compares each one's two answers; "
                f"{only_b} baseline-only and {only_a} follow-up-only respondents are left out of the test "
                "(they count in the all-respondent means)."
            ),
            (
                f"配对分析：{n_p} 名受访者回答了两个批次，检验比较每人的前后两次回答；"
                f"仅答基线的 {only_b} 人和仅答复测的 {only_a} 人不进入检验（计入全体均值）。"
            ),
        )
    if n_p == 0:
        en = "Independent: no respondent answered both waves, so the waves are compared as independent samples."
        zh = "独立样本：没有受访者同时回答两个批次，按独立样本比较。"
    elif paired is False and auto:
        en = (
            f"Independent (as asked): {n_p} respondents answered both waves, but every answer is treated as "
            "independent; this is conservative when a person's answers agree across waves."
        )
        zh = f"独立样本（按设置）：{n_p} 名受访者回答了两个批次，但所有回答按独立样本处理；当同一人前后回答相关时，此做法偏保守。"
    else:
        en = (
            f"Independent: only {n_p} respondents answered both waves (pairing needs at least {MIN_PAIRS} and "
            f"half of the smaller wave), so every answer is treated as independent; this is conservative "
            "when a person's answers agree across waves."
        )
        zh = (
            f"独立样本：只有 {n_p} 名受访者回答了两个批次（配对至少需要 {MIN_PAIRS} 人且占较小批次的一半），"
            "所有回答按独立样本处理；当同一人前后回答相关时，此做法偏保守。"
        )
    return Pairing(False, after.values, before.values, n_p, en, zh)


# --- the primary analysis of a comparison --------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """Which respondents a comparison describes: verdicts, charts, table and exports all use the same.

    Attributes:
        paired: True: the respondents who answered both waves, each one's two answers compared; False:
            every answer of the two waves, as two independent groups.
        n_baseline: Respondents with at least one answer in the baseline wave.
        n_follow_up: Respondents with at least one answer in the follow-up wave.
        n_paired: Identified respondents with answers in both waves.
    """

    paired: bool
    n_baseline: int
    n_follow_up: int
    n_paired: int

    def label(self, lang: str = "en") -> str:
        """Who the figures describe: "Paired: 48 respondents who answered both waves"."""
        if self.paired:
            return (
                f"配对：{self.n_paired} 名回答了两个批次的受访者"
                if lang == "zh"
                else f"Paired: {self.n_paired} respondents who answered both waves"
            )
        return (
            f"全部回答：基线 {self.n_baseline} 人，复测 {self.n_follow_up} 人"
            if lang == "zh"
            else f"All answers: {self.n_baseline} baseline, {self.n_follow_up} follow-up respondents"
        )

    def alternative_label(self, lang: str = "en") -> str:
        """Who the sensitivity check describes (the other analysis)."""
        if self.paired:
            return (
                f"全部回答按独立样本：基线 {self.n_baseline} 人，复测 {self.n_follow_up} 人"
                if lang == "zh"
                else f"all answers as independent groups ({self.n_baseline} baseline, "
                f"{self.n_follow_up} follow-up)"
            )
        return (
            f"仅配对受访者：{self.n_paired} 名回答了两个批次"
            if lang == "zh"
            else f"paired, the {self.n_paired} respondents who answered both waves"
        )

    def reason(self, lang: str = "en") -> str:
        """Which analysis is primary and why, in one paragraph."""
        smaller = min(self.n_baseline, self.n_follow_up)
        zh = lang == "zh"
        if self.paired:
            if zh:
                return (
                    f"主要分析：配对。{self.n_paired} 名受访者回答了两个批次（至少 {MIN_PAIRS} 人，且不少于较小批次"
                    f" {smaller} 人的一半），所以比较每个人的前后两次回答，答卷人群的变化不会被当成满意度的变化。"
                    f"全部回答（基线 {self.n_baseline} 人，复测 {self.n_follow_up} 人）按独立样本的结果作为敏感性分析列在每条结论下。"
                )
            return (
                f"Primary analysis: paired. {self.n_paired} respondents answered both waves (at least "
                f"{MIN_PAIRS}, and at least half of the smaller wave of {smaller}), so each person's two answers "
                "are compared and a change in who answered cannot pass for a change in satisfaction. All answers "
                f"({self.n_baseline} baseline, {self.n_follow_up} follow-up) as independent groups are shown as a "
                "sensitivity check under each result."
            )
        enough = self.n_paired >= MIN_ANSWERS
        if zh:
            tail = (
                f"这 {self.n_paired} 名配对受访者的结果作为敏感性分析列在每条结论下。"
                if enough
                else "配对的人太少，无法做配对的敏感性分析。"
            )
            return (
                f"主要分析：全部回答按独立样本。只有 {self.n_paired} 名受访者回答了两个批次，配对需要至少 {MIN_PAIRS} 人"
                f"且不少于较小批次 {smaller} 人的一半；同一人前后回答相关时，此做法偏保守。{tail}"
            )
        tail = (
            f"The paired comparison of those {self.n_paired} is shown as a sensitivity check under each result."
            if enough
            else "Too few answered both for a paired sensitivity check."
        )
        return (
            f"Primary analysis: all answers as independent groups. Only {self.n_paired} respondents answered "
            f"both waves; pairing needs at least {MIN_PAIRS} who are at least half of the smaller wave of "
            f"{smaller}. Treating a person's two answers as independent is conservative when they agree. {tail}"
        )


def _respondents(frame: pd.DataFrame, wave: Hashable, codes: Sequence[str]) -> tuple[set[str], int]:
    """Identified respondents with an answer in the wave, and how many anonymous answer sets."""
    keys: set[str] = set()
    anonymous = 0
    for code in codes:
        side = wave_side(frame, wave, code)
        named = {str(k) for k in side.values.index if not is_anonymous(k)}
        keys |= named
        anonymous = max(anonymous, len(side.values) - len(named))
    return keys, anonymous


def _codes(dimensions: Sequence[str], questions: Sequence[QuestionSpec] | None) -> list[str]:
    """The answers-frame codes compared: the measures, or the questions' (options of multi, no text)."""
    if questions is None:
        return list(dict.fromkeys(dimensions))
    return list(dict.fromkeys(code for spec in questions for code in answer_codes(spec)))


def choose_analysis(
    answers: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    dimensions: Sequence[str] = MEASURES,
    questions: Sequence[QuestionSpec] | None = None,
) -> Analysis:
    """The primary analysis of a comparison, by the documented rule.

    Paired when at least ``MIN_PAIRS`` respondents answered both waves and they are at least
    ``PAIRED_SHARE`` of the smaller wave, counting respondents over the chosen measures.

    Args:
        answers: The answers frame.
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        dimensions: The measures compared.
        questions: The survey's questions compared instead of ``dimensions``: respondents are counted
            over their answers (every option of a multiple-choice question; free text not).

    Returns:
        The analysis with its respondent counts.
    """
    frame = check_answers(answers, frame_kinds(questions or ()))
    codes = _codes(dimensions, questions)
    before, anon_b = _respondents(frame, baseline, codes)
    after, anon_a = _respondents(frame, follow_up, codes)
    n_b, n_a, n_p = len(before) + anon_b, len(after) + anon_a, len(before & after)
    paired = n_p >= MIN_PAIRS and n_p >= PAIRED_SHARE * min(n_b, n_a)
    return Analysis(bool(paired), n_b, n_a, n_p)


def analysed_answers(
    answers: pd.DataFrame,
    analysis: Analysis,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    dimensions: Sequence[str] = MEASURES,
    questions: Sequence[QuestionSpec] | None = None,
) -> pd.DataFrame:
    """The answers a comparison's tests use, for charts and summaries that must show the same people.

    Paired: per measure, the answers of the respondents who answered it in both waves; independent:
    every answer of the two waves. Missing and repeated answers are dropped as the tests drop them.

    Args:
        answers: The answers frame.
        analysis: The comparison's primary analysis (:func:`choose_analysis`).
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        dimensions: The measures compared.
        questions: The survey's questions compared instead of ``dimensions`` (a multiple-choice
            question's answers are its options' codes).

    Returns:
        Columns wave, respondent_key, question, kind, value.
    """
    kinds = frame_kinds(questions or ())
    frame = check_answers(answers, kinds)
    parts: list[pd.DataFrame] = []
    for code in _codes(dimensions, questions):
        sides = {wave: wave_side(frame, wave, code) for wave in (baseline, follow_up)}
        common: set[Any] | None = None
        if analysis.paired:
            common = set(shared_keys(sides[baseline], sides[follow_up]))
        for wave, side in sides.items():
            values = side.values if common is None else side.values[side.values.index.isin(list(common))]
            fallback = kinds.get(code, "nps" if code == "nps" else "likert5")
            kind = next(iter(side.kinds)) if len(side.kinds) == 1 else fallback
            keys = [None if is_anonymous(k) else k for k in values.index]
            parts.append(
                pd.DataFrame(
                    {
                        "wave": [wave] * len(values),
                        "respondent_key": pd.Series(keys, dtype=object),
                        "question": code,
                        "kind": kind,
                        "value": values.to_numpy(dtype=float),
                    }
                )
            )
    columns = ["wave", "respondent_key", "question", "kind", "value"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


@dataclass(frozen=True)
class Respondents:
    """How many people answered each wave, and both.

    Attributes:
        baseline: Distinct respondent keys with an answer in the baseline wave.
        follow_up: Distinct respondent keys with an answer in the follow-up wave.
        both: Respondent keys with answers in both waves.
    """

    baseline: int
    follow_up: int
    both: int


def count_respondents(answers: pd.DataFrame, *, baseline: Hashable, follow_up: Hashable) -> Respondents:
    """Respondents per wave and in both, over every question of the answers frame.

    Args:
        answers: The answers frame (anonymous answers have no key and are not counted).
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.

    Returns:
        The counts.
    """
    responded = answers.groupby("wave")["respondent_key"].nunique()
    keys = [set(answers.loc[answers["wave"] == w, "respondent_key"].dropna()) for w in (baseline, follow_up)]
    return Respondents(
        int(responded.get(baseline, 0)), int(responded.get(follow_up, 0)), len(keys[0] & keys[1])
    )
