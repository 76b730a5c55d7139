"""Respondent pages as an end user meets them (issue 10): no staff navigation, scale words that fit the
question, answers filled in again to change them, the unanswered question marked, placeholders named in
the respondent's language, and a wave's anonymous link (one response per browser)."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import segno
from PIL import Image
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from analytics.pseudonym import pseudonymise
from analytics.questions import QuestionSpec
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Answer, Feedback, Question, Response, Survey
from db.settings import respondent_key_secret
from db.surveys import add_response, create_survey, create_survey_from_template, open_wave
from db.users import create_user
from db.waves import wave_answers
from db.workspace import create_product, create_round
from tests.apphelpers import PASSWORD, log_in, open_app, texts
from tests.conftest import ROOT
from ui.auth import SignedIn
from ui.respondent_links import links_csv, parse_keys, qr_png

# Slow: runs the pages through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

LIKERT = ("accuracy", "ease_of_use", "response_speed", "problem_resolution", "csat")


def _wave(url: str) -> int:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        wave_id = open_wave(session, survey.id, rnd.id, "baseline", "Before").id
    engine.dispose()
    return wave_id


def _page(monkeypatch, url: str, lang: str = "en", **params: str) -> AppTest:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "questionnaire.py"), default_timeout=60)
    at.session_state["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def _answer_all(at: AppTest, score: int = 4, nps: int = 9, comment: str | None = None) -> AppTest:
    for code in LIKERT:
        at.radio(key=f"questionnaire_{code}").set_value(score)
    at.radio(key="questionnaire_nps").set_value(nps)
    if comment is not None:
        at.text_area(key="questionnaire_comment").input(comment)
    return _submit(at)


def _submit(at: AppTest) -> AppTest:
    (button,) = [b for b in at.button if b.label in ("Submit", "提交")]
    return button.click().run()


def _rows(url: str, query):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        rows = list(session.execute(query).all())
    engine.dispose()
    return rows


# navigation


def test_staff_navigation_and_sidebar_are_gone_on_respondent_pages(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    open_app(monkeypatch, url)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test")
    engine.dispose()
    ada = log_in(open_app(monkeypatch, url), "ada")
    assert [b.label for b in ada.sidebar.button] == ["Log out", "Change password"]  # a staff page
    for page in ("views/questionnaire.py", "views/feedback.py"):
        ada.switch_page(page).run()
        assert not ada.exception
        assert not ada.sidebar.children  # nothing in it, so no sidebar and no toggle to open it
        assert ada.main.button_group(key="lang_switch").value == "en"  # the page's own switch
    ada.switch_page("views/home.py").run()
    assert [b.label for b in ada.sidebar.button] == ["Log out", "Change password"]
    assert ada.sidebar.button_group(key="lang_switch").value == "en"


def test_a_respondent_switches_the_language_on_the_page(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    at = _page(monkeypatch, url, "zh", wave=str(wave_id), key="u1")
    assert at.title[0].value == "MediAssist 满意度调查"
    at.button_group(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "MediAssist satisfaction survey"
    assert at.radio(key="questionnaire_csat").label.startswith("Overall, how satisfied are you?")


# scale words


def test_the_standard_questionnaire_words_each_scale_to_fit_its_question(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    for lang, solved, satisfied in (
        (
            "zh",
            ["非常不同意", "不同意", "中立", "同意", "非常同意"],
            ["非常不满意", "不满意", "一般", "满意", "非常满意"],
        ),
        (
            "en",
            ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
            [
                "Very dissatisfied",
                "Dissatisfied",
                "Neither satisfied nor dissatisfied",
                "Satisfied",
                "Very satisfied",
            ],
        ),
    ):
        at = _page(monkeypatch, url, lang, wave=str(wave_id), key="u1")
        resolution = at.radio(key="questionnaire_problem_resolution")
        assert resolution.label.startswith("它解决了我的问题。" if lang == "zh" else "It solved my problem.")
        assert list(resolution.proto.captions) == solved
        assert list(at.radio(key="questionnaire_csat").proto.captions) == satisfied


def test_stored_template_questions_get_the_fitting_words_unless_answered(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0005_own_questionnaires")  # the schema is the same; only words change
    old = QuestionSpec(
        "problem_resolution",
        "scale",
        "问题是否得到解决？",
        "Did it solve your problem?",
        points=5,
        wording="quality",
        dimension="problem_resolution",
    )
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        rnd = create_round(session, product.id, "R1")
        create_survey(session, product.id, "fresh", [old])
        answered = create_survey(session, product.id, "answered", [old])
        wave = open_wave(session, answered.id, rnd.id, "baseline", "Before")
        add_response(session, wave.id, "k1", {"problem_resolution": 4})
    migrate.upgrade(engine)
    engine.dispose()
    rows = _rows(
        db_url,
        select(Survey.name, Question.text_en, Question.wording).join(
            Question, Question.survey_id == Survey.id
        ),
    )
    assert sorted(tuple(r) for r in rows) == [
        ("answered", "Did it solve your problem?", "quality"),  # its answer meant what was asked
        ("fresh", "It solved my problem.", "agreement"),
    ]


# changing answers, the missing answer, placeholders


def test_change_my_answers_opens_the_form_filled_in(monkeypatch, db_url):
    wave_id = _wave(db_url)
    at = _page(monkeypatch, db_url, wave=str(wave_id), key="user-7")
    at = _answer_all(at, score=2, nps=6, comment="too slow")
    assert "Thank you! Your answers were saved." in texts(at)
    at = at.button(key="questionnaire_change").click().run()
    assert not at.exception
    assert [at.radio(key=f"questionnaire_{code}").value for code in LIKERT] == [2] * 5
    assert at.radio(key="questionnaire_nps").value == 6
    assert at.text_area(key="questionnaire_comment").value == "too slow"
    at.radio(key="questionnaire_nps").set_value(10)
    at = _submit(at)
    assert "Thank you! Your earlier answers were updated." in texts(at)
    # Coming back later by the same link (a new session): the stored answers again.
    later = _page(monkeypatch, db_url, wave=str(wave_id), key="user-7")
    assert "You answered this survey before." in texts(later)
    assert later.radio(key="questionnaire_nps").value == 10
    assert later.radio(key="questionnaire_accuracy").value == 2
    # Someone else's link shows an empty form.
    other = _page(monkeypatch, db_url, wave=str(wave_id), key="user-8")
    assert all(r.value is None for r in other.radio) and other.text_area[0].value == ""


def test_a_missing_required_answer_is_marked_at_its_question(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    at = _page(monkeypatch, url, "zh", wave=str(wave_id), key="u1")
    for code in LIKERT:
        if code != "response_speed":
            at.radio(key=f"questionnaire_{code}").set_value(3)
    at.radio(key="questionnaire_nps").set_value(8)
    at = _submit(at)
    assert not at.exception
    marked = [r.key for r in at.radio if r.label.startswith(":red[:material/error:]")]
    assert marked == ["questionnaire_response_speed"]
    assert [m.value for m in at.markdown].count(":red[请回答这个必答问题。]") == 1
    assert at.error[0].value.startswith("请回答以下必答问题：") and "响应速度如何？" in at.error[0].value
    assert at.radio(key="questionnaire_accuracy").value == 3  # nothing answered is lost
    assert not _rows(url, select(Response.id))
    at.radio(key="questionnaire_response_speed").set_value(4)
    at = _submit(at)
    assert "谢谢！您的回答已保存。" in texts(at)


def test_placeholders_read_in_chinese_and_are_stored_as_they_were(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    at = _page(monkeypatch, url, "zh", wave=str(wave_id), key="u1")
    at = _answer_all(at, comment="请打电话 13812345678 给我")
    at = at.button(key="questionnaire_change").click().run()
    assert at.text_area(key="questionnaire_comment").value == "请打电话 [电话号码] 给我"
    assert "方括号中的词（例如 [电话号码]）代替了为保护隐私而删除的个人信息。" in texts(at)
    at.radio(key="questionnaire_nps").set_value(3)
    at = _submit(at)
    assert "您之前的回答已更新" in texts(at)
    stored = _rows(url, select(Answer.value_text).where(Answer.value_text.is_not(None)))
    assert stored == [("请打电话 [PHONE] 给我",)]
    assert _rows(url, select(Feedback.text)) == [("请打电话 [PHONE] 给我",)]


def test_in_app_feedback_shows_the_stored_comment_with_chinese_placeholders(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    _wave(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "feedback.py"), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.query_params["product"] = "MediAssist"
    at = at.run()
    at.feedback[0].set_value(1)
    at.text_area(key="inapp_comment").input("打我电话 13812345678 或写信 li@example.com")
    at = _submit_in_app(at)
    assert not at.exception
    assert [el.value for el in at.text] == ["打我电话 [电话号码] 或写信 [邮箱]"]
    assert "方括号中的词（例如 [电话号码]）代替了为保护隐私而删除的个人信息。" in texts(at)
    assert _rows(url, select(Feedback.text)) == [("打我电话 [PHONE] 或写信 [EMAIL]",)]


def _submit_in_app(at: AppTest) -> AppTest:
    (button,) = [b for b in at.button if b.label == "提交"]
    return button.click().run()


def test_the_forms_do_not_offer_the_english_keyboard_hint(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    at = _page(monkeypatch, url, "zh", wave=str(wave_id), key="u1")
    # Streamlit's own "Press Ctrl+Enter to submit form" is drawn only for forms that submit on Enter.
    forms = [block for block in at.main.children.values() if block.type == "form"]
    assert forms and all(not f.proto.form.enter_to_submit for f in forms)


# the anonymous link


def test_the_anonymous_link_takes_one_response_per_browser_and_never_pairs(monkeypatch, db_url):
    wave_id = _wave(db_url)
    at = _page(monkeypatch, db_url, wave=str(wave_id), anonymous="1")
    assert not at.exception
    assert "This survey is anonymous" in texts(at)
    at = _answer_all(at, score=3)
    assert "Thank you! Your answers were saved." in texts(at)
    at = at.button(key="questionnaire_change").click().run()
    assert at.radio(key="questionnaire_accuracy").value == 3  # the same browser: its answers
    at.radio(key="questionnaire_accuracy").set_value(5)
    at = _submit(at)
    assert "Thank you! Your earlier answers were updated." in texts(at)
    # Another browser (no cookie, another session) is another response.
    other = _answer_all(_page(monkeypatch, db_url, wave=str(wave_id), anonymous="1"), score=1)
    assert "Thank you! Your answers were saved." in texts(other)
    keys = [k for (k,) in _rows(db_url, select(Response.respondent_key).order_by(Response.id))]
    assert len(keys) == 2 and len(set(keys)) == 2
    assert all(k.startswith("anon-") and len(k) <= 64 for k in keys)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        frame = wave_answers(session, [wave_id])
    engine.dispose()
    assert len(frame) == 12 and frame["respondent_key"].isna().all()  # never paired with another wave


# links for staff to hand out


def _surveys_page(monkeypatch, url: str, lang: str = "en") -> AppTest:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "surveys.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = SignedIn(1, "ada", "admin")
    at.session_state["workspace_product_id"] = 1
    at.session_state["workspace_round_id"] = 1
    return at.run()


def test_staff_get_an_anonymous_link_with_its_qr_code_and_personal_links_for_keys(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    at = _surveys_page(monkeypatch, url)
    assert not at.exception
    links = [c.value for c in at.code]
    anonymous = next(link for link in links if "anonymous" in link)
    assert anonymous.endswith(f"/questionnaire?wave={wave_id}&anonymous=1")
    assert "weaker than personal links" in texts(at)
    (qr,) = at.get("image")
    assert qr.proto.imgs[0].caption == "QR code of the anonymous link"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download the QR code (PNG)"]  # no keys yet: no CSV

    at.text_area(key="surveys_keys").input("u-1\n\n  u-2 \nu-1\n张三&co\n").run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download personal links (CSV, 3)", "Download the QR code (PNG)"]

    at.text_area(key="surveys_keys").input("u-1\n" + "x" * 201).run()
    assert "These keys are longer than 200 characters and cannot be used: " + "x" * 40 in texts(at)
    assert [b.label for b in at.get("download_button")] == ["Download the QR code (PNG)"]


def test_the_personal_links_csv_gives_each_key_a_link_that_opens_its_own_answers(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _wave(url)
    keys = parse_keys("u-1\n\n  u-2 \nu-1\n张三&co=1 #2\n")
    data = links_csv(
        keys,
        lambda key: f"https://rectify.example/questionnaire?{urlencode({'wave': wave_id, 'key': key})}",
        ("标识", "链接"),
    )
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese header and keys
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["标识", "链接"]
    assert [r[0] for r in rows[1:]] == ["u-1", "u-2", "张三&co=1 #2"]
    # Each link, opened as it is, answers under its own key.
    for key, link in rows[1:]:
        query = parse_qs(urlsplit(link).query)
        assert query["key"] == [key] and query["wave"] == [str(wave_id)]
    at = _page(monkeypatch, url, **{k: v[0] for k, v in parse_qs(urlsplit(rows[3][1]).query).items()})
    at = _answer_all(at)
    secret_rows = _rows(url, select(Response.respondent_key))
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        expected = pseudonymise("张三&co=1 #2", respondent_key_secret(session))
    engine.dispose()
    assert secret_rows == [(expected,)]


def test_a_key_a_spreadsheet_would_run_is_written_as_text_in_the_links_csv():
    data = links_csv(
        ['=HYPERLINK("http://evil")', "u-1"], lambda key: f"https://r.example/q?key={key}", ("k", "l")
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[2] == ["u-1", "https://r.example/q?key=u-1"]


def test_the_qr_code_image_is_the_code_of_the_anonymous_link():
    link = "https://rectify.example/questionnaire?wave=12&anonymous=1"
    image = Image.open(io.BytesIO(qr_png(link))).convert("L")
    matrix = segno.make(link, error="m", micro=False).matrix
    size, border = len(matrix), 4
    scale = image.width // (size + 2 * border)
    assert image.width == image.height == (size + 2 * border) * scale
    read = [
        [
            image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]
    assert read == [[bool(cell) for cell in row] for row in matrix]
