"""Did satisfaction change after the fixes? Before/after comparison of two survey waves, honestly.

:func:`compare_waves` picks the test for each measure (DESIGN.md, "Statistics conventions"):

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
  (Welch or paired), the standard NPS significance test.

Pairing policy (``paired="auto"``): respondents are matched across the waves by their pseudonymous
key. When at least ``MIN_PAIRS`` respondents answered the measure in both waves *and* they make up at
least ``PAIRED_SHARE`` of the smaller wave, the paired test runs on the matched respondents only; the
unmatched ones are left out of the test, counted in the result (``pairing_en``) and kept in the
all-respondent means (``mean_before_all``, ``mean_after_all``), and the independent test on every
answer is reported as a sensitivity check (``sensitivity_p_val``), with a warning when the two
disagree. Why the matched respondents: comparing the same people keeps a change in *who* answered
from passing for a change in satisfaction, and it is the comparison users reproduce with R's
``wilcox.test(paired = TRUE)``; the price is power when many respondents are unmatched, which the
sensitivity check makes visible. Otherwise every answer is treated as an independent sample, which is
conservative when the few repeat respondents' answers are positively correlated, and the result says
so. ``paired=True`` or ``False`` forces one analysis.

One comparison, one set of numbers: :func:`compare_primary` applies that rule once per comparison
(:func:`choose_analysis`, respondents over the chosen measures), runs every measure with it, gives the
answers those tests use for the charts (:func:`analysed_answers`), and puts the other analysis beside
each result as a sensitivity sentence, never in its place. Pages and exports use it so that verdicts,
charts, tables and files describe the same, labelled respondents.

Multiple comparisons: p-values are adjusted (Holm by default) within each kind of measure, i.e. the
Likert rank tests across the chosen dimensions form one family, the top-2-box tests another, and NPS
is a single test (``family="all"`` adjusts across every row instead).

Bad input never yields a p-value computed from nonsense: a measure without answers, with fewer than
``MIN_ANSWERS`` per wave, with answers on different scales, or where every answer in both waves is the
same value gets a row with ``status`` saying why, NaN p-values and a plain sentence.

Also here: the planner (:func:`responses_needed`, :func:`plan_next_wave`), summaries for the charts
(:func:`wave_summary`, :func:`answer_distribution`) and the topic outcome (:func:`topic_share`,
:func:`topic_satisfaction`, :func:`keyword_mask`).

Command line: ``python -m analytics.verify answers.csv --baseline B --follow-up F [--lang zh]
[--paired auto|yes|no] [--output result.csv]`` prints one verdict per measure.
"""

from __future__ import annotations

import argparse
import functools
import math
import re
import sys
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analytics import stats

MEASURES: tuple[str, ...] = ("accuracy", "ease_of_use", "response_speed", "problem_resolution", "csat", "nps")
SCALES: dict[str, tuple[int, int]] = {"likert5": (1, 5), "nps": (0, 10)}
LABELS: dict[str, tuple[str, str]] = {  # code: (zh, en); the four dimensions match ui/strings/core.py
    "accuracy": ("准确性", "Accuracy"),
    "ease_of_use": ("易用性", "Ease of use"),
    "response_speed": ("响应速度", "Response speed"),
    "problem_resolution": ("问题解决", "Problem resolution"),
    "csat": ("总体满意度", "Overall satisfaction"),
    "nps": ("NPS 净推荐值", "NPS"),
}
KINDS = ("likert", "nps", "top2box")  # row kinds, in the order rows are returned
STATUSES = ("ok", "no_data", "too_few", "no_variation", "scale_mismatch", "not_numeric", "error")

ALPHA = 0.05
POWER = 0.8
MIN_ANSWERS = 5  # per wave (or pairs); below this no test is run
MIN_PAIRS = 20  # matched respondents needed before "auto" pairs
PAIRED_SHARE = 0.5  # ... and they must be at least this share of the smaller wave
SMALL_WAVE = 30  # below this a wave "can only detect large changes"
LOPSIDED = 3.0  # largest / smallest wave size
CEILING_SHARE = 0.7  # one answer value holding this share of a wave is a ceiling / floor effect
N_BOOT = 2000
SEED = 20260701
RANK_ARE = 3 / math.pi  # asymptotic efficiency of rank tests vs t under normality (planner)
PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promoters, 0-6 detractors

Paired = bool | Literal["auto"]
PAIRING_CHOICES: dict[str, Paired] = {"auto": "auto", "yes": True, "no": False}

COLUMNS: tuple[str, ...] = (
    "measure",
    "kind",
    "label_en",
    "label_zh",
    "status",
    "analysis",
    "test",
    "statistic",
    "statistic_name",
    "p_val",
    "p_adj",
    "significant",
    "direction",
    "n_before",
    "n_after",
    "n_paired",
    "n_used",
    "mean_before",
    "mean_after",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "mean_before_all",
    "mean_after_all",
    "effect_size",
    "effect_size_kind",
    "es_ci_low",
    "es_ci_high",
    "detectable_change",
    "sensitivity_test",
    "sensitivity_p_val",
    "pairing_en",
    "pairing_zh",
    "warnings",
    "warnings_zh",
    "notes",
    "verdict_en",
    "verdict_zh",
)

_TEST_EN = {
    "Mann-Whitney U (Wilcoxon rank-sum)": "Mann-Whitney U test",
    "Wilcoxon signed-rank (paired)": "Wilcoxon signed-rank test",
    "2-sample test for equality of proportions": "two-proportion test",
}
_TEST_ZH = {
    "Mann-Whitney U (Wilcoxon rank-sum)": "Mann-Whitney U 检验",
    "Wilcoxon signed-rank (paired)": "Wilcoxon 符号秩检验",
    "2-sample test for equality of proportions": "两样本比例检验",
    "Fisher's exact test": "Fisher 精确检验",
    "McNemar's test": "McNemar 检验",
    "McNemar's test (exact binomial)": "McNemar 检验（精确二项）",
    "Welch t-test on NPS scores": "NPS 得分的 Welch t 检验",
    "Paired t-test on NPS scores": "NPS 得分的配对 t 检验",
}
_ADJUST_NAMES = {
    "holm": "Holm",
    "hochberg": "Hochberg",
    "bonferroni": "Bonferroni",
    "bh": "BH",
    "fdr": "BH",
    "by": "BY",
}


def measure_label(code: str, lang: str = "en") -> str:
    """The measure's name in ``lang`` ("zh" or "en"); unknown codes are returned as they are."""
    zh, en = LABELS.get(code, (code, code))
    return zh if lang == "zh" else en


def test_name(test: str, lang: str = "en") -> str:
    """A test's name in ``lang`` (the English name is the one ``analytics.stats`` reports)."""
    return _TEST_ZH.get(test, test) if lang == "zh" else _TEST_EN.get(test, test)


# --- input ---------------------------------------------------------------------------------------


def _check_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Check the answers frame and return a copy with a numeric ``value`` and a ``kind`` column."""
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
        frame["kind"] = np.where(frame["question"].astype(str) == "nps", "nps", "likert5")
    frame["kind"] = frame["kind"].astype(object)
    return frame


@dataclass
class _Side:
    """One wave's answers to one question, by respondent, after cleaning."""

    values: pd.Series  # float, indexed by respondent key, missing values dropped
    kinds: set[str]
    missing: int = 0  # NaN answers dropped
    not_numbers: int = 0  # answers that were not numbers
    duplicates: int = 0  # second answers of the same respondent dropped


