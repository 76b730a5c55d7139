"""One measure of two survey waves, tested.

One measure of two survey waves, tested: the checks of its answers, the test its kind calls for,
the interval of the change, the power it had, and the caveats a reader needs.

* **Likert items** (1-5) are ordinal: the rank test is the primary result (Mann-Whitney U for
  independent waves, Wilcoxon signed-rank for paired respondents); the mean difference with its
  t-based CI (Welch / paired t) is shown beside it because people read means. The effect size is the
  rank-biserial r with its CI.
* **Top-2-box** (share of answers >= ``top_box``): two-proportion test, Fisher's exact test when an
  expected count is below 5, McNemar's test when paired (exact binomial below 25 discordant pairs).
  The difference in shares carries a Newcombe hybrid-score CI (independent or paired). The chi-square
  tests run without Yates' continuity correction (R: ``prop.test(correct = FALSE)``,
  ``mcnemar.test(correct = FALSE)``) so that test and interval agree; small counts get the exact tests.
* **NPS** (0-10; promoters 9-10 score +100, passives 7-8 score 0, detractors 0-6 score -100): the
  difference in NPS with a seeded percentile-bootstrap CI; the p-value is the t-test on those scores
  (Welch or paired, ``analytics.stats``), the standard NPS significance test.

* **Shares** of a survey's own questions (row kind "share": the share answering "yes" to a yes/no
  question, 0.5 "partly" counting as not yes; the share choosing one option of a multiple-choice
  question) are tested as top-2-box shares with the threshold 1.
* **Single choice** and **numbers** (row kinds "choice", "number"): ``analytics.choice_compare``.

With a question (``spec``), its own range applies (a 7-point scale accepts 6 and 7, not 8; see
``analytics.survey_answers.answer_rule``), answers recorded under another kind are a scale mismatch,
and for a question where lower is better (``higher_is_better=False``) ``direction`` is flipped: a
significant fall is better. Choice questions (single and multiple choice, :data:`NEUTRAL_KINDS`) measure
no dimension: which options people choose is neither better nor worse, so their rows' ``direction`` is
0 whatever ``higher_is_better`` says (a multi option's share still shows its rise or fall in ``diff``).

Every test comes from :mod:`analytics.stats`. Bad input never yields a p-value computed from nonsense:
a measure without answers, with fewer than ``MIN_ANSWERS`` per wave, with answers on different scales,
or where every answer in both waves is the same value stops with a ``status`` saying why.
:func:`compare_measure` returns the row under construction; :func:`analytics.wave_compare.compare_waves`
adjusts the p-values across measures and words the verdicts.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analytics import stats
from analytics.choice_compare import choice_row, choice_sensitivity, number_row, option_words
from analytics.measure_row import MeasureRow
from analytics.measure_row import as_float as _number
from analytics.pairing import Paired, pair_sides
from analytics.planner import detectable_share_change, smallest_effect
from analytics.questions import QuestionSpec
from analytics.survey_answers import (
    MIN_ANSWERS,
    POWER,
    AnswerRule,
    Side,
    answer_rule,
    nps_scores,
    resampled_means,
    scale_rule,
    wave_side,
)
from analytics.verdicts import plain, wave_word

NEUTRAL_KINDS = ("single", "multi")  # question kinds whose change is neither better nor worse
SMALL_WAVE = 30  # below this a wave "can only detect large changes"
LOPSIDED = 3.0  # largest / smallest wave size
CEILING_SHARE = 0.7  # one answer value holding this share of a wave is a ceiling / floor effect


# --- checks shared by every kind -----------------------------------------------------------------


def _scale_names(kinds: set[str], lang: str) -> str:
    """Answer kinds as a reader names them: "likert7" is a 7-point scale, "nps" the 0-10 NPS scale."""
    names = []
    for kind in sorted(kinds):
        if kind.startswith("likert") and kind[6:].isdigit():
            names.append(f"{kind[6:]} 分量表" if lang == "zh" else f"{kind[6:]}-point scale")
        else:
            names.append({"nps": "NPS 0-10"}.get(kind, kind))
    return "/".join(names)


def _screen(row: MeasureRow, before: Side, after: Side, rule: AnswerRule) -> bool:
    """Record data problems on ``row``; False when no test may run."""
    for side_name, side in (("before", before), ("after", after)):
        zh_w, en_w = wave_word(side_name, "zh"), wave_word(side_name, "en")
        if side.missing:
            row.warn(
                f"{side.missing} missing answer(s) in the {en_w} were left out.",
                f"{zh_w}中 {side.missing} 个缺失回答未计入。",
            )
        if side.not_numbers:
            row.warn(
                f"{side.not_numbers} answer(s) in the {en_w} were not numbers and were left out.",
                f"{zh_w}中 {side.not_numbers} 个回答不是数字，未计入。",
            )
        if side.duplicates:
            row.warn(
                f"{side.duplicates} repeated answer(s) of the same respondent in the {en_w} were left out "
                "(the first one counts).",
                f"{zh_w}中同一受访者的 {side.duplicates} 个重复回答未计入（以第一次为准）。",
            )
    kinds = before.kinds | after.kinds
    if before.kinds and after.kinds and before.kinds != after.kinds:
        shown_en = f"{_scale_names(before.kinds, 'en')} vs {_scale_names(after.kinds, 'en')}"
        shown_zh = f"{_scale_names(before.kinds, 'zh')} 对 {_scale_names(after.kinds, 'zh')}"
        row.stop(
            "scale_mismatch",
            f"the two waves ask it on different scales ({shown_en}); compare like with like",
            f"两个批次使用了不同的量表（{shown_zh}），无法直接比较",
        )
        return False
    if kinds and kinds <= {"text"}:
        row.stop("not_numeric", "it is a free-text question", "这是开放文本题")
        return False
    if rule.frame_kind is not None and kinds and kinds != {rule.frame_kind}:
        shown = "/".join(sorted(kinds))
        row.stop(
            "scale_mismatch",
            f"its answers are recorded as {shown}, but the question is {rule.frame_kind}; compare like with like",
            f"其回答记录为 {shown}，但题目是 {rule.frame_kind}，无法直接比较",
        )
        return False
    for side_name, side in (("before", before), ("after", after)):
        v = side.values
        if rule.breaks(v):
            found_en, found_zh = (
                f"{plain(v.min(), 1)} to {plain(v.max(), 1)}",
                f"{plain(v.min(), 1)} 至 {plain(v.max(), 1)}",
            )
            if rule.status == "scale_mismatch":
                row.stop(
                    "scale_mismatch",
                    f"the {wave_word(side_name, 'en')} has answers outside {rule.what_en} "
                    f"(found {found_en}); the waves seem to use different "
                    "scales, so fix or rescale the data before comparing",
                    f"{wave_word(side_name, 'zh')}中有超出 {rule.what_zh}范围的回答（{found_zh}），"
                    "两个批次可能使用了不同的量表，请先修正或换算数据",
                )
            else:
                row.stop(
                    rule.status,
                    f"the {wave_word(side_name, 'en')} has answers other than {rule.what_en} (found {found_en}); "
                    "fix the data before comparing",
                    f"{wave_word(side_name, 'zh')}中有 {rule.what_zh}以外的回答（{found_zh}），请先修正数据",
                )
            return False
    n_b, n_a = len(before.values), len(after.values)
    if (n_b == 0 and before.not_numbers) or (n_a == 0 and after.not_numbers):
        row.stop("not_numeric", "its answers are not numbers", "其回答不是数字")
        return False
    if n_b == 0 or n_a == 0:
        if n_b == 0 and n_a == 0:
            row.stop("no_data", "neither wave has answers", "两个批次都没有回答")
        else:
            empty = "before" if n_b == 0 else "after"
            row.stop(
                "no_data",
                f"the {wave_word(empty, 'en')} has no answers",
                f"{wave_word(empty, 'zh')}没有回答",
            )
        return False
    if min(n_b, n_a) < MIN_ANSWERS:
        side_name = "before" if n_b < n_a else "after"
        n = min(n_b, n_a)
        row.stop(
            "too_few",
            f"only {n} answer(s) in the {wave_word(side_name, 'en')}; at least {MIN_ANSWERS} per wave "
            "are needed",
            f"{wave_word(side_name, 'zh')}只有 {n} 个回答，每个批次至少需要 {MIN_ANSWERS} 个",
        )
        return False
    return True


def _size_warnings(row: MeasureRow, n_before: int, n_after: int, n_paired: int | None) -> None:
    if n_paired is not None:
        if n_paired < SMALL_WAVE:
            row.warn(
                f"Only {n_paired} paired respondents: only large changes can be detected.",
                f"只有 {n_paired} 名配对受访者：只能发现较大的变化。",
            )
        return
    small = min(n_before, n_after)
    if small < SMALL_WAVE:
        row.warn(
            f"Small sample ({n_before} vs {n_after} answers; fewer than {SMALL_WAVE} in a wave): only large "
            "changes can be detected.",
            f"样本较小（{n_before} 对 {n_after} 个回答，单个批次少于 {SMALL_WAVE}）：只能发现较大的变化。",
        )
    if small and max(n_before, n_after) / small > LOPSIDED:
        row.warn(
            f"Lopsided waves ({n_before} vs {n_after} answers): the smaller wave dominates the uncertainty.",
            f"两个批次人数悬殊（{n_before} 对 {n_after}）：不确定性主要来自较小的批次。",
        )


def _ceiling_warning(row: MeasureRow, before: pd.Series, after: pd.Series, low: float, high: float) -> None:
    for side_name, v in (("before", before), ("after", after)):
        counts = v.value_counts(normalize=True)
        if len(v) >= MIN_ANSWERS and counts.iloc[0] >= CEILING_SHARE:
            value, share = float(counts.index[0]), float(counts.iloc[0])
            effect_en = " (ceiling effect)" if value == high else " (floor effect)" if value == low else ""
            effect_zh = "（天花板效应）" if value == high else "（地板效应）" if value == low else ""
            row.warn(
                f"Heavy ties: {share:.0%} of the {wave_word(side_name, 'en')} answered {value:g}{effect_en}; "
                "with so little spread, small changes cannot show.",
                f"大量并列：{wave_word(side_name, 'zh')}中 {share:.0%} 的回答是 {value:g}{effect_zh}，"
                "回答几乎没有差异，小的变化无法显现。",
            )


# --- intervals -----------------------------------------------------------------------------------


def newcombe_paired_ci(table: Sequence[Sequence[int]], confidence_level: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid-score CI (his method 10) of p1 - p2 for paired proportions.

    Args:
        table: [[both, first only], [second only, neither]] counts of pairs.
        confidence_level: Level of the interval.

    Returns:
        (low, high) of share-in-first minus share-in-second, within [-1, 1].
    """
    (e, f), (g, h) = ((int(a), int(b)) for a, b in table)
    n = e + f + g + h
    if n == 0:
        return math.nan, math.nan
    alpha = 1 - confidence_level
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = proportion_confint(e + f, n, alpha=alpha, method="wilson")
    l2, u2 = proportion_confint(e + g, n, alpha=alpha, method="wilson")
    denom = (e + f) * (g + h) * (e + g) * (f + h)
    phi = (e * h - f * g) / math.sqrt(denom) if denom > 0 else 0.0
    delta = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    eps = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    d = p1 - p2
    return max(d - delta, -1.0), min(d + eps, 1.0)


