"""The feedback browser: filters, search, counts and paging in the repository (SQLite and PostgreSQL),
the page through AppTest in both languages, and deleting one respondent's data on request."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from analytics.pseudonym import pseudonymise
from db import migrate
from db.engine import make_engine, unit_of_work
from db.feedback import (
    FeedbackFilter,
    FeedbackIn,
    count_matching,
    count_respondent,
    find_feedback,
    forget_respondent,
    store_feedback,
)
from db.models import Answer, AuditEvent, Feedback, Response
from db.settings import respondent_key_secret
from db.surveys import add_response, create_survey_from_template, open_wave
from db.users import create_user
from db.workspace import create_product, create_round
from services.respondents import respondent_keys
from tests.apphelpers import texts
from tests.conftest import ROOT
from ui.auth import SignedIn

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

RAW_KEY = "C-10086"


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 5, day, hour, 0, tzinfo=UTC)


def seed(session) -> dict:
    """Two products; feedback across channels, days, categories and ratings; one respondent with a
    survey response and feedback in both products."""
    product = create_product(session, "MediAssist", "medical")
    other = create_product(session, "Tutor", "education")
    round_id = create_round(session, product.id, "Round 1").id
    key = pseudonymise(RAW_KEY, respondent_key_secret(session))
    items = [
        FeedbackIn(product.id, "in_app", "App CRASHES on start", _at(1), rating=1.0, category="performance",
                   respondent_key=key, round_id=round_id),
        FeedbackIn(product.id, "in_app", "回答太慢了，等了十几秒", _at(2), rating=2.0, category="performance",
                   round_id=round_id),
        FeedbackIn(product.id, "customer_service", "布洛芬剂量推荐错了", _at(3), rating=1.0, category="accuracy",
                   source_ref="CS-1", round_id=round_id),
        FeedbackIn(product.id, "customer_service", "<script>alert('x')</script> shown raw?", _at(4),
                   source_ref="CS-2", round_id=round_id),
        FeedbackIn(product.id, "community", "Love it, 100% better than before_now", _at(5), rating=5.0,
                   category="other", round_id=round_id),
        FeedbackIn(product.id, "survey_comment", "界面不好用", _at(6), rating=3.0, category="interaction",
                   respondent_key=key, round_id=round_id),
        FeedbackIn(other.id, "in_app", "Too many ads", _at(6), respondent_key=key),
    ]  # fmt: skip
    store_feedback(session, items)
    survey = create_survey_from_template(session, product.id, "Satisfaction")
    wave = open_wave(session, survey.id, round_id, "baseline", "Before")
    add_response(session, wave.id, key, {"accuracy": 2, "ease_of_use": 3, "comment": "界面不好用"})
    add_response(
        session, wave.id, pseudonymise("someone else", respondent_key_secret(session)), {"accuracy": 5}
    )
    return {"product_id": product.id, "other_id": other.id, "key": key}


@pytest.fixture
def seeded(engine) -> dict:
    with unit_of_work(engine) as session:
        return seed(session)


def _texts(engine, flt: FeedbackFilter, **page) -> list[str]:
    with unit_of_work(engine) as session:
        return [f.text for f in find_feedback(session, flt, **page)]


def _total(engine, flt: FeedbackFilter) -> int:
    with unit_of_work(engine) as session:
        return sum(count_matching(session, flt).values())


# --------------------------------------------------------------------------------------------------
# Repository (SQLite and PostgreSQL)
# --------------------------------------------------------------------------------------------------


def test_newest_first_within_the_product(engine, seeded):
    assert _texts(engine, FeedbackFilter(seeded["product_id"]))[0] == "界面不好用"
    assert _total(engine, FeedbackFilter(seeded["product_id"])) == 6
    assert _texts(engine, FeedbackFilter(seeded["other_id"])) == ["Too many ads"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"channels": ("customer_service",)}, 2),
        ({"channels": ("in_app", "community")}, 3),
        ({"created_from": _at(3, 0), "created_before": _at(5, 0)}, 2),  # 3 and 4 May
        ({"categories": ("performance",)}, 2),
        ({"categories": (None,)}, 1),  # not categorised yet
        ({"categories": ("accuracy", None)}, 2),
        ({"rating_min": 1.0, "rating_max": 2.0, "include_unrated": False}, 3),
        ({"rating_min": 4.0, "rating_max": 5.0}, 2),  # unrated included
        ({"include_unrated": False}, 5),
        ({"search": "crash"}, 1),  # ignores case
        ({"search": "CRASHES START"}, 1),  # every word must be there
        ({"search": "太慢"}, 1),  # Chinese substring
        ({"search": "100%"}, 1),  # % and _ are plain characters, not wildcards
        ({"search": "%"}, 1),
        ({"search": "_"}, 1),
        ({"search": "<script>"}, 1),
        ({"search": "nothing like this"}, 0),
    ],
)
def test_filters_and_search(engine, seeded, changes, expected):
    flt = FeedbackFilter(seeded["product_id"], **changes)
    assert _total(engine, flt) == expected == len(_texts(engine, flt))


def test_counts_per_channel_and_paging(engine, seeded):
    with unit_of_work(engine) as session:
        counts = count_matching(session, FeedbackFilter(seeded["product_id"]))
    assert counts == {"in_app": 2, "survey_comment": 1, "customer_service": 2, "community": 1, "other": 0}
    flt = FeedbackFilter(seeded["product_id"])
    pages = [_texts(engine, flt, offset=offset, limit=4) for offset in (0, 4)]
    assert [len(p) for p in pages] == [4, 2]
    assert set(pages[0]).isdisjoint(pages[1])


def test_the_round_scopes_the_browser(engine, seeded):
    with unit_of_work(engine) as session:
        other_round = create_round(session, seeded["product_id"], "Round 2").id
    assert _total(engine, FeedbackFilter(seeded["product_id"], round_id=other_round)) == 0


def test_a_respondent_is_found_by_raw_id_or_by_pseudonym(engine, seeded):
    with unit_of_work(engine) as session:
        by_raw = respondent_keys(session, f"  {RAW_KEY} ")
        by_pseudonym = respondent_keys(session, seeded["key"].upper())
        assert seeded["key"] in by_raw and seeded["key"] in by_pseudonym
        assert count_respondent(session, by_raw) == count_respondent(session, by_pseudonym)
        found = count_respondent(session, by_raw)
    assert (found.feedback, found.responses) == (3, 1)  # feedback in both products, one response
    with pytest.raises(ValueError), unit_of_work(engine) as session:
        respondent_keys(session, "   ")


def test_forgetting_a_respondent_deletes_feedback_responses_and_answers(engine, seeded):
    with unit_of_work(engine) as session:
        answers_before = session.scalar(select(func.count()).select_from(Answer))
        deleted = forget_respondent(session, respondent_keys(session, RAW_KEY), actor="ada")
    assert (deleted.feedback, deleted.responses) == (3, 1)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).where(Feedback.respondent_key == seeded["key"])) == 0
        assert session.scalar(select(func.count()).where(Response.respondent_key == seeded["key"])) == 0
        assert session.scalar(select(func.count()).select_from(Answer)) == answers_before - 3
        assert session.scalar(select(func.count()).select_from(Feedback)) == 4  # the others stay
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "respondent.forget"))
    assert (event.actor, event.detail, event.object_id) == ("ada", {"feedback": 3, "responses": 1}, None)
    assert RAW_KEY not in str(event.detail) and seeded["key"] not in str(event.detail)


# --------------------------------------------------------------------------------------------------
# The page (AppTest)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def app_db(db_url, monkeypatch) -> dict:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        data = seed(session)
        data["users"] = {
            role: create_user(session, name, "correct horse battery", role, actor="test").id
            for name, role in (("ada", "admin"), ("ann", "analyst"), ("vic", "viewer"))
        }
    data["engine"] = engine
    yield data
    engine.dispose()


def open_browser(app_db: dict, role: str = "analyst", lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "feedback_browser.py"), default_timeout=120)
    at.session_state["lang"] = lang
    name = {"admin": "ada", "analyst": "ann", "viewer": "vic"}[role]
    at.session_state["auth_user"] = SignedIn(app_db["users"][role], name, role)
    at.session_state["workspace_product_id"] = app_db["product_id"]
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest):
    return at.dataframe[0].value


def test_the_browser_shows_counts_and_a_table(app_db):
    at = open_browser(app_db)
    assert not at.exception
    assert metrics(at) == {"Matching": "6", "In-app feedback": "2", "Survey comments": "1",
                           "Customer service": "2", "Community posts": "1", "Other": "0"}  # fmt: skip
    frame = table(at)
    assert len(frame) == 6 and frame["Text (redacted)"].iloc[0] == "界面不好用"
    assert "Items 1-6 of 6" in texts(at)
    assert "Delete everything of one respondent" not in texts(at)  # analysts do not delete


def test_filters_in_the_form(app_db):
    at = open_browser(app_db)
    at.multiselect(key="browser_channels").set_value(["customer_service"])
    at.text_input(key="browser_search").input("布洛芬")
    at = at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert metrics(at)["Matching"] == "1"
    assert table(at)["Text (redacted)"].tolist() == ["布洛芬剂量推荐错了"]


def test_no_match_and_a_backwards_date_range(app_db):
    at = open_browser(app_db)
    at.text_input(key="browser_search").input("no such words")
    at = at.button[0].click().run()
    assert "No feedback matches these filters." in texts(at)
    at = open_browser(app_db)
    at.date_input(key="browser_from").set_value(date(2026, 5, 5))
    at.date_input(key="browser_to").set_value(date(2026, 5, 1))
    at = at.button[0].click().run()
    assert not at.exception
    assert "The start date is after the end date." in texts(at)


def test_html_in_feedback_is_shown_as_text(app_db):
    at = open_browser(app_db)
    assert "<script>alert('x')</script> shown raw?" in table(at)["Text (redacted)"].tolist()
    assert "<script>" not in " ".join(m.value for m in at.markdown)
    assert not at.get("html")


def test_the_browser_in_chinese(app_db):
    at = open_browser(app_db, lang="zh")
    assert not at.exception
    assert metrics(at)["符合条件"] == "6" and "客服记录" in metrics(at)
    assert "内容（已脱敏）" in table(at).columns
    assert "客服记录" in table(at)["渠道"].tolist()


def test_a_viewer_reads_but_cannot_delete(app_db):
    at = open_browser(app_db, role="viewer")
    assert not at.exception and metrics(at)["Matching"] == "6"
    assert "Delete everything of one respondent" not in texts(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_admin_deletes_one_respondent_after_confirming(app_db, lang):
    at = open_browser(app_db, role="admin", lang=lang)
    heading = {"en": "Delete everything of one respondent", "zh": "删除某位用户的全部数据"}[lang]
    assert heading in texts(at)
    at.text_input(key="browser_forget_key").input(RAW_KEY)
    at = at.button(key=_submit(at, "browser_forget_find")).click().run()
    found = {
        "en": "Found 3 feedback items and 1 questionnaire responses.",
        "zh": "找到 3 条反馈和 1 份问卷回答。",
    }
    assert found[lang] in texts(at)
    at = at.button(key="browser_forget_delete").click().run()  # not confirmed yet
    assert {"en": "Tick the confirmation box first.", "zh": "请先勾选确认框。"}[lang] in texts(at)
    with unit_of_work(app_db["engine"]) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 7
    at.checkbox(key="browser_forget_confirm").check()
    at = at.button(key="browser_forget_delete").click().run()
    assert not at.exception
    done = {
        "en": "Deleted 3 feedback items and 1 questionnaire responses.",
        "zh": "已删除 3 条反馈和 1 份问卷回答。",
    }
    assert done[lang] in texts(at)
    derived = {
        "en": "the keywords, names and sizes of 0 topics were computed again",
        "zh": "0 个主题的关键词、名称和规模已根据剩余反馈重新计算",
    }
    assert derived[lang] in texts(at)
    assert metrics(at)[{"en": "Matching", "zh": "符合条件"}[lang]] == "4"  # the counts above are fresh
    with unit_of_work(app_db["engine"]) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 4
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "respondent.forget")).one()
    assert event.detail == {"feedback": 3, "responses": 1} and RAW_KEY not in str(event.detail)


def _submit(at: AppTest, form: str) -> str:
    """The key of a form's submit button (AppTest names it after the form)."""
    return next(b.key for b in at.button if b.key and form in b.key)


