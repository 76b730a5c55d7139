"""The app shell through Streamlit's AppTest: first run, login, roles, language, database trouble."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db import migrate
from db.engine import make_engine, unit_of_work
from db.users import create_user
from tests.apphelpers import PASSWORD, create_admin, log_in, open_app, texts
from tests.conftest import ROOT
from ui.auth import SignedIn

# Slow: runs the app through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow


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
    assert "Feedback received" in texts(at) or "No product yet" in texts(at)
    if sees_admin:
        at.switch_page("views/admin.py").run()
        assert not at.exception
        assert [tab.label for tab in at.tabs] == ["Users", "Products and rounds", "Audit log"]
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("views/admin.py")  # not in this role's navigation


@pytest.mark.parametrize(
    ("page", "user", "message"),
    [
        ("views/admin.py", SignedIn(2, "ann", "analyst"), "Your role does not have access to this page."),
        ("views/admin.py", SignedIn(3, "vic", "viewer"), "Your role does not have access to this page."),
        ("views/admin.py", None, "Please log in first."),
        ("views/home.py", None, "Please log in first."),
    ],
)
def test_a_page_opened_directly_checks_the_role_itself(monkeypatch, db_url, page, user, message):
    """Defence in depth: a page script run on its own (as AppTest does) still checks the role."""
    open_app(monkeypatch, db_url)
    _with_users(db_url)
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["lang"] = "en"
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    assert not at.exception
    assert message in texts(at)
    assert not at.tabs and not at.metric


def test_language_switch_changes_the_ui(monkeypatch, db_url):
    at = open_app(monkeypatch, db_url, lang="zh")
    assert "欢迎使用 Rectify" in texts(at)
    assert "Welcome" not in texts(at)
    at.session_state["lang"] = "en"
    at.run()
    assert "Welcome to Rectify" in texts(at)


@pytest.mark.parametrize(
    ("make_url", "message"),
    [
        (lambda tmp: "postgresql://rectify:s3cret@127.0.0.1:1/rectify", "Cannot reach the database"),
        (lambda tmp: "definitely not a url", "is not a valid database address"),
        (lambda tmp: _corrupt_file(tmp), "is damaged or not a database"),
    ],
    ids=["unreachable", "malformed", "corrupt"],
)
def test_database_trouble_is_a_clear_message_not_a_traceback(monkeypatch, tmp_path, make_url, message):
    url = make_url(tmp_path)
    at = open_app(monkeypatch, url)
    assert not at.exception
    assert message in texts(at)
    assert "s3cret" not in texts(at)
    assert "Welcome to Rectify" not in texts(at)


def _corrupt_file(tmp_path) -> str:
    path = tmp_path / "rectify.db"
    path.write_bytes(b"not a database\n" * 500)
    return f"sqlite:///{path}"


def test_database_trouble_is_shown_in_chinese(monkeypatch):
    at = open_app(monkeypatch, "postgresql://rectify:s3cret@127.0.0.1:1/rectify", lang="zh")
    assert "无法连接数据库" in texts(at)
    assert "s3cret" not in texts(at)


def test_a_read_only_database_says_so_when_written(monkeypatch, tmp_path):
    path = tmp_path / "rectify.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test")
    engine.dispose()
    at = open_app(monkeypatch, f"sqlite:///file:{path}?mode=ro&uri=true")
    assert "Log in to Rectify" in texts(at)  # reading works
    at = log_in(at, "ada")  # logging in records the time of the login: a write
    assert not at.exception
    assert "is read-only" in texts(at)