def _bootstrap_diff(
    x: np.ndarray, y: np.ndarray, paired: bool, n_boot: int, seed: int, level: float
) -> tuple[float, float]:
    """Percentile-bootstrap CI of mean(x) - mean(y); pairs are resampled together when paired."""
    rng = np.random.default_rng(seed)
    if paired:
        diffs = resampled_means(x - y, n_boot, rng)
    else:
        diffs = resampled_means(x, n_boot, rng) - resampled_means(y, n_boot, rng)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(low), float(high)


# --- one measure ---------------------------------------------------------------------------------


def _t_test(x: np.ndarray, y: np.ndarray, paired: bool, level: float) -> stats.TestResult:
    """The t-test of the mean difference x - y: paired, or Welch's for independent waves.

    Its ``estimate_ci_low`` / ``estimate_ci_high`` are the t-based CI of the mean difference; the effect
    size is Cohen's d_z (paired, exact noncentral-t CI) or Hedges' g (Welch, normal-approximation CI).
    """
    if paired:
        return stats.paired_t(x, y, confidence_level=level)
    return stats.welch_t(x, y, confidence_level=level)


def _rank_row(
    row: MeasureRow, x: pd.Series, y: pd.Series, paired: bool, level: float, alpha: float, n_tests: int
) -> None:
    """Likert: rank test primary, mean difference with t CI beside it."""
    xs, ys = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    if paired:
        rank = stats.wilcoxon_signed_rank(xs, ys, confidence_level=level)
        sd = float(np.std(xs - ys, ddof=1))
    else:
        rank = stats.mann_whitney(xs, ys, confidence_level=level)
        sd = float(np.sqrt((np.var(xs, ddof=1) + np.var(ys, ddof=1)) / 2))
    t = _t_test(xs, ys, paired, level)
    t_low, t_high = _number(t.estimate_ci_low), _number(t.estimate_ci_high)
    row.values.update(
        test=rank.test,
        statistic=rank.statistic,
        statistic_name=rank.statistic_name,
        p_val=rank.p_val,
        effect_size=rank.effect_size,
        effect_size_kind=rank.effect_size_kind,
        es_ci_low=rank.ci_low,
        es_ci_high=rank.ci_high,
        mean_after=float(xs.mean()),
        mean_before=float(ys.mean()),
        diff=float(xs.mean() - ys.mean()),
        diff_ci_low=t_low,
        diff_ci_high=t_high,
        direction=float(np.sign(rank.effect_size)) if np.isfinite(rank.effect_size) else 0.0,
    )
    row.notes.extend(f"{rank.test}: {w}" for w in rank.warnings)
    d = smallest_effect(len(y), len(x), paired, alpha / n_tests, POWER, rank=True)
    row.values["detectable_change"] = d * sd if np.isfinite(d) and sd > 0 else math.nan
    if np.isfinite(t_low) and np.isfinite(rank.p_val) and (rank.p_val < alpha) == (t_low <= 0 <= t_high):
        row.warn(
            "The rank test and the mean difference disagree: the change shows in the spread of answers more "
            "than in their average (the rank test is the primary result).",
            "秩检验与均值差的结论不一致：变化更多体现在回答的分布上而非平均值（以秩检验为准）。",
        )


