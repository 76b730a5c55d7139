"""Alerts: what the monitoring job found, with its evidence; acknowledge and close; webhook URLs and their log."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from db.alerts import NEXT_ALERT_STATUSES, AlertError, list_alerts, quote_texts, set_alert_status
from db.models import ALERT_STATUSES
from db.webhooks import WebhookError, delivery_log, list_endpoints, set_endpoint_active
from services import webhook_delivery
from ui import nav, roles
from ui.auth import guarded
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import engine, transaction, write

ctx = open_page(
    nav.ALERTS, title_key="alerts.title", intro_key="alerts.intro", no_workspace_key="alerts.no_product"
)
user, can_edit, selection = ctx.user, ctx.can_edit, ctx.selection
is_admin = roles.is_admin(user)
zone = ZoneInfo(selection.time_zone)
st.session_state.setdefault("alerts_statuses", ["open", "acknowledged"])


def when(value: Any) -> str:
    """A stored moment in the workspace's time zone, to the minute."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    moment = pd.Timestamp(value)
    if moment.tzinfo is None:
        moment = moment.tz_localize(UTC)
    return str(moment.tz_convert(zone).strftime("%Y-%m-%d %H:%M"))


def percent(value: Any) -> str:
    """A share as a percentage with one decimal; a dash when unknown."""
    return "–" if value is None else f"{100 * float(value):.1f}%"


def number(value: Any, spec: str = ".3g") -> str:
    """A figure in `spec`; a dash when unknown."""
    return "–" if value is None else format(float(value), spec)


def notice(message: str, kind: str = "success") -> None:
    """Keep a message for the next run of the page (callbacks run before it)."""
    st.session_state["alerts_notice"] = (kind, message)


@guarded(*roles.EDITORS)
def move_alert(alert_id: int, status: str) -> None:
    """Acknowledge or close one alert, recorded with who and when."""
    try:
        write(lambda session: set_alert_status(session, alert_id, status, user.username, datetime.now(UTC)))
    except AlertError as err:
        notice(t(f"alerts.error.{err.code}"), "error")
    else:
        notice(t(f"alerts.done.{status}", id=alert_id))


def evidence_text(kind: str, ev: dict[str, Any]) -> str:
    """The figures behind an alert, as one sentence in the user's language."""
    params = ev.get("params") or {}
    days = {"recent_days": params.get("recent_days", "?"), "baseline_days": params.get("baseline_days", "?")}
    if kind == "spike":
        return t(
            "alerts.evidence.spike",
            **days,
            recent_count=ev.get("recent_count"),
            recent_total=ev.get("recent_total"),
            recent_share=percent(ev.get("recent_share")),
            baseline_count=ev.get("baseline_count"),
            baseline_total=ev.get("baseline_total"),
            baseline_share=percent(ev.get("baseline_share")),
            ratio="∞" if ev.get("ratio") is None else f"×{float(ev['ratio']):.2f}",
            p_val=number(ev.get("p_val")),
            p_adj=number(ev.get("p_adj")),
            tested=ev.get("topics_tested"),
        )
    if kind == "new_topic":
        return t(
            "alerts.evidence.new_topic", **days, size=ev.get("size"), recent_count=ev.get("recent_count")
        )
    if kind == "rising_again":
        items = ", ".join(f"#{i['id']} {plain(str(i['title']))}" for i in ev.get("items") or [])
        return t(
            "alerts.evidence.rising_again",
            **days,
            items=items,
            recent_share=percent(ev.get("recent_share")),
            recent_count=ev.get("recent_count"),
            baseline_share=percent(ev.get("baseline_share")),
            baseline_count=ev.get("baseline_count"),
            p_val=number(ev.get("p_val")),
        )
    return t(
        "alerts.evidence.rating_drop",
        **days,
        recent_mean=number(ev.get("recent_mean"), ".2f"),
        recent_n=ev.get("recent_n"),
        baseline_mean=number(ev.get("baseline_mean"), ".2f"),
        baseline_n=ev.get("baseline_n"),
        lam=params.get("ewma_lambda"),
        width=params.get("ewma_l"),
        day=ev.get("worst_day"),
    )


def render_alert(alert: pd.Series, quotes: dict[int, str]) -> None:
    """One alert: what, when, its evidence and quotes, and the buttons to move it on."""
    alert_id, kind, status = int(alert["id"]), str(alert["kind"]), str(alert["status"])
    ev = alert["evidence"] if isinstance(alert["evidence"], dict) else {}
    title = t("alerts.rating_title") if kind == "rating_drop" else plain(str(alert["title"]))
    with st.container(border=True):
        st.markdown(f"**#{alert_id} {t(f'alerts.kind.{kind}')}: {title}**")
        st.caption(
            t(
                "alerts.meta",
                status=t(f"alerts.status.{status}"),
                opened=when(alert["opened_at"]),
                seen=when(alert["last_seen_at"]),
            )
            + " · "
            + t("alerts.still_found" if alert["active"] else "alerts.no_longer_found")
        )
        if isinstance(alert["acknowledged_by"], str):
            st.caption(
                t(
                    "alerts.acknowledged_by",
                    who=plain(alert["acknowledged_by"]),
                    when=when(alert["acknowledged_at"]),
                )
            )
        if isinstance(alert["closed_by"], str):
            st.caption(t("alerts.closed_by", who=plain(alert["closed_by"]), when=when(alert["closed_at"])))
        st.markdown(evidence_text(kind, ev))
        if kind == "rating_drop" and ev.get("days"):
            chart = pd.DataFrame(ev["days"]).set_index("day")[["mean", "ewma", "lcl"]]
            st.line_chart(chart, x_label=t("alerts.chart_day"), y_label=t("alerts.chart_value"), height=200)
        shown = [quotes[i] for i in ev.get("quote_ids") or [] if i in quotes]  # deleted ones are gone
        if shown:
            st.markdown(t("alerts.quotes") + "\n\n" + "\n".join(f"- {plain(q)}" for q in shown))
        moves = NEXT_ALERT_STATUSES.get(status, ())
        if can_edit and moves:
            columns = st.columns(len(moves) + 3)
            for column, target in zip(columns, moves, strict=False):
                column.button(
                    t("alerts.acknowledge" if target == "acknowledged" else "alerts.close"),
                    key=f"alerts_{target}_{alert_id}",
                    on_click=move_alert,
                    args=(alert_id, target),
                )


