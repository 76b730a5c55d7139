"""Staff account use cases that need more than one transaction's worth of care."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from db import login_throttle, staff_sessions
from db.engine import retrying, unit_of_work
from db.models import User
from db.staff_sessions import Limits
from db.users import (
    AccountError,
    authenticate,
    create_first_admin,
    get_user,
    password_matches,
    set_password,
)


def set_up_first_admin(engine: Engine, username: str, password: str) -> User:
    """Create the installation's first admin, exactly once even when two browsers press at once.

    The loser of a race is retried, sees the winner's account and is refused.

    Raises:
        db.users.AccountError: already_set_up when an account exists, or a refused name or password.
    """
    return retrying(engine, lambda session: create_first_admin(session, username, password))


IDLE_ENV = "RECTIFY_SESSION_IDLE_HOURS"
ABSOLUTE_ENV = "RECTIFY_SESSION_MAX_HOURS"
DEFAULT_IDLE_HOURS = 8.0
DEFAULT_ABSOLUTE_HOURS = 72.0


def _hours(variable: str, default: float) -> float:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 0 < hours < 24 * 366:
        raise ValueError(f"{variable}={raw!r}: give a number of hours greater than 0, like 8 or 0.5")
    return hours


def session_limits() -> Limits:
    """How long a staff sign-in lasts: RECTIFY_SESSION_IDLE_HOURS (8) and RECTIFY_SESSION_MAX_HOURS (72).

    Raises:
        ValueError: a variable is set to something that is not a positive number of hours.
    """
    idle = _hours(IDLE_ENV, DEFAULT_IDLE_HOURS)
    absolute = _hours(ABSOLUTE_ENV, DEFAULT_ABSOLUTE_HOURS)
    return Limits(idle=timedelta(hours=min(idle, absolute)), absolute=timedelta(hours=absolute))


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to.

    Attributes:
        user_id: The signed-in user; None when refused.
        username: Their username as stored ("" when refused).
        role: Their role ("" when refused).
        session_id: The new server-side session.
        ticket: The one-time ticket the browser trades for the session cookie.
        locked_until: When refused because of too many failures: when the next try is accepted.
    """

    user_id: int | None = None
    username: str = ""
    role: str = ""
    session_id: int = 0
    ticket: str = ""
    locked_until: datetime | None = None


def sign_in(
    engine: Engine, username: str, password: str, client: str | None, now: datetime | None = None
) -> SignIn:
    """Check a password, throttled per username and per client, and open a session when it is right.

    A locked username or client is refused before the password is looked at, so guessing on during
    a lockout learns nothing. The failure count is committed with the refusal.

    Args:
        engine: The app's database.
        username: As typed; case and surrounding spaces do not matter.
        password: As typed.
        client: The browser's address where known (None behind some proxies), throttled too.
        now: The moment of the attempt (tests); the clock by default.

    Returns:
        The user and a session ticket, or a refusal with `locked_until` set when tries are locked.
    """
    now = now or datetime.now(UTC)
    keys = login_throttle.keys_for(username, client)
    with unit_of_work(engine) as session:
        until = login_throttle.locked_until(session, keys, now)
        if until is not None:
            return SignIn(locked_until=until)
        user = authenticate(session, username, password)
        if user is None:
            return SignIn(locked_until=login_throttle.record_failure(session, keys, now))
        login_throttle.clear(session, username)
        session_id, ticket = staff_sessions.start(session, user.id, now)
        return SignIn(user.id, user.username, user.role, session_id, ticket)


def open_session(engine: Engine, user_id: int) -> tuple[int, str]:
    """A new sign-in for `user_id` (after the first-run setup); returns its id and one-time ticket."""
    with unit_of_work(engine) as session:
        return staff_sessions.start(session, user_id, datetime.now(UTC))


def change_own_password(engine: Engine, user_id: int, current: str, new: str) -> tuple[int, str]:
    """A user replaces their own password: every sign-in of theirs ends, this tab gets a fresh one.

    Returns:
        The new sign-in's id and one-time ticket, for the tab the change was made in.

    Raises:
        db.users.AccountError: wrong_password when `current` is not the password, password_short.
    """
    with unit_of_work(engine) as session:
        user = get_user(session, user_id)
        if user is None or not password_matches(session, user_id, current):
            raise AccountError("wrong_password")
        set_password(session, user_id, new, actor=user.username)
        return staff_sessions.start(session, user_id, datetime.now(UTC))