def _share_row(
    row: MeasureRow,
    x: pd.Series,
    y: pd.Series,
    paired: bool,
    level: float,
    top_box: float,
    alpha: float,
    n_tests: int,
) -> None:
    """Top-2-box: share of answers >= top_box; proportion test, Fisher when small, McNemar paired."""
    xa, yb = (x.to_numpy() >= top_box), (y.to_numpy() >= top_box)
    s_a, s_b, n_a, n_b = int(xa.sum()), int(yb.sum()), xa.size, yb.size
    p_a, p_b = s_a / n_a, s_b / n_b
    row.values.update(mean_after=p_a, mean_before=p_b, diff=p_a - p_b, direction=float(np.sign(p_a - p_b)))
    if paired:
        both, a_only = int((xa & yb).sum()), int((xa & ~yb).sum())
        b_only, neither = int((~xa & yb).sum()), int((~xa & ~yb).sum())
        table = [[both, a_only], [b_only, neither]]
        if a_only + b_only == 0:
            row.values.update(p_val=1.0, test="McNemar's test", statistic_name="X-squared")
            row.notes.append("No respondent moved into or out of the top box: p is 1.")
            low, high = newcombe_paired_ci(table, level)
        else:
            res = stats.mcnemar(table, correct=False, exact=a_only + b_only < 25, confidence_level=level)
            row.values.update(
                test=res.test, statistic=res.statistic, statistic_name=res.statistic_name, p_val=res.p_val
            )
            row.notes.extend(f"{res.test}: {w}" for w in res.warnings if "exact binomial" not in w)
            low, high = newcombe_paired_ci(table, level)
    else:
        counts = np.array([[s_a, n_a - s_a], [s_b, n_b - s_b]])
        expected = counts.sum(axis=1, keepdims=True) * counts.sum(axis=0, keepdims=True) / counts.sum()
        if (expected < 5).any():
            res = stats.fisher_exact(counts, confidence_level=level)
            row.notes.append("Fisher's exact test: an expected count is below 5.")
        else:
            res = stats.two_proportions([s_a, s_b], [n_a, n_b], correct=False, confidence_level=level)
        row.values.update(
            test=res.test, statistic=res.statistic, statistic_name=res.statistic_name, p_val=res.p_val
        )
        row.notes.extend(f"{res.test}: {w}" for w in res.warnings)
        ci = confint_proportions_2indep(s_a, n_a, s_b, n_b, method="newcomb", compare="diff", alpha=1 - level)
        low, high = float(ci[0]), float(ci[1])
    p_val = row.values.get("p_val", math.nan)
    if np.isfinite(p_val) and (p_val < alpha) == (low <= 0 <= high):
        row.warn(
            "The test and the interval disagree near the significance line: read this change as borderline.",
            "检验与置信区间在显著性边界上结论不一致：此变化应视为临界。",
        )
    row.values.update(
        diff_ci_low=low,
        diff_ci_high=high,
        effect_size=p_a - p_b,
        effect_size_kind="difference in proportions",
        es_ci_low=low,
        es_ci_high=high,
    )
    # Smallest detectable difference from the baseline share (Cohen's h solved for power).
    row.values["detectable_change"] = detectable_share_change(p_b, n_b, n_a, alpha / n_tests)


