"""Home: the selected product and round with headline figures; the demo workspace for newcomers."""

from datetime import date

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.embeddings import DEFAULT_MODEL
from analytics.topics import warm_up
from db.feedback import count_by_channel
from db.items import count_items, list_items, list_product_items
from db.models import CHANNELS
from db.surveys import latest_satisfaction
from services import demo
from ui import nav, roles, workspace
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import encoder_for, engine, transaction

ctx = open_page(nav.HOME, title_key="home.title", product_as_title=True)
user, can_edit, selection = ctx.user, ctx.can_edit, ctx.selection


def render_demo_controls() -> None:
    """Load or remove the demo workspace (analysts and admins)."""
    if not can_edit:
        return
    loaded = demo.has_demo(engine())
    with st.expander(t("demo.title"), expanded=not loaded and workspace.current() is None):
        st.write(t("demo.explain"))
        if not loaded:
            if st.button(t("demo.load"), type="primary", key="home_demo_load", icon=":material/science:"):
                with st.status(t("demo.loading"), expanded=True) as status:
                    stages = ("prepare", "embed", "categories", "topics")

                    def progress(stage: str, done: int, total: int) -> None:
                        if done == 0 and stage in stages:
                            st.write(t(f"demo.stage.{stage}"))

                    # The demo comes analysed, so its items are tied to the pain points found.
                    summary = demo.load_demo(
                        engine(),
                        actor=user.username,
                        encoder=encoder_for(DEFAULT_MODEL),
                        warm_up=warm_up,
                        progress=progress,
                    )
                    status.update(label=t("demo.loaded_status"), state="complete", expanded=False)
                st.session_state.pop("workspace_product_id", None)
                st.toast(t("demo.loaded", n=sum(summary.feedback_by_channel.values())))
                st.rerun()
        elif roles.is_admin(user):
            if st.button(t("demo.remove"), key="home_demo_remove", icon=":material/delete:"):
                st.session_state["home_demo_confirming"] = True
            if st.session_state.get("home_demo_confirming"):
                render_demo_removal()


def counted(preview: dict[str, int], whats: tuple[str, ...], prefix: str = "") -> str:
    """The non-zero counts as one phrase: "3 feedback items, 1 survey response and 1 rectification item"."""
    parts = [
        t(
            f"demo.count.{what}" + (".one" if preview[prefix + what] == 1 else ""),
            n=f"{preview[prefix + what]:,}",
        )
        for what in whats
        if preview[prefix + what]
    ]
    if len(parts) <= 1:
        return "".join(parts)
    return t("demo.list_sep").join(parts[:-1]) + t("demo.list_and") + parts[-1]


def render_demo_removal() -> None:
    """What removing the demo deletes, the user's own additions named; deleted only once confirmed."""
    with transaction() as session:
        product_id = demo.demo_product_id(session)
        preview = None if product_id is None else demo.demo_removal_preview(session, product_id)
    if preview is None:
        st.session_state.pop("home_demo_confirming", None)
        return
    lines = [t("demo.remove_preview", product=demo.PRODUCT_NAME, what=counted(preview, demo.REMOVED))]
    added = counted(preview, demo.ADDITIONS, prefix="added_")
    if added:
        lines.append(t("demo.remove_added", what=added))
    elif preview["additions_known"]:
        lines.append(t("demo.remove_added_none"))
    else:
        lines.append(t("demo.remove_added_unknown"))
    st.warning("\n\n".join(lines), icon=":material/warning:")
    sure = st.checkbox(t("demo.remove_check"), key="home_demo_remove_sure")
    confirm, cancel = st.columns(2)
    if (
        confirm.button(
            t("demo.remove_confirm"), type="primary", disabled=not sure, key="home_demo_remove_confirm"
        )
        and sure
    ):  # a disabled button cannot be pressed; the check guards a scripted click too
        demo.remove_demo(engine(), actor=user.username)
        st.session_state.pop("workspace_product_id", None)
        st.session_state.pop("home_demo_confirming", None)
        st.toast(t("demo.removed"))
        st.rerun()
    if cancel.button(t("demo.remove_cancel"), key="home_demo_remove_cancel"):
        st.session_state.pop("home_demo_confirming", None)
        st.rerun()


def render_feedback_counts(selection: workspace.Selection) -> None:
    """How much feedback the selection has, in total and per channel, with a bar chart when there is any."""
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
    counts = count_items(items, date.today())
    columns = st.columns(5 if counts.lost else 4)
    columns[0].metric(t("items.metric.active"), counts.active)
    columns[1].metric(t("items.metric.overdue"), counts.overdue)
    columns[2].metric(t("items.metric.resolved"), counts.resolved)
    columns[3].metric(t("items.metric.verified"), counts.verified)
    if counts.lost:  # a verified fix that newer evidence contradicts is the first thing to look at
        columns[4].metric(t("items.metric.verification_lost"), counts.lost)
        st.warning(t("items.verification_lost"), icon=":material/report:")


def render_satisfaction(selection: workspace.Selection) -> None:
    """The mean score per dimension in the newest wave with responses, or a note that there is none."""
    st.subheader(t("home.satisfaction_heading"))
    with transaction() as session:
        latest = latest_satisfaction(session, selection.product_id, selection.round_id)
    if latest is None:
        st.info(t("home.no_survey"))
        return
    st.caption(
        t(
            "home.latest_wave",
            wave=plain(latest.wave_name),
            kind=t(f"wave.{latest.wave_kind}"),
            n=latest.respondents,
        )
    )
    columns = st.columns(max(len(latest.scores), 1))
    for column, score in zip(columns, latest.scores, strict=False):
        column.metric(
            t(f"dimension.{score.dimension}"), f"{score.mean:.2f} / 5", help=t("home.n_answers", n=score.n)
        )


if selection is None:
    st.info(t("home.empty"))
    render_demo_controls()
    st.stop()

st.caption(
    t("home.scope", round=plain(selection.round_name) if selection.round_name else t("workspace.all_rounds"))
)
render_feedback_counts(selection)
render_satisfaction(selection)
render_items(selection)
render_demo_controls()
