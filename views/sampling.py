"""Sampling & invitations: draw a wave's invitations from the user list, export them, track the answers.

The plan and the links are services/sampling_plans.py; this page collects the settings and shows the result.
"""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from db.population import population_size
from services.sampling_plans import (
    DEFAULT_CAP_DAYS,
    PlanError,
    PlanRequest,
    PlanSummary,
    invitation_csv,
    list_attributes,
    mark_reminded,
    plan_settings,
    plan_wave,
    tracking,
    wave_choices,
)
from ui import nav, roles
from ui.auth import guarded
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction, write

ctx = open_page(
    nav.SAMPLING,
    title_key="sampling.title",
    intro_key="sampling.intro",
    no_workspace_key="sampling.no_product",
)
user, can_edit, selection = ctx.user, ctx.can_edit, ctx.selection
st.session_state.setdefault("sampling_raw_keys", "")

with transaction() as session:
    size = population_size(session, selection.product_id)
if not size:
    st.info(t("sampling.no_population"))
    st.stop()
st.caption(t("sampling.population", n=f"{size:,}"))

with transaction() as session:
    waves = wave_choices(session, selection.product_id)
if not waves:
    st.info(t("sampling.no_wave"))
    st.stop()
names = {wave_id: f"{name} ({t(f'wave.{kind}')})" for wave_id, name, kind in waves}
wave_id = st.selectbox(t("sampling.wave"), list(names), format_func=names.__getitem__, key="sampling_wave")


def respondent_url(page: str, **query: object) -> str:
    """A link to a respondent page on this server (just the path where the address is unknown)."""
    here = str(getattr(st.context, "url", "") or "")
    base = here.split("?")[0].rsplit("/", 1)[0] if "://" in here else ""
    return f"{base}/{page}?{urlencode(query, safe='_')}"


def render_plan_form() -> None:
    """The planner: strata, target, rates, allocation, seed, cap, panel, quotas; drawing stores the plan."""
    with transaction() as session:
        attributes = list_attributes(session, selection.product_id)
        stored = plan_settings(session, wave_id)
    baselines = {w: names[w] for w, _, kind in waves if kind == "baseline" and w != wave_id}
    with st.form("sampling_plan"):
        st.markdown(f"**{t('sampling.plan_header')}**")
        chosen = st.multiselect(
            t("sampling.attributes"),
            attributes,
            default=[a for a in (stored.strata if stored else []) if a in attributes],
            key="sampling_attributes",
        )
        left, right = st.columns(2)
        target = left.number_input(
            t("sampling.target"),
            min_value=1,
            value=stored.target if stored else 200,
            step=10,
            key="sampling_target",
        )
        rate = right.number_input(
            t("sampling.expected_rate"),
            min_value=0.1,
            max_value=100.0,
            value=round(stored.expected_rate * 100, 1) if stored else 20.0,
            step=1.0,
            help=t("sampling.expected_rate_help"),
            key="sampling_rate",
        )
        allocation = left.radio(
            t("sampling.allocation"),
            ["proportional", "minimum"],
            format_func=lambda a: t(f"sampling.allocation.{a}"),
            key="sampling_allocation",
        )
        minimum = right.number_input(
            t("sampling.minimum"), min_value=0, value=stored.minimum if stored else 10, key="sampling_minimum"
        )
        seed = left.number_input(
            t("sampling.seed"),
            min_value=0,
            max_value=2**31 - 1,
            value=stored.seed if stored else 20261203,
            help=t("sampling.seed_help"),
            key="sampling_seed",
        )
        cap = right.number_input(
            t("sampling.cap_days"),
            min_value=0,
            max_value=3650,
            value=stored.cap_days if stored else DEFAULT_CAP_DAYS,
            help=t("sampling.cap_help"),
            key="sampling_cap",
        )
        panel_options: list[int | None] = [None, *baselines]
        panel = st.selectbox(
            t("sampling.panel"),
            panel_options,
            format_func=lambda w: t("sampling.no_panel") if w is None else plain(baselines[w]),
            key="sampling_panel",
        )
        quotas = st.checkbox(
            t("sampling.quotas"), value=stored.quotas if stored else True, key="sampling_quotas"
        )
        if stored:
            st.caption(t("sampling.redraw_note"))
        submitted = st.form_submit_button(t("sampling.draw"), type="primary")
    if not submitted:
        return
    request = PlanRequest(
        wave_id=wave_id,
        attributes=tuple(chosen),
        target=int(target),
        expected_rate=float(rate) / 100,
        allocation=str(allocation),
        minimum=int(minimum) if allocation == "minimum" else 0,
        seed=int(seed),
        cap_days=int(cap),
        panel_wave_id=panel,
        quotas=bool(quotas),
    )

    try:
        summary: PlanSummary = write(lambda session: plan_wave(session, request, user.username))
    except PlanError as err:
        st.error(t(f"sampling.error.{err.code}", detail=plain(err.detail)))
        return
    st.success(
        t("sampling.drawn", n=f"{summary.invited:,}", capped=f"{summary.capped:,}"), icon=":material/check:"
    )
    if "short" in summary.warnings:
        st.warning(t("sampling.short"))