def _nps_row(
    row: MeasureRow,
    x: pd.Series,
    y: pd.Series,
    paired: bool,
    level: float,
    n_boot: int,
    seed: int,
    alpha: float,
    n_tests: int,
) -> None:
    """NPS: difference with a seeded bootstrap CI; t-test on promoter/passive/detractor scores."""
    sx, sy = nps_scores(x), nps_scores(y)
    res = _t_test(sx, sy, paired, level)
    low, high = _bootstrap_diff(sx, sy, paired, n_boot, seed, level)
    name = "Paired t-test on NPS scores" if paired else "Welch t-test on NPS scores"
    diff = float(sx.mean() - sy.mean())
    row.values.update(
        test=name,
        statistic=_number(res.statistic),
        statistic_name="t",
        p_val=res.p_val,
        effect_size=float(res.effect_size),
        effect_size_kind=res.effect_size_kind,
        es_ci_low=_number(res.ci_low),
        es_ci_high=_number(res.ci_high),
        mean_after=float(sx.mean()),
        mean_before=float(sy.mean()),
        diff=diff,
        diff_ci_low=low,
        diff_ci_high=high,
        direction=float(np.sign(diff)),
    )
    row.notes.append(
        f"NPS CI: percentile bootstrap, {n_boot} resamples, seed {seed}; the p-value is the t-test on the scores "
        "(promoter +100, passive 0, detractor -100)."
    )
    sd = (
        float(np.std(sx - sy, ddof=1))
        if paired
        else float(np.sqrt((np.var(sx, ddof=1) + np.var(sy, ddof=1)) / 2))
    )
    d = smallest_effect(len(sy), len(sx), paired, alpha / n_tests, POWER, rank=False)
    row.values["detectable_change"] = d * sd if np.isfinite(d) and sd > 0 else math.nan
    if np.isfinite(res.p_val) and (res.p_val < alpha) == (low <= 0 <= high):
        row.warn(
            "The bootstrap interval and the t-test disagree near the significance line: read this NPS change "
            "as borderline.",
            "自助法区间与 t 检验在显著性边界上结论不一致：此 NPS 变化应视为临界。",
        )


