"""Shared fixtures: a fresh database per test, on a real SQLite file and on the local PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from db import migrate
from db.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
# An account allowed to create databases; each test gets a database of its own on this server.
PG_ADMIN_URL = os.environ.get("RECTIFY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_counter = itertools.count()
# Where a PostgreSQL database's pseudonym secret file is made (db/settings.py): never the real home.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="rectify-test-config-")
# CI sets it (.ci/run): what the tests need ships with the repository, so there a skip is a failure.
NO_SKIPS = os.environ.get("RECTIFY_NO_SKIPS") == "1"
_skipped: list[tuple[str, str]] = []  # (test or module, reason), for the summary at the end


# --- skips are loud: counted with their reasons at the end, and failures where RECTIFY_NO_SKIPS=1 ----


def _skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport() -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        _skipped.append((report.nodeid, reason))
        if NO_SKIPS:
            report.outcome = "failed"
            report.longrepr = f"skipped, and RECTIFY_NO_SKIPS=1 allows no skip: {reason}"
    return report


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped:  # a whole module skipped (pytest.importorskip, allow_module_level)
        _skipped.append((report.nodeid, _skip_reason(report)))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if NO_SKIPS and _skipped and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a skipped module: no test report to fail


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _skipped:
        terminalreporter.write_sep("=", "skipped: 0 tests", green=True)
        return
    verdict = "each a failure (RECTIFY_NO_SKIPS=1)" if NO_SKIPS else "allowed here; CI fails on them"
    terminalreporter.write_sep("!", f"skipped: {len(_skipped)}; {verdict}", yellow=True, bold=True)
    for nodeid, reason in _skipped:
        terminalreporter.write_line(f"SKIPPED {nodeid}: {reason}", yellow=True)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - any failure means the server is not there
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({err}); start it as the README says")
    yield engine
    engine.dispose()


def _fresh_pg_url(admin: Engine) -> Iterator[str]:
    name = f"rectify_test_{os.getpid()}_{next(_counter)}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a new database on the local PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rectify.db'}"
    else:
        yield from _fresh_pg_url(request.getfixturevalue("pg_admin"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database migrated to head."""
    eng = make_engine(db_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()
