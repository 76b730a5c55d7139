"""Single sign-on's mapping of an identity provider's e-mail onto Rectify's accounts and roles.

Tested without a real identity provider (none is reachable from the tests): what st.login would hand
over, an e-mail and whether the provider verified it, is given to the same function the app calls.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.engine import unit_of_work
from db.models import AuditEvent
from db.users import AccountError, create_user, update_user, user_for_sso
from tests.apphelpers import PASSWORD, open_app, texts
from tests.conftest import ROOT


@pytest.fixture
def staff(engine):
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test", email="Ada@Example.com")
        create_user(session, "vic", PASSWORD, "viewer", actor="test", email="vic@example.com")
        create_user(session, "nomail", PASSWORD, "analyst", actor="test")
    return engine


def test_a_verified_email_signs_in_as_the_account_with_its_role(staff):
    with unit_of_work(staff) as session:
        ada = user_for_sso(session, " ADA@example.COM ", verified=True)
        assert (ada.username, ada.role) == ("ada", "admin")
        assert user_for_sso(session, "vic@example.com", verified=True).role == "viewer"
    with unit_of_work(staff) as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "login.sso")).all()
    assert len(actions) == 2


@pytest.mark.parametrize(
    ("email", "verified", "code"),
    [
        ("ada@example.com", False, "sso_unverified"),  # anyone can claim an unverified address
        (None, True, "sso_unverified"),
        ("mallory@example.com", True, "sso_unknown"),  # no account is made on the fly
    ],
)
def test_unverified_and_unknown_identities_are_refused(staff, email, verified, code):
    with pytest.raises(AccountError) as caught, unit_of_work(staff) as session:
        user_for_sso(session, email, verified)
    assert caught.value.code == code


def test_a_disabled_account_is_refused(staff):
    with unit_of_work(staff) as session:
        vic = user_for_sso(session, "vic@example.com", verified=True)
        update_user(session, vic.id, actor="ada", is_active=False)
    with pytest.raises(AccountError) as caught, unit_of_work(staff) as session:
        user_for_sso(session, "vic@example.com", verified=True)
    assert caught.value.code == "sso_disabled"


def test_an_email_belongs_to_one_account(staff):
    with pytest.raises(AccountError) as caught, unit_of_work(staff) as session:
        create_user(session, "ada2", PASSWORD, "viewer", actor="test", email="ada@EXAMPLE.com")
    assert caught.value.code == "email_taken"
    with pytest.raises(AccountError) as caught, unit_of_work(staff) as session:
        create_user(session, "bob", PASSWORD, "viewer", actor="test", email="not an address")
    assert caught.value.code == "email_invalid"


@pytest.mark.slow
def test_the_login_page_offers_single_sign_on_only_when_configured(monkeypatch, db_url, staff):
    plain = open_app(monkeypatch, db_url)
    assert "Log in to Rectify" in texts(plain)
    assert "Sign in with single sign-on" not in [b.label for b in plain.button]

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a test secret",
        "client_id": "rectify",
        "client_secret": "s",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    assert "使用单点登录" in [b.label for b in at.button]
    assert "登录 Rectify" in texts(at)  # the password form stays
