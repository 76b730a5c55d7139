"""The collection pages through Streamlit's AppTest: in-app feedback, the respondent's questionnaire and
survey admin, with bad input; what the user sees and what lands in the database."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from analytics.pii import ENTITY_TYPES
from analytics.pseudonym import pseudonymise
from analytics.vocabulary import CATEGORIES
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Answer, AuditEvent, Feedback, Response, Wave
from db.settings import respondent_key_secret
from db.surveys import SurveyError, create_survey_from_template, open_wave, set_wave_open
from db.users import create_user
from db.workspace import create_product, create_round
from services.collect import SubmissionError
from tests.apphelpers import PASSWORD, ensure_staff, log_in, open_app, texts
from tests.conftest import ROOT
from ui.auth import SignedIn
from ui.i18n import STRINGS

# Slow: runs the pages through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

SCRIPT = "<script>alert('x')</script><b>bold</b>"


@dataclass(frozen=True)
class Site:
    url: str
    product_id: int
    round_id: int
    wave_id: int


def _site(url: str, survey: bool = True) -> Site:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        wave_id = 0
        if survey:
            questionnaire = create_survey_from_template(session, product.id, "Satisfaction")
            wave_id = open_wave(session, questionnaire.id, rnd.id, "baseline", "Before").id
        site = Site(url, product.id, rnd.id, wave_id)
    engine.dispose()
    return site


@pytest.fixture
def site(db_url) -> Site:
    """A product with a round and an open baseline wave, on SQLite and on PostgreSQL."""
    return _site(db_url)


@pytest.fixture
def sqlite_site(tmp_path) -> Site:
    """The same on SQLite only, for checks where the database makes no difference."""
    return _site(f"sqlite:///{tmp_path / 'rectify.db'}")


def _page(monkeypatch, site: Site, page: str, ui_lang: str | None = "en", **params: str) -> AppTest:
    """A respondent page on its own, as a link opens it; `ui_lang` None leaves the language to ?lang=."""
    monkeypatch.setenv("DATABASE_URL", site.url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / page), default_timeout=60)
    if ui_lang is not None:
        at.session_state["lang"] = ui_lang
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def _rows(site: Site, query):
    engine = make_engine(site.url)
    with unit_of_work(engine) as session:
        rows = list(session.execute(query).all())
        secret = respondent_key_secret(session)
    engine.dispose()
    return rows, secret


def _count(site: Site, model, *where) -> int:
    rows, _ = _rows(site, select(func.count()).select_from(model).where(*where))
    return int(rows[0][0])


# in-app feedback


def test_feedback_is_stored_redacted_pseudonymised_and_shown_as_text(monkeypatch, site):
    # AppTest has no browser to report ?embed=true, which Streamlit reads from the client.
    monkeypatch.setattr("ui.respondent.is_embedded", lambda: True)
    at = _page(
        monkeypatch,
        site,
        "feedback.py",
        product=str(site.product_id),
        app_version="3.2.1",
        model_version="med-llm-7b",
        key="user-42",
        embed="true",
    )
    assert not at.exception
    assert "How is MediAssist working for you?" in texts(at)
    assert not at.title and at.subheader[0].value == "Your feedback"  # embedded: compact heading
    at.feedback[0].set_value(1)  # the second star
    at.button_group(key="inapp_category").set_value("accuracy")
    at.text_area(key="inapp_comment").input(f"Wrong dose. Call 13812345678 {SCRIPT}")
    at = at.button[0].click().run()
    assert not at.exception
    assert "Thank you! Your feedback was received." in texts(at)
    assert at.text[0].value == f"Wrong dose. Call [PHONE] {SCRIPT}"  # shown as text, never as HTML
    assert "Personal data was removed before saving: phone number." in texts(at)

    (row,), secret = _rows(site, select(Feedback))
    row = row[0]
    assert (row.channel, row.rating, row.category, row.category_source) == (
        "in_app",
        2.0,
        "accuracy",
        "respondent",
    )
    assert row.text == f"Wrong dose. Call [PHONE] {SCRIPT}"
    assert (row.app_version, row.model_version, row.language, row.round_id) == (
        "3.2.1",
        "med-llm-7b",
        "en",
        site.round_id,
    )
    assert row.respondent_key == pseudonymise("user-42", secret) != "user-42"


def test_a_double_click_stores_the_feedback_once(monkeypatch, site):
    at = _page(monkeypatch, site, "feedback.py", product="MediAssist")
    at.feedback[0].set_value(4)
    at = at.button[0].click().run()
    assert "Thank you!" in texts(at)
    # The second click of a double click arrives with the same form, the same token and time.
    del at.session_state["inapp_receipt"]
    at.run().feedback[0].set_value(4)
    at = at.button[0].click().run()
    assert not at.exception
    assert "This feedback was received already; it was not saved twice." in texts(at)
    assert _count(site, Feedback) == 1
    # "Send more feedback" starts a new form: a new submission is stored.
    at = at.button(key="inapp_another").click().run()
    at.feedback[0].set_value(0)
    at = at.button[0].click().run()
    assert "Thank you! Your feedback was received." in texts(at)
    ratings, _ = _rows(site, select(Feedback.rating, Feedback.text).order_by(Feedback.id))
    assert ratings == [(5.0, ""), (1.0, "")]


@pytest.mark.parametrize(
    ("params", "lang", "message"),
    [
        ({}, "en", "This feedback link names no product"),
        ({"product": "NoSuchApp"}, "en", "The product in this feedback link does not exist here."),
        ({"product": "999"}, "en", "The product in this feedback link does not exist here."),
        ({}, "zh", "此反馈链接没有指明产品"),
        ({"product": "NoSuchApp"}, "zh", "此反馈链接中的产品不存在"),
    ],
)
def test_a_missing_or_unknown_product_is_a_clear_message(monkeypatch, sqlite_site, params, lang, message):
    at = _page(monkeypatch, sqlite_site, "feedback.py", ui_lang=lang, **params)
    assert not at.exception
    assert message in texts(at)
    assert not at.button


def test_an_empty_or_overlong_form_is_refused_and_nothing_stored(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site, "feedback.py", product="mediassist")
    at = at.button[0].click().run()
    assert "Please choose a rating or write a comment." in texts(at)
    assert "Nothing was saved" in texts(at)
    assert _count(sqlite_site, Feedback) == 0


def test_the_lang_parameter_sets_chinese_for_an_anonymous_visitor(monkeypatch, sqlite_site):
    at = _page(
        monkeypatch, sqlite_site, "feedback.py", ui_lang=None, product="MediAssist", key="u1", lang="zh"
    )
    assert "MediAssist 用起来怎么样？" in texts(at)
    assert [o for o in at.button_group(key="inapp_category").options] == [
        "回答不准确",
        "交互体验",
        "速度与性能",
        "其他",
    ]
    at.text_area(key="inapp_comment").input("回答太慢了，我的电话是 13812345678")
    at = at.button[0].click().run()
    assert "谢谢！您的反馈已收到。" in texts(at)
    assert "保存前已删除个人信息：电话号码。" in texts(at)
    (row,), _ = _rows(sqlite_site, select(Feedback.text, Feedback.language, Feedback.rating))
    assert tuple(row) == ("回答太慢了，我的电话是 [PHONE]", "zh", None)


# the respondent's questionnaire

LIKERT = ("accuracy", "ease_of_use", "response_speed", "problem_resolution", "csat")


def _answer_all(at: AppTest, score: int = 4, nps: int = 9, comment: str | None = None) -> AppTest:
    for code in LIKERT:
        at.radio(key=f"questionnaire_{code}").set_value(score)
    at.radio(key="questionnaire_nps").set_value(nps)
    if comment is not None:
        at.text_area(key="questionnaire_comment").input(comment)
    return at.button[0].click().run()


def test_a_respondent_answers_and_the_comment_becomes_survey_feedback(monkeypatch, site):
    at = _page(monkeypatch, site, "questionnaire.py", wave=str(site.wave_id), key="user-42")
    assert not at.exception
    assert at.title[0].value == "MediAssist satisfaction survey"
    assert [r.options for r in at.radio][:2] == [["1", "2", "3", "4", "5"]] * 2
    assert at.radio(key="questionnaire_nps").options == [str(v) for v in range(11)]
    assert all(r.value is None for r in at.radio)  # nothing preselected
    at = _answer_all(at, comment=f"Mail me: li.lei@example.com {SCRIPT}")
    assert not at.exception
    assert "Thank you! Your answers were saved." in texts(at)
    assert "Personal data was removed before saving: e-mail." in texts(at)

    (response,), secret = _rows(site, select(Response))
    assert response[0].respondent_key == pseudonymise("user-42", secret)
    assert response[0].language == "en"
    assert _count(site, Answer) == 7
    (comment,), _ = _rows(site, select(Feedback))
    comment = comment[0]
    assert (comment.channel, comment.round_id, comment.respondent_key) == (
        "survey_comment",
        site.round_id,
        response[0].respondent_key,
    )
    assert comment.text == f"Mail me: [EMAIL] {SCRIPT}"


def test_missing_required_answers_are_listed_and_nothing_is_stored(monkeypatch, site):
    at = _page(monkeypatch, site, "questionnaire.py", wave=str(site.wave_id), key="user-42")
    at.radio(key="questionnaire_accuracy").set_value(2)
    at.radio(key="questionnaire_nps").set_value(0)
    at = at.button[0].click().run()
    assert not at.exception
    error = at.error[0].value
    assert error.startswith("Please answer these required questions:")
    for question in (
        "How easy is it to use?",
        "How fast does it respond?",
        "Overall, how satisfied are you?",
    ):
        assert question in error
    assert "How accurate are the answers?" not in error and "recommend" not in error
    assert "Nothing was saved" in texts(at)
    assert _count(site, Response) == 0 and _count(site, Answer) == 0 and _count(site, Feedback) == 0
    assert at.radio(key="questionnaire_accuracy").value == 2  # what was answered stays on the form


def test_answering_again_replaces_the_earlier_answers(monkeypatch, site):
    at = _page(monkeypatch, site, "questionnaire.py", wave=str(site.wave_id), key="user-42")
    at = _answer_all(at, score=2, comment="too slow")
    assert "Thank you! Your answers were saved." in texts(at)
    # a double click: the same answers again store nothing new
    del at.session_state[f"questionnaire_done_{site.wave_id}"]
    at = _answer_all(at.run(), score=2, comment="too slow")
    assert "Your answers were saved before; nothing changed." in texts(at)
    # the respondent comes back later through the same link and changes their mind
    at = _page(monkeypatch, site, "questionnaire.py", wave=str(site.wave_id), key="user-42")
    assert "You answered this survey before. Submitting again replaces your earlier answers." in texts(at)
    at = _answer_all(at, score=5, comment="fast now")
    assert "Thank you! Your earlier answers were updated." in texts(at)
    assert _count(site, Response) == 1
    scores, _ = _rows(site, select(Answer.value_num).where(Answer.value_num.is_not(None)))
    assert sorted(s for (s,) in scores) == [5.0] * 5 + [9.0]
    comments, _ = _rows(site, select(Feedback.text))
    assert comments == [("fast now",)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "This survey link is incomplete: it names no survey"),
        ({"wave": "999", "key": "u"}, "This survey could not be found."),
        ({"wave": "abc", "key": "u"}, "This survey could not be found."),
        ({"wave": "WAVE", "key": ""}, "This survey link lacks your respondent key"),
        ({"wave": "WAVE", "key": "x" * 201}, None),  # the key is checked on submit: see below
    ],
)
def test_bad_links_get_a_clear_message(monkeypatch, sqlite_site, params, message):
    params = {k: (str(sqlite_site.wave_id) if v == "WAVE" else v) for k, v in params.items()}
    at = _page(monkeypatch, sqlite_site, "questionnaire.py", **params)
    assert not at.exception
    if message is None:
        at = _answer_all(at)
        message = "The respondent key in this link is too long."
    else:
        assert not at.radio
    assert message in texts(at)
    assert _count(sqlite_site, Response) == 0


def test_a_closed_wave_takes_no_answers(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site, "questionnaire.py", wave=str(sqlite_site.wave_id), key="u1")
    engine = make_engine(sqlite_site.url)
    with unit_of_work(engine) as session:  # closed while the respondent was filling it in
        set_wave_open(session, sqlite_site.wave_id, False)
    at = _answer_all(at)
    assert "This survey has closed and takes no more answers." in texts(at)
    assert _count(sqlite_site, Response) == 0
    at = _page(
        monkeypatch, sqlite_site, "questionnaire.py", wave=str(sqlite_site.wave_id), key="u1", ui_lang="zh"
    )
    assert "此问卷已结束，不再接收回答" in texts(at)
    assert not at.radio
    engine.dispose()


def test_the_questionnaire_in_chinese(monkeypatch, sqlite_site):
    at = _page(
        monkeypatch,
        sqlite_site,
        "questionnaire.py",
        ui_lang=None,
        wave=str(sqlite_site.wave_id),
        key="u1",
        lang="zh",
    )
    assert at.title[0].value == "MediAssist 满意度调查"
    assert at.radio(key="questionnaire_accuracy").label.startswith("回答的准确性如何？")
    assert list(at.radio(key="questionnaire_accuracy").proto.captions) == [
        "很差",
        "较差",
        "一般",
        "较好",
        "很好",
    ]
    at = at.button[0].click().run()
    assert at.error[0].value.startswith("请回答以下必答问题：")
    assert "总体满意度" in at.error[0].value
    at = _answer_all(at, comment="很好用")
    assert "谢谢！您的回答已保存。" in texts(at)
    rows, _ = _rows(
        sqlite_site,
        select(Response.language, Feedback.language).join(
            Feedback, Feedback.respondent_key == Response.respondent_key
        ),
    )
    assert rows == [("zh", "zh")]


# survey admin


def _admin_page(monkeypatch, site: Site, user: SignedIn, lang: str = "en") -> AppTest:
    ensure_staff(site.url, user)
    monkeypatch.setenv("DATABASE_URL", site.url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "surveys.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = user
    at.session_state["workspace_product_id"] = site.product_id
    at.session_state["workspace_round_id"] = site.round_id
    return at.run()


ADA = SignedIn(1, "ada", "admin")


def test_admin_creates_a_survey_opens_and_closes_waves(monkeypatch, site):
    bare = _site_without_survey(site)
    at = _admin_page(monkeypatch, bare, ADA)
    assert not at.exception
    assert "This product has no survey yet." in texts(at)
    at = _click(at, "Create survey")  # from the template, with the default name
    assert "Survey Satisfaction survey created." in texts(at)
    assert [row for row in at.dataframe[0].value["Code"]] == [
        "accuracy",
        "ease_of_use",
        "response_speed",
        "problem_resolution",
        "csat",
        "nps",
        "comment",
    ]
    assert "No wave yet." in texts(at)
    at.selectbox(key="surveys_kind").set_value("baseline")
    at = _click(at, "Open wave")
    assert not at.exception
    assert "Wave baseline" in texts(at)
    waves = at.dataframe[-1].value
    assert list(waves["Status"]) == ["open"] and list(waves["Responses"]) == [0]
    wave_id = int(waves["id"][0])
    links = [c.value for c in at.code]
    assert f"/questionnaire?wave={wave_id}&key=RESPONDENT_KEY" in links
    assert any(f"/feedback?product={bare.product_id}&" in link and "embed=true" in link for link in links)
    assert "Path of the respondent page: /questionnaire" in texts(at)

    at = at.button(key="surveys_toggle").click().run()
    assert "closed; it takes no more answers." in texts(at)
    assert list(at.dataframe[-1].value["Status"]) == ["closed"]
    rows, _ = _rows(bare, select(Wave.is_open, Wave.closes_on).where(Wave.id == wave_id))
    assert rows[0][0] is False and rows[0][1] is not None
    actions, _ = _rows(bare, select(AuditEvent.action).order_by(AuditEvent.id))
    assert [a for (a,) in actions] == ["survey.create", "wave.open", "wave.close"]


def _click(at: AppTest, label: str) -> AppTest:
    (button,) = [b for b in at.button if b.label == label]
    return button.click().run()


def _site_without_survey(site: Site) -> Site:
    engine = make_engine(site.url)
    with unit_of_work(engine) as session:
        product = create_product(session, "FinBot", "finance")
        rnd = create_round(session, product.id, "Round 1")
        bare = Site(site.url, product.id, rnd.id, 0)
    engine.dispose()
    return bare


def test_the_survey_page_counts_responses_and_speaks_chinese(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site, "questionnaire.py", wave=str(sqlite_site.wave_id), key="u1")
    _answer_all(at)
    at = _admin_page(monkeypatch, sqlite_site, ADA, lang="zh")
    assert not at.exception
    assert at.title[0].value == "问卷管理"
    waves = at.dataframe[-1].value
    assert list(waves["回答数"]) == [1] and list(waves["状态"]) == ["进行中"]
    assert "受访者：1 位" in texts(at)


def test_viewers_read_surveys_and_visitors_are_refused(monkeypatch, sqlite_site):
    monkeypatch.setenv("DATABASE_URL", sqlite_site.url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "surveys.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert "Please log in first." in texts(at)
    assert not at.code and not at.dataframe
    viewer = _admin_page(monkeypatch, sqlite_site, SignedIn(3, "vic", "viewer"))
    assert not viewer.exception
    assert "only admins and analysts change them" in texts(viewer)
    assert all(b.disabled for b in viewer.button)  # the preview's submit button only
    assert "surveys_round" not in [s.key for s in viewer.selectbox]
    assert list(viewer.dataframe[-1].value["Status"]) == ["open"]  # the waves, read only


# navigation


def test_respondent_pages_are_open_to_visitors_and_staff(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    open_app(monkeypatch, url)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test")
        create_user(session, "ann", PASSWORD, "analyst", actor="test")
    engine.dispose()
    visitor = open_app(monkeypatch, url)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        visitor.switch_page("views/surveys.py")
    visitor.switch_page("views/feedback.py").run()
    assert not visitor.exception and "This feedback link names no product" in texts(visitor)
    visitor = open_app(monkeypatch, url)
    visitor.switch_page("views/questionnaire.py").run()
    assert "it names no survey" in texts(visitor)
    ann = log_in(open_app(monkeypatch, url), "ann")
    ann.switch_page("views/questionnaire.py").run()
    assert "it names no survey" in texts(ann)
    ada = log_in(open_app(monkeypatch, url), "ada")
    ada.switch_page("views/surveys.py").run()
    assert not ada.exception and "No product yet." in texts(ada)


def _codes(doc: str, after: str) -> list[str]:
    return re.findall(r"\b([a-z_]+)\b", doc.split(after)[1].split(".")[0])


def test_every_refusal_and_personal_data_type_has_a_message():
    doc = SubmissionError.__doc__ or ""
    in_app, questionnaire = _codes(doc, "In-app feedback:"), _codes(doc, "Questionnaire:")
    admin = _codes(SurveyError.__doc__ or "", "Codes:")
    assert len(in_app) == 6 and len(questionnaire) == 8 and len(admin) == 18
    missing = [f"inapp.error.{c}" for c in in_app] + [f"questionnaire.error.{c}" for c in questionnaire]
    missing += [f"surveys.error.{c}" for c in admin] + [f"collect.pii_{t.lower()}" for t in ENTITY_TYPES]
    missing += [f"inapp.kind.{c}" for c in CATEGORIES]  # a scale's words: analytics.questions.SCALE_WORDS
    assert [key for key in missing if key not in STRINGS] == []
