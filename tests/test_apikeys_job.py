"""Issue 13: `python -m jobs.apikeys create / list / revoke` from a shell, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditEvent
from db.workspace import create_product
from services.api_keys import authenticate
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # each command is a new Python process (seconds)


def _job(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jobs.apikeys", "--database-url", db_url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_prints_only_the_key_list_shows_its_prefix_revoke_ends_it(engine, db_url):
    with unit_of_work(engine) as session:
        create_product(session, "MediAssist", "medical")
    made = _job(db_url, "create", "--product", "MediAssist", "--scopes", "feedback:write,read")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert made.stdout == key + "\n" and key.startswith("rfy_")  # the key and nothing else
    with unit_of_work(engine) as session:
        caller = authenticate(session, key)
        assert caller is not None and caller.scopes == ("feedback:write", "read")
    listed = _job(db_url, "list")
    assert listed.returncode == 0
    assert key[:12] in listed.stdout and key not in listed.stdout and "MediAssist" in listed.stdout
    revoked = _job(db_url, "revoke", key[:12])
    assert revoked.returncode == 0, revoked.stderr
    with unit_of_work(engine) as session:
        assert authenticate(session, key) is None
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "api_key")).all()
        assert sorted(actions) == ["api_key.create", "api_key.revoke"]
    assert "revoked" in _job(db_url, "list").stdout.splitlines()[0]


def test_refusals_are_one_line_with_exit_status_2(engine, db_url):
    with unit_of_work(engine) as session:
        create_product(session, "MediAssist", "medical")
    unknown = _job(db_url, "create", "--product", "Nope", "--scopes", "feedback:write")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr.strip() == "error: no product named 'Nope'"
    scope = _job(db_url, "create", "--product", "MediAssist", "--scopes", "admin")
    assert scope.returncode == 2 and "unknown scope admin" in scope.stderr
    assert _job(db_url, "revoke", "rfy_nothing").returncode == 2
