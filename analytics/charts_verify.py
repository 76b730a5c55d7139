"""Altair charts of a before/after comparison: answer distributions, means, differences, NPS.

Builders are pure functions from tidy frames to charts (no Streamlit). :func:`standard_charts`
builds the set the before/after page and the review deck show, labelled in Chinese or English.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import altair as alt
import pandas as pd

from analytics.survey_answers import check_answers
from analytics.verdicts import RESULT_COLOURS
from analytics.wave_summaries import NPS_GROUPS, answer_distribution, chart_kind, wave_summary

LIKERT_COLOURS = ("#c0392b", "#f0a868", "#d5d8dc", "#8cc68c", "#1e8449")
SEVEN_COLOURS = ("#c0392b", "#e67e5a", "#f0a868", "#d5d8dc", "#a9d3a0", "#8cc68c", "#1e8449")
NPS_COLOURS = ("#c0392b", "#d5d8dc", "#1e8449")
# The results a difference chart can show (it draws tested rows only), in the vocabulary's colours.
VERDICT_COLOURS = {key: RESULT_COLOURS[key] for key in ("better", "worse", "changed", "unclear")}

_TEXT: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "distribution": ("回答分布：前后对比", "Answers before and after"),
    "means": ("各维度均值（95% 置信区间）", "Mean per dimension (95% CI)"),
    "difference": ("变化量：复测 − 基线（95% 置信区间）", "Change: follow-up − baseline (95% CI)"),
    "nps": ("NPS：贬损者、中立者、推荐者", "NPS: detractors, passives, promoters"),
    "share": ("占比", "Share of answers"),
    "mean": ("均值（1-{points}）", "Mean (1-{points})"),
    "change": ("均值变化（1-{points} 分制）", "Change in mean (1-{points} scale)"),
    "answer": ("回答", "Answer"),
    "wave": ("批次", "Wave"),
    "n": ("人数", "n"),
    "better": ("显著提升", "significantly better"),
    "worse": ("显著下降", "significantly worse"),
    "changed": ("显著变化（无好坏之分）", "changed, neither better nor worse"),
    "unclear": ("无显著变化", "no significant change"),
    "result": ("结论", "Result"),
    "detractor": ("贬损者 0-6", "Detractors 0-6"),
    "passive": ("中立者 7-8", "Passives 7-8"),
    "promoter": ("推荐者 9-10", "Promoters 9-10"),
    "point_low": ("{n} 最低", "{n} lowest"),
    "point_mid": ("{n} 中间", "{n} middle"),
    "point_high": ("{n} 最高", "{n} highest"),
}


def text(key: str, lang: str, **values: object) -> str:
    """A chart label in ``lang``, its placeholders filled with ``values``."""
    zh, en = _TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def _scale_colours(points: int) -> tuple[str, ...]:
    """Red (lowest) through grey (middle) to green (highest), one colour per point."""
    return LIKERT_COLOURS if points == 5 else SEVEN_COLOURS


def point_label(answer: int, points: int, lang: str) -> str:
    """A scale point's label in a chart: its ends and middle named by position, not by a wording.

    One chart holds questions worded differently (quality, satisfaction, agreement): "very poor" would
    misname an agreement scale's "strongly disagree", so the legend says lowest ... highest.
    """
    if answer in (1, points // 2 + 1, points):
        key = "point_low" if answer == 1 else "point_high" if answer == points else "point_mid"
        return text(key, lang, n=answer)
    return str(answer)


def diverging_bars(
    dist: pd.DataFrame,
    *,
    categories: Sequence[str],
    colours: Sequence[str],
    measure_order: Sequence[str],
    wave_order: Sequence[str],
    title: str | alt.TitleParams = "",
    x_title: str = "",
    legend_title: str = "",
) -> alt.FacetChart:
    """Diverging stacked bars: one row per measure, one bar per wave, low answers left of 0.

    Args:
        dist: Columns measure_label, wave_label, answer_label, start, end, share, count, n
            (``analytics.wave_summaries.answer_distribution`` with display labels added).
        categories: Answer labels from the lowest to the highest, for the colour scale.
        colours: One colour per category.
        measure_order: Measure labels, top to bottom.
        wave_order: Wave labels, top to bottom within a measure.
        title: The chart's title.
        x_title: The x axis' title.
        legend_title: The colour legend's title.
    """
    base = alt.Chart().encode(
        y=alt.Y("wave_label:N", sort=list(wave_order), title=None, axis=alt.Axis(labelLimit=320)),
    )
    bars = base.mark_bar().encode(
        x=alt.X("start:Q", title=x_title, axis=alt.Axis(format="%")),
        x2="end:Q",
        color=alt.Color(
            "answer_label:N",
            scale=alt.Scale(domain=list(categories), range=list(colours)),
            sort=list(categories),
            legend=alt.Legend(title=legend_title, orient="bottom"),
        ),
        order=alt.Order("order:Q"),
        tooltip=[
            alt.Tooltip("measure_label:N", title=" "),
            alt.Tooltip("wave_label:N", title=" "),
            alt.Tooltip("answer_label:N", title=legend_title or "answer"),
            alt.Tooltip("share:Q", format=".0%"),
            alt.Tooltip("count:Q"),
            alt.Tooltip("n:Q"),
        ],
    )
    centre = alt.Chart().mark_rule(color="#555").encode(x=alt.datum(0))
    chart: alt.FacetChart = (
        alt.layer(bars, centre, data=dist)
        .properties(width=460, height=alt.Step(22))
        .facet(
            row=alt.Row(
                "measure_label:N",
                sort=list(measure_order),
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
            ),
            spacing=6,
            title=title,
        )
        .resolve_scale(y="independent")
    )
    return chart


def means_chart(
    summary: pd.DataFrame,
    *,
    measure_order: Sequence[str],
    wave_order: Sequence[str],
    title: str | alt.TitleParams = "",
    x_title: str = "",
    legend_title: str = "",
) -> alt.LayerChart:
    """Mean per measure and wave with its confidence interval.

    Args:
        summary: Columns measure_label, wave_label, mean, ci_low, ci_high, n.
        measure_order: Measures from top to bottom.
        wave_order: Waves in the order of their marks.
        title: The chart's title.
        x_title: The x axis' title.
        legend_title: The colour legend's title.
    """
    base = alt.Chart(summary).encode(
        y=alt.Y("measure_label:N", sort=list(measure_order), title=None, axis=alt.Axis(labelLimit=240)),
        yOffset=alt.YOffset("wave_label:N", sort=list(wave_order)),
        color=alt.Color(
            "wave_label:N",
            sort=list(wave_order),
            scale=alt.Scale(range=["#95a5a6", "#2e86c1"]),
            legend=alt.Legend(title=legend_title, orient="bottom"),
        ),
    )
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(domain=[1, 5]), title=x_title), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=70).encode(
        x="mean:Q",
        tooltip=[
            "measure_label:N",
            "wave_label:N",
            alt.Tooltip("mean:Q", format=".2f"),
            alt.Tooltip("ci_low:Q", format=".2f"),
            alt.Tooltip("ci_high:Q", format=".2f"),
            "n:Q",
        ],
    )
    chart: alt.LayerChart = (interval + points).properties(title=title, width=460, height=alt.Step(14))
    return chart


def difference_chart(
    diffs: pd.DataFrame,
    *,
    measure_order: Sequence[str],
    result_labels: Mapping[str, str],
    title: str | alt.TitleParams = "",
    x_title: str = "",
    legend_title: str = "",
) -> alt.TopLevelMixin:
    """Forest plot: the change of each measure with its CI, coloured by the verdict.

    Args:
        diffs: Columns measure_label, diff, diff_ci_low, diff_ci_high, result (the rows' result category,
            "better", "worse", "changed" or "unclear": ``analytics.verdicts``), p_adj.
        result_labels: Display label of each result.
        measure_order: Measures from top to bottom.
        title: The chart's title.
        x_title: The x axis' title.
        legend_title: The colour legend's title.
    """
    frame = diffs.assign(result_label=diffs["result"].map(result_labels))
    domain = [result_labels[k] for k in VERDICT_COLOURS]
    base = alt.Chart(frame).encode(
        y=alt.Y("measure_label:N", sort=list(measure_order), title=None),
        color=alt.Color(
            "result_label:N",
            scale=alt.Scale(domain=domain, range=list(VERDICT_COLOURS.values())),
            legend=alt.Legend(title=legend_title, orient="bottom"),
        ),
    )
    interval = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("diff_ci_low:Q", title=x_title), x2="diff_ci_high:Q"
    )
    points = base.mark_point(filled=True, size=90).encode(
        x="diff:Q",
        tooltip=[
            "measure_label:N",
            alt.Tooltip("diff:Q", format="+.2f"),
            alt.Tooltip("diff_ci_low:Q", format="+.2f"),
            alt.Tooltip("diff_ci_high:Q", format="+.2f"),
            alt.Tooltip("p_adj:Q", format=".3f"),
            "result_label:N",
        ],
    )
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[4, 3]).encode(x=alt.datum(0))
    return alt.layer(interval, points, zero).properties(title=title, width=460, height=alt.Step(30))


def _title(key: str, lang: str, subtitle: str) -> str | alt.TitleParams:
    """A chart title, with the respondents it describes as its subtitle."""
    return (
        alt.TitleParams(text(key, lang), subtitle=[subtitle], anchor="start") if subtitle else text(key, lang)
    )


def standard_charts(
    answers: pd.DataFrame,
    results: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    wave_names: Mapping[Hashable, str] | None = None,
    lang: str = "en",
    respondents: str = "",
) -> dict[str, alt.TopLevelMixin]:
    """The before/after charts of a comparison, labelled in ``lang``.

    Args:
        answers: The answers the results describe (segment already filtered): with a primary analysis,
            ``analytics.wave_compare.Comparison.answers``, so the charts show the same respondents as the
            verdicts (paired: only the matched respondents).
        results: Its result.
        baseline: The baseline wave id.
        follow_up: The follow-up wave id.
        wave_names: Display name of each wave (default "baseline" / "follow-up" in ``lang``).
        lang: "zh" or "en", for every label.
        respondents: Who the charts describe (``analytics.pairing.Analysis.label``), each chart's subtitle.

    Returns:
        name -> chart, for the names that have data: "distribution" (Likert answers), "means",
        "difference" (Likert mean changes with CIs) and "nps".
    """
    names = {
        baseline: (wave_names or {}).get(baseline) or ("基线" if lang == "zh" else "Baseline"),
        follow_up: (wave_names or {}).get(follow_up) or ("复测" if lang == "zh" else "Follow-up"),
    }
    if names[baseline] == names[follow_up]:
        names = {baseline: f"{names[baseline]} (1)", follow_up: f"{names[follow_up]} (2)"}
    wave_order = [names[baseline], names[follow_up]]
    # Rows are named as the results name them (a survey's own wording); the charts of means share one
    # scale, so they show the scale questions of the most common number of points.
    primary = results[results["kind"] != "top2box"]
    label_of = dict(zip(primary["measure"], primary[f"label_{lang}"], strict=True))
    frame = check_answers(answers)
    points_of = {c: chart_kind(frame, c)[1] for c in results.loc[results["kind"] == "likert", "measure"]}
    counts = pd.Series(list(points_of.values()), dtype="int64").value_counts()
    points = int(counts.index[0]) if not counts.empty else 5
    likert_codes = [c for c, p in points_of.items() if p == points]
    measure_order = [label_of[c] for c in likert_codes]
    charts: dict[str, alt.TopLevelMixin] = {}

    dist = answer_distribution(answers, waves=[baseline, follow_up], dimensions=list(primary["measure"]))
    dist = dist.assign(
        measure_label=dist["measure"].map(label_of),
        wave_label=dist["wave"].map(names),
    )
    likert = dist[(dist["kind"] == "likert") & dist["measure"].isin(likert_codes)].copy()
    if not likert.empty:
        likert["answer_label"] = likert["answer"].map(lambda a: point_label(int(a), points, lang))
        charts["distribution"] = diverging_bars(
            likert,
            categories=[point_label(i, points, lang) for i in range(1, points + 1)],
            colours=_scale_colours(points),
            measure_order=measure_order,
            wave_order=wave_order,
            title=_title("distribution", lang, respondents),
            x_title=text("share", lang),
            legend_title=text("answer", lang),
        )
    summary = wave_summary(answers, waves=[baseline, follow_up], dimensions=likert_codes)
    summary = summary[summary["n"] > 0]
    if not summary.empty:
        summary = summary.assign(
            measure_label=summary["measure"].map(label_of),
            wave_label=summary["wave"].map(names),
        )
        charts["means"] = means_chart(
            summary,
            measure_order=measure_order,
            wave_order=wave_order,
            title=_title("means", lang, respondents),
            x_title=text("mean", lang, points=points),
            legend_title=text("wave", lang),
        )
    tested = results[(results["kind"] == "likert") & (results["status"] == "ok")]
    tested = tested[tested["measure"].isin(likert_codes)]
    if not tested.empty:
        diffs = tested.assign(measure_label=tested["measure"].map(label_of))[
            ["measure_label", "diff", "diff_ci_low", "diff_ci_high", "result", "p_adj"]
        ]
        charts["difference"] = difference_chart(
            diffs,
            measure_order=measure_order,
            result_labels={k: text(k, lang) for k in VERDICT_COLOURS},
            title=_title("difference", lang, respondents),
            x_title=text("change", lang, points=points),
            legend_title=text("result", lang),
        )
    nps = dist[dist["kind"] == "nps"].copy()
    nps_code = str(nps["measure"].iloc[0]) if not nps.empty else ""
    nps = nps[nps["measure"] == nps_code]  # one NPS question per chart
    if not nps.empty:
        scores = wave_summary(answers, waves=[baseline, follow_up], dimensions=[nps_code]).set_index("wave")
        nps_names = {
            w: f"{names[w]} (NPS {scores.at[w, 'mean']:+.0f})" if scores.at[w, "n"] else names[w]
            for w in names
        }
        nps["wave_label"] = nps["wave"].map(nps_names)
        nps["answer_label"] = nps["answer"].map(lambda a: text(str(a), lang))
        charts["nps"] = diverging_bars(
            nps,
            categories=[text(g, lang) for g in NPS_GROUPS],
            colours=NPS_COLOURS,
            measure_order=[label_of[nps_code]],
            wave_order=[nps_names[baseline], nps_names[follow_up]],
            title=_title("nps", lang, respondents),
            x_title=text("share", lang),
            legend_title=text("answer", lang),
        )
    return charts
