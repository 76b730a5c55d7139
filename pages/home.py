"""Home: the selected product and round with headline figures; the demo workspace for newcomers."""

from datetime import date

import pandas as pd
import streamlit as st

from analytics import charts
from db import demo
from db.feedback import count_by_channel
from db.items import list_items, list_product_items, overdue
from db.models import CHANNELS
from db.surveys import latest_satisfaction
from ui import auth, nav, workspace
from ui.i18n import t
from ui.resources import engine, transaction

user = auth.require_role(*nav.STAFF)


def render_demo_controls() -> None:
    """Load or remove the demo workspace (analysts and admins)."""
    if user.role == "viewer":
        return
    loaded = demo.has_demo(engine())
    with st.expander(t("demo.title"), expanded=not loaded and workspace.current() is None):
        st.write(t("demo.explain"))
        if not loaded:
            if st.button(t("demo.load"), type="primary", key="home_demo_load", icon=":material/science:"):
                with st.spinner(t("demo.loading")):
                    summary = demo.load_demo(engine(), actor=user.username)
                st.session_state.pop("workspace_product_id", None)
                st.toast(t("demo.loaded", n=sum(summary.feedback_by_channel.values())))
                st.rerun()
        elif user.role == "admin" and st.button(
            t("demo.remove"), key="home_demo_remove", icon=":material/delete:"
        ):
            demo.remove_demo(engine(), actor=user.username)
            st.session_state.pop("workspace_product_id", None)
            st.toast(t("demo.removed"))
            st.rerun()


def render_feedback_counts(selection: workspace.Selection) -> None:
    with transaction() as session:
        counts = count_by_channel(session, selection.product_id, selection.round_id)
    st.subheader(t("home.feedback_heading"))
    columns = st.columns(len(CHANNELS) + 1)
    columns[0].metric(t("home.feedback_total"), f"{sum(counts.values()):,}")
    for column, channel in zip(columns[1:], CHANNELS, strict=True):
        column.metric(t(f"channel.{channel}"), f"{counts[channel]:,}")
    frame = pd.DataFrame(
        {"channel": [t(f"channel.{c}") for c in CHANNELS], "count": [counts[c] for c in CHANNELS]}
    )
    if frame["count"].sum() > 0:
        st.altair_chart(charts.channel_bars(frame), width="stretch")


def render_items(selection: workspace.Selection) -> None:
    """Where the round's fixes stand: the figures a review meeting asks for first."""
    with transaction() as session:
        if selection.round_id:
            items = list_items(session, selection.round_id)
        else:
            items = list_product_items(session, selection.product_id)
    st.subheader(t("items.title"))
    if items.empty:
        st.caption(t("home.no_items"))
        return
    counts = items["status"].value_counts()
    columns = st.columns(4)
    columns[0].metric(t("items.metric.active"), int(counts.get("open", 0) + counts.get("in_progress", 0)))
    columns[1].metric(t("items.metric.overdue"), int(overdue(items, date.today()).sum()))
    columns[2].metric(t("items.metric.resolved"), int(counts.get("resolved", 0)))
    columns[3].metric(t("items.metric.verified"), int(counts.get("verified", 0)))


def render_satisfaction(selection: workspace.Selection) -> None:
    st.subheader(t("home.satisfaction_heading"))
    with transaction() as session:
        latest = latest_satisfaction(session, selection.product_id, selection.round_id)
    if latest is None:
        st.info(t("home.no_survey"))
        return
    st.caption(
        t("home.latest_wave", wave=latest.wave_name, kind=t(f"wave.{latest.wave_kind}"), n=latest.respondents)
    )
    columns = st.columns(max(len(latest.scores), 1))
    for column, score in zip(columns, latest.scores, strict=False):
        column.metric(
            t(f"dimension.{score.dimension}"), f"{score.mean:.2f} / 5", help=t("home.n_answers", n=score.n)
        )


selection = workspace.current()
st.title(selection.product_name if selection else t("home.title"))
if selection is None:
    st.info(t("home.empty"))
    render_demo_controls()
    st.stop()

st.caption(t("home.scope", round=selection.round_name or t("workspace.all_rounds")))
render_feedback_counts(selection)
render_satisfaction(selection)
render_items(selection)
render_demo_controls()
