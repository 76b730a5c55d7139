"""The product and round a staff user is looking at, picked once in the sidebar for every page."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from db.workspace import list_products, list_rounds
from ui.i18n import t
from ui.resources import transaction


@dataclass(frozen=True)
class Selection:
    product_id: int
    product_name: str
    is_demo: bool
    round_id: int | None
    round_name: str | None


def picker() -> None:
    """Product and round select boxes; the choice is kept in session state across pages."""
    with transaction() as session:
        products = [(p.id, p.name, p.is_demo) for p in list_products(session)]
        if not products:
            st.session_state.pop("workspace_product_id", None)
            return
        ids = [p[0] for p in products]
        if st.session_state.get("workspace_product_id") not in ids:
            st.session_state["workspace_product_id"] = ids[0]
        names = {pid: name + (f" ({t('demo.tag')})" if demo else "") for pid, name, demo in products}
        product_id = st.selectbox(
            t("workspace.product"), ids, format_func=names.__getitem__, key="workspace_product_id"
        )
        rounds = [(r.id, r.name) for r in list_rounds(session, product_id)]
    round_ids: list[int | None] = [None] + [r[0] for r in rounds]
    round_names = {None: t("workspace.all_rounds"), **dict(rounds)}
    if st.session_state.get("workspace_round_id") not in round_ids:
        st.session_state["workspace_round_id"] = round_ids[1] if len(round_ids) > 1 else None
    st.selectbox(
        t("workspace.round"), round_ids, format_func=round_names.__getitem__, key="workspace_round_id"
    )


def current() -> Selection | None:
    """The selected product and round, or None when there is no product yet."""
    product_id = st.session_state.get("workspace_product_id")
    if product_id is None:
        return None
    with transaction() as session:
        products = {p.id: p for p in list_products(session)}
        product = products.get(product_id)
        if product is None:
            return None
        round_id = st.session_state.get("workspace_round_id")
        rounds = {r.id: r.name for r in list_rounds(session, product_id)}
        return Selection(product.id, product.name, product.is_demo, round_id, rounds.get(round_id))
