"""Home: what to do now (change since the last wave, top pain points, overdue items), then the figures."""

from typing import Literal

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.embeddings import DEFAULT_MODEL
from analytics.survey_answers import MIN_ANSWERS
from analytics.topics import warm_up
from db.alerts import count_open_alerts
from db.feedback import count_by_channel
from db.items import count_items, list_items, list_product_items, overdue
from db.models import CHANNELS
from db.surveys import latest_satisfaction
from services import demo, pain_points, verification
from ui import nav, roles, workspace
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import encoder_for, engine, transaction

ctx = open_page(nav.HOME, title_key="home.title", product_as_title=True)
user, can_edit, lang, selection = ctx.user, ctx.can_edit, ctx.lang, ctx.selection
# A mark beside the verdict's words, so it reads without colour too.
RESULT_MARKS = {"better": "▲", "worse": "▼", "changed": "◆", "unclear": "＝", "not_tested": "·"}


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


def load_items(selection: workspace.Selection) -> pd.DataFrame:
    """The rectification items of the selected round, or of every round."""
    with transaction() as session:
        if selection.round_id:
            return list_items(session, selection.round_id)
        return list_product_items(session, selection.product_id)


def render_overdue(items: pd.DataFrame, selection: workspace.Selection) -> None:
    """Overdue items first, each a link that opens it on the items page."""
    if items.empty:
        return
    late = items[overdue(items, selection.today()).to_numpy()].sort_values("due_on")
    if late.empty:
        st.success(t("home.none_overdue"), icon=":material/event_available:")
        return
    st.error(t("home.overdue", n=len(late)), icon=":material/alarm:")
    for row in late.itertuples():
        owner = (
            t("home.overdue_owner", owner=plain(row.owner))
            if isinstance(row.owner, str) and row.owner
            else ""
        )
        st.page_link(
            nav.ITEMS.path,
            label=t("home.overdue_item", id=int(row.id), title=plain(str(row.title)), due=row.due_on) + owner,
            icon=":material/assignment_late:",
            query_params={"item": str(int(row.id))},
        )


def change_text(row: pd.Series) -> tuple[str, str]:
    """A measure's follow-up figure and its change, as the before/after page words them."""
    if row["kind"] == "nps":
        return f"{row['mean_after']:.0f}", f"{row['diff']:+.0f}"
    return f"{row['mean_after']:.2f}", f"{row['diff']:+.2f}"


def delta_colour(row: pd.Series) -> Literal["normal", "inverse", "off"]:
    """Coloured only when the test says it got better or worse: a grey −0.03 is no alarm."""
    if row["result"] not in ("better", "worse"):
        return "off"
    lower_is_better = pd.notna(row["higher_is_better"]) and not bool(row["higher_is_better"])
    return "inverse" if lower_is_better else "normal"


def render_change(selection: workspace.Selection) -> None:
    """The change between the default waves per measure, with the verdict of the before/after page."""
    st.markdown(f"**{t('home.change_heading')}**")
    with transaction() as session:
        change = verification.default_change(session, selection.product_id, selection.round_id)
    if change is None:
        st.caption(t("home.no_change"))
        return
    results, analysis = change.comparison.results, change.comparison.analysis
    if change.in_round is not None:  # as the before/after page says it: the round alone has too few waves
        st.caption(t("home.round_fallback", n=change.in_round))
    measures = results[
        (results["kind"] != "top2box") & ~results["question"].astype(str).str.contains(":", regex=False)
    ]
    st.caption(
        t(
            "home.change_waves",
            baseline=plain(change.baseline.name),
            follow_up=plain(change.follow_up.name),
            who=analysis.label(lang),
        )
    )
    for start in range(0, len(measures), 3):
        columns = st.columns(3)
        for column, (_, row) in zip(columns, measures.iloc[start : start + 3].iterrows(), strict=False):
            tested = row["result"] != "not_tested" and pd.notna(row["diff"])
            value, delta = change_text(row) if tested else ("—", None)
            column.metric(
                plain(str(row[f"label_{lang}"])),
                value,
                delta,
                delta_color=delta_colour(row),
                help=str(row[f"verdict_{lang}"]),
            )
            result = str(row["result"])
            column.caption(f"{RESULT_MARKS[result]} {t(f'verify.result.{result}')}")
    st.page_link(nav.BEFORE_AFTER.path, label=t("home.change_link"), icon=":material/compare_arrows:")


def trend_text(row: pd.Series, recent: tuple[object, object]) -> str:
    """A pain point's trend in words: up or down by how much, new, or why it cannot be told."""
    if not bool(row["trend_known"]):
        note = str(row["trend_note"]) or "too_little_previous"
        return t(f"home.trend.{note}", since=recent[0])
    if bool(row["is_new"]):
        return t("home.trend.new")
    growth = float(row["growth"])
    if growth > 0:
        return t("home.trend.up", pct=f"{growth:+.0%}")
    if growth < 0:
        return t("home.trend.down", pct=f"{growth:+.0%}".replace("-", "−"))
    return t("home.trend.flat")


