"""The overview page: the demo's figures appear, the demo can be removed, viewers cannot change it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.engine import make_engine, unit_of_work
from db.items import list_product_items
from db.models import Feedback, Product
from db.users import create_user
from tests.apphelpers import PASSWORD, create_admin, log_in, open_app, texts, through_app

# Slow: loads the demo workspace, with its analysis, through the app: tens of seconds a test (CI runs it).
pytestmark = pytest.mark.slow


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _feedback_in_newest_round(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        total = session.scalar(select(func.count()).select_from(Feedback))
        newest = session.scalar(select(func.max(Feedback.round_id)))
        in_round = session.scalar(
            select(func.count()).select_from(Feedback).where(Feedback.round_id == newest)
        )
    engine.dispose()
    return int(total or 0), int(in_round or 0)


def test_loaded_demo_shows_its_figures_and_can_be_removed(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url))
    at.button(key="home_demo_load").click().run()
    at = through_app(at)
    assert not at.exception
    total, in_round = _feedback_in_newest_round(db_url)
    assert total >= 2000
    # The newest round is selected first; its figures match the database.
    assert int(_metric(at, "Total").replace(",", "")) == in_round
    assert (
        sum(
            int(_metric(at, label).replace(",", ""))
            for label in (
                "In-app feedback",
                "Survey comments",
                "Customer service",
                "Community posts",
                "Other",
            )
        )
        == in_round
    )
    for dimension in ("Accuracy", "Ease of use", "Response speed", "Problem resolution"):
        assert 1.0 <= float(_metric(at, dimension).split(" / ")[0]) <= 5.0
    assert "respondents" in texts(at)
    # Round 2's three items are open or in progress; none is resolved yet.
    assert _metric(at, "Open or in progress") == "3" and _metric(at, "Verified") == "0"

    at.selectbox(key="workspace_round_select_1").set_value(0).run()  # all rounds
    assert int(_metric(at, "Total").replace(",", "")) == total
    assert (_metric(at, "Resolved"), _metric(at, "Verified")) == ("1", "2")  # round 1's fixes
    # The demo comes analysed: every item is tied to the topic holding its planted pain point, named,
    # and the verified ones stand on evidence measured on that topic that verifies them.
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        items = list_product_items(session, 1)
    engine.dispose()
    assert items["topic_label"].notna().all() and not items["verification_lost"].any()
    assert (items.loc[items["status"] == "verified", "judgement"] == "verifies").all()

    at.button(key="home_demo_remove").click().run()  # asks first: see tests/test_demo_removal.py
    at.checkbox(key="home_demo_remove_sure").check().run()
    at.button(key="home_demo_remove_confirm").click().run()
    at = through_app(at)
    assert "No product yet" in texts(at)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    engine.dispose()


def test_the_overview_speaks_chinese(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url, lang="zh"))
    at.button(key="home_demo_load").click().run()
    at = through_app(at)
    assert "反馈数量" in texts(at) and "最新满意度" in texts(at)
    assert {"全部", "应用内反馈", "准确性", "响应速度"} <= {m.label for m in at.metric}


def test_a_viewer_sees_figures_but_cannot_load_or_remove_the_demo(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url))
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_user(session, "vic", PASSWORD, "viewer", actor="ada")
    engine.dispose()
    at = log_in(open_app(monkeypatch, db_url), "vic")
    assert "No product yet" in texts(at)
    assert not [b for b in at.button if b.key in ("home_demo_load", "home_demo_remove")]