def _side(frame: pd.DataFrame, wave: Hashable, code: str) -> _Side:
    rows = frame[(frame["wave"] == wave) & (frame["question"] == code)]
    kinds = {str(k) for k in rows["kind"].dropna().unique()}
    not_numbers = int(rows["not_a_number"].sum())
    keep = rows[rows["value"].notna()]
    dup = keep["respondent_key"].notna() & keep["respondent_key"].duplicated(keep="first")
    keep = keep[~dup]
    # A missing key is an anonymous answer: it counts, but can never be paired.
    keys = [
        k if isinstance(k, str) and k else f"__anonymous_{i}"
        for i, k in enumerate(keep["respondent_key"].tolist())
    ]
    values = pd.Series(keep["value"].to_numpy(dtype=float), index=pd.Index(keys, dtype=object))
    return _Side(values, kinds, int(rows["value"].isna().sum()) - not_numbers, not_numbers, int(dup.sum()))


# --- wording -------------------------------------------------------------------------------------


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def _signed(x: float, digits: int = 2) -> str:
    if not np.isfinite(x):
        return "n/a"
    text = f"{x:+.{digits}f}"
    return text.replace("-", "\u2212") if text.startswith("-") else text


def _plain(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-", "\u2212") if np.isfinite(x) else "n/a"


def _p_label(adjust: str | None, family_size: int, lang: str) -> str:
    if adjust is None or family_size <= 1:
        return "p"
    name = _ADJUST_NAMES.get(adjust.lower(), adjust)
    return f"{name} 校正后 p" if lang == "zh" else f"{name}-adjusted p"


@dataclass
class _Row:
    """A result row under construction; ``warn`` keeps English and Chinese side by side."""

    measure: str
    kind: str
    status: str = "ok"
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warnings_zh: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason_en: str = ""
    reason_zh: str = ""

    def warn(self, en: str, zh: str) -> None:
        if en not in self.warnings:
            self.warnings.append(en)
            self.warnings_zh.append(zh)

    def stop(self, status: str, en: str, zh: str) -> _Row:
        self.status, self.reason_en, self.reason_zh = status, en, zh
        return self


_WAVE_WORDS = {"before": ("基线", "baseline wave"), "after": ("复测", "follow-up wave")}


def _wave_word(side: str, lang: str) -> str:
    zh, en = _WAVE_WORDS[side]
    return zh if lang == "zh" else en


# --- checks shared by every kind -----------------------------------------------------------------


def _screen(row: _Row, before: _Side, after: _Side, scale_kind: str) -> bool:
    """Record data problems on ``row``; False when no test may run."""
    for side_name, side in (("before", before), ("after", after)):
        zh_w, en_w = _wave_word(side_name, "zh"), _wave_word(side_name, "en")
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
        shown = f"{'/'.join(sorted(before.kinds))} vs {'/'.join(sorted(after.kinds))}"
        row.stop(
            "scale_mismatch",
            f"the two waves ask it on different scales ({shown}); compare like with like",
            f"两个批次使用了不同的量表（{shown}），无法直接比较",
        )
        return False
    if kinds and kinds <= {"text"}:
        row.stop("not_numeric", "it is a free-text question", "这是开放文本题")
        return False
    low, high = SCALES.get(scale_kind, (-math.inf, math.inf))
    for side_name, side in (("before", before), ("after", after)):
        v = side.values
        if len(v) and ((v < low).any() or (v > high).any() or (v != np.round(v)).any()):
            row.stop(
                "scale_mismatch",
                f"the {_wave_word(side_name, 'en')} has answers outside the whole numbers {low}-{high} "
                f"(found {_plain(v.min(), 1)} to {_plain(v.max(), 1)}); the waves seem to use different "
                "scales, so fix or rescale the data before comparing",
                f"{_wave_word(side_name, 'zh')}中有超出 {low}-{high} 整数范围的回答（{_plain(v.min(), 1)} 至 "
                f"{_plain(v.max(), 1)}），两个批次可能使用了不同的量表，请先修正或换算数据",
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
                f"the {_wave_word(empty, 'en')} has no answers",
                f"{_wave_word(empty, 'zh')}没有回答",
            )
        return False
    if min(n_b, n_a) < MIN_ANSWERS:
        side_name = "before" if n_b < n_a else "after"
        n = min(n_b, n_a)
        row.stop(
            "too_few",
            f"only {n} answer(s) in the {_wave_word(side_name, 'en')}; at least {MIN_ANSWERS} per wave "
            "are needed",
            f"{_wave_word(side_name, 'zh')}只有 {n} 个回答，每个批次至少需要 {MIN_ANSWERS} 个",
        )
        return False
    return True


def _size_warnings(row: _Row, n_before: int, n_after: int, n_paired: int | None) -> None:
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


def _ceiling_warning(row: _Row, before: pd.Series, after: pd.Series) -> None:
    low, high = SCALES["likert5"]
    for side_name, v in (("before", before), ("after", after)):
        counts = v.value_counts(normalize=True)
        if len(v) >= MIN_ANSWERS and counts.iloc[0] >= CEILING_SHARE:
            value, share = float(counts.index[0]), float(counts.iloc[0])
            effect_en = " (ceiling effect)" if value == high else " (floor effect)" if value == low else ""
            effect_zh = "（天花板效应）" if value == high else "（地板效应）" if value == low else ""
            row.warn(
                f"Heavy ties: {share:.0%} of the {_wave_word(side_name, 'en')} answered {value:g}{effect_en}; "
                "with so little spread, small changes cannot show.",
                f"大量并列：{_wave_word(side_name, 'zh')}中 {share:.0%} 的回答是 {value:g}{effect_zh}，"
                "回答几乎没有差异，小的变化无法显现。",
            )


def _pairing(
    row: _Row, before: _Side, after: _Side, paired: Paired
) -> tuple[bool, pd.Series, pd.Series, int]:
    """Decide paired or independent; set the pairing sentences. Returns (paired, x_after, y_before, n)."""
    common = before.values.index.intersection(after.values.index)
    common = common[[not str(k).startswith("__anonymous_") for k in common]]
    n_p, n_b, n_a = len(common), len(before.values), len(after.values)
    smaller = min(n_b, n_a)
    auto = n_p >= MIN_PAIRS and n_p >= PAIRED_SHARE * smaller
    use = auto if paired == "auto" else bool(paired)
    if use and n_p < MIN_ANSWERS:
        row.stop(
            "too_few",
            f"a paired analysis was asked for, but only {n_p} respondent(s) answered both waves; at least "
            f"{MIN_ANSWERS} are needed",
            f"要求配对分析，但只有 {n_p} 名受访者回答了两个批次，至少需要 {MIN_ANSWERS} 名",
        )
        return False, after.values, before.values, n_p
    if use:
        only_b, only_a = n_b - n_p, n_a - n_p
        row.values["pairing_en"] = (
            f"Paired: {n_p} respondents answered both waves and the test compares each one's two answers; "
            f"{only_b} baseline-only and {only_a} follow-up-only respondents are left out of the test "
            "(they count in the all-respondent means)."
        )
        row.values["pairing_zh"] = (
            f"配对分析：{n_p} 名受访者回答了两个批次，检验比较每人的前后两次回答；"
            f"仅答基线的 {only_b} 人和仅答复测的 {only_a} 人不进入检验（计入全体均值）。"
        )
        return True, after.values.loc[common], before.values.loc[common], n_p
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
    row.values["pairing_en"], row.values["pairing_zh"] = en, zh
    return False, after.values, before.values, n_p


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


def _resampled_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` bootstrap resamples of ``values``.

    NPS scores take three values (differences of pairs five), so a resample is fully described by how
    often each value is drawn: multinomial counts give the same distribution as drawing indices, in
    O(n_boot) instead of O(n_boot x n) (13,000 pairs: milliseconds instead of seconds).
    """
    levels, counts = np.unique(values, return_counts=True)
    drawn = rng.multinomial(values.size, counts / values.size, size=n_boot)
    return np.asarray(drawn @ levels / values.size, dtype=float)


def _bootstrap_diff(
    x: np.ndarray, y: np.ndarray, paired: bool, n_boot: int, seed: int, level: float
) -> tuple[float, float]:
    """Percentile-bootstrap CI of mean(x) - mean(y); pairs are resampled together when paired."""
    rng = np.random.default_rng(seed)
    if paired:
        diffs = _resampled_means(x - y, n_boot, rng)
    else:
        diffs = _resampled_means(x, n_boot, rng) - _resampled_means(y, n_boot, rng)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(low), float(high)


def _nps_scores(values: pd.Series | np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return np.where(v >= PROMOTER, 100.0, np.where(v <= DETRACTOR, -100.0, 0.0))


# --- power ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # statsmodels solves numerically (tens of ms); sizes repeat a lot
def _solve_effect(n_before: int, n_after: int, paired: bool, alpha: float, power: float, rank: bool) -> float:
    """Smallest standardised effect detectable with ``power``; NaN when it cannot be solved."""
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
    likert_change: float = 0.3,
    nps_change: float = 10.0,
    power: float = POWER,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Responses the next wave needs per measure, using the spread measured in the baseline wave.

    The Likert measures share one Bonferroni allowance (they are tested as one family); NPS is one test.
    When ``follow_up`` is given and at least ``MIN_PAIRS`` respondents answered both waves, the correlation
    of their answers gives the number of paired respondents needed as well.

    Returns:
        One row per measure with columns measure, kind, label_en, label_zh, n_baseline (answers in the
        baseline), sd, change, n_per_wave (independent waves), correlation (NaN without enough pairs),
        n_pairs (NaN without enough pairs), note_en, note_zh (why a measure cannot be planned; else "").
    """
    frame = _check_answers(answers)
    likert = [d for d in dimensions if d != "nps"]
    rows: list[dict[str, Any]] = []
    for code in dimensions:
        kind: Literal["likert", "nps"] = "nps" if code == "nps" else "likert"
        change = nps_change if kind == "nps" else likert_change
        base = _side(frame, baseline, code)
        values = _nps_scores(base.values) if kind == "nps" else base.values.to_numpy()
        row: dict[str, Any] = {
            "measure": code,
            "kind": kind,
            "label_en": measure_label(code, "en"),
            "label_zh": measure_label(code, "zh"),
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
            after = _side(frame, follow_up, code)
            common = base.values.index.intersection(after.values.index)
            common = common[[not str(k).startswith("__anonymous_") for k in common]]
            if len(common) >= MIN_PAIRS:
                x, y = base.values.loc[common].to_numpy(), after.values.loc[common].to_numpy()
                if kind == "nps":
                    x, y = _nps_scores(x), _nps_scores(y)
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
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else None)


# --- one measure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TTest:
    """A t-test of the mean difference x - y: what the rows need of it."""

    test: str
    statistic: float
    p_val: float
    ci_low: float
    ci_high: float
    effect_size: float
    effect_size_kind: str
    es_ci_low: float
    es_ci_high: float


def _t_test(x: np.ndarray, y: np.ndarray, paired: bool, level: float) -> _TTest:
    """Welch or paired t-test with the t-based CI of the mean difference (scipy) and a standardised effect.

    scipy gives t, p and the CI directly. The effect size is Hedges' g (Welch) or Cohen's d_z (paired) with
    a normal-approximation CI; ``analytics.stats.paired_t`` inverts the noncentral t for d_z instead, which
    fails for very large t (a big change on thousands of pairs), so it is not used here.
    """
    nan = math.nan
    if paired:
        d = x - y
        if np.ptp(d) == 0:  # every difference the same: t is 0/0 or infinite, no interval
            return _TTest(
                "Paired t-test", nan, 1.0 if d[0] == 0 else nan, nan, nan, nan, "Cohen's d_z", nan, nan
            )
        res = sps.ttest_rel(x, y)
        es, n = float(d.mean() / d.std(ddof=1)), d.size
        se = math.sqrt(1 / n + es**2 / (2 * n))
        kind, name = "Cohen's d_z", "Paired t-test"
    else:
        if np.ptp(x) == 0 and np.ptp(y) == 0:
            same = x[0] == y[0]
            return _TTest(
                "Welch two-sample t-test", nan, 1.0 if same else nan, nan, nan, nan, "Hedges' g", nan, nan
            )
        res = sps.ttest_ind(x, y, equal_var=False)
        n1, n2 = x.size, y.size
        pooled = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
        correction = 1 - 3 / (4 * (n1 + n2) - 9)
        es = float((x.mean() - y.mean()) / pooled * correction) if pooled > 0 else nan
        se = math.sqrt((n1 + n2) / (n1 * n2) + es**2 / (2 * (n1 + n2)))
        kind, name = "Hedges' g", "Welch two-sample t-test"
    ci = res.confidence_interval(level)
    z = float(sps.norm.ppf((1 + level) / 2))
    return _TTest(
        name,
        float(res.statistic),
        float(res.pvalue),
        float(ci.low),
        float(ci.high),
        es,
        kind,
        es - z * se,
        es + z * se,
    )


def _rank_row(
    row: _Row, x: pd.Series, y: pd.Series, paired: bool, level: float, alpha: float, n_tests: int
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
        diff_ci_low=t.ci_low,
        diff_ci_high=t.ci_high,
        direction=float(np.sign(rank.effect_size)) if np.isfinite(rank.effect_size) else 0.0,
    )
    row.notes.extend(f"{rank.test}: {w}" for w in rank.warnings)
    d = _solve_effect(len(y), len(x), paired, alpha / n_tests, POWER, rank=True)
    row.values["detectable_change"] = d * sd if np.isfinite(d) and sd > 0 else math.nan
    if (
        np.isfinite(t.ci_low)
        and np.isfinite(rank.p_val)
        and (rank.p_val < alpha) == (t.ci_low <= 0 <= t.ci_high)
    ):
        row.warn(
            "The rank test and the mean difference disagree: the change shows in the spread of answers more "
            "than in their average (the rank test is the primary result).",
            "秩检验与均值差的结论不一致：变化更多体现在回答的分布上而非平均值（以秩检验为准）。",
        )


def _share_row(
    row: _Row,
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
    try:
        h = float(
            np.asarray(
                NormalIndPower().solve_power(
                    nobs1=n_b, ratio=n_a / n_b, alpha=alpha / n_tests, power=POWER, effect_size=None
                )
            ).item()
        )
        target = math.sin(min(math.asin(math.sqrt(p_b)) + h / 2, math.pi / 2)) ** 2
        row.values["detectable_change"] = target - p_b
    except (ValueError, RuntimeError, ZeroDivisionError):
        row.values["detectable_change"] = math.nan


def _nps_row(
    row: _Row,
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
    sx, sy = _nps_scores(x), _nps_scores(y)
    res = _t_test(sx, sy, paired, level)
    low, high = _bootstrap_diff(sx, sy, paired, n_boot, seed, level)
    name = "Paired t-test on NPS scores" if paired else "Welch t-test on NPS scores"
    diff = float(sx.mean() - sy.mean())
    row.values.update(
        test=name,
        statistic=res.statistic,
        statistic_name="t",
        p_val=res.p_val,
        effect_size=res.effect_size,
        effect_size_kind=res.effect_size_kind,
        es_ci_low=res.es_ci_low,
        es_ci_high=res.es_ci_high,
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
    d = _solve_effect(len(sy), len(sx), paired, alpha / n_tests, POWER, rank=False)
    row.values["detectable_change"] = d * sd if np.isfinite(d) and sd > 0 else math.nan
    if np.isfinite(res.p_val) and (res.p_val < alpha) == (low <= 0 <= high):
        row.warn(
            "The bootstrap interval and the t-test disagree near the significance line: read this NPS change "
            "as borderline.",
            "自助法区间与 t 检验在显著性边界上结论不一致：此 NPS 变化应视为临界。",
        )


def _sensitivity(row: _Row, kind: str, before: _Side, after: _Side, top_box: float, level: float) -> None:
    """The independent test on every answer, beside a paired result."""
    x, y = after.values.to_numpy(), before.values.to_numpy()
    try:
        if kind == "likert":
            res = stats.mann_whitney(x, y, confidence_level=level)
        elif kind == "nps":
            res = stats.welch_t(_nps_scores(x), _nps_scores(y), confidence_level=level)
        else:
            s_a, s_b = int((x >= top_box).sum()), int((y >= top_box).sum())
            if s_a + s_b == 0 or s_a + s_b == x.size + y.size:
                return
            res = stats.two_proportions([s_a, s_b], [x.size, y.size], correct=False, confidence_level=level)
    except ValueError:
        return
    row.values["sensitivity_test"] = res.test + " (all answers)"
    row.values["sensitivity_p_val"] = res.p_val


def _one_measure(
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
) -> _Row:
    row = _Row(code, kind)
    before, after = _side(frame, baseline, code), _side(frame, follow_up, code)
    scale_kind = "nps" if kind == "nps" else "likert5"
    row.values.update(n_before=len(before.values), n_after=len(after.values))
    row.values["mean_before_all"] = float(before.values.mean()) if len(before.values) else math.nan
    row.values["mean_after_all"] = float(after.values.mean()) if len(after.values) else math.nan
    if kind == "nps":
        for key, side in (("mean_before_all", before), ("mean_after_all", after)):
            row.values[key] = float(_nps_scores(side.values).mean()) if len(side.values) else math.nan
    elif kind == "top2box":
        for key, side in (("mean_before_all", before), ("mean_after_all", after)):
            row.values[key] = float((side.values >= top_box).mean()) if len(side.values) else math.nan
    if not _screen(row, before, after, scale_kind):
        return row
    use_pairs, x, y, n_p = _pairing(row, before, after, paired)
    row.values["n_paired"] = n_p
    if row.status != "ok":
        return row
    row.values["analysis"] = "paired" if use_pairs else "independent"
    row.values["n_used"] = len(x) if use_pairs else len(x) + len(y)
    pooled = np.concatenate([x.to_numpy(), y.to_numpy()])
    compared = _nps_scores(pooled) if kind == "nps" else (pooled >= top_box) if kind == "top2box" else pooled
    if np.ptp(compared.astype(float)) == 0:
        if kind == "nps":
            what_en, what_zh = (
                "every respondent in both waves is in the same NPS group",
                "两个批次的所有受访者都属于同一 NPS 类别",
            )
        elif kind == "top2box":
            inside = bool(compared[0])
            what_en = f"every answer in both waves is {'at least' if inside else 'below'} {top_box:g}"
            what_zh = f"两个批次的所有回答都{'不低于' if inside else '低于'} {top_box:g}"
        else:
            what_en, what_zh = (
                f"every answer in both waves is {pooled[0]:g}",
                f"两个批次的所有回答都是 {pooled[0]:g}",
            )
        row.values.update(
            mean_before=float(y.mean()) if kind == "likert" else row.values["mean_before_all"],
            mean_after=float(x.mean()) if kind == "likert" else row.values["mean_after_all"],
            diff=0.0,
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
                _ceiling_warning(row, before.values, after.values)
                _rank_row(row, x, y, use_pairs, level, alpha, n_tests)
            elif kind == "top2box":
                _share_row(row, x, y, use_pairs, level, top_box, alpha, n_tests)
            else:
                _nps_row(row, x, y, use_pairs, level, n_boot, seed, alpha, n_tests)
            if use_pairs:
                _sensitivity(row, kind, before, after, top_box, level)
        except ValueError as err:  # a case the checks above did not foresee: say so, never a traceback
            row.values = {k: v for k, v in row.values.items() if k in ("n_before", "n_after", "n_paired")}
            return row.stop("error", f"the test could not be computed ({err})", f"无法计算检验（{err}）")
    return row


# --- verdicts ------------------------------------------------------------------------------------


def _label(code: str, kind: str, top_box: float, lang: str) -> str:
    name = measure_label(code, lang)
    if kind == "top2box":
        return (
            f"{name}（{top_box:g} 分及以上占比）"
            if lang == "zh"
            else f"{name}, share of answers ≥ {top_box:g}"
        )
    return name


def _verdict(r: dict[str, Any], top_box: float, adjust: str | None, family_size: int, lang: str) -> str:
    zh = lang == "zh"
    label = _label(r["measure"], r["kind"], top_box, lang)
    status = r["status"]
    if status == "no_variation":
        reason = r["_reason_zh"] if zh else r["_reason_en"]
        return f"{label}：无变化——{reason}。" if zh else f"{label}: no change: {reason}."
    if status != "ok":
        reason = r["_reason_zh"] if zh else r["_reason_en"]
        return f"{label}：未检验——{reason}。" if zh else f"{label}: not tested: {reason}."
    kind = r["kind"]
    pct = 100 if kind == "top2box" else 1
    digits = 0 if kind in ("top2box", "nps") else 2
    before, after = _plain(r["mean_before"] * pct, digits), _plain(r["mean_after"] * pct, digits)
    diff = _signed(r["diff"] * pct, digits)
    low, high = _signed(r["diff_ci_low"] * pct, digits), _signed(r["diff_ci_high"] * pct, digits)
    level = f"{round(r['_level'] * 100)}%"
    has_ci = bool(np.isfinite(r["diff_ci_low"]) and np.isfinite(r["diff_ci_high"]))
    test = test_name(r["test"], lang)
    if r["analysis"] == "paired":
        n_text = f"{r['n_paired']} 名配对受访者" if zh else f"{r['n_paired']} paired respondents"
    else:
        n_text = (
            f"基线 {r['n_before']} 个、复测 {r['n_after']} 个回答"
            if zh
            else f"{r['n_before']} vs {r['n_after']} answers"
        )
    p = f"{_p_label(adjust, family_size, lang)} {_p_text(r['p_adj'])}"
    if kind == "likert":
        ci_zh, ci_en = f"{level} 置信区间 {low} 至 {high}", f"{level} CI {low} to {high}"
        unit_zh, unit_en, fmt = "", " on the 1-5 scale", "{b} → {a}"
    elif kind == "top2box":
        ci_zh, ci_en = f"{level} 置信区间 {low} 至 {high}", f"{level} CI {low} to {high}"
        unit_zh, unit_en, fmt = " 个百分点", " percentage points", "{b}% → {a}%"
    else:
        ci_zh, ci_en = f"{level} 自助法置信区间 {low} 至 {high}", f"{level} bootstrap CI {low} to {high}"
        unit_zh, unit_en, fmt = " 分", " points", "{b} → {a}"
    if not has_ci:
        ci_zh, ci_en = "无法给出区间", "no interval available"
    moved = fmt.format(b=before, a=after)
    prefix = "均值 " if kind == "likert" and zh else "mean " if kind == "likert" else ""
    change = (
        f"{prefix}{moved}（{diff}{unit_zh}，{ci_zh}）"
        if zh
        else f"{prefix}{moved} ({diff}{unit_en}, {ci_en})"
    )
    if r["significant"]:
        up = r["direction"] > 0
        if zh:
            return f"{label}显著{'提升' if up else '下降'}：{change}；{test}，{n_text}，{p}。"
        return f"{label} {'improved' if up else 'declined'} significantly: {change}; {test}, {n_text}, {p}."
    if zh:
        return f"{label}无显著变化：{change}；{test}，{n_text}，{p}。"
    return f"{label}: no significant change: {change}; {test}, {n_text}, {p}."


# --- the comparison ------------------------------------------------------------------------------


def compare_waves(
    answers: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    dimensions: Sequence[str] = MEASURES,
    adjust: str | None = "holm",
    paired: Paired = "auto",
    top_box: float | None = 4,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    alpha: float = ALPHA,
    confidence_level: float = 0.95,
    family: Literal["kind", "all"] = "kind",
) -> pd.DataFrame:
    """Compare a follow-up wave with its baseline, one row per measure, with a verdict in zh and en.

    Differences and effect sizes read "follow-up relative to baseline": positive means better after.

    Args:
        answers: One row per answer, columns ``wave`` (any id), ``respondent_key`` (pseudonymous; None
            for anonymous answers, which are never paired), ``question`` (code, e.g. "accuracy",
            "nps") and ``value``; optional ``kind`` ("likert5", "nps", "text"; inferred from the code
            when absent). Other columns are ignored; filter segments before calling.
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        dimensions: Question codes to compare, in the order wanted; "nps" gives the NPS row, every other
            code a Likert row (and a top-2-box row unless ``top_box`` is None).
        adjust: Multiple-comparison method of ``analytics.stats.adjust_pvalues`` ("holm", "hochberg",
            "bonferroni", "bh", "by"), or None for raw p-values.
        paired: "auto" (see the module docstring), True (matched respondents only) or False.
        top_box: Answers at or above this value count in the top box (4: "top-2-box" of 1-5); None
            leaves the top-2-box rows out.
        n_boot: Bootstrap resamples for the NPS interval.
        seed: Seed of the bootstrap, so the same data always gives the same interval.
        alpha: Significance level of ``significant`` and of the detectable change.
        confidence_level: Level of every interval.
        family: "kind" adjusts within each kind of row (Likert rows across the dimensions, top-2-box rows,
            NPS); "all" adjusts across every row.

    Returns:
        One row per measure and kind (Likert rows first, then NPS, then top-2-box), columns ``COLUMNS``:
        measure, kind ("likert", "nps", "top2box"), label_en, label_zh, status (``STATUSES``: "ok" or
        why no test ran), analysis ("paired" / "independent"), test, statistic, statistic_name (R's W, V,
        X-squared, t), p_val, p_adj, significant (p_adj < alpha), direction (+1 better, -1 worse, 0),
        n_before, n_after (answers per wave), n_paired (respondents in both), n_used (observations in the
        test), mean_before, mean_after (of the analysed answers: means on the scale, shares 0-1 for
        top2box, NPS in points), diff with diff_ci_low, diff_ci_high (t-based for Likert, Newcombe for
        shares, bootstrap for NPS), mean_before_all, mean_after_all (every answer), effect_size,
        effect_size_kind, es_ci_low, es_ci_high, detectable_change (smallest change on the diff's scale
        detectable with 80 % power at this n and the adjusted level; the top-2-box one treats the waves
        as independent), sensitivity_test, sensitivity_p_val (independent test on
        every answer when the main one is paired), pairing_en, pairing_zh, warnings, warnings_zh (tuples of
        caveats for the reader), notes (tuple of technical notes from the tests), verdict_en, verdict_zh.

    Raises:
        ValueError: ``answers`` lacks a column, the two waves are the same, or an option is unknown.
    """
    if baseline == follow_up:
        raise ValueError("baseline and follow_up must be two different waves")
    if paired not in ("auto", True, False):
        raise ValueError("paired must be 'auto', True or False")
    if family not in ("kind", "all"):
        raise ValueError("family must be 'kind' or 'all'")
    if not 0 < confidence_level < 1 or not 0 < alpha < 1:
        raise ValueError("alpha and confidence_level must lie between 0 and 1")
    if adjust is not None:
        stats.adjust_pvalues([0.5], adjust)  # rejects an unknown method before any work
    if n_boot < 100:
        raise ValueError("n_boot must be at least 100")
    frame = _check_answers(answers)
    codes = list(dict.fromkeys(dimensions))
    plan = [(c, "likert") for c in codes if c != "nps"]
    plan += [(c, "nps") for c in codes if c == "nps"]
    if top_box is not None:
        plan += [(c, "top2box") for c in codes if c != "nps"]
    family_sizes = {k: sum(1 for _, kk in plan if kk == k) for k in KINDS}
    rows: list[dict[str, Any]] = []
    for code, kind in plan:
        n_tests = len(plan) if family == "all" else family_sizes[kind]
        built = _one_measure(
            frame,
            code,
            kind,
            baseline=baseline,
            follow_up=follow_up,
            paired=paired,
            top_box=float(top_box) if top_box is not None else 4.0,
            n_boot=n_boot,
            seed=seed,
            level=confidence_level,
            alpha=alpha,
            n_tests=n_tests,
        )
        record: dict[str, Any] = dict.fromkeys(COLUMNS, math.nan)
        record.update(
            measure=code,
            kind=kind,
            label_en=_label(code, kind, top_box or 4, "en"),
            label_zh=_label(code, kind, top_box or 4, "zh"),
            status=built.status,
            analysis="",
            test="",
            statistic_name="",
            effect_size_kind="",
            sensitivity_test="",
            pairing_en="",
            pairing_zh="",
            n_before=0,
            n_after=0,
            n_paired=0,
            n_used=0,
            direction=0.0,
        )
        record.update({k: v for k, v in built.values.items() if v is not None})
        for key in ("statistic", "es_ci_low", "es_ci_high", "diff_ci_low", "diff_ci_high", "effect_size"):
            if record[key] is None:
                record[key] = math.nan
        record["warnings"], record["warnings_zh"] = tuple(built.warnings), tuple(built.warnings_zh)
        record["notes"] = tuple(built.notes)
        record["_reason_en"], record["_reason_zh"] = built.reason_en, built.reason_zh
        record["_level"] = confidence_level
        if built.status != "ok":
            record["p_val"] = math.nan
        rows.append(record)
    result = pd.DataFrame(rows)
    if result.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    result["p_val"] = result["p_val"].astype(float)
    result["p_adj"] = result["p_val"]
    if adjust is not None:
        groups = [result.index] if family == "all" else [result.index[result["kind"] == k] for k in KINDS]
        for idx in groups:
            if len(idx):
                result.loc[idx, "p_adj"] = stats.adjust_pvalues(result.loc[idx, "p_val"].to_numpy(), adjust)
    result["significant"] = (result["p_adj"] < alpha).fillna(False).astype(bool)
    tested = result.groupby("kind")["p_val"].apply(lambda p: int(p.notna().sum())).to_dict()
    all_tested = int(result["p_val"].notna().sum())
    for lang in ("en", "zh"):
        result[f"verdict_{lang}"] = [
            _verdict(
                r,
                float(top_box or 4),
                adjust,
                all_tested if family == "all" else tested.get(r["kind"], 1),
                lang,
            )
            for r in result.to_dict("records")
        ]
    hints = result.index[(result["p_val"] < alpha) & ~result["significant"]]
    for idx in hints:
        kind = result.at[idx, "kind"]
        m = all_tested if family == "all" else tested.get(kind, 1)
        result.at[idx, "warnings"] = (
            *result.at[idx, "warnings"],
            f"Significant on its own (p = {result.at[idx, 'p_val']:.3f}) but not after adjusting for the {m} "
            "measures tested together: treat it as a hint to check in the next wave, not as a finding.",
        )
        result.at[idx, "warnings_zh"] = (
            *result.at[idx, "warnings_zh"],
            f"单独看显著（p = {result.at[idx, 'p_val']:.3f}），但对同时检验的 {m} 个指标校正后不显著："
            "请视为需要在下一批次确认的线索，而不是结论。",
        )
    for idx in result.index[result["sensitivity_p_val"].notna()]:
        main, other = result.at[idx, "p_val"], result.at[idx, "sensitivity_p_val"]
        if (main < alpha) != (other < alpha):
            n_all = result.at[idx, "n_before"] + result.at[idx, "n_after"]
            result.at[idx, "warnings"] = (
                *result.at[idx, "warnings"],
                f"The paired test (p = {main:.3f}) and the independent test on all {n_all} answers "
                f"(p = {other:.3f}) disagree at the {alpha:.0%} level: the conclusion depends on who is compared.",
            )
            result.at[idx, "warnings_zh"] = (
                *result.at[idx, "warnings_zh"],
                f"配对检验（p = {main:.3f}）与全部 {n_all} 个回答的独立检验（p = {other:.3f}）在 {alpha:.0%} "
                "水平上结论不一致：结论取决于比较的人群。",
            )
    return result[list(COLUMNS)].reset_index(drop=True)


# --- the primary analysis and its sensitivity check ---------------------------------------------


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
        side = _side(frame, wave, code)
        named = {str(k) for k in side.values.index if not str(k).startswith("__anonymous_")}
        keys |= named
        anonymous = max(anonymous, len(side.values) - len(named))
    return keys, anonymous


def choose_analysis(
    answers: pd.DataFrame, *, baseline: Hashable, follow_up: Hashable, dimensions: Sequence[str] = MEASURES
) -> Analysis:
    """The primary analysis of a comparison, by the documented rule: paired when at least ``MIN_PAIRS``
    respondents answered both waves and they are at least ``PAIRED_SHARE`` of the smaller wave."""
    frame = _check_answers(answers)
    codes = list(dict.fromkeys(dimensions))
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
) -> pd.DataFrame:
    """The answers a comparison's tests use, for charts and summaries that must show the same people.

    Paired: per measure, the answers of the respondents who answered it in both waves; independent:
    every answer of the two waves. Missing and repeated answers are dropped as the tests drop them.

    Returns:
        Columns wave, respondent_key, question, kind, value.
    """
    frame = _check_answers(answers)
    parts: list[pd.DataFrame] = []
    for code in dict.fromkeys(dimensions):
        sides = {wave: _side(frame, wave, code) for wave in (baseline, follow_up)}
        common: set[Any] | None = None
        if analysis.paired:
            common = {
                k
                for k in set(sides[baseline].values.index) & set(sides[follow_up].values.index)
                if not str(k).startswith("__anonymous_")
            }
        for wave, side in sides.items():
            values = side.values if common is None else side.values[side.values.index.isin(list(common))]
            kind = next(iter(side.kinds)) if len(side.kinds) == 1 else ("nps" if code == "nps" else "likert5")
            keys = [None if str(k).startswith("__anonymous_") else k for k in values.index]
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


def _figures(r: Mapping[str, Any], lang: str) -> str:
    """ "mean 3.41 → 3.80", "41% → 55%" or "−3 → 13": a result's before and after."""
    pct = 100 if r["kind"] == "top2box" else 1
    digits = 0 if r["kind"] in ("top2box", "nps") else 2
    before, after = _plain(r["mean_before"] * pct, digits), _plain(r["mean_after"] * pct, digits)
    unit = "%" if r["kind"] == "top2box" else ""
    prefix = ("均值 " if lang == "zh" else "mean ") if r["kind"] == "likert" else ""
    return f"{prefix}{before}{unit} → {after}{unit}"


def _sensitivity_sentence(
    primary: Mapping[str, Any], other: Mapping[str, Any], analysis: Analysis, p_label: str, lang: str
) -> str:
    zh = lang == "zh"
    who = analysis.alternative_label(lang)
    label = primary[f"label_{'zh' if zh else 'en'}"]
    if other["status"] != "ok":
        verdict = str(other[f"verdict_{'zh' if zh else 'en'}"])
        return f"敏感性分析（{who}）：{verdict}" if zh else f"Sensitivity, {who}: {verdict}"
    if not other["significant"]:
        word = "无显著变化" if zh else "no significant change"
    elif other["direction"] > 0:
        word = "显著提升" if zh else "improved significantly"
    else:
        word = "显著下降" if zh else "declined significantly"
    figures = _figures(other, lang)
    p = f"{p_label} {_p_text(other['p_adj'])}"
    test = test_name(str(other["test"]), lang)
    agree = primary["status"] != "ok" or (
        bool(primary["significant"]) == bool(other["significant"])
        and (not primary["significant"] or primary["direction"] == other["direction"])
    )
    if zh:
        text = f"敏感性分析（{who}）：{label} {figures}，{test}，{p}，{word}。"
        return text if agree else text + "与主要结果不一致：结论取决于比较的人群。"
    text = f"Sensitivity, {who}: {label} {figures}, {test}, {p}: {word}."
    return (
        text
        if agree
        else text + " This differs from the primary result: the conclusion depends on who is compared."
    )


@dataclass(frozen=True)
class Comparison:
    """A comparison as the page and the exports show it: one primary analysis, its sensitivity check.

    Attributes:
        analysis: Which respondents every figure describes (:func:`choose_analysis`).
        results: :func:`compare_waves` of the primary analysis, its columns plus respondents_en,
            respondents_zh (the analysis label), sensitivity_before, sensitivity_after, sensitivity_diff,
            sensitivity_p_adj (the other analysis' figures; sensitivity_test and sensitivity_p_val hold
            its test and raw p) and sensitivity_en, sensitivity_zh (one sentence each).
        answers: :func:`analysed_answers`: the answers the primary tests use, for the charts.
    """

    analysis: Analysis
    results: pd.DataFrame
    answers: pd.DataFrame


def compare_primary(
    answers: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    dimensions: Sequence[str] = MEASURES,
    adjust: str | None = "holm",
    **options: Any,
) -> Comparison:
    """Compare two waves with the primary analysis of :func:`choose_analysis` and the other one as a
    sensitivity check beside each result, never instead of it. ``options`` go to :func:`compare_waves`."""
    analysis = choose_analysis(answers, baseline=baseline, follow_up=follow_up, dimensions=dimensions)
    results, other = (
        compare_waves(
            answers,
            baseline=baseline,
            follow_up=follow_up,
            dimensions=dimensions,
            adjust=adjust,
            paired=paired,
            **options,
        )
        for paired in (analysis.paired, not analysis.paired)
    )
    tested = other.groupby("kind")["p_val"].apply(lambda p: int(p.notna().sum())).to_dict()
    sentences: dict[str, list[str]] = {"en": [], "zh": []}
    for r, o in zip(results.to_dict("records"), other.to_dict("records"), strict=True):
        for lang in ("en", "zh"):
            p_label = _p_label(adjust, tested.get(o["kind"], 1), lang)
            sentences[lang].append(_sensitivity_sentence(r, o, analysis, p_label, lang))
    ok = other["status"] == "ok"
    results = results.assign(
        respondents_en=analysis.label("en"),
        respondents_zh=analysis.label("zh"),
        sensitivity_test=[
            f"{t} ({'paired' if analysis.paired is False else 'all answers'})" if t else ""
            for t in other["test"]
        ],
        sensitivity_p_val=other["p_val"].astype(float),
        sensitivity_p_adj=other["p_adj"].astype(float),
        sensitivity_before=other["mean_before"].where(ok).astype(float),
        sensitivity_after=other["mean_after"].where(ok).astype(float),
        sensitivity_diff=other["diff"].where(ok).astype(float),
        sensitivity_en=sentences["en"],
        sensitivity_zh=sentences["zh"],
    )
    shown = analysed_answers(answers, analysis, baseline=baseline, follow_up=follow_up, dimensions=dimensions)
    return Comparison(analysis, results, shown)


# --- summaries for charts ------------------------------------------------------------------------


def wave_summary(
    answers: pd.DataFrame,
    *,
    waves: Sequence[Hashable],
    dimensions: Sequence[str] = MEASURES,
    confidence_level: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Mean (Likert) or NPS of each measure in each wave, with its interval.

    Returns:
        Columns measure, kind ("likert" / "nps"), wave, n, mean (NPS in points for "nps"), ci_low,
        ci_high (t-based for means, percentile bootstrap for NPS; NaN below 2 answers or without spread).
    """
    frame = _check_answers(answers)
    rows: list[dict[str, Any]] = []
    for code in dict.fromkeys(dimensions):
        kind = "nps" if code == "nps" else "likert"
        for wave in waves:
            v = _side(frame, wave, code).values.to_numpy()
            if kind == "nps":
                v = _nps_scores(v)
            low = high = math.nan
            if v.size >= 2 and np.ptp(v) > 0:
                if kind == "nps":
                    means = _resampled_means(v, n_boot, np.random.default_rng(seed))
                    tail = (1 - confidence_level) / 2 * 100
                    low, high = (float(q) for q in np.percentile(means, [tail, 100 - tail]))
                else:
                    ci = sps.ttest_1samp(v, 0.0).confidence_interval(confidence_level)
                    low, high = float(ci.low), float(ci.high)
            rows.append(
                {
                    "measure": code,
                    "kind": kind,
                    "wave": wave,
                    "n": int(v.size),
                    "mean": float(v.mean()) if v.size else math.nan,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows, columns=["measure", "kind", "wave", "n", "mean", "ci_low", "ci_high"])


NPS_GROUPS = ("detractor", "passive", "promoter")


def answer_distribution(
    answers: pd.DataFrame, *, waves: Sequence[Hashable], dimensions: Sequence[str] = MEASURES
) -> pd.DataFrame:
    """Share of each answer per measure and wave, laid out for a diverging stacked bar.

    Likert answers 1-5 (3 is neutral, split around 0); NPS answers in three groups (passives split
    around 0). Low answers lie left of 0, high ones right.

    Returns:
        Columns measure, kind, wave, answer (1-5, or "detractor" / "passive" / "promoter"), order (0..),
        count, share (0-1), start, end (the bar segment, in shares, negative left of the centre), n.
    """
    frame = _check_answers(answers)
    rows: list[dict[str, Any]] = []
    for code in dict.fromkeys(dimensions):
        kind = "nps" if code == "nps" else "likert"
        for wave in waves:
            v = _side(frame, wave, code).values.to_numpy()
            if kind == "nps":
                cats: list[Any] = list(NPS_GROUPS)
                labels = np.where(v >= PROMOTER, "promoter", np.where(v <= DETRACTOR, "detractor", "passive"))
                counts = [int((labels == c).sum()) for c in cats]
            else:
                cats = [1, 2, 3, 4, 5]
                counts = [int((v == c).sum()) for c in cats]
            n = sum(counts)
            if n == 0:
                continue
            shares = [c / n for c in counts]
            mid = len(cats) // 2  # the neutral category, split half left, half right
            left = -(sum(shares[:mid]) + shares[mid] / 2)
            for i, (cat, count, share) in enumerate(zip(cats, counts, shares, strict=True)):
                rows.append(
                    {
                        "measure": code,
                        "kind": kind,
                        "wave": wave,
                        "answer": cat,
                        "order": i,
                        "count": count,
                        "share": share,
                        "start": left,
                        "end": left + share,
                        "n": n,
                    }
                )
                left += share
    columns = ["measure", "kind", "wave", "answer", "order", "count", "share", "start", "end", "n"]
    return pd.DataFrame(rows, columns=columns)


# --- topic outcome -------------------------------------------------------------------------------

_KEYWORD_SPLIT = re.compile(r"[,，;；、\n]+")


def parse_keywords(keywords: str | Sequence[str]) -> list[str]:
    """Keywords from a comma / semicolon / newline separated string (Chinese punctuation too)."""
    parts = _KEYWORD_SPLIT.split(keywords) if isinstance(keywords, str) else list(keywords)
    return list(dict.fromkeys(p.strip().lower() for p in parts if p and p.strip()))


def keyword_mask(texts: pd.Series, keywords: str | Sequence[str]) -> pd.Series:
    """Which texts mention any keyword (case-insensitive, literal substring; no keywords: none do)."""
    words = parse_keywords(keywords)
    lowered = texts.fillna("").astype(str).str.lower()
    mask = pd.Series(False, index=texts.index)
    for word in words:
        mask |= lowered.str.contains(word, regex=False)
    return mask.astype(bool)


def _utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def topic_share(
    feedback: pd.DataFrame,
    in_topic: pd.Series | str,
    *,
    before: tuple[Any, Any],
    after: tuple[Any, Any],
    topic: str = "",
    confidence_level: float = 0.95,
) -> dict[str, Any]:
    """The topic's share of feedback (and rate per 1,000 items) before vs after, with a test and CI.

    Each period is [start, end) in UTC (naive values are taken as UTC). Every feedback item counts once;
    the share is of all feedback in the period, so a period with much more unrelated feedback lowers the
    share too (read the counts beside it).

    Args:
        feedback: One row per feedback item with a ``created_at`` column.
        in_topic: Boolean Series aligned with ``feedback`` (or the name of such a column).
        before: (start, end) of the period before the fix.
        after: (start, end) of the period after the fix.
        topic: Display name of the topic for the sentences.
        confidence_level: Level of the CI.

    Returns:
        A dict: status ("ok", "no_data", "no_variation"), topic, n_before, k_before, share_before,
        rate_before (per 1,000), n_after, k_after, share_after, rate_after, diff (share after - before),
        diff_ci_low, diff_ci_high (Newcombe), rate_ratio (after / before; NaN when k_before is 0), test,
        statistic, statistic_name, p_val, significant, warnings, warnings_zh, verdict_en, verdict_zh.
    """
    mask = feedback[in_topic] if isinstance(in_topic, str) else in_topic
    mask = mask.reindex(feedback.index).fillna(False).astype(bool)
    created = pd.to_datetime(feedback["created_at"], utc=True)
    out: dict[str, Any] = {"status": "ok", "topic": topic, "test": "", "statistic_name": ""}
    for name, (start, end) in (("before", before), ("after", after)):
        window = (created >= _utc(start)) & (created < _utc(end))
        out[f"n_{name}"] = int(window.sum())
        out[f"k_{name}"] = int((window & mask).sum())
        n = out[f"n_{name}"]
        out[f"share_{name}"] = out[f"k_{name}"] / n if n else math.nan
        out[f"rate_{name}"] = 1000 * out[f"share_{name}"]
    out.update(
        diff=out["share_after"] - out["share_before"],
        diff_ci_low=math.nan,
        diff_ci_high=math.nan,
        rate_ratio=out["share_after"] / out["share_before"] if out["k_before"] else math.nan,
        statistic=math.nan,
        p_val=math.nan,
        significant=False,
    )
    caveats: list[str] = []
    caveats_zh: list[str] = []
    name_en, name_zh = topic or "this topic", topic or "该主题"
    n_b, n_a, k_b, k_a = out["n_before"], out["n_after"], out["k_before"], out["k_after"]
    if n_b == 0 or n_a == 0:
        out["status"] = "no_data"
        which_en = (
            "either period" if n_b == n_a == 0 else ("the period before" if n_b == 0 else "the period after")
        )
        which_zh = "两个时段" if n_b == n_a == 0 else ("修复前时段" if n_b == 0 else "修复后时段")
        out["verdict_en"] = f"{name_en}: not tested: there is no feedback in {which_en}."
        out["verdict_zh"] = f"{name_zh}：未检验——{which_zh}没有反馈。"
    elif k_b + k_a == 0 or (k_b == n_b and k_a == n_a):
        out["status"] = "no_variation"
        out["diff"] = 0.0
        out["verdict_en"] = (
            f"{name_en}: no feedback in either period mentions it, so there is no change to test."
            if k_b + k_a == 0
            else f"{name_en}: every feedback item in both periods is about it, so there is no change to test."
        )
        out["verdict_zh"] = (
            f"{name_zh}：两个时段都没有相关反馈，没有可检验的变化。"
            if k_b + k_a == 0
            else f"{name_zh}：两个时段的所有反馈都属于该主题，没有可检验的变化。"
        )
    else:
        counts = np.array([[k_a, n_a - k_a], [k_b, n_b - k_b]])
        expected = counts.sum(axis=1, keepdims=True) * counts.sum(axis=0, keepdims=True) / counts.sum()
        if (expected < 5).any():
            res = stats.fisher_exact(counts, confidence_level=confidence_level)
        else:
            res = stats.two_proportions(
                [k_a, k_b], [n_a, n_b], correct=False, confidence_level=confidence_level
            )
        ci = confint_proportions_2indep(
            k_a, n_a, k_b, n_b, method="newcomb", compare="diff", alpha=1 - confidence_level
        )
        out.update(
            test=res.test,
            statistic=res.statistic if res.statistic is not None else math.nan,
            statistic_name=res.statistic_name,
            p_val=res.p_val,
            significant=bool(res.p_val < ALPHA),
            diff_ci_low=float(ci[0]),
            diff_ci_high=float(ci[1]),
        )
        if (res.p_val < ALPHA) == (ci[0] <= 0 <= ci[1]):
            caveats.append(
                "The test and the interval disagree near the significance line: read it as borderline."
            )
            caveats_zh.append("检验与置信区间在显著性边界上结论不一致：应视为临界。")
        if min(k_a + k_b, n_a, n_b) < SMALL_WAVE:
            caveats.append("Few items: only large changes in the share can be detected.")
            caveats_zh.append("条目较少：只能发现份额的较大变化。")
        level = f"{round(confidence_level * 100)}%"
        pb, pa = f"{100 * out['share_before']:.1f}%", f"{100 * out['share_after']:.1f}%"
        d, lo, hi = (_signed(100 * out[k], 1) for k in ("diff", "diff_ci_low", "diff_ci_high"))
        p = _p_text(res.p_val)
        rates = f"{out['rate_before']:.0f} → {out['rate_after']:.0f}"
        if out["significant"]:
            fell = out["diff"] < 0
            out["verdict_en"] = (
                f"Feedback about {name_en} {'fell' if fell else 'rose'} significantly from {pb} to {pa} of all "
                f"feedback ({rates} per 1,000 items; {d} percentage points, {level} CI {lo} to {hi}); "
                f"{test_name(res.test)}, {k_b}/{n_b} vs {k_a}/{n_a} items, p {p}."
            )
            out["verdict_zh"] = (
                f"关于{name_zh}的反馈占比显著{'下降' if fell else '上升'}：{pb} → {pa}（每千条 {rates}；"
                f"{d} 个百分点，{level} 置信区间 {lo} 至 {hi}）；{test_name(res.test, 'zh')}，"
                f"{k_b}/{n_b} 对 {k_a}/{n_a} 条，p {p}。"
            )
        else:
            out["verdict_en"] = (
                f"Feedback about {name_en}: no significant change in its share, {pb} → {pa} ({rates} per 1,000 "
                f"items; {d} percentage points, {level} CI {lo} to {hi}); {test_name(res.test)}, "
                f"{k_b}/{n_b} vs {k_a}/{n_a} items, p {p}."
            )
            out["verdict_zh"] = (
                f"关于{name_zh}的反馈占比无显著变化：{pb} → {pa}（每千条 {rates}；{d} 个百分点，"
                f"{level} 置信区间 {lo} 至 {hi}）；{test_name(res.test, 'zh')}，{k_b}/{n_b} 对 {k_a}/{n_a} 条，p {p}。"
            )
    out["warnings"], out["warnings_zh"] = tuple(caveats), tuple(caveats_zh)
    return out


def topic_satisfaction(
    answers: pd.DataFrame,
    mentioned: Sequence[str] | set[str],
    *,
    baseline: Hashable,
    follow_up: Hashable,
    measure: str = "csat",
    paired: Paired = "auto",
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Satisfaction before vs after of respondents who mentioned the topic, beside everyone else.

    Respondents are joined by their pseudonymous key: those whose feedback falls in the topic are
    "mentioned", every other respondent of the two waves is "others".

    Returns:
        Two rows (group "mentioned", then "others") with the columns of :func:`compare_waves` for
        ``measure`` (no top-2-box row, no adjustment: each group is one test) plus ``group``.
    """
    frame = _check_answers(answers)
    keys = {k for k in mentioned if isinstance(k, str) and k}
    is_mentioner = frame["respondent_key"].isin(keys)
    parts = []
    for group, subset in (("mentioned", frame[is_mentioner]), ("others", frame[~is_mentioner])):
        result = compare_waves(
            subset,
            baseline=baseline,
            follow_up=follow_up,
            dimensions=[measure],
            adjust=None,
            paired=paired,
            top_box=None,
            n_boot=n_boot,
            seed=seed,
        )
        result.insert(0, "group", group)
        parts.append(result)
    return pd.concat(parts, ignore_index=True)


# --- command line --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: compare two waves of an answers CSV; print the verdicts, optionally write the table."""
    parser = argparse.ArgumentParser(
        prog="python -m analytics.verify",
        description="Compare a follow-up survey wave with its baseline (columns wave, respondent_key, "
        "question, value; optional kind).",
    )
    parser.add_argument("input", type=Path, help="CSV file (UTF-8), one row per answer")
    parser.add_argument("--baseline", required=True, help="wave value of the baseline")
    parser.add_argument("--follow-up", required=True, help="wave value of the follow-up")
    parser.add_argument("--paired", choices=["auto", "yes", "no"], default="auto")
    parser.add_argument("--lang", choices=["zh", "en"], default="en")
    parser.add_argument("--output", type=Path, help="CSV file for the full result table")
    args = parser.parse_args(argv)
    try:
        answers = pd.read_csv(args.input, dtype={"wave": str, "respondent_key": str})
        result = compare_waves(
            answers,
            baseline=str(args.baseline),
            follow_up=str(args.follow_up),
            paired=PAIRING_CHOICES[args.paired],
        )
    except (OSError, ValueError, pd.errors.ParserError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for verdict in result[f"verdict_{args.lang}"]:
        print(verdict)
    if args.output is not None:
        result.to_csv(args.output, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