def render_top_pain_points(selection: workspace.Selection) -> None:
    """The three pain points to fix first, with their trend, as the pain-points page ranks them."""
    st.markdown(f"**{t('home.top_heading')}**")
    with transaction() as session:
        top = pain_points.top_pain_points(session, selection.product_id, selection.round_id)
    if top is None:
        st.caption(t("home.no_topics"))
        return
    if top.all_rounds and selection.round_id is not None:
        st.caption(t("home.top_all_rounds"))
    ranked = top.ranked
    weekly = top.weekly.sort_values("period").groupby("topic_key")["share"].apply(list)
    table = pd.DataFrame(
        {
            t("home.col.pain_point"): ranked["label"].astype(str).to_numpy(),
            t("pp.col.priority"): ranked["priority"].to_numpy(),
            t("home.col.mentions"): ranked["count"].astype(int).to_numpy(),
            t("home.col.weekly"): [weekly.get(str(k), []) for k in ranked["topic_key"]],
            t("home.col.trend"): [trend_text(row, top.recent) for _, row in ranked.iterrows()],
        },
        index=ranked["rank"].astype(int),
    )
    st.dataframe(
        table,
        width="stretch",
        column_config={
            "_index": st.column_config.NumberColumn("#", width="small"),
            t("home.col.pain_point"): st.column_config.TextColumn(width="medium"),
            t("pp.col.priority"): st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="%.2f", help=t("pp.help.priority")
            ),
            t("home.col.weekly"): st.column_config.LineChartColumn(
                y_min=0.0, help=t("home.help.weekly"), width="small"
            ),
        },
    )
    st.page_link(nav.PAIN_POINTS.path, label=t("home.top_link"), icon=":material/troubleshoot:")


def render_now(selection: workspace.Selection, items: pd.DataFrame) -> None:
    """What to look at first: overdue items, the change since the previous wave, the top pain points."""
    st.subheader(t("home.now_heading"))
    render_overdue(items, selection)
    render_change(selection)
    render_top_pain_points(selection)


def render_items(selection: workspace.Selection, items: pd.DataFrame) -> None:
    """Where the round's fixes stand: the figures a review meeting asks for first."""
    st.subheader(t("items.title"))
    if items.empty:
        st.caption(t("home.no_items"))
        return
    counts = count_items(items, selection.today())
    columns = st.columns(5 if counts.lost else 4)
    columns[0].metric(t("items.metric.active"), counts.active)
    columns[1].metric(t("items.metric.overdue"), counts.overdue)
    columns[2].metric(t("items.metric.resolved"), counts.resolved)
    columns[3].metric(t("items.metric.verified"), counts.verified)
    if counts.lost:  # a verified fix that newer evidence contradicts is the first thing to look at
        columns[4].metric(t("items.metric.verification_lost"), counts.lost)
        st.warning(t("items.verification_lost"), icon=":material/report:")


def render_satisfaction(selection: workspace.Selection) -> None:
    """The mean score per dimension in the newest wave with responses; a note when too few answered."""
    st.subheader(t("home.satisfaction_heading"))
    with transaction() as session:
        latest = latest_satisfaction(session, selection.product_id, selection.round_id)
    if latest is None:
        st.info(t("home.no_survey"))
        return
    kind = t(f"wave.{latest.wave_kind}")
    if latest.respondents < MIN_ANSWERS:  # a mean of one or two people is no headline
        st.info(
            t(
                "home.small_sample",
                wave=plain(latest.wave_name),
                kind=kind,
                n=latest.respondents,
                min=MIN_ANSWERS,
            ),
            icon=":material/group:",
        )
        return
    st.caption(t("home.latest_wave", wave=plain(latest.wave_name), kind=kind, n=latest.respondents))
    columns = st.columns(max(len(latest.scores), 1))
    for column, score in zip(columns, latest.scores, strict=False):
        column.metric(
            t(f"dimension.{score.dimension}"), f"{score.mean:.2f} / 5", help=t("home.n_answers", n=score.n)
        )


def render_open_alerts(selection: workspace.Selection) -> None:
    """A line on the monitoring alerts still open, with a link to the alerts page; nothing when none."""
    with transaction() as session:
        n = count_open_alerts(session, selection.product_id)
    if n:
        st.warning(
            t("alerts.home_open_one") if n == 1 else t("alerts.home_open", n=n),
            icon=":material/notifications_active:",
        )
        st.page_link(nav.ALERTS.path, label=t("alerts.home_link"), icon=":material/notifications_active:")


def render_settings(selection: workspace.Selection) -> None:
    """The workspace's settings, for those who may change data."""
    if not can_edit:
        return
    with st.expander(t("home.settings"), icon=":material/settings:"):
        workspace.time_zone_setting(selection, user.username)


if selection is None:
    st.info(t("home.empty"))
    render_demo_controls()
    st.stop()

st.caption(
    t(
        "home.scope",
        round=plain(selection.round_name) if selection.round_name else t("workspace.all_rounds"),
        zone=selection.time_zone,
    )
)
items = load_items(selection)
render_open_alerts(selection)
render_now(selection, items)
render_satisfaction(selection)
render_items(selection, items)
render_feedback_counts(selection)
render_settings(selection)
render_demo_controls()
