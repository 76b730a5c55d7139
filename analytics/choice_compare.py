"""Single-choice and number questions of two survey waves, tested.

The tests of the question kinds that ``analytics.measure_compare`` hands over once the answers are
checked and the pairing is decided:

* **Single choice** (row kind "choice"; answers are option numbers 1..k): independent waves get
  Pearson's chi-square test of the 2 x k table (waves x options, without continuity correction, as
  R's ``chisq.test(correct = FALSE)``), or the Fisher-Freeman-Halton exact test when an expected count
  is below 5. The exact test is ``analytics.stats.fisher_exact``: an exact enumeration of the tables
  with the observed margins, as R's ``fisher.test`` (scipy 1.17's ``fisher_exact`` offers only
  permutation or Monte Carlo p-values for r x c tables); a table too large to enumerate falls back to
  a seeded Monte Carlo p-value and says so in the notes. Paired respondents get the Stuart-Maxwell test
  of marginal homogeneity (``analytics.stats.stuart_maxwell``, statsmodels'
  ``SquareTable.homogeneity()``); when only two options were used it is McNemar's test (exact binomial
  below 25 discordant pairs, as the share rows). The effect size is Cramér's V of the waves x options
  table (for pairs a description of the two margins, without a CI). A change in which option people
  choose is neither better nor worse: ``direction`` is 0, the means and the difference are NaN, and the
  option whose share moved most is named in the verdict (``_shift_en``, ``_shift_zh``).
* **Numbers** (row kind "number"): Welch's t-test, or the paired t-test, on the values: the mean
  difference with its t-based CI, Hedges' g (Welch) or Cohen's d_z (paired) as the effect size.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

from analytics import stats
from analytics.measure_row import MeasureRow, as_float
from analytics.planner import smallest_effect
from analytics.questions import QuestionSpec
from analytics.survey_answers import POWER

EXACT_MCNEMAR_BELOW = 25  # discordant pairs below which McNemar's test is the exact binomial one


def option_words(spec: QuestionSpec, number: int) -> tuple[str, str]:
    """Option ``number`` (1-based) of a choice question as (zh, en); "option N" when it has no words."""
    if 1 <= number <= len(spec.options):
        option = spec.options[number - 1]
        return option.zh, option.en
    return f"选项 {number}", f"option {number}"


def _counts(values: np.ndarray, k: int) -> np.ndarray:
    """How many answers chose each option 1..k."""
    return np.array([int((values == o).sum()) for o in range(1, k + 1)], dtype=np.int64)


def _independent_test(x: np.ndarray, y: np.ndarray, k: int, level: float) -> tuple[stats.TestResult, bool]:
    """Chi-square, or Fisher-Freeman-Halton when an expected count is below 5; True when exact."""
    table = np.vstack([_counts(x, k), _counts(y, k)])
    used = table[:, table.sum(axis=0) > 0]
    expected = used.sum(axis=1, keepdims=True) * used.sum(axis=0, keepdims=True) / used.sum()
    if (expected < stats.MIN_EXPECTED).any():
        return stats.fisher_exact(table, confidence_level=level), True
    return stats.chi_square(table, correct=False), False


def _paired_test(x: np.ndarray, y: np.ndarray, k: int, level: float) -> stats.TestResult:
    """Stuart-Maxwell on the k x k table of pairs (after x before); McNemar when two options were used."""
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (x.astype(int) - 1, y.astype(int) - 1), 1)
    used = (table.sum(axis=0) + table.sum(axis=1)) > 0
    if used.sum() == 2:
        two = table[used][:, used]
        discordant = int(two[0, 1] + two[1, 0])
        return stats.mcnemar(
            two, correct=False, exact=discordant < EXACT_MCNEMAR_BELOW, confidence_level=level
        )
    return stats.stuart_maxwell(table)


def choice_row(
    row: MeasureRow, x: pd.Series, y: pd.Series, paired: bool, level: float, spec: QuestionSpec
) -> None:
    """Single choice: has the distribution over the options changed? No better or worse.

    Args:
        row: The row under construction (``x`` follow-up, ``y`` baseline answers, option numbers).
        x: The follow-up answers the test uses.
        y: The baseline answers the test uses.
        paired: Whether ``x`` and ``y`` are the same respondents, in the same order.
        level: Confidence level (of McNemar's odds ratio, unused in the row).
        spec: The question, for its options.
    """
    k = len(spec.options)
    xs, ys = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    after, before = _counts(xs, k), _counts(ys, k)
    if paired:
        res = _paired_test(xs, ys, k, level)
        row.notes.append(
            "Single choice, paired: a test of marginal homogeneity (do the options' shares differ between the "
            "waves for the same respondents)."
        )
    else:
        res, exact = _independent_test(xs, ys, k, level)
        if exact:
            row.notes.append(
                f"Fisher-Freeman-Halton exact test ({res.method}): an expected count is below "
                f"{stats.MIN_EXPECTED:g}."
            )
    row.notes.extend(f"{res.test}: {w}" for w in res.warnings)
    margins = np.vstack([after, before])
    margins = margins[:, margins.sum(axis=0) > 0]
    cramer = float(association(margins, method="cramer")) if margins.shape[1] > 1 else 0.0
    share_after, share_before = after / after.sum(), before / before.sum()
    moved = int(np.argmax(np.abs(share_after - share_before)))
    zh, en = option_words(spec, moved + 1)
    row.values.update(
        test=res.test,
        statistic=as_float(res.statistic),
        statistic_name=res.statistic_name,
        p_val=res.p_val,
        effect_size=cramer,
        effect_size_kind="Cramér's V",
        mean_before=math.nan,
        mean_after=math.nan,
        diff=math.nan,
        direction=0.0,
        _shift_en=f"“{en}” {share_before[moved]:.0%} → {share_after[moved]:.0%}",
        _shift_zh=f"“{zh}” {share_before[moved]:.0%} → {share_after[moved]:.0%}",
    )


def number_row(
    row: MeasureRow, x: pd.Series, y: pd.Series, paired: bool, level: float, alpha: float, n_tests: int
) -> None:
    """Numbers: Welch or paired t-test, the mean difference with its t CI, Hedges' g or d_z.

    Args:
        row: The row under construction.
        x: The follow-up answers the test uses.
        y: The baseline answers the test uses.
        paired: Whether ``x`` and ``y`` are the same respondents, in the same order.
        level: Confidence level of the intervals.
        alpha: Significance level of the detectable change.
        n_tests: Tests in the row's family (the detectable change allows for them).
    """
    xs, ys = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    res = (
        stats.paired_t(xs, ys, confidence_level=level)
        if paired
        else stats.welch_t(xs, ys, confidence_level=level)
    )
    diff = float(xs.mean() - ys.mean())
    row.values.update(
        test=res.test,
        statistic=as_float(res.statistic),
        statistic_name=res.statistic_name,
        p_val=res.p_val,
        effect_size=float(res.effect_size),
        effect_size_kind=res.effect_size_kind,
        es_ci_low=as_float(res.ci_low),
        es_ci_high=as_float(res.ci_high),
        mean_after=float(xs.mean()),
        mean_before=float(ys.mean()),
        diff=diff,
        diff_ci_low=as_float(res.estimate_ci_low),
        diff_ci_high=as_float(res.estimate_ci_high),
        direction=float(np.sign(diff)),
    )
    row.notes.extend(f"{res.test}: {w}" for w in res.warnings)
    sd = (
        float(np.std(xs - ys, ddof=1))
        if paired
        else float(np.sqrt((np.var(xs, ddof=1) + np.var(ys, ddof=1)) / 2))
    )
    d = smallest_effect(len(ys), len(xs), paired, alpha / n_tests, POWER, rank=False)
    row.values["detectable_change"] = d * sd if np.isfinite(d) and sd > 0 else math.nan


def choice_sensitivity(
    kind: str, x: np.ndarray, y: np.ndarray, options: int, level: float
) -> stats.TestResult:
    """The independent test on every answer of a choice or number question, beside a paired result.

    Args:
        kind: "choice" or "number".
        x: Every follow-up answer.
        y: Every baseline answer.
        options: The number of options of a choice question.
        level: Confidence level.

    Returns:
        The test's result.
    """
    if kind == "choice":
        return _independent_test(x, y, options, level)[0]
    return stats.welch_t(x, y, confidence_level=level)
