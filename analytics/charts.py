"""Altair chart builders: pure functions from tidy frames to charts (no Streamlit)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def channel_bars(counts: pd.DataFrame, title: str = "") -> alt.Chart:
    """Horizontal bars of feedback count per channel.

    Args:
        counts: columns `channel` (display label) and `count`.
        title: chart title; empty for none.
    """
    chart: alt.Chart = (
        alt.Chart(counts, title=title)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title=None),
            y=alt.Y("channel:N", sort="-x", title=None),
            tooltip=["channel:N", "count:Q"],
        )
        .properties(height=alt.Step(28))
    )
    return chart


def dimension_scores(scores: pd.DataFrame, title: str = "") -> alt.Chart:
    """Mean score per dimension on the 1-5 scale.

    Args:
        scores: columns `dimension` (display label), `mean` and `n`.
        title: chart title; empty for none.
    """
    base = alt.Chart(scores, title=title).encode(
        y=alt.Y("dimension:N", sort=None, title=None),
        x=alt.X("mean:Q", scale=alt.Scale(domain=[1, 5]), title=None),
        tooltip=["dimension:N", alt.Tooltip("mean:Q", format=".2f"), "n:Q"],
    )
    chart: alt.Chart = (
        base.mark_bar() + base.mark_text(align="left", dx=4).encode(text=alt.Text("mean:Q", format=".2f"))
    ).properties(height=alt.Step(28))
    return chart
