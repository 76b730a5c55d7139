"""Altair charts of the pain-points page, and the tidy frames they draw (no Streamlit).

Every builder takes display labels already translated (topic names, channel names, axis titles), so
the same chart works in Chinese and English and from a script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

CONTRIBUTIONS = ("frequency_contribution", "severity_contribution", "trend_contribution")
FREQUENCIES = {"week": "W", "month": "M"}


def topic_names(ranked: pd.DataFrame) -> dict[str, str]:
    """Display name "#rank label" of each topic key of a ranked frame (rank_pain_points output)."""
    return {
        str(key): f"#{int(rank)} {label}"
        for key, rank, label in zip(ranked["topic_key"], ranked["rank"], ranked["label"], strict=True)
    }


def priority_bars(
    ranked: pd.DataFrame,
    component_names: Mapping[str, str],
    *,
    top: int = 15,
    title: str = "",
    x_title: str = "",
) -> alt.Chart:
    """Stacked horizontal bars of each topic's priority, split into its three contributions.

    Args:
        ranked: rank_pain_points output (rank, topic_key, label, priority and the *_contribution columns).
        component_names: display name of each column in CONTRIBUTIONS.
        top: how many topics, highest priority first.
        title: chart title; empty for none.
        x_title: title of the priority axis; empty for none.
    """
    head = ranked.sort_values("rank").head(top)
    names = topic_names(head)
    long = head.melt(
        id_vars=["topic_key", "rank", "priority"],
        value_vars=list(CONTRIBUTIONS),
        var_name="part",
        value_name="value",
    )
    long = long.dropna(subset=["value"])  # an unknown trend (too little data) is no bar, not a 0
    long["topic"] = long["topic_key"].astype(str).map(names)
    long["component"] = long["part"].map(component_names)
    long["order"] = long["part"].map({c: i for i, c in enumerate(CONTRIBUTIONS)})
    order = [names[str(k)] for k in head["topic_key"]]
    chart: alt.Chart = (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", stack="zero", title=x_title),
            y=alt.Y("topic:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color(
                "component:N",
                sort=[component_names[c] for c in CONTRIBUTIONS],
                legend=alt.Legend(orient="bottom", title=None),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("topic:N"),
                alt.Tooltip("component:N"),
                alt.Tooltip("value:Q", format=".3f"),
                alt.Tooltip("priority:Q", format=".3f"),
            ],
        )
        .properties(height=alt.Step(24))
    )
    return chart


def share_by_period(items: pd.DataFrame, keys: Sequence[str], freq: str = "week") -> pd.DataFrame:
    """Each topic's share of all feedback per week or month.

    Args:
        items: one row per feedback with `topic_key` and `created_at` (every item counts in the total,
            unclustered ones too).
        keys: the topics to follow.
        freq: "week" (weeks start on Monday) or "month".

    Returns:
        One row per topic and period, periods without items of the topic included. Columns topic_key,
        period (start, naive UTC timestamp), count, total (all feedback of the period), share.
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {sorted(FREQUENCIES)}, got {freq!r}")
    columns = ["topic_key", "period", "count", "total", "share"]
    stamps = pd.to_datetime(items["created_at"], utc=True, errors="coerce")
    frame = pd.DataFrame({"topic_key": items["topic_key"].astype("string"), "stamp": stamps}).dropna(
        subset=["stamp"]
    )
    if frame.empty or not len(keys):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    frame["period"] = frame["stamp"].dt.tz_localize(None).dt.to_period(FREQUENCIES[freq]).dt.start_time
    totals = frame.groupby("period").size()
    followed = frame[frame["topic_key"].isin([str(k) for k in keys])]
    counts = followed.groupby(["topic_key", "period"]).size()
    grid = pd.MultiIndex.from_product([[str(k) for k in keys], totals.index], names=["topic_key", "period"])
    out = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    out["total"] = out["period"].map(totals).astype("int64")
    out["count"] = out["count"].astype("int64")
    out["share"] = out["count"] / out["total"]
    out["topic_key"] = out["topic_key"].astype("string")
    return out[columns]


def share_lines(
    shares: pd.DataFrame, *, title: str = "", y_title: str = "", date_format: str = "%Y-%m-%d"
) -> alt.Chart:
    """Lines of topic share over time.

    Args:
        shares: share_by_period output with a display column `topic` added.
        title: chart title; empty for none.
        y_title: title of the share axis; empty for none.
        date_format: d3 time format of the dates on the axis and in the tooltip; numbers only by
            default, as the chart's own month names would be English whatever the page's language.
    """
    chart: alt.Chart = (
        alt.Chart(shares, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format=date_format, labelAngle=0)),
            y=alt.Y("share:Q", axis=alt.Axis(format="%"), title=y_title),
            color=alt.Color(
                "topic:N", legend=alt.Legend(orient="bottom", title=None, columns=2, labelLimit=260)
            ),
            tooltip=[
                alt.Tooltip("topic:N"),
                alt.Tooltip("period:T", format=date_format),
                alt.Tooltip("count:Q"),
                alt.Tooltip("total:Q"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
    )
    return chart


def channel_mix(items: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """How each topic's feedback splits over the channels.

    Returns:
        One row per topic and channel it was raised through. Columns topic_key, channel, count, share
        (of the topic's items).
    """
    followed = items[items["topic_key"].isin([str(k) for k in keys])]
    counts = followed.groupby(["topic_key", "channel"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby("topic_key")["count"].transform("sum")
    counts["count"] = counts["count"].astype("int64")
    return counts


def channel_mix_bars(
    mix: pd.DataFrame, order: Sequence[str], *, title: str = "", x_title: str = ""
) -> alt.Chart:
    """Bars of 100 % per topic, split by channel.

    Args:
        mix: channel_mix output with display columns `topic` and `channel_name` added.
        order: topic display names, top to bottom.
        title: chart title; empty for none.
        x_title: title of the share axis; empty for none.
    """
    chart: alt.Chart = (
        alt.Chart(mix, title=title)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%"), title=x_title),
            y=alt.Y("topic:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color("channel_name:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[
                alt.Tooltip("topic:N"),
                alt.Tooltip("channel_name:N"),
                alt.Tooltip("count:Q"),
                alt.Tooltip("share:Q", format=".0%"),
            ],
        )
        .properties(height=alt.Step(24))
    )
    return chart


def count_bars(counts: pd.DataFrame, *, title: str = "", sort: Sequence[str] | None = None) -> alt.Chart:
    """Bars of a count per value (a rating distribution, a channel or version breakdown).

    Args:
        counts: columns `value` (display label) and `count`.
        title: chart title; empty for none.
        sort: the order of the values; default by count, largest first.
    """
    chart: alt.Chart = (
        alt.Chart(counts, title=title)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title=None),
            y=alt.Y(
                "value:N",
                sort=list(sort) if sort is not None else "-x",
                title=None,
                axis=alt.Axis(labelLimit=220),
            ),
            tooltip=[alt.Tooltip("value:N"), alt.Tooltip("count:Q")],
        )
        .properties(height=alt.Step(22))
    )
    return chart