def render_alerts() -> None:
    """The product's alerts in the chosen statuses, newest first."""
    shown = st.multiselect(
        t("alerts.filter"),
        list(ALERT_STATUSES),
        format_func=lambda s: t(f"alerts.status.{s}"),
        key="alerts_statuses",
    )
    with transaction() as session:
        frame = list_alerts(session, selection.product_id, shown)
        wanted = [i for ev in frame["evidence"] if isinstance(ev, dict) for i in ev.get("quote_ids") or []]
        quotes = quote_texts(session, wanted)
    if frame.empty:
        st.info(t("alerts.none"))
        return
    if not can_edit:
        st.caption(t("alerts.read_only"))
    for _, alert in frame.iterrows():
        render_alert(alert, quotes)


@guarded(*roles.ADMINS)
def add_endpoint() -> None:
    """Store the typed URL with a new secret, to be shown once."""
    url = str(st.session_state.get("alerts_new_url") or "")
    try:
        _, secret = write(
            lambda session: webhook_delivery.add_endpoint(session, selection.product_id, url, user.username)
        )
    except WebhookError as err:
        notice(t(f"alerts.error.{err.code}"), "error")
    else:
        st.session_state["alerts_new_secret"] = secret
        st.session_state["alerts_new_url"] = ""


@guarded(*roles.ADMINS)
def toggle_endpoint(endpoint_id: int, active: bool) -> None:
    """Disable or enable one URL."""
    try:
        write(lambda session: set_endpoint_active(session, endpoint_id, active, user.username))
    except WebhookError as err:
        notice(t(f"alerts.error.{err.code}"), "error")
    else:
        notice(t("alerts.enabled" if active else "alerts.disabled"))


@guarded(*roles.ADMINS)
def test_send(endpoint_id: int) -> None:
    """Queue a test event for one URL; a background thread sends it (the page never waits on it)."""
    try:
        webhook_delivery.send_test(engine(), endpoint_id, user.username)
    except WebhookError as err:
        notice(t(f"alerts.error.{err.code}"), "error")
    else:
        notice(t("alerts.test_queued"), "info")


def render_webhooks() -> None:
    """The product's webhook URLs (admins add, disable, test them) and the newest delivery attempts."""
    st.subheader(t("alerts.webhooks"))
    st.caption(t("alerts.webhooks_intro"))
    secret = st.session_state.pop("alerts_new_secret", None)
    if secret:
        st.success(t("alerts.added"))
        st.code(secret, language=None)
    with transaction() as session:
        endpoints = list_endpoints(session, selection.product_id)
        log = delivery_log(session, selection.product_id)
    if endpoints.empty:
        st.info(t("alerts.no_endpoints"))
    else:
        shown = endpoints.assign(created_at=endpoints["created_at"].map(when))
        shown.columns = [
            "id",
            t("alerts.col.url"),
            t("alerts.col.active"),
            t("alerts.col.created_by"),
            t("alerts.col.created_at"),
        ]
        st.dataframe(shown.drop(columns=["id"]), hide_index=True)
    if is_admin:
        with st.form("alerts_add_form", clear_on_submit=False, border=False):
            st.text_input(t("alerts.add_url"), key="alerts_new_url", placeholder="https://")
            st.form_submit_button(t("alerts.add"), on_click=add_endpoint)
        if not endpoints.empty:
            labels = dict(zip(endpoints["id"].astype(int), endpoints["url"].astype(str), strict=True))
            active = dict(zip(endpoints["id"].astype(int), endpoints["active"].astype(bool), strict=True))
            picked = st.selectbox(
                t("alerts.endpoint_pick"), list(labels), format_func=labels.__getitem__, key="alerts_endpoint"
            )
            left, right, _ = st.columns([1, 1, 2])
            left.button(
                t("alerts.disable" if active[int(picked)] else "alerts.enable"),
                key="alerts_toggle",
                on_click=toggle_endpoint,
                args=(int(picked), not active[int(picked)]),
            )
            right.button(t("alerts.test_send"), key="alerts_test", on_click=test_send, args=(int(picked),))
    st.subheader(t("alerts.log"))
    if log.empty:
        st.caption(t("alerts.no_log"))
        return
    table = pd.DataFrame(
        {
            t("alerts.log.at"): log["at"].map(when),
            t("alerts.col.url"): log["url"],
            t("alerts.log.event"): log["event_type"],
            t("alerts.log.attempt"): log["attempt"],
            t("alerts.log.status_code"): log["status_code"].astype("Int64"),
            t("alerts.log.error"): log["error"].fillna(""),
            t("alerts.log.ms"): log["duration_ms"],
            t("alerts.log.delivery_status"): log["delivery_status"],
        }
    )
    st.dataframe(table, hide_index=True)


kind_message = st.session_state.pop("alerts_notice", None)
if kind_message:
    {"success": st.success, "error": st.error, "info": st.info}[kind_message[0]](kind_message[1])
render_alerts()
render_webhooks()
