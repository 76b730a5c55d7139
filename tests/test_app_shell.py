"""The app shell through Streamlit's AppTest: first run, login, roles, language, database trouble."""

from __future__ import annotations

import pytest

from db.engine import make_engine, unit_of_work
from db.users import create_user
from tests.apphelpers import PASSWORD, create_admin, log_in, open_app, texts


def test_first_run_creates_the_admin_and_signs_in(monkeypatch, db_url):
    at = open_app(monkeypatch, db_url)
    assert not at.exception
    assert "Welcome to Rectify" in texts(at)
    at = create_admin(at)
    assert not at.exception
    assert "Signed in as ada (admin)" in texts(at)
    assert "No product yet" in texts(at)


def test_first_run_refuses_short_and_mismatched_passwords(monkeypatch, db_url):
    at = open_app(monkeypatch, db_url)
    at = create_admin(at, password="short")
    assert "at least 10 characters" in texts(at)
    at.text_input(key="first_run_username").input("ada")
    at.text_input(key="first_run_password").input(PASSWORD)
    at.text_input(key="first_run_confirm").input(PASSWORD + "x")
    at = at.button[0].click().run()
    assert "The two passwords differ." in texts(at)
    assert "Welcome to Rectify" in texts(at)  # still the first-run screen: nothing was created


def _with_users(db_url: str) -> None:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test")
        create_user(session, "ann", PASSWORD, "analyst", actor="test")
        create_user(session, "vic", PASSWORD, "viewer", actor="test")
    engine.dispose()


def test_wrong_password_is_refused(monkeypatch, db_url):
    at = open_app(monkeypatch, db_url)  # migrates the empty database
    _with_users(db_url)
    at = open_app(monkeypatch, db_url)
    at = log_in(at, "ann", "not the password")
    assert not at.exception
    assert "Wrong username or password." in texts(at)
    assert "Signed in as" not in texts(at)


@pytest.mark.parametrize(("username", "sees_admin"), [("ada", True), ("ann", False), ("vic", False)])
def test_each_role_sees_only_its_pages(monkeypatch, db_url, username, sees_admin):
    open_app(monkeypatch, db_url)
    _with_users(db_url)
    at = log_in(open_app(monkeypatch, db_url), username)
    assert f"Signed in as {username}" in texts(at)
    at.switch_page("pages/admin.py").run()  # what a typed URL does
    assert not at.exception
    assert ("Audit log" in [tab.label for tab in at.tabs]) is sees_admin


def test_staff_pages_refuse_a_visitor_who_is_not_logged_in(monkeypatch, db_url):
    open_app(monkeypatch, db_url)
    _with_users(db_url)
    at = open_app(monkeypatch, db_url)
    for page in ("pages/home.py", "pages/admin.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert "Log in to Rectify" in texts(at) or "Please log in first." in texts(at)
        assert "Feedback received" not in texts(at)
        assert not at.tabs


def test_language_switch_changes_the_ui(monkeypatch, db_url):
    at = open_app(monkeypatch, db_url, lang="zh")
    assert "欢迎使用 Rectify" in texts(at)
    assert "Welcome" not in texts(at)
    at.session_state["lang"] = "en"
    at.run()
    assert "Welcome to Rectify" in texts(at)
