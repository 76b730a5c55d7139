"""Issue 17.7: guessing passwords is throttled per username and per client, in the database.

The lockout holds across sessions and engines (a new browser tab or app replica), grows with each
further failure, refuses even the right password while it lasts, and says on the page when to retry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.engine import make_engine, unit_of_work
from db.login_throttle import FREE_FAILURES
from db.models import LoginThrottle
from db.users import create_user
from services.accounts import sign_in
from tests.apphelpers import PASSWORD, log_in, open_app, texts

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def ann(engine):
    with unit_of_work(engine) as session:
        create_user(session, "ann", PASSWORD, "analyst", actor="test")
    return engine


def test_five_wrong_passwords_lock_the_username_even_for_the_right_one(ann, db_url):
    for i in range(FREE_FAILURES["user"]):
        refused = sign_in(ann, "ann", f"guess {i}", None, now=T0)
        assert refused.user_id is None
    assert refused.locked_until == T0 + timedelta(seconds=30)
    # Another engine (another tab or replica) sees the same lock; the right password is refused too.
    other = make_engine(db_url)
    locked = sign_in(other, "ANN ", PASSWORD, None, now=T0 + timedelta(seconds=29))
    other.dispose()
    assert locked.user_id is None and locked.locked_until == T0 + timedelta(seconds=30)
    # Once the lock is over the right password works, and the count starts again.
    assert sign_in(ann, "ann", PASSWORD, None, now=T0 + timedelta(seconds=31)).user_id is not None
    assert sign_in(ann, "ann", "guess", None, now=T0 + timedelta(seconds=32)).locked_until is None


def test_the_lock_doubles_with_every_further_failure(ann):
    now = T0
    waits = []
    for i in range(FREE_FAILURES["user"] + 3):
        result = sign_in(ann, "ann", f"guess {i}", None, now=now)
        if result.locked_until is not None:
            waits.append(result.locked_until - now)
            now = result.locked_until  # the next guess comes as soon as it is allowed
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240)]


def test_one_client_trying_many_usernames_is_locked(ann):
    for i in range(FREE_FAILURES["client"]):
        sign_in(ann, f"user{i}", "guess", "203.0.113.7", now=T0)
    refused = sign_in(ann, "ann", PASSWORD, "203.0.113.7", now=T0 + timedelta(seconds=1))
    assert refused.user_id is None and refused.locked_until is not None
    # Another client is not locked out of the same account.
    assert sign_in(ann, "ann", PASSWORD, "198.51.100.2", now=T0 + timedelta(seconds=1)).user_id is not None


def test_old_failures_are_forgotten(ann):
    for i in range(FREE_FAILURES["user"] - 1):
        sign_in(ann, "ann", f"guess {i}", None, now=T0)
    later = T0 + timedelta(hours=2)
    assert sign_in(ann, "ann", "one more guess", None, now=later).locked_until is None
    # Rows of long-past guesses at other names are dropped, so made-up names do not pile up.
    sign_in(ann, "nobody", "guess", None, now=T0)
    sign_in(ann, "ann", "again", None, now=T0 + timedelta(hours=3))
    with unit_of_work(ann) as session:
        assert session.scalars(select(LoginThrottle.key)).all() == ["user:ann"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "message"), [("en", "Too many failed logins. Try again in"), ("zh", "登录失败次数过多")]
)
def test_the_login_page_says_when_to_try_again(monkeypatch, db_url, lang, message):
    open_app(monkeypatch, db_url)  # migrates
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_user(session, "ann", PASSWORD, "analyst", actor="test")
    engine.dispose()
    at = open_app(monkeypatch, db_url, lang=lang)
    for i in range(FREE_FAILURES["user"]):
        at = log_in(at, "ann", f"guess {i}")
    assert message in texts(at)
    at = log_in(at, "ann")  # the right password, during the lock
    assert message in texts(at)
    assert "Signed in as" not in texts(at) and "已登录" not in texts(at)
