"""Issue 17.1: two browsers pressing 'Create admin' together make one admin, never two.

Real threads on a real SQLite file and the real PostgreSQL server, released together by a barrier,
calling what the first-run page calls.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from db.engine import make_engine, unit_of_work
from db.models import User
from db.users import AccountError
from services.accounts import set_up_first_admin

PASSWORD = "correct horse battery"
BROWSERS = 6


def test_concurrent_first_runs_create_exactly_one_admin(engine, db_url):
    barrier = threading.Barrier(BROWSERS)
    outcomes: dict[str, str] = {}

    def press_create(name: str) -> None:
        own = make_engine(db_url)  # each browser session has its own connections
        barrier.wait()
        try:
            set_up_first_admin(own, name, PASSWORD)
            outcomes[name] = "created"
        except AccountError as err:
            outcomes[name] = err.code
        finally:
            own.dispose()

    threads = [threading.Thread(target=press_create, args=(f"admin{i}",)) for i in range(BROWSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["already_set_up"] * (BROWSERS - 1) + ["created"]
    with unit_of_work(engine) as session:
        admins = session.scalars(select(User.username).where(User.role == "admin")).all()
    winner = next(name for name, outcome in outcomes.items() if outcome == "created")
    assert admins == [winner]


def test_a_refused_first_admin_leaves_the_setup_open(engine):
    # A too-short password must not leave the setup claimed: the next try still works.
    with pytest.raises(AccountError):
        set_up_first_admin(engine, "ada", "short")
    assert set_up_first_admin(engine, "ada", PASSWORD).role == "admin"
