"""Optional single sign-on with Streamlit's st.login (OpenID Connect), mapped onto Rectify's accounts.

On only where `[auth]` is configured in .streamlit/secrets.toml; local passwords stay the default. The
identity provider proves who the person is; Rectify decides what they may do: a verified e-mail is
matched to an account's e-mail (db.users.user_for_sso), whose role applies. Nobody gets an account
just by signing in.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from db import staff_sessions
from db.users import AccountError, user_for_sso
from ui.i18n import t
from ui.resources import transaction


def configured() -> bool:
    """Whether single sign-on is set up: an [auth] section in the app's secrets."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, ValueError):  # no secrets file, or one that cannot be read
        return False


def login_button() -> None:
    """The single sign-on button, under the password form, when it is configured."""
    if configured() and st.button(t("sso.login"), key="sso_login", icon=":material/badge:"):
        st.login()


def sign_in_from_identity() -> tuple[int, str, str, int, str] | None:
    """Open a Rectify sign-in for the identity st.login established, if it maps onto an account.

    Returns:
        (user id, username, role, session id, ticket), or None when nobody signed in with the
        identity provider or the identity is refused (the refusal is shown, in the page's language).
    """
    if not configured() or st.user.get("is_logged_in") is not True:
        return None
    email = st.user.get("email")
    verified = st.user.get("email_verified") is True
    try:
        with transaction() as session:
            user = user_for_sso(session, str(email) if email else None, verified)
            session_id, ticket = staff_sessions.start(session, user.id, datetime.now(UTC))
            return user.id, user.username, user.role, session_id, ticket
    except AccountError as err:
        st.error(t(f"account.{err.code}", email=email or "-"))
        st.button(t("sso.logout"), key="sso_logout", on_click=st.logout)
        return None
