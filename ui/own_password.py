"""The signed-in user's own password change, in the sidebar."""

from __future__ import annotations

import streamlit as st

from db.users import MIN_PASSWORD_LENGTH, AccountError
from services.accounts import change_own_password
from ui import auth
from ui.auth import SignedIn
from ui.i18n import t
from ui.resources import engine


def own_password_form(user: SignedIn) -> None:
    """A folded form to change one's own password; it ends the user's sign-ins on other devices."""
    if message := st.session_state.pop("own_password_message", None):
        st.success(message)
    with st.expander(t("own_password.title")), st.form("own_password_form", clear_on_submit=True):
        current = st.text_input(t("own_password.current"), type="password", key="own_password_current")
        new = st.text_input(
            t("own_password.new"),
            type="password",
            key="own_password_new",
            help=t("admin.new_password_help", n=MIN_PASSWORD_LENGTH),
        )
        confirm = st.text_input(t("auth.password_confirm"), type="password", key="own_password_confirm")
        if not st.form_submit_button(t("own_password.save")):
            return
        if new != confirm:
            st.error(t("auth.password_mismatch"))
            return
        try:
            session_id, ticket = change_own_password(engine(), user.id, current, new)
        except AccountError as err:
            st.error(t(f"account.{err.code}", n=MIN_PASSWORD_LENGTH))
            return
    auth.sign_in(user.id, user.username, user.role, session_id)  # this tab goes on, others end
    auth.hand_to_browser(ticket)
    st.session_state["own_password_message"] = t("own_password.done")
    st.rerun()
