"""How many responses a survey wave needs, and the smallest change a comparison can detect (power).

:func:`responses_needed` and :func:`plan_next_wave` size the next wave; :func:`smallest_effect` and
:func:`detectable_share_change` give the ``detectable_change`` of a result row. Rank tests are planned
as the t-test's sample size divided by their asymptotic efficiency under normality, 3/pi.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower

from analytics.compare_plan import result_names
from analytics.pairing import MIN_PAIRS
from analytics.questions import QuestionSpec
from analytics.survey_answers import (
    ALPHA,
    MEASURES,
    MIN_ANSWERS,
    POWER,
    check_answers,
    nps_scores,
    shared_keys,
    wave_side,
)
from analytics.verdicts import measure_label

RANK_ARE = 3 / math.pi  # asymptotic efficiency of rank tests vs t under normality


@functools.lru_cache(maxsize=4096)  # statsmodels solves numerically (tens of ms); sizes repeat a lot
def smallest_effect(
    n_before: int, n_after: int, paired: bool, alpha: float, power: float, rank: bool
) -> float:
    """Smallest standardised effect detectable with ``power`` at these sizes.

    Args:
        n_before: Answers in the baseline (pairs when paired).
        n_after: Answers in the follow-up.
        paired: Whether the test is paired.
        alpha: Significance level (already divided among the tests of a family).
        power: Wanted power.
        rank: Whether the test is a rank test (its efficiency 3/pi is allowed for).

    Returns:
        The effect in standard deviations; NaN when it cannot be solved.
    """
    efficiency = RANK_ARE if rank else 1.0
    try:
        if paired:
            d = TTestPower().solve_power(nobs=n_before * efficiency, alpha=alpha, power=power)
        else:
            d = TTestIndPower().solve_power(
                nobs1=n_before * efficiency, ratio=n_after / n_before, alpha=alpha, power=power
            )
        return float(np.asarray(d).item())
    except (ValueError, RuntimeError, ZeroDivisionError):
        return math.nan


def detectable_share_change(share_before: float, n_before: int, n_after: int, alpha: float) -> float:
    """Smallest rise of a share from ``share_before`` detectable with 80 % power (Cohen's h solved for power).

    Args:
        share_before: The baseline share, 0-1.
        n_before: Answers in the baseline.
        n_after: Answers in the follow-up.
        alpha: Significance level (already divided among the tests of a family).

    Returns:
        The change in share (0-1); NaN when it cannot be solved.
    """
    try:
        h = float(
            np.asarray(
                NormalIndPower().solve_power(
                    nobs1=n_before, ratio=n_after / n_before, alpha=alpha, power=POWER, effect_size=None
                )
            ).item()
        )
        target = math.sin(min(math.asin(math.sqrt(share_before)) + h / 2, math.pi / 2)) ** 2
        return target - share_before
    except (ValueError, RuntimeError, ZeroDivisionError):
        return math.nan


def responses_needed(
    change: float,
    *,
    kind: Literal["likert", "top2box", "nps"] = "likert",
    sd: float | None = None,
    baseline_share: float | None = None,
    power: float = POWER,
    alpha: float = ALPHA,
    n_tests: int = 1,
    paired: bool = False,
    correlation: float = 0.0,
) -> int:
    """How many responses the next wave needs to detect ``change`` with ``power`` (statsmodels).

    Independent waves need the returned number in *each* wave; paired, it is the number of respondents
    answering both. Multiple testing is allowed for with Bonferroni's ``alpha / n_tests`` (Holm is at
    least as powerful, so this errs on the safe side).

    Args:
        change: The change to detect: points on the 1-5 scale (likert), NPS points (nps), or a difference
            in shares, e.g. 0.10 for ten percentage points (top2box).
        kind: "likert" (rank test: the t-test's n divided by the rank test's efficiency 3/pi), "nps"
            (t-test on NPS scores), or "top2box" (two-proportion test, independent waves only).
        sd: Standard deviation of the answers (likert) or of the NPS scores in points (nps).
        baseline_share: The current share (top2box).
        power: Wanted power, e.g. 0.8.
        alpha: Significance level before the multiple-testing allowance.
        n_tests: Number of measures tested together.
        paired: Whether the same respondents answer both waves.
        correlation: Correlation of a respondent's two answers (paired only); 0 is the safe guess.

    Returns:
        Responses per wave (independent) or respondents in both waves (paired), rounded up.

    Raises:
        ValueError: a zero change, a missing or non-positive sd, a share outside 0..1, or a level
            outside 0..1.
    """
    if not change or not np.isfinite(change):
        raise ValueError("change must be a non-zero number")
    if not 0 < power < 1 or not 0 < alpha < 1 or n_tests < 1:
        raise ValueError("power and alpha must lie between 0 and 1, and n_tests must be at least 1")
    level = alpha / n_tests
    if kind == "top2box":
        if paired:
            raise ValueError("the planner treats top-2-box waves as independent; pass paired=False")
        if baseline_share is None or not 0 <= baseline_share <= 1 or not 0 <= baseline_share + change <= 1:
            raise ValueError("baseline_share and baseline_share + change must lie between 0 and 1")
        h = abs(2 * math.asin(math.sqrt(baseline_share + change)) - 2 * math.asin(math.sqrt(baseline_share)))
        n = NormalIndPower().solve_power(effect_size=h, alpha=level, power=power, ratio=1.0)
        return math.ceil(float(np.asarray(n).item()))
    if sd is None or not np.isfinite(sd) or sd <= 0:
        raise ValueError("sd must be a positive number")
    if not -1 < correlation < 1:
        raise ValueError("correlation must lie between -1 and 1")
    if paired:
        d = abs(change) / (sd * math.sqrt(2 * (1 - correlation)))
        n = TTestPower().solve_power(effect_size=d, alpha=level, power=power)
    else:
        d = abs(change) / sd
        n = TTestIndPower().solve_power(effect_size=d, alpha=level, power=power, ratio=1.0)
    n = float(np.asarray(n).item())
    if kind == "likert":
        n /= RANK_ARE
    return max(math.ceil(n), 2)


def plan_next_wave(
    answers: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable | None = None,
    dimensions: Sequence[str] = MEASURES,
    questions: Sequence[QuestionSpec] | None = None,
    likert_change: float = 0.3,
    nps_change: float = 10.0,
    power: float = POWER,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Responses the next wave needs per measure, using the spread measured in the baseline wave.

    The Likert measures share one Bonferroni allowance (they are tested as one family); NPS is one test.
    When ``follow_up`` is given and at least ``MIN_PAIRS`` respondents answered both waves, the correlation
    of their answers gives the number of paired respondents needed as well.

    Args:
        answers: The answers frame (``analytics.survey_answers``).
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up, for the paired plan; None for none.
        dimensions: The measures to plan.
        questions: A survey's own questions instead of ``dimensions``: its scale and NPS questions are
            planned (the other kinds are not), named by their wording.
        likert_change: The change to detect on the 1-5 scale.
        nps_change: The change to detect in NPS points.
        power: Wanted power.
        alpha: Significance level before the multiple-testing allowance.

    Returns:
        One row per measure with columns measure, kind, label_en, label_zh, n_baseline (answers in the
        baseline), sd, change, n_per_wave (independent waves), correlation (NaN without enough pairs),
        n_pairs (NaN without enough pairs), note_en, note_zh (why a measure cannot be planned; else "").
    """
    frame = check_answers(answers)
    names = {code: (measure_label(code, "en"), measure_label(code, "zh")) for code in dimensions}
    nps_codes = {"nps"}
    if questions is not None:
        planned = [q for q in questions if q.kind in ("scale", "nps")]
        dimensions = [q.code for q in planned]
        names = result_names(questions)  # named as the results name them
        nps_codes = {q.code for q in planned if q.kind == "nps"}
    likert = [d for d in dimensions if d not in nps_codes]
    rows: list[dict[str, Any]] = []
    for code in dimensions:
        kind: Literal["likert", "nps"] = "nps" if code in nps_codes else "likert"
        change = nps_change if kind == "nps" else likert_change
        base = wave_side(frame, baseline, code)
        values = nps_scores(base.values) if kind == "nps" else base.values.to_numpy()
        row: dict[str, Any] = {
            "measure": code,
            "kind": kind,
            "label_en": names[code][0],
            "label_zh": names[code][1],
            "n_baseline": int(values.size),
            "sd": math.nan,
            "change": change,
            "n_per_wave": math.nan,
            "correlation": math.nan,
            "n_pairs": math.nan,
            "note_en": "",
            "note_zh": "",
        }
        sd = float(np.std(values, ddof=1)) if values.size >= 2 else math.nan
        if values.size < MIN_ANSWERS or not sd > 0:
            row["note_en"] = f"Needs at least {MIN_ANSWERS} varied baseline answers to estimate the spread."
            row["note_zh"] = f"需要至少 {MIN_ANSWERS} 个不完全相同的基线回答来估计离散程度。"
            rows.append(row)
            continue
        n_tests = len(likert) if kind == "likert" else 1
        row["sd"] = sd
        row["n_per_wave"] = responses_needed(
            change, kind=kind, sd=sd, power=power, alpha=alpha, n_tests=max(n_tests, 1)
        )
        if follow_up is not None:
            after = wave_side(frame, follow_up, code)
            common = shared_keys(base, after)
            if len(common) >= MIN_PAIRS:
                x, y = base.values.loc[common].to_numpy(), after.values.loc[common].to_numpy()
                if kind == "nps":
                    x, y = nps_scores(x), nps_scores(y)
                if np.ptp(x) > 0 and np.ptp(y) > 0:
                    rho = float(np.corrcoef(x, y)[0, 1])
                    row["correlation"] = rho
                    row["n_pairs"] = responses_needed(
                        change,
                        kind=kind,
                        sd=sd,
                        power=power,
                        alpha=alpha,
                        n_tests=max(n_tests, 1),
                        paired=True,
                        correlation=min(max(rho, 0.0), 0.95),  # a negative guess would flatter
                    )
        rows.append(row)
    columns = ["measure", "kind", "label_en", "label_zh", "n_baseline", "sd", "change", "n_per_wave"]
    columns += ["correlation", "n_pairs", "note_en", "note_zh"]
    return pd.DataFrame(rows, columns=columns)
