"""The product and round a staff user is looking at, picked once in the sidebar for every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from db.workspace import (
    DEFAULT_TIME_ZONE,
    WorkspaceError,
    list_products,
    list_rounds,
    set_time_zone,
    time_zone,
    time_zones,
)
from ui.i18n import t
from ui.resources import transaction

PRODUCT_KEY = "workspace_product_id"
ROUND_KEY = "workspace_round_id"
ALL_ROUNDS = 0  # not None: a None option confuses widget state
# Pixels: a round name in both languages ("2026 Q3 整改 / Rectification round 2") shows whole in the
# picker; Streamlit's 300 cut it off. Only the session's first page config sets it (app.py).
SIDEBAR_WIDTH = 390


@dataclass(frozen=True)
class Selection:
    """The product and round picked in the sidebar; round_id and round_name are None for all rounds."""

    product_id: int
    product_name: str
    is_demo: bool
    round_id: int | None
    round_name: str | None
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        """The workspace's time zone, in which pages show times and count days."""
        return ZoneInfo(self.time_zone)

    def today(self) -> date:
        """Today's date in the workspace's time zone (what "overdue" is counted against)."""
        return datetime.now(self.zone).date()

    def local_text(self, moment: datetime) -> str:
        """The moment as "YYYY-MM-DD HH:MM" in the workspace's time zone; a naive moment is UTC.

        SQLite gives stored times back naive (they are UTC); PostgreSQL aware.
        """
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def picker() -> None:
    """Product and round select boxes; the choice is kept in session state across pages.

    The choice lives in plain keys (workspace_product_id, workspace_round_id); the widgets get
    their index from them and write back on change, so a default set here always shows.
    """
    with transaction() as session:
        products = [(p.id, p.name, p.is_demo) for p in list_products(session)]
        if not products:
            st.session_state.pop(PRODUCT_KEY, None)
            return
        ids = [p[0] for p in products]
        if st.session_state.get(PRODUCT_KEY) not in ids:
            st.session_state[PRODUCT_KEY] = ids[0]
        names = {pid: name + (f" ({t('demo.tag')})" if demo else "") for pid, name, demo in products}
        product_id = st.session_state[PRODUCT_KEY]
        st.selectbox(
            t("workspace.product"),
            ids,
            index=ids.index(product_id),
            format_func=names.__getitem__,
            key="workspace_product_select",
            on_change=_keep,
            args=("workspace_product_select", PRODUCT_KEY),
        )
        rounds = [(r.id, r.name) for r in list_rounds(session, product_id)]
    round_ids = [ALL_ROUNDS] + [r[0] for r in rounds]
    round_names = {ALL_ROUNDS: t("workspace.all_rounds"), **dict(rounds)}
    # A newly picked product starts on its newest round.
    if (
        st.session_state.get("workspace_round_of") != product_id
        or st.session_state.get(ROUND_KEY) not in round_ids
    ):
        st.session_state[ROUND_KEY] = round_ids[1] if len(round_ids) > 1 else ALL_ROUNDS
        st.session_state["workspace_round_of"] = product_id
    st.selectbox(
        t("workspace.round"),
        round_ids,
        index=round_ids.index(st.session_state[ROUND_KEY]),
        format_func=round_names.__getitem__,
        key=f"workspace_round_select_{product_id}",
        on_change=_keep,
        args=(f"workspace_round_select_{product_id}", ROUND_KEY),
    )


def _keep(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = st.session_state[widget_key]


def current() -> Selection | None:
    """The selected product and round, or None when there is no product yet."""
    product_id = st.session_state.get(PRODUCT_KEY)
    if product_id is None:
        return None
    with transaction() as session:
        products = {p.id: p for p in list_products(session)}
        product = products.get(product_id)
        if product is None:
            return None
        round_id: int | None = st.session_state.get(ROUND_KEY) or None  # ALL_ROUNDS is 0
        rounds = {r.id: r.name for r in list_rounds(session, product_id)}
        round_name = rounds.get(round_id) if round_id is not None else None
        return Selection(
            product.id, product.name, product.is_demo, round_id, round_name, time_zone(session, product.id)
        )


def time_zone_setting(selection: Selection, actor: str) -> None:
    """A picker of the workspace's time zone (editors); the change is stored and audited at once."""
    zones = time_zones()
    if selection.time_zone not in zones:
        zones.insert(0, selection.time_zone)
    key = f"workspace_time_zone_{selection.product_id}"
    chosen = st.selectbox(
        t("workspace.time_zone"),
        zones,
        index=zones.index(selection.time_zone),
        key=key,
        help=t("workspace.time_zone_help"),
    )
    if chosen == selection.time_zone:
        return
    try:
        with transaction() as session:
            set_time_zone(session, selection.product_id, str(chosen), actor)
    except WorkspaceError as err:
        st.error(t(f"workspace.error.{err.code}"))
        return
    st.toast(t("workspace.time_zone_saved", zone=chosen))
    st.rerun()
