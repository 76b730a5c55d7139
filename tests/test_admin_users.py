"""The admin's users tab as an admin uses it: a new account is a viewer unless raised, and shows at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import make_engine, unit_of_work
from db.models import User
from tests.apphelpers import PASSWORD, create_admin, open_app, texts

# Slow: runs the app through AppTest (CI runs it).
pytestmark = pytest.mark.slow


def test_a_new_user_is_a_viewer_and_is_listed_and_editable_at_once(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url))
    at.switch_page("views/admin.py").run()
    assert at.selectbox(key="admin_new_role").value == "viewer"  # the least a new account can do
    at.text_input(key="admin_new_username").input("bo")
    at.text_input(key="admin_new_password").input(PASSWORD)
    at = next(b for b in at.button if b.label == "Create user").click().run()
    assert not at.exception
    assert "User bo created." in texts(at)
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["ada", "bo"] and list(table["Role"])[-1] == "viewer"
    # The edit form lists the new user without another visit to the page.
    names = at.selectbox(key="admin_edit_id").options
    assert "bo" in names
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        assert session.scalars(select(User.role).where(User.username == "bo")).one() == "viewer"
    engine.dispose()


def test_a_write_lock_held_elsewhere_says_so_and_nothing_is_created(monkeypatch, db_url):
    """The Chinese wording is checked in test_database_problems (AppTest's selectboxes read English)."""
    monkeypatch.setenv("RECTIFY_LOCK_WAIT_S", "0.3")  # each of the staff write's tries waits this long
    at = create_admin(open_app(monkeypatch, db_url))
    at.switch_page("views/admin.py").run()
    at.text_input(key="admin_new_username").input("bo")
    at.text_input(key="admin_new_password").input(PASSWORD)
    holder = make_engine(db_url).connect()  # another process, writing and not done yet
    if holder.dialect.name == "sqlite":
        holder.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    try:
        at = next(b for b in at.button if b.label == "Create user").click().run()
    finally:
        holder.rollback()
        holder.close()
    assert not at.exception
    assert "Another process is writing to the database" in texts(at) and "try again" in texts(at)
    assert "Cannot reach" not in texts(at)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        assert session.scalars(select(User.username)).all() == ["ada"]
    engine.dispose()
