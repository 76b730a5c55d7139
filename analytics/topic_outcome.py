"""Did a pain point shrink after its fix?

Did a pain point shrink after its fix? A topic's share of the feedback before vs after, tested, and
the satisfaction of the respondents who wrote about it.

:func:`topic_share` is the one computation of a topic's share before and after (the before/after page
and an item's evidence both call it); :func:`keyword_mask` and :func:`parse_keywords` pick the feedback
of a keyword-defined topic; :func:`topic_satisfaction` compares the satisfaction of those who mentioned
the topic with everyone else's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from analytics import stats
from analytics.measure_compare import SMALL_WAVE
from analytics.pairing import Paired
from analytics.questions import QuestionSpec
from analytics.survey_answers import ALPHA, N_BOOT, SEED, check_answers
from analytics.verdicts import p_text, signed, test_name
from analytics.wave_compare import compare_waves

_KEYWORD_SPLIT = re.compile(r"[,，;；、\n]+")


def parse_keywords(keywords: str | Sequence[str]) -> list[str]:
    """Keywords from a comma / semicolon / newline separated string (Chinese punctuation too).

    Args:
        keywords: The string, or keywords already split.

    Returns:
        The keywords, lower-cased, stripped, without repeats, in order.
    """
    parts = _KEYWORD_SPLIT.split(keywords) if isinstance(keywords, str) else list(keywords)
    return list(dict.fromkeys(p.strip().lower() for p in parts if p and p.strip()))


def keyword_mask(texts: pd.Series, keywords: str | Sequence[str]) -> pd.Series:
    """Which texts mention any keyword (case-insensitive, literal substring; no keywords: none do).

    Args:
        texts: The feedback texts (missing ones mention nothing).
        keywords: As :func:`parse_keywords` takes them.

    Returns:
        A boolean Series aligned with ``texts``.
    """
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
        d, lo, hi = (signed(100 * out[k], 1) for k in ("diff", "diff_ci_low", "diff_ci_high"))
        p = p_text(res.p_val)
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
    question: QuestionSpec | None = None,
    paired: Paired = "auto",
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Satisfaction before vs after of respondents who mentioned the topic, beside everyone else.

    Respondents are joined by their pseudonymous key: those whose feedback falls in the topic are
    "mentioned", every other respondent of the two waves is "others".

    Args:
        answers: The answers frame (``analytics.survey_answers``).
        mentioned: Respondent keys of those whose feedback falls in the topic.
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        measure: The question compared (a fixed measure's code).
        question: A survey's own question to compare instead of ``measure``.
        paired: "auto", True or False (``analytics.pairing``).
        n_boot: Bootstrap resamples (NPS).
        seed: Seed of the bootstrap.

    Returns:
        Two rows (group "mentioned", then "others") with the columns of
        ``analytics.wave_compare.compare_waves`` for ``measure`` (no top-2-box row, no adjustment: each
        group is one test) plus ``group``.
    """
    frame = check_answers(answers)
    keys = {k for k in mentioned if isinstance(k, str) and k}
    is_mentioner = frame["respondent_key"].isin(keys)
    parts = []
    for group, subset in (("mentioned", frame[is_mentioner]), ("others", frame[~is_mentioner])):
        result = compare_waves(
            subset,
            baseline=baseline,
            follow_up=follow_up,
            dimensions=[measure],
            questions=[question] if question is not None else None,
            adjust=None,
            paired=paired,
            top_box=None,
            n_boot=n_boot,
            seed=seed,
        )
        result.insert(0, "group", group)
        parts.append(result)
    return pd.concat(parts, ignore_index=True)
