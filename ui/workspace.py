"""The product and round a staff user is looking at, picked once in the sidebar for every page."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from db.workspace import list_products, list_rounds
from ui.i18n import t
from ui.resources import transaction

PRODUCT_KEY = "workspace_product_id"
ROUND_KEY = "workspace_round_id"
ALL_ROUNDS = 0  # not None: a None option confuses widget state


@dataclass(frozen=True)
class Selection:
    """The product and round picked in the sidebar; round_id and round_name are None for all rounds."""

    product_id: int
    product_name: str
    is_demo: bool
    round_id: int | None
    round_name: str | None


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
        return Selection(product.id, product.name, product.is_demo, round_id, round_name)
