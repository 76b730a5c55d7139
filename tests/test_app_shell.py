"""The app shell through Streamlit's AppTest: first run, login, roles, language, database trouble."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import ROLES
from db.users import create_user
from db.workspace import create_product, create_round
from tests.apphelpers import PASSWORD, create_admin, log_in, open_app, texts
from tests.conftest import ROOT
from ui import nav, roles
from ui.auth import SignedIn
from ui.nav import PageSpec
from ui.workspace import PRODUCT_KEY

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
        assert [tab.label for tab in at.tabs] == ["Users", "Products and rounds", "API keys", "Audit log"]
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


LOGIN_REQUIRED = "Please log in first."
FORBIDDEN = "Your role does not have access to this page."


def test_the_role_groups_are_made_of_the_stored_roles():
    assert sorted(roles.STAFF) == sorted(ROLES)
    assert set(roles.ADMINS) <= set(roles.EDITORS) <= set(roles.STAFF)
    assert {spec.roles for spec in nav.STAFF_PAGES} <= {roles.STAFF, roles.EDITORS, roles.ADMINS}


def _spec_name(spec: PageSpec) -> str:
    return next(name for name, value in vars(nav).items() if value is spec)


@pytest.mark.parametrize("spec", nav.STAFF_PAGES, ids=_spec_name)
def test_every_staff_page_starts_with_the_shared_header(spec: PageSpec):
    """The page's first Streamlit statement is open_page with its own navigation entry, so the roles
    it lets in are the ones the navigation shows; no page checks a role or draws a title itself."""
    module = ast.parse((ROOT / spec.path).read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(module)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open_page"
    ]
    assert len(calls) == 1, f"{spec.path} must call open_page exactly once"
    (call,) = calls
    header = next(stmt for stmt in module.body if call in ast.walk(stmt))  # at module level
    before = module.body[: module.body.index(header)]
    for stmt in before:
        if not isinstance(stmt, ast.FunctionDef | ast.ClassDef):  # a definition draws nothing
            used = {node.id for node in ast.walk(stmt) if isinstance(node, ast.Name)}
            assert "st" not in used, f"{spec.path} line {stmt.lineno} uses Streamlit before the header"
    assert ast.unparse(call.args[0]) == f"nav.{_spec_name(spec)}", f"{spec.path} opens another page's entry"
    used = {ast.unparse(node) for node in ast.walk(module) if isinstance(node, ast.Attribute)}
    assert not used & {"auth.require_role", "st.title"}, f"{spec.path} checks a role or draws a title itself"


@pytest.mark.parametrize("path", sorted((ROOT / "views").glob("*.py")), ids=lambda path: path.name)
def test_no_page_names_a_role(path: Path):
    """What a role may do is decided in ui/roles.py; a page asks there (roles.can_edit, is_admin)."""
    module = ast.parse(path.read_text(encoding="utf-8"))
    named = [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(module)
        if isinstance(node, ast.Constant) and node.value in ROLES
    ]
    assert named == []


@pytest.fixture(scope="module")
def product_id(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A SQLite database with one product and round and nothing in them, shared by the module's tests
    (the role checks read nothing else); the id of the product."""
    url = f"sqlite:///{tmp_path_factory.mktemp('roles') / 'rectify.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist")
        create_round(session, product.id, "Round 1")
        new_id = product.id
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.chdir(ROOT)
        yield new_id


@pytest.mark.parametrize("role", [*roles.STAFF, None], ids=lambda role: role or "logged_out")
@pytest.mark.parametrize("spec", nav.STAFF_PAGES, ids=_spec_name)
def test_each_page_lets_in_exactly_the_roles_of_its_nav_entry(
    product_id: int, spec: PageSpec, role: str | None
):
    """Run on its own, as a URL would open it, a page refuses every role its navigation entry leaves
    out, and lets the others through to its content (a product is selected, so nothing stops it early)."""
    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=120)
    at.session_state["lang"] = "en"
    at.session_state[PRODUCT_KEY] = product_id
    if role is not None:
        at.session_state["auth_user"] = SignedIn(1, "someone", role)
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    if role is None:
        assert errors == [LOGIN_REQUIRED] and not at.title
    elif role in spec.roles:
        assert LOGIN_REQUIRED not in errors and FORBIDDEN not in errors
        assert len(at.title) == 1  # the header ran: the page's title
    else:
        assert errors == [FORBIDDEN] and not at.title


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
        (lambda tmp: "postgresql://rectify:s3cret@db:abc/rectify", "must be a number from 1 to 65535"),
        (lambda tmp: "postgresql://rectify:s3cret@db:99999999/rectify", "must be a number from 1 to 65535"),
    ],
    ids=["unreachable", "malformed", "corrupt", "port_not_a_number", "port_out_of_range"],
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
