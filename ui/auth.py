"""Who is logged in, how a sign-in survives a reload, and the guards pages and callbacks start with.

A sign-in is a server-side session (db/staff_sessions.py). The tab remembers it in st.session_state;
a reload or a typed URL opens a new Streamlit session, which finds it again through the HttpOnly
cookie that server.py's routes set (read here with st.context.cookies). Under plain
`streamlit run app.py` (no routes) and in AppTest the sign-in lasts as long as the tab, as before.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ParamSpec
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from db import staff_sessions
from db.models import User
from db.users import get_user
from services.accounts import session_limits
from ui import sso
from ui.i18n import current_language, t
from ui.resources import transaction

USER_KEY = "auth_user"  # session key of the signed-in staff user
NOTICE_KEY = "auth_notice"  # a string key shown once at the top of the next run (ended, refused)
GO_KEY = "auth_go"  # a cookie route the browser is sent through on the next run
COOKIE = "rectify_session"
# server.py sets it: the cookie routes exist, so a sign-in is handed to the browser's cookie.
ROUTES_ENV = "RECTIFY_SESSION_ROUTES"
SESSION_ROUTE = "/_rectify/session"
LOGOUT_ROUTE = "/_rectify/logout"

P = ParamSpec("P")


@dataclass(frozen=True)
class SignedIn:
    """The staff user signed in to this session: their id, username and role, and the sign-in's id."""

    id: int
    username: str
    role: str
    session_id: int = 0


def current_user() -> SignedIn | None:
    """The user signed in to this session, or None when nobody is."""
    return st.session_state.get(USER_KEY)


def sign_in(user_id: int, username: str, role: str, session_id: int = 0) -> None:
    """Remember this user as signed in for the rest of the session."""
    st.session_state[USER_KEY] = SignedIn(user_id, username, role, session_id)


def _routes_mounted() -> bool:
    return os.environ.get(ROUTES_ENV) == "1"


def _go(url: str) -> None:
    # Drawn by the next run (follow_pending): a rerun right after would drop an element drawn now.
    st.session_state[GO_KEY] = url


def follow_pending() -> bool:
    """Send the browser through the cookie route a sign-in or logout asked for (a full navigation).

    Returns:
        Whether it did; the caller then draws nothing more, the page is about to be left.
    """
    url = st.session_state.pop(GO_KEY, None)
    if url:
        st.html(f"<script>window.location.replace({json.dumps(url)});</script>", unsafe_allow_javascript=True)
    return bool(url)


def requested_path() -> str:
    """The path (and query) of the page the browser is on; "/" when unknown."""
    url = st.context.url
    path = (urlsplit(url).path if url else "") or "/"
    # The language chosen in this tab survives the reload (a new session reads ?lang=).
    query = urlencode({**st.query_params.to_dict(), "lang": current_language()})
    return f"{path}?{query}" if query else path


def hand_to_browser(ticket: str) -> None:
    """Let the browser trade the new sign-in's ticket for its cookie, coming back to the same page."""
    if _routes_mounted() and ticket:
        _go(f"{SESSION_ROUTE}?ticket={quote(ticket)}&next={quote(requested_path(), safe='')}")


def sign_out() -> None:
    """End this sign-in everywhere (the server-side session too); the next page asks for a login."""
    user = st.session_state.pop(USER_KEY, None)
    if user is not None and user.session_id:
        with transaction() as session:
            staff_sessions.end(session, user.session_id)
    if _routes_mounted():
        _go(f"{LOGOUT_ROUTE}?lang={current_language()}")  # clears the cookie; its session is gone already


def _notice(key: str) -> None:
    st.session_state[NOTICE_KEY] = key


def show_notice() -> None:
    """Show, once, why the last action or the sign-in ended (set by a guard or by `restore`)."""
    key = st.session_state.pop(NOTICE_KEY, None)
    if key:
        st.warning(t(key))


def restore() -> SignedIn | None:
    """Bring this run's sign-in up to date with the database, and return it.

    A tab's sign-in ends when its session was revoked (logout elsewhere, password change, disabled
    account) or expired; its role follows an admin's change. A tab without one picks up a live
    session from the browser's cookie, so a reload or a bookmarked URL stays signed in.
    """
    user = current_user()
    now = datetime.now(UTC)
    with transaction() as session:
        if user is None:
            token = st.context.cookies.get(COOKIE)
            resumed = (
                staff_sessions.resume(session, token, now, session_limits())
                if isinstance(token, str) and token
                else None
            )
            if resumed is not None:
                session_id, account = resumed
                sign_in(account.id, account.username, account.role, session_id)
                return current_user()
        else:
            fresh: User | None
            if user.session_id:
                fresh = staff_sessions.check(session, user.session_id, now, session_limits())
            else:  # a tab-only sign-in: follow the account
                found = get_user(session, user.id)
                fresh = found if found is not None and found.is_active else None
            if fresh is None:
                st.session_state.pop(USER_KEY, None)
                if user.session_id:
                    _notice("auth.session_ended")
                return None
            if fresh.role != user.role:  # role changed by an admin
                sign_in(fresh.id, fresh.username, fresh.role, user.session_id)
            return current_user()
    return _from_single_sign_on()  # outside the transaction above: it opens its own


def _from_single_sign_on() -> SignedIn | None:
    opened = sso.sign_in_from_identity()
    if opened is None:
        return None
    user_id, username, role, session_id, ticket = opened
    sign_in(user_id, username, role, session_id)
    hand_to_browser(ticket)
    return current_user()


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


def still_allowed(*roles: str) -> bool:
    """Re-read the signed-in user from the database: are they still active, with one of `roles`?

    A callback runs before app.py refreshes the sign-in, with the role the page was drawn for; an
    admin may have demoted or disabled the user since. When refused, the reason is shown on the
    next run and a disabled user is signed out.
    """
    user = current_user()
    if user is None:
        _notice("auth.login_required")
        return False
    with transaction() as session:
        fresh = get_user(session, user.id)
        alive = fresh is not None and fresh.is_active
        if alive and user.session_id:
            alive = (
                staff_sessions.check(session, user.session_id, datetime.now(UTC), session_limits())
                is not None
            )
    if not alive or fresh is None:
        st.session_state.pop(USER_KEY, None)
        _notice("auth.account_disabled")
        return False
    if roles and fresh.role not in roles:
        sign_in(fresh.id, fresh.username, fresh.role, user.session_id)
        _notice("auth.role_changed")
        return False
    return True


def guarded(*roles: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Make a widget callback that changes data act only if `still_allowed(*roles)`.

    Args:
        *roles: The role group that may perform the action (ui/roles.py).

    Returns:
        A decorator; the wrapped callback does nothing (and says why) for a refused user.
    """

    def wrap(callback: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(callback)
        def checked(*args: P.args, **kwargs: P.kwargs) -> None:
            if still_allowed(*roles):
                callback(*args, **kwargs)

        return checked

    return wrap
