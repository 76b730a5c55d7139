"""Who is logged in, and the guard every staff page starts with."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.i18n import t

USER_KEY = "auth_user"  # session key of the signed-in staff user


@dataclass(frozen=True)
class SignedIn:
    """The staff user signed in to this session: their id, username and role."""

    id: int
    username: str
    role: str


def current_user() -> SignedIn | None:
    """The user signed in to this session, or None when nobody is."""
    return st.session_state.get(USER_KEY)


def sign_in(user_id: int, username: str, role: str) -> None:
    """Remember this user as signed in for the rest of the session."""
    st.session_state[USER_KEY] = SignedIn(user_id, username, role)


def sign_out() -> None:
    """Forget the signed-in user; the next page asks for a login again."""
    st.session_state.pop(USER_KEY, None)


def require_role(*roles: str) -> SignedIn:
    """Stop the page unless a user with one of `roles` is signed in (a direct URL is refused too)."""
    user = current_user()
    if user is None:
        st.error(t("auth.login_required"))
        st.stop()
    if roles and user.role not in roles:
        st.error(t("auth.forbidden"))
        st.stop()
    return user
