"""Respondent keys are stored pseudonymised with a secret that stays the same."""

from __future__ import annotations

import pytest

from analytics.pseudonym import pseudonymise
from db.engine import unit_of_work
from db.settings import respondent_key_secret


def test_same_key_same_pseudonym_and_never_the_key_itself():
    a = pseudonymise("user-42@example.com", b"s")
    assert a == pseudonymise(" user-42@example.com ", b"s")
    assert a != pseudonymise("user-43@example.com", b"s")
    assert a != pseudonymise("user-42@example.com", b"other secret")
    assert "user-42" not in a and len(a) == 64


def test_empty_key_is_refused():
    with pytest.raises(ValueError):
        pseudonymise("  ", b"s")


def test_secret_is_made_once_and_kept(engine, monkeypatch):
    monkeypatch.delenv("RECTIFY_SECRET_KEY", raising=False)
    with unit_of_work(engine) as session:
        first = respondent_key_secret(session)
    with unit_of_work(engine) as session:
        assert respondent_key_secret(session) == first
    assert len(first) == 64
    monkeypatch.setenv("RECTIFY_SECRET_KEY", "from-the-environment")
    with unit_of_work(engine) as session:
        assert respondent_key_secret(session) == b"from-the-environment"