def test_an_unknown_or_empty_key_says_so(app_db):
    at = open_browser(app_db, role="admin")
    at.text_input(key="browser_forget_key").input("nobody-here")
    at = at.button(key=_submit(at, "browser_forget_find")).click().run()
    assert "Nothing is stored under this id." in texts(at)
    at = at.button(key=_submit(at, "browser_forget_find")).click().run()
    assert "Enter a customer id or pseudonym." in texts(at)


def test_the_browser_needs_a_login(app_db):
    at = AppTest.from_file(str(ROOT / "views" / "feedback_browser.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at = at.run()
    assert "Please log in first." in texts(at) and not at.dataframe


def test_pages_of_fifty(app_db):
    with unit_of_work(app_db["engine"]) as session:
        items = [
            FeedbackIn(app_db["product_id"], "community", f"post number {i:03d}", _at(10, 0))
            for i in range(120)
        ]
        store_feedback(session, items)
    at = open_browser(app_db)
    assert "Page (of 3)" in [n.label for n in at.number_input]
    assert len(table(at)) == 50 and "Items 1-50 of 126" in texts(at)
    at.number_input(key="browser_page").set_value(3)
    at = at.run()
    assert len(table(at)) == 26 and "Items 101-126 of 126" in texts(at)
    # A new filter starts again at page 1.
    at.text_input(key="browser_search").input("post number")
    at = at.button[0].click().run()
    assert "Items 1-50 of 120" in texts(at)
