"""Issue 10: server-side staff sessions on SQLite and PostgreSQL: tickets, cookie tokens, idle and
absolute limits, and revocation by logout, password change and a disabled account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db import staff_sessions
from db.engine import unit_of_work
from db.models import StaffSession
from db.staff_sessions import Limits
from db.users import create_user, set_password, update_user
from services.accounts import session_limits

PASSWORD = "correct horse battery"
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LIMITS = Limits(idle=timedelta(hours=8), absolute=timedelta(hours=72))


@pytest.fixture
def users(engine):
    with unit_of_work(engine) as session:
        ada = create_user(session, "ada", PASSWORD, "admin", actor="test").id
        ann = create_user(session, "ann", PASSWORD, "analyst", actor="test").id
    return engine, ada, ann


def _signed_in(engine, user_id: int, at: datetime = T0) -> tuple[int, str]:
    with unit_of_work(engine) as session:
        session_id, ticket = staff_sessions.start(session, user_id, at)
    with unit_of_work(engine) as session:
        token = staff_sessions.redeem_ticket(session, ticket, at + timedelta(seconds=2))
    assert token is not None
    return session_id, token


def _resume(engine, token: str, at: datetime):
    with unit_of_work(engine) as session:
        found = staff_sessions.resume(session, token, at, LIMITS)
        return None if found is None else (found[0], found[1].username)


def test_a_ticket_gives_one_cookie_token_and_only_hashes_are_stored(users):
    engine, ada, _ = users
    with unit_of_work(engine) as session:
        session_id, ticket = staff_sessions.start(session, ada, T0)
    with unit_of_work(engine) as session:
        token = staff_sessions.redeem_ticket(session, ticket, T0 + timedelta(seconds=5))
    with unit_of_work(engine) as session:
        assert staff_sessions.redeem_ticket(session, ticket, T0 + timedelta(seconds=6)) is None  # used
        row = session.scalars(select(StaffSession)).one()
    assert token and token not in (row.token_hash, row.ticket_hash) and ticket != row.token_hash
    assert _resume(engine, token, T0 + timedelta(hours=1)) == (session_id, "ada")
    assert _resume(engine, token + "x", T0 + timedelta(hours=1)) is None


def test_a_stale_ticket_opens_nothing(users):
    engine, ada, _ = users
    with unit_of_work(engine) as session:
        _, ticket = staff_sessions.start(session, ada, T0)
    with unit_of_work(engine) as session:
        assert staff_sessions.redeem_ticket(session, ticket, T0 + timedelta(seconds=61)) is None


def test_an_idle_session_ends_and_a_used_one_lasts_until_its_absolute_limit(users):
    engine, ada, _ = users
    _, idle_token = _signed_in(engine, ada)
    assert _resume(engine, idle_token, T0 + timedelta(hours=8, seconds=5)) is None
    assert _resume(engine, idle_token, T0 + timedelta(hours=1)) is None  # deleted, not just refused

    _, busy_token = _signed_in(engine, ada)
    for hour in range(1, 72):  # used every hour: the idle clock restarts
        assert _resume(engine, busy_token, T0 + timedelta(hours=hour)) is not None
    assert _resume(engine, busy_token, T0 + timedelta(hours=72, minutes=1)) is None


def test_logout_password_change_and_disabling_revoke_sessions(users):
    engine, ada, ann = users
    first, first_token = _signed_in(engine, ann)
    _, second_token = _signed_in(engine, ann)
    _, ada_token = _signed_in(engine, ada)
    later = T0 + timedelta(minutes=5)
    with unit_of_work(engine) as session:
        staff_sessions.end(session, first)  # logout ends this one only
    assert _resume(engine, first_token, later) is None
    assert _resume(engine, second_token, later) is not None
    with unit_of_work(engine) as session:
        set_password(session, ann, "a brand new passphrase", actor="ann")
    assert _resume(engine, second_token, later) is None  # every device of ann
    assert _resume(engine, ada_token, later) is not None  # others stay signed in

    _, ann_token = _signed_in(engine, ann)
    with unit_of_work(engine) as session:
        update_user(session, ann, actor="ada", is_active=False)
    assert _resume(engine, ann_token, later) is None


@pytest.mark.parametrize(("idle", "absolute"), [("0", ""), ("eight", ""), ("", "-1")])
def test_bad_session_limits_are_refused_with_the_variable_named(monkeypatch, idle, absolute):
    monkeypatch.setenv("RECTIFY_SESSION_IDLE_HOURS", idle)
    monkeypatch.setenv("RECTIFY_SESSION_MAX_HOURS", absolute)
    with pytest.raises(ValueError, match="RECTIFY_SESSION_"):
        session_limits()


def test_session_limits_default_to_8_and_72_hours(monkeypatch):
    monkeypatch.delenv("RECTIFY_SESSION_IDLE_HOURS", raising=False)
    monkeypatch.delenv("RECTIFY_SESSION_MAX_HOURS", raising=False)
    assert session_limits() == Limits(idle=timedelta(hours=8), absolute=timedelta(hours=72))
    monkeypatch.setenv("RECTIFY_SESSION_IDLE_HOURS", "0.5")
    assert session_limits().idle == timedelta(minutes=30)