def _sensitivity(
    row: MeasureRow, kind: str, before: Side, after: Side, top_box: float, level: float, options: int
) -> None:
    """The independent test on every answer, beside a paired result."""
    x, y = after.values.to_numpy(), before.values.to_numpy()
    try:
        if kind in ("choice", "number"):
            res = choice_sensitivity(kind, x, y, options, level)
        elif kind == "likert":
            res = stats.mann_whitney(x, y, confidence_level=level)
        elif kind == "nps":
            res = stats.welch_t(nps_scores(x), nps_scores(y), confidence_level=level)
        else:
            s_a, s_b = int((x >= top_box).sum()), int((y >= top_box).sum())
            if s_a + s_b == 0 or s_a + s_b == x.size + y.size:
                return
            res = stats.two_proportions([s_a, s_b], [x.size, y.size], correct=False, confidence_level=level)
    except ValueError:
        return
    row.values["sensitivity_test"] = res.test + " (all answers)"
    row.values["sensitivity_p_val"] = res.p_val


def _all_the_same(
    kind: str, compared: np.ndarray, pooled: np.ndarray, top_box: float, spec: QuestionSpec | None
) -> tuple[str, str]:
    """Why a measure without variation has nothing to test, in English and Chinese."""
    if kind == "nps":
        return (
            "every respondent in both waves is in the same NPS group",
            "两个批次的所有受访者都属于同一 NPS 类别",
        )
    if kind in ("top2box", "share"):
        inside = bool(compared[0])
        if spec is not None and spec.kind == "yes_no":
            if inside:
                return 'every answer in both waves is "yes"', "两个批次的所有回答都是“是”"
            return 'no answer in either wave is "yes"', "两个批次都没有回答“是”"
        if spec is not None and spec.kind == "multi":
            if inside:
                return "every respondent in both waves chose it", "两个批次的所有受访者都选择了该项"
            return "no respondent in either wave chose it", "两个批次都没有受访者选择该项"
        return (
            f"every answer in both waves is {'at least' if inside else 'below'} {top_box:g}",
            f"两个批次的所有回答都{'不低于' if inside else '低于'} {top_box:g}",
        )
    if kind == "choice" and spec is not None:
        zh, en = option_words(spec, int(pooled[0]))
        return f"every answer in both waves is “{en}”", f"两个批次的所有回答都是“{zh}”"
    return f"every answer in both waves is {pooled[0]:g}", f"两个批次的所有回答都是 {pooled[0]:g}"


