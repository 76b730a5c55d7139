"""Removing the demo asks first: it says what goes, with counts, and names what the user added to it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.items import NewItem, open_item
from db.models import AuditEvent, Feedback, Product, Response, Round, Survey, Wave
from db.surveys import add_response
from services.demo import demo_product_id, demo_removal_preview, has_demo, load_demo
from tests.apphelpers import create_admin, log_in, open_app, texts, through_app

# Slow: loads the demo workspace, with its analysis, through the app: tens of seconds a test (CI runs it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _add_own_things(db_url: str) -> dict[str, int]:
    """What a user did in the demo: imported 3 feedback items, opened an item, answered the survey."""
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        product_id = demo_product_id(session)
        assert product_id is not None
        round_id = session.scalar(select(func.max(Round.id)).where(Round.product_id == product_id))
        wave_id = session.scalar(
            select(func.max(Wave.id))
            .join(Survey, Wave.survey_id == Survey.id)
            .where(Survey.product_id == product_id)
        )
        now = datetime.now(UTC)
        store_feedback(
            session,
            [
                FeedbackIn(product_id=product_id, channel="customer_service", text=text, created_at=now)
                for text in ("My own ticket about login", "Another ticket of mine", "Third imported ticket")
            ],
        )
        open_item(session, round_id, NewItem(title="My own fix"), actor="ada")
        add_response(session, wave_id, "my-own-respondent", {"csat": 4}, now)
        before = {
            "feedback": session.scalar(select(func.count()).select_from(Feedback)),
            "responses": session.scalar(select(func.count()).select_from(Response)),
            "items": demo_removal_preview(session, product_id)["items"],
        }
    engine.dispose()
    return before


def _products(db_url: str) -> int:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        n = session.scalar(select(func.count()).select_from(Product))
    engine.dispose()
    return int(n or 0)


def test_the_preview_counts_everything_and_tells_the_users_additions_apart(engine):
    summary = load_demo(engine, actor="ada")
    with unit_of_work(engine) as session:
        product_id = demo_product_id(session)
        assert product_id == summary.product_id
        untouched = demo_removal_preview(session, product_id)
    assert untouched["feedback"] == summary.feedback_total
    assert untouched["responses"] == sum(summary.respondents_by_wave.values())
    assert untouched["items"] == summary.rectification_items and untouched["rounds"] == 2
    assert untouched["surveys"] == 1 and untouched["topic_runs"] == 0
    assert untouched["additions_known"] == 1
    assert all(untouched[f"added_{what}"] == 0 for what in ("feedback", "responses", "items", "surveys"))

    _add_own_things(engine.url.render_as_string(hide_password=False))
    with unit_of_work(engine) as session:
        preview = demo_removal_preview(session, product_id)
    assert preview["feedback"] == summary.feedback_total + 3 and preview["added_feedback"] == 3
    assert preview["added_items"] == 1 and preview["added_responses"] == 1
    assert preview["added_surveys"] == 0 and preview["added_rounds"] == 0

    # A demo loaded before the load recorded its last ids: counts and the audit log tell the same.
    with unit_of_work(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.load")).one()
        event.detail = {k: v for k, v in (event.detail or {}).items() if k != "last_ids"}
    with unit_of_work(engine) as session:
        legacy = demo_removal_preview(session, product_id)
    assert {k: legacy[k] for k in preview if k.startswith("added_")} == {
        k: preview[k] for k in preview if k.startswith("added_")
    }


def test_removing_the_demo_asks_first_and_names_what_you_added(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url))
    at.button(key="home_demo_load").click().run()
    at = through_app(at)
    before = _add_own_things(db_url)

    at.button(key="home_demo_remove").click().run()
    assert not at.exception
    assert _products(db_url) == 1, "pressing remove must not delete at once"
    shown = texts(at)
    assert f"{before['feedback']:,} feedback items" in shown
    assert f"{before['responses']:,} survey responses" in shown
    assert f"{before['items']} rectification items" in shown and "2 rounds" in shown
    assert (
        "That includes 3 feedback items, 1 survey response and 1 rectification item that you added yourself."
        in shown
    )
    assert at.button(key="home_demo_remove_confirm").disabled  # not before the box is ticked

    at.checkbox(key="home_demo_remove_sure").check().run()
    at.button(key="home_demo_remove_confirm").click().run()
    at = through_app(at)
    assert not at.exception
    assert _products(db_url) == 0
    assert "No product yet" in texts(at)


def test_cancel_keeps_the_demo_and_chinese_names_the_additions(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url, lang="zh"))
    at.button(key="home_demo_load").click().run()
    at = through_app(at)
    _add_own_things(db_url)
    at.button(key="home_demo_remove").click().run()
    shown = texts(at)
    assert "将永久删除演示产品" in shown and "个整改项" in shown
    assert "其中包括你自己添加的 3 条反馈、1 份问卷回答和 1 个整改项。" in shown
    at.button(key="home_demo_remove_cancel").click().run()
    assert not at.exception
    assert _products(db_url) == 1
    assert not [b for b in at.button if b.key == "home_demo_remove_confirm"]


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_only_an_admin_can_remove_the_demo(monkeypatch, db_url, role):
    from db.users import create_user

    at = create_admin(open_app(monkeypatch, db_url))
    at.button(key="home_demo_load").click().run()
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_user(session, "sam", "correct horse battery", role, actor="ada")
    engine.dispose()
    at = log_in(open_app(monkeypatch, db_url), "sam")
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("home_demo_remove")]


def test_the_command_line_shows_the_counts_and_needs_a_yes(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    from db.migrate import upgrade

    upgrade(engine)
    load_demo(engine, actor="cli")
    _add_own_things(url)

    def cli(*args: str, answer: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jobs.demo", "--database-url", url, "--remove", *args],
            cwd=ROOT,
            input=answer,
            stdin=subprocess.DEVNULL if answer is None else None,
            capture_output=True,
            text=True,
            timeout=120,
        )

    refused = cli()  # no terminal to answer on
    assert refused.returncode == 1
    assert "feedback" in refused.stdout and "3 feedback, 1 responses, 1 items" in refused.stdout
    assert "--yes" in refused.stderr and has_demo(engine)
    piped = cli(answer="yes\n")  # a pipe is not a terminal either: still refused
    assert piped.returncode == 1 and has_demo(engine)
    removed = cli("--yes")
    assert removed.returncode == 0, removed.stderr
    assert "Removed 1 demo product" in removed.stdout and not has_demo(engine)
    engine.dispose()
