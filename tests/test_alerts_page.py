"""The alerts page through AppTest, on SQLite and PostgreSQL: the evidence a product manager reads,
acknowledging and closing, what a viewer may not do, webhook URLs with a secret shown once, and the
overview's open-alerts line."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Alert, WebhookEndpoint
from db.users import create_user
from services.monitoring import monitor_product
from tests.apphelpers import texts
from tests.conftest import ROOT
from tests.monitor_support import NOW, seed
from ui.auth import SignedIn

pytestmark = pytest.mark.slow  # AppTest runs of the page: seconds each

STABLE = {"login": 3, "slow": 3, "dose": 2}
DOSE_SPIKE = {"login": 3, "slow": 3, "dose": 8}


@pytest.fixture
def app_db(db_url, monkeypatch) -> dict:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE)
    monitor_product(engine, ids["product"], now=NOW, deliver=False)
    with unit_of_work(engine) as session:
        users = {
            role: create_user(session, name, "correct horse battery", role, actor="test").id
            for name, role in (("ada", "admin"), ("ann", "analyst"), ("vic", "viewer"))
        }
        alert_id = session.scalar(select(Alert.id))
    yield {**ids, "engine": engine, "users": users, "alert": alert_id}
    engine.dispose()


def open_page(app_db: dict, role: str, script: str = "views/alerts.py", lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=120)
    at.session_state["lang"] = lang
    name = {"admin": "ada", "analyst": "ann", "viewer": "vic"}[role]
    at.session_state["auth_user"] = SignedIn(app_db["users"][role], name, role)
    at.session_state["workspace_product_id"] = app_db["product"]
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} among {[b.label for b in at.button]}"
    return matches[0].click().run()


def alert_row(app_db: dict) -> Alert:
    with unit_of_work(app_db["engine"]) as session:
        row = session.get(Alert, app_db["alert"])
        assert row is not None
        session.expunge(row)
        return row


def test_the_alert_shows_its_evidence_and_quotes(app_db):
    at = open_page(app_db, "analyst")
    assert not at.exception
    page = texts(at)
    assert "Topic spike: dose topic" in page
    assert "Last 7 days: 56 of 98 items (57.1%)" in page
    assert "the 28 days before: 56 of 224 (25.0%)" in page
    assert "Holm-adjusted p = " in page and "Status: open" in page
    assert "wrong dosage for children" in page


def test_an_analyst_acknowledges_then_closes_an_alert(app_db):
    at = open_page(app_db, "analyst")
    at = click(at, "Acknowledge")
    assert not at.exception
    assert f"Alert #{app_db['alert']} acknowledged." in texts(at)
    row = alert_row(app_db)
    assert (row.status, row.acknowledged_by) == ("acknowledged", "ann")
    assert "Acknowledged by ann" in texts(at)
    at = click(at, "Close")
    row = alert_row(app_db)
    assert (row.status, row.closed_by) == ("closed", "ann")
    assert "No alert has the chosen statuses." in texts(at), "closed alerts are hidden by default"


def test_a_viewer_reads_but_cannot_acknowledge_or_add_urls(app_db):
    at = open_page(app_db, "viewer")
    assert not at.exception
    assert "Topic spike: dose topic" in texts(at)
    assert "Your role can read alerts but not change them." in texts(at)
    assert not [b for b in at.button if b.label in ("Acknowledge", "Close", "Add")]
    assert not at.text_input
    assert alert_row(app_db).status == "open"


def test_an_admin_adds_a_webhook_url_and_sees_its_secret_once(app_db):
    at = open_page(app_db, "admin")
    at.text_input(key="alerts_new_url").input("ftp://example.com/hook")
    at = at.button(key="FormSubmitter:alerts_add_form-Add").click().run()
    assert "Enter a full address starting with http:// or https://." in texts(at)
    at.text_input(key="alerts_new_url").input("https://hooks.example.com/rectify")
    at = at.button(key="FormSubmitter:alerts_add_form-Add").click().run()
    assert not at.exception
    with unit_of_work(app_db["engine"]) as session:
        endpoint = session.scalars(select(WebhookEndpoint)).one()
        secret, url = endpoint.secret, endpoint.url
    assert url == "https://hooks.example.com/rectify"
    assert [c.value for c in at.code] == [secret] and secret.startswith("whsec_")
    at = at.run()
    assert not at.code, "the secret is shown once"
    at = click(at, "Disable")
    with unit_of_work(app_db["engine"]) as session:
        assert session.scalars(select(WebhookEndpoint.active)).one() is False
    assert "URL disabled." in texts(at)


def test_the_overview_names_the_open_alerts_with_a_link(app_db):
    # Through app.py, as the browser opens it: the overview links to pages of the navigation.
    at = open_page(app_db, "viewer", script="app.py")
    assert not at.exception
    assert "1 open alert" in texts(at)
    with unit_of_work(app_db["engine"]) as session:
        session.get(Alert, app_db["alert"]).status = "acknowledged"
    assert "open alert" not in texts(at.run()), "an acknowledged alert is no longer open"