def _side_mean(kind: str, values: pd.Series, top_box: float) -> float:
    """The all-answers figure of one wave: the mean, NPS, or the share in the (top) box."""
    if not len(values) or kind == "choice":
        return math.nan
    if kind == "nps":
        return float(nps_scores(values).mean())
    if kind in ("top2box", "share"):
        return float((values >= top_box).mean())
    return float(values.mean())


def compare_measure(
    frame: pd.DataFrame,
    code: str,
    kind: str,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    paired: Paired,
    top_box: float,
    n_boot: int,
    seed: int,
    level: float,
    alpha: float,
    n_tests: int,
    spec: QuestionSpec | None = None,
) -> MeasureRow:
    """One measure of two waves, checked and tested as its kind calls for.

    Args:
        frame: An answers frame from ``analytics.survey_answers.check_answers``.
        code: The answers-frame question code (a multiple-choice option's for its rows).
        kind: "likert", "nps" or "top2box"; with ``spec`` also "share", "choice" or "number".
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        paired: "auto", True or False (``analytics.pairing.pair_sides``).
        top_box: Answers at or above this value count in the top box (1 for "share" rows).
        n_boot: Bootstrap resamples for the NPS interval.
        seed: Seed of the bootstrap.
        level: Confidence level of every interval.
        alpha: Significance level of the detectable change and of the caveats.
        n_tests: Tests in the measure's family (the detectable change allows for them).
        spec: The survey's question the row is about; None for the fixed measures (1-5 and 0-10 codes).
            It sets the accepted answers, the options and whether higher is better.

    Returns:
        The row: figures in ``values`` (columns of ``analytics.wave_compare.COLUMNS``, those that apply),
        its status and caveats; p-values are not adjusted yet.
    """
    row = MeasureRow(code, kind)
    before, after = wave_side(frame, baseline, code), wave_side(frame, follow_up, code)
    rule = answer_rule(spec) if spec is not None else scale_rule("nps" if kind == "nps" else "likert5")
    options = len(spec.options) if spec is not None else 0
    row.values.update(n_before=len(before.values), n_after=len(after.values))
    row.values["mean_before_all"] = _side_mean(kind, before.values, top_box)
    row.values["mean_after_all"] = _side_mean(kind, after.values, top_box)
    if spec is not None and spec.kind == "scale":
        row.values["_scale"] = f"{rule.low:g}-{rule.high:g}"
    if not _screen(row, before, after, rule):
        return row
    pairing = pair_sides(before, after, paired)
    use_pairs, x, y, n_p = pairing.paired, pairing.after, pairing.before, pairing.n_paired
    row.values["n_paired"] = n_p
    if pairing.refusal_en:
        return row.stop("too_few", pairing.refusal_en, pairing.refusal_zh)
    row.values["pairing_en"], row.values["pairing_zh"] = pairing.sentence_en, pairing.sentence_zh
    row.values["analysis"] = "paired" if use_pairs else "independent"
    row.values["n_used"] = len(x) if use_pairs else len(x) + len(y)
    pooled = np.concatenate([x.to_numpy(), y.to_numpy()])
    compared = (
        nps_scores(pooled)
        if kind == "nps"
        else (pooled >= top_box)
        if kind in ("top2box", "share")
        else pooled
    )
    if np.ptp(compared.astype(float)) == 0:
        what_en, what_zh = _all_the_same(kind, compared, pooled, top_box, spec)
        plain_mean = kind in ("likert", "number")
        row.values.update(
            mean_before=float(y.mean()) if plain_mean else row.values["mean_before_all"],
            mean_after=float(x.mean()) if plain_mean else row.values["mean_after_all"],
            diff=0.0 if kind != "choice" else math.nan,
            direction=0.0,
        )
        return row.stop(
            "no_variation",
            f"{what_en}, so there is no change to test",
            f"{what_zh}，没有可检验的变化",
        )
    _size_warnings(row, len(before.values), len(after.values), n_p if use_pairs else None)
    # scipy warns of "catastrophic cancellation" when a group barely varies; the degenerate cases are
    # handled above and in analytics.stats, so the warning would only add noise to the logs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            if kind == "likert":
                _ceiling_warning(row, before.values, after.values, rule.low, rule.high)
                _rank_row(row, x, y, use_pairs, level, alpha, n_tests)
            elif kind in ("top2box", "share"):
                _share_row(row, x, y, use_pairs, level, top_box, alpha, n_tests)
            elif kind == "choice" and spec is not None:
                choice_row(row, x, y, use_pairs, level, spec)
            elif kind == "number":
                number_row(row, x, y, use_pairs, level, alpha, n_tests)
            else:
                _nps_row(row, x, y, use_pairs, level, n_boot, seed, alpha, n_tests)
            if use_pairs:
                _sensitivity(row, kind, before, after, top_box, level, options)
        except ValueError as err:  # a case the checks above did not foresee: say so, never a traceback
            row.values = {k: v for k, v in row.values.items() if k in ("n_before", "n_after", "n_paired")}
            return row.stop("error", f"the test could not be computed ({err})", f"无法计算检验（{err}）")
    if spec is not None and spec.kind in NEUTRAL_KINDS:
        row.values["direction"] = 0.0  # which options people choose is neither better nor worse
    elif spec is not None and not spec.higher_is_better and row.values.get("direction"):
        row.values["direction"] = -float(row.values["direction"])  # a fall is the improvement
    return row
