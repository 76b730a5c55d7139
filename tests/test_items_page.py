"""The rectification items page through AppTest, on SQLite and PostgreSQL: the overview a product
manager reads, moving an item along, editing, evidence, carrying over, adding, and what a viewer may do."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db import migrate, topic_runs
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.items import NewItem, open_item, set_status
from db.models import AuditEvent, RectificationItem
from db.users import create_user
from db.workspace import create_product, create_round
from services import pain_points
from tests.apphelpers import markdown_to_html, rendered_html, texts
from tests.conftest import ROOT
from tests.test_items import KeywordEncoder
from ui.auth import SignedIn

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

TODAY = date.today()


@pytest.fixture
def app_db(db_url, monkeypatch) -> dict:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        first = create_round(session, product.id, "Round 1", starts_on=TODAY - timedelta(days=120))
        second = create_round(session, product.id, "Round 2", starts_on=TODAY + timedelta(days=10))
        late = open_item(
            session,
            first.id,
            NewItem(
                "Fix the upload crash",
                "T41",  # keys no analysis in these tests makes
                "Zhang Min",
                "complaint share (%)",
                8.0,
                4.0,
                TODAY - timedelta(days=3),
            ),
            "ada",
        )
        done = open_item(session, first.id, NewItem("Faster answers", "T42", "Li Wei", due_on=TODAY), "ada")
        set_status(session, done.id, "resolved", "ada")
        users = {
            role: create_user(session, name, "correct horse battery", role, actor="test").id
            for name, role in (("ada", "admin"), ("ann", "analyst"), ("vic", "viewer"))
        }
        data = {
            "product": product.id,
            "round1": first.id,
            "round2": second.id,
            "late": late.id,
            "done": done.id,
        }
    data.update(engine=engine, users=users)
    yield data
    engine.dispose()


def open_items(
    app_db: dict, role: str = "analyst", lang: str = "en", round_key: str = "round1", pick: int | None = None
) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "items.py"), default_timeout=120)
    at.session_state["lang"] = lang
    if pick is not None:
        at.session_state["items_pick"] = pick
    name = {"admin": "ada", "analyst": "ann", "viewer": "vic"}[role]
    at.session_state["auth_user"] = SignedIn(app_db["users"][role], name, role)
    at.session_state["workspace_product_id"] = app_db["product"]
    at.session_state["workspace_round_id"] = app_db[round_key]
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} among {[b.label for b in at.button]}"
    return matches[0].click().run()


def item(app_db: dict, item_id: int) -> RectificationItem:
    with unit_of_work(app_db["engine"]) as session:
        row = session.get(RectificationItem, item_id)
        assert row is not None
        session.expunge(row)
        return row


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_overview_counts_items_and_flags_the_overdue_one(app_db):
    at = open_items(app_db)
    assert not at.exception
    assert {k: metrics(at)[k] for k in ("Items", "Open or in progress", "Resolved", "Overdue")} == {
        "Items": "2",
        "Open or in progress": "1",
        "Resolved": "1",
        "Overdue": "1",
    }
    table = at.dataframe[0].value
    assert table["Item"].tolist() == ["Fix the upload crash", "Faster answers"]
    assert table["Status"].tolist() == ["open", "resolved"] and table["Overdue"].tolist() == [True, False]
    assert "Past its due date" in texts(at)  # the first item is picked and is late
    assert at.get("download_button")


def test_moving_an_item_along_and_the_evidence_rule(app_db):
    at = open_items(app_db)
    at.selectbox(key=f"items_next_{app_db['late']}").set_value("in_progress")
    at = at.button(key=f"items_set_status_{app_db['late']}").click().run()
    assert not at.exception
    assert f"Item #{app_db['late']} is now in progress." in texts(at)
    assert item(app_db, app_db["late"]).status == "in_progress"
    # The resolved one cannot be verified without evidence: the page says why, nothing changes.
    at.selectbox(key="items_pick").set_value(app_db["done"])
    at = at.run()
    at.selectbox(key=f"items_next_{app_db['done']}").set_value("verified")
    at = at.button(key=f"items_set_status_{app_db['done']}").click().run()
    assert "Verified needs evidence" in texts(at)
    assert item(app_db, app_db["done"]).status == "resolved"
    with unit_of_work(app_db["engine"]) as session:
        actors = [
            e.actor for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "item.status"))
        ]
    assert actors == ["ada", "ann"]  # the fixture's resolve, then the analyst's move


def test_editing_says_what_changed(app_db):
    at = open_items(app_db)
    form = at.get("form")[0]
    form.text_input[1].input("Wang Fang")  # owner
    at = click(at, "Save changes")
    assert not at.exception
    assert "Saved: owner." in texts(at)
    assert item(app_db, app_db["late"]).owner == "Wang Fang"
    at = click(at, "Save changes")
    assert "Nothing changed." in texts(at)


def test_an_unfinished_item_is_carried_over_to_the_next_round(app_db):
    at = open_items(app_db)
    at = click(at, "Carry over")
    assert not at.exception
    assert "Carried over to Round 2 as item" in texts(at)
    assert item(app_db, app_db["late"]).status == "carried_over"
    at = open_items(app_db, round_key="round2")
    table = at.dataframe[0].value
    assert table["Item"].tolist() == ["Fix the upload crash"] and table["Status"].tolist() == ["open"]
    assert f"Carried over from item #{app_db['late']}" in texts(at)


def test_adding_an_item_needs_a_title(app_db):
    at = open_items(app_db)
    at = click(at, "Open item")
    assert "Enter a title." in texts(at)
    at.text_input(key="items_add_title").input("Review-meeting action: add a disclaimer")
    at.text_input(key="items_add_owner").input("Chen Jie")
    at = click(at, "Open item")
    assert not at.exception
    assert "Review-meeting action: add a disclaimer" in at.dataframe[0].value["Item"].tolist()


def test_a_viewer_reads_but_changes_nothing(app_db):
    at = open_items(app_db, role="viewer")
    assert not at.exception
    assert len(at.dataframe[0].value) == 2
    assert "Read only: viewers cannot change items." in texts(at)
    assert not at.get("form") and not [b for b in at.button if b.label in ("Change status", "Carry over")]


def test_the_page_in_chinese(app_db):
    at = open_items(app_db, lang="zh")
    assert not at.exception
    assert metrics(at)["已逾期"] == "1"
    table = at.dataframe[0].value
    assert table["状态"].tolist() == ["待处理", "已解决"] and "负责人" in table.columns
    # Opened on the resolved item: AppTest reads other select boxes' labels in English after a change.
    at = open_items(app_db, lang="zh", pick=app_db["done"])
    at.selectbox(key=f"items_next_{app_db['done']}").select_index(1)  # resolved -> (in progress, verified)
    at = at.button(key=f"items_set_status_{app_db['done']}").click().run()
    assert "“已验证”需要证据" in texts(at)


def test_evidence_is_measured_from_the_topic_and_then_the_item_can_be_verified(app_db):
    engine, product = app_db["engine"], app_db["product"]
    fix = TODAY - timedelta(days=30)
    crashes = [f"crash number {i} on upload" for i in range(10)] + [f"slow answer {i}" for i in range(10)]
    after = [f"slow answer again {i}" for i in range(18)] + ["one more crash on upload", "crash once more"]
    with unit_of_work(engine) as session:
        start = datetime.combine(fix - timedelta(days=40), datetime.min.time(), UTC)
        later = datetime.combine(fix + timedelta(days=2), datetime.min.time(), UTC)
        store_feedback(
            session,
            [
                FeedbackIn(product, "in_app", text, start + timedelta(hours=i))
                for i, text in enumerate(crashes)
            ]
            + [
                FeedbackIn(product, "in_app", text, later + timedelta(hours=i))
                for i, text in enumerate(after)
            ],
        )
    summary = pain_points.analyse_scope(engine, product, None, KeywordEncoder())
    with unit_of_work(engine) as session:
        members = topic_runs.run_items(session, summary.run_id)
        key = members.loc[members["text"] == "crash number 0 on upload", "topic_key"].iloc[0]
        crash_item = open_item(
            session, app_db["round2"], NewItem("Stop the upload crashes", key, target=20.0), "ann"
        ).id
        set_status(session, crash_item, "resolved", "ann")
    at = open_items(app_db, round_key="round2")
    at.date_input(key=f"items_ev_start_{crash_item}").set_value(fix - timedelta(days=45))
    at.date_input(key=f"items_ev_fix_{crash_item}").set_value(fix)
    at.date_input(key=f"items_ev_end_{crash_item}").set_value(TODAY)
    at = click(at, "Measure and record evidence")
    assert not at.exception
    assert "Evidence recorded: This evidence verifies the item" in texts(at)
    evidence = item(app_db, crash_item).evidence
    assert evidence is not None and evidence["k_before"] > evidence["k_after"] and evidence["significant"]
    assert "fell significantly" in texts(at)
    table = at.dataframe[0].value
    shown = table.loc[table["Item"] == "Stop the upload crashes", "Evidence"].iloc[0]
    before, after = (f"{100 * evidence[f'share_{side}']:.1f}%" for side in ("before", "after"))
    assert shown == f"{before} → {after} (significant)"  # as the review deck shows it
    assert {m.label for m in at.metric} >= {"Share before", "Share after"}
    at.selectbox(key=f"items_next_{crash_item}").set_value("verified")
    at = at.button(key=f"items_set_status_{crash_item}").click().run()
    assert item(app_db, crash_item).status == "verified"


EVIL = "![x](http://evil.example/a.png) **bold** <img src=x>"


def test_a_typed_title_shows_as_typed_and_loads_nothing(app_db):
    """Markdown or HTML in an item's title is text: no image from elsewhere, no bold, no HTML."""
    with unit_of_work(app_db["engine"]) as session:
        evil = open_item(session, app_db["round1"], NewItem(EVIL, None, "Zhang Min"), "ann").id
    at = open_items(app_db, pick=evil)
    assert not at.exception
    page = rendered_html(at)
    assert "<img" not in page and "<strong>bold</strong>" not in page and "evil.example/a.png" in page
    assert at.subheader[0].value != f"#{evil} {EVIL}"  # escaped in the source ...
    shown = html.unescape(re.sub(r"<[^>]+>", "", markdown_to_html(at.subheader[0].value)))
    assert shown.strip() == f"#{evil} {EVIL}"  # ... and shown exactly as typed
