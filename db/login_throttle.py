"""Failed sign-ins per username and per client, with a lockout that grows with every further failure.

Stored in the database, so a new browser tab, a reload or another app replica does not reset it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import LoginThrottle

FREE_FAILURES = {"user": 5, "client": 20}  # a shared office address gets more room than one name
FIRST_LOCK = timedelta(seconds=30)  # doubled by every failure past the free ones
LONGEST_LOCK = timedelta(minutes=30)
FORGET_AFTER = timedelta(hours=1)  # failures this old no longer count


def keys_for(username: str, client: str | None) -> list[str]:
    """The throttle keys of one sign-in attempt: its username, and its client address where known."""
    keys = [f"user:{username.strip().lower()[:190]}"]
    if client:
        keys.append(f"client:{client[:190]}")
    return keys


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored moment is UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def locked_until(session: Session, keys: Iterable[str], now: datetime) -> datetime | None:
    """The latest moment any of `keys` is locked until, or None when a try is allowed now."""
    rows = session.scalars(select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(list(keys))))
    latest = max((moment for row in rows if (moment := _aware(row)) is not None), default=None)
    return latest if latest is not None and latest > now else None


def lock_after(kind: str, failures: int) -> timedelta | None:
    """How long `failures` failed tries lock a key of `kind` ("user" or "client"); None: not yet."""
    over = failures - FREE_FAILURES[kind]
    if over < 0:
        return None
    return min(FIRST_LOCK * (1 << min(over, 16)), LONGEST_LOCK)


def record_failure(session: Session, keys: Iterable[str], now: datetime) -> datetime | None:
    """Count one failed sign-in against each key; returns until when the attempt's keys are locked."""
    keys = list(keys)
    # Guesses at made-up usernames leave rows; forget those nobody is locked by any more.
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - FORGET_AFTER - LONGEST_LOCK, LoginThrottle.key.not_in(keys)
        )
    )
    for key in keys:
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            try:
                with session.begin_nested():  # a concurrent failure may create it first
                    session.add(LoginThrottle(key=key, failures=0, last_failure_at=now))
            except IntegrityError:
                pass
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
            assert row is not None
        last = _aware(row.last_failure_at)
        if last is not None and now - last > FORGET_AFTER:
            session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(failures=0))
        # Counted in SQL, so two failures at the same moment both count.
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        )
        session.refresh(row)
        wait = lock_after(key.partition(":")[0], row.failures)
        if wait is not None:
            row.locked_until = now + wait
    session.flush()
    return locked_until(session, keys, now)


def clear(session: Session, username: str) -> None:
    """Forget the failures of `username` after a successful sign-in (the client's count stays)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys_for(username, None)[0]))
