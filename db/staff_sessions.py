"""Server-side staff sessions: a sign-in that survives reloads until it idles out or grows too old.

Only SHA-256 hashes of the secrets are stored, so a copy of the database opens no session. A sign-in
starts with a one-time ticket (good for `TICKET_LIFETIME`), which the browser trades, once, for the
long-lived cookie token. Deleting a row revokes that sign-in everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import StaffSession, User

TICKET_LIFETIME = timedelta(seconds=60)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every rerun


@dataclass(frozen=True)
class Limits:
    """How long a sign-in lasts.

    Attributes:
        idle: Without any use for this long, it ends.
        absolute: This long after the password was given, it ends however busy it is.
    """

    idle: timedelta
    absolute: timedelta


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored moment is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def start(session: Session, user_id: int, now: datetime) -> tuple[int, str]:
    """Open a sign-in for `user_id`; returns its id and the one-time ticket that sets its cookie."""
    ticket = secrets.token_urlsafe(32)
    row = StaffSession(user_id=user_id, ticket_hash=_hash(ticket), created_at=now, last_seen_at=now)
    session.add(row)
    session.flush()
    return row.id, ticket


def redeem_ticket(session: Session, ticket: str, now: datetime) -> str | None:
    """Trade a fresh, unused ticket for the session's cookie token; None for a used, old or unknown one."""
    row = session.scalar(select(StaffSession).where(StaffSession.ticket_hash == _hash(ticket)))
    if row is None:
        return None
    row.ticket_hash = None  # one use only, even when refused below
    if now - _aware(row.created_at) > TICKET_LIFETIME or row.token_hash is not None:
        return None
    token = secrets.token_urlsafe(32)
    row.token_hash = _hash(token)
    row.last_seen_at = now
    return token


def _alive(session: Session, row: StaffSession | None, now: datetime, limits: Limits) -> User | None:
    if row is None:
        return None
    user = session.get(User, row.user_id)
    expired = now - _aware(row.last_seen_at) > limits.idle or now - _aware(row.created_at) > limits.absolute
    if expired or user is None or not user.is_active:
        session.delete(row)
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return user


def resume(session: Session, token: str, now: datetime, limits: Limits) -> tuple[int, User] | None:
    """The session id and active user of a cookie token, or None when it is unknown, revoked or expired.

    Using a session keeps it alive (its idle clock restarts); an expired one is deleted.
    """
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    user = _alive(session, row, now, limits)
    return None if user is None or row is None else (row.id, user)


def check(session: Session, session_id: int, now: datetime, limits: Limits) -> User | None:
    """The active user of sign-in `session_id`, or None when it was revoked or has expired."""
    return _alive(session, session.get(StaffSession, session_id), now, limits)


def end(session: Session, session_id: int) -> None:
    """Revoke one sign-in (logout)."""
    session.execute(delete(StaffSession).where(StaffSession.id == session_id))


def end_all(session: Session, user_id: int) -> int:
    """Revoke every sign-in of `user_id` (password change, deactivation); returns how many ended."""
    result = session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def end_by_token(session: Session, token: str) -> None:
    """Revoke the sign-in a cookie token belongs to (the logout route, which knows only the cookie)."""
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))