def render_tracking() -> None:
    """Invited, opened, completed and RR1 per stratum and by day, and the two CSV exports."""
    st.subheader(t("sampling.tracking_header"), anchor=False)
    with transaction() as session:
        state = tracking(session, wave_id)
    if state is None:
        st.info(t("sampling.no_plan"))
        return
    table = state.strata
    total = table.iloc[-1]
    cols = st.columns(4)
    cols[0].metric(t("sampling.metric.invited"), f"{int(total['invited']):,}")
    cols[1].metric(t("sampling.metric.opened"), f"{int(total['opened']):,}")
    cols[2].metric(t("sampling.metric.completed"), f"{int(total['completed']):,}")
    cols[3].metric(t("sampling.metric.rr1"), f"{total['rr1']:.1%}" if pd.notna(total["rr1"]) else "–")
    shown = table.copy()
    shown["stratum"] = shown["stratum"].where(shown.index < len(shown) - 1, t("sampling.all"))
    shown["rate_source"] = shown["rate_source"].map(lambda s: t(f"sampling.source.{s}") if s else "")
    shown["rr1"] = shown["rr1"] * 100
    shown["rate"] = shown["rate"] * 100
    if not state.quotas:
        shown = shown.drop(columns=["closed"])
    shown = shown.rename(columns={c: t(f"sampling.col.{c}") for c in shown.columns})
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            t("sampling.col.rr1"): st.column_config.NumberColumn(format="%.1f%%"),
            t("sampling.col.rate"): st.column_config.NumberColumn(format="%.1f%%"),
        },
        key="sampling_strata",
    )
    st.caption(t("sampling.rr1_note"))
    if not state.daily.empty:
        st.markdown(f"**{t('sampling.daily')}**")
        daily = state.daily.rename(columns={c: t(f"sampling.col.{c}") for c in state.daily.columns})
        st.dataframe(daily, hide_index=True, key="sampling_daily")
        running = state.daily.set_index("day")[["invited", "opened", "completed"]].cumsum()
        st.line_chart(running.rename(columns=lambda c: t(f"sampling.col.{c}")), height=220)
    render_exports()


def render_exports() -> None:
    """The invitation list and the reminder list as CSV, with the product's user IDs when pasted."""
    st.markdown(f"**{t('sampling.exports')}**")
    pasted = st.text_area(t("sampling.raw_keys"), help=t("sampling.raw_keys_help"), key="sampling_raw_keys")
    raw_keys = [line.strip() for line in pasted.splitlines() if line.strip()]
    headers = {
        c: t(f"sampling.head.{c}")
        for c in ("user", "member", "stratum", "link", "invited_at", "opened_at", "reminded_at")
    }

    def link(token: str) -> str:
        return respondent_url("questionnaire", wave=wave_id, invite=token)

    with transaction() as session:
        everyone, _ = invitation_csv(session, wave_id, link, headers, raw_keys=raw_keys)
        reminders, open_keys = invitation_csv(
            session, wave_id, link, headers, only_open=True, raw_keys=raw_keys
        )
    left, right = st.columns(2)
    left.download_button(
        t("sampling.download_invitations"),
        everyone,
        file_name=f"invitations-wave-{wave_id}.csv",
        mime="text/csv",
        key="sampling_download_all",
    )

    @guarded(*roles.EDITORS)
    def reminded() -> None:
        write(lambda session: mark_reminded(session, wave_id, open_keys))

    right.download_button(
        t("sampling.download_reminders", n=len(open_keys)),
        reminders,
        file_name=f"reminders-wave-{wave_id}.csv",
        mime="text/csv",
        on_click=reminded if can_edit else "ignore",
        disabled=not open_keys,
        key="sampling_download_reminders",
    )


if can_edit:
    render_plan_form()
else:
    st.caption(t("sampling.read_only"))
render_tracking()
