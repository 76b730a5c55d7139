"""The "Import survey responses" page through Streamlit's AppTest: what an analyst clicks and reads.

AppTest drives st.file_uploader (Streamlit 1.67, as tests/test_import_page.py does), so each step runs
as a user does it: upload, the tool recognised, a new survey from the file's questions or an existing
one matched by wording, the id column, the wave, the preview, Import, the report; in English and Chinese.

One thing AppTest does unlike a browser: between runs it calls the widgets' ``format_func`` in the test's
own thread, where ``ui.i18n.current_language`` cannot see the session's language and falls back to
English; the page's translated radio and select labels then stop matching their options. The Chinese
tests therefore fix ``current_language`` to "zh" for the whole process (the page itself still reads
``st.session_state["lang"] == "zh"``).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from analytics.pseudonym import pseudonymise
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Answer, AuditEvent, Feedback, Response, Survey, Wave
from db.settings import respondent_key_secret
from db.surveys import list_waves
from db.users import create_user
from db.workspace import create_product, create_round
from tests.apphelpers import PASSWORD, texts
from tests.conftest import ROOT
from ui.auth import SignedIn

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

DATA = ROOT / "tests" / "data" / "survey_exports"
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.fixture
def workspace(db_url, monkeypatch) -> dict:
    """A migrated database with one product, one round and one user per role; the app points at it."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        users = {
            role: create_user(session, name, PASSWORD, role, actor="test").id
            for name, role in (("ada", "admin"), ("ann", "analyst"), ("vic", "viewer"))
        }
        ids = {"product_id": product.id, "round_id": rnd.id}
    yield {"engine": engine, "users": users, "monkeypatch": monkeypatch, **ids}
    engine.dispose()


def open_page(workspace: dict, role: str = "analyst", lang: str = "en") -> AppTest:
    """The page as a signed-in user of that role opens it, the product picked in the sidebar."""
    at = AppTest.from_file(str(ROOT / "views" / "import_survey.py"), default_timeout=120)
    at.session_state["lang"] = lang
    if lang == "zh":  # see the module docstring
        workspace["monkeypatch"].setattr("ui.i18n.current_language", lambda: "zh")
    name = {"admin": "ada", "analyst": "ann", "viewer": "vic"}[role]
    at.session_state["auth_user"] = SignedIn(workspace["users"][role], name, role)
    at.session_state["workspace_product_id"] = workspace["product_id"]
    return at.run()


def upload(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    content = data if data is not None else (DATA / name).read_bytes()
    at.file_uploader(key="survey_import_upload").set_value((name, content, MIME[name.rsplit(".", 1)[-1]]))
    return at.run()


def into_new_wave(at: AppTest, kind: str, name: str, collected: date) -> AppTest:
    at.radio(key="survey_import_wave_mode").set_value("new")
    at.selectbox(key="survey_import_kind").set_value(kind)
    at.text_input(key="survey_import_wave_name").input(name)
    at.date_input(key="survey_import_collected").set_value(collected)
    return at.run()


def submit(at: AppTest) -> AppTest:
    return at.button(key="survey_import_submit").click().run()


def count(workspace: dict, model: type) -> int:
    with unit_of_work(workspace["engine"]) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def has_button(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)


def test_an_analyst_imports_qualtrics_baseline_and_follow_up(workspace):
    at = upload(open_page(workspace), "qualtrics_baseline.csv")
    assert not at.exception
    assert "Recognised as a Qualtrics export: 45 respondents, 8 questions." in texts(at)
    assert at.radio(key="survey_import_mode").options == ["A new survey made from the file's questions"]
    at.text_input(key="survey_import_new_name").input("Assistant satisfaction")
    assert at.selectbox(key="survey_import_id").value == "ExternalReference"
    at = into_new_wave(at, "baseline", "May 2026", date(2026, 5, 20))
    assert "45 rows: 45 can be imported, 0 have problems and will be refused." in texts(at)
    at = submit(at)
    assert not at.exception
    assert "45 responses imported; the wave now has 45." in texts(at)
    assert "14 free-text answers were redacted and stored as survey comments." in texts(at)
    assert not at.warning  # 45 responses: enough for a comparison

    # The follow-up goes into the survey just made, its columns matched by wording.
    at = upload(at, "qualtrics_followup.csv")
    assert not at.exception
    assert "45 responses imported" not in texts(at)  # the last report goes with the last file
    assert at.radio(key="survey_import_mode").value == "existing"
    with unit_of_work(workspace["engine"]) as session:
        survey = session.scalars(select(Survey)).one()
    assert survey.name == "Assistant satisfaction"
    assert at.selectbox(key="survey_import_survey").value == survey.id
    mapped = [s for s in at.selectbox if (s.key or "").startswith(f"survey_import_map_{survey.id}_")]
    assert len(mapped) == 8 and all(s.value is not None for s in mapped)
    at = into_new_wave(at, "follow_up", "June 2026", date(2026, 6, 20))
    assert "42 rows: 42 can be imported" in texts(at)
    at = submit(at)
    assert not at.exception
    assert "42 responses imported; the wave now has 42." in texts(at)

    with unit_of_work(workspace["engine"]) as session:
        waves = list_waves(session, survey.id)
        assert [(w.kind, w.name, w.responses, w.opens_on) for w in waves] == [
            ("baseline", "May 2026", 45, date(2026, 5, 20)),
            ("follow_up", "June 2026", 42, date(2026, 6, 20)),
        ]
        keys = [
            set(session.scalars(select(Response.respondent_key).where(Response.wave_id == w.id)))
            for w in waves
        ]
        assert len(keys[0] & keys[1]) == 27
        assert pseudonymise("C-1001", respondent_key_secret(session)) in keys[0]
        texts_stored = [*session.scalars(select(Answer.value_text)), *session.scalars(select(Feedback.text))]
        assert not any(
            "13812345678" in (t or "") or "jane.doe@example.com" in (t or "") for t in texts_stored
        )
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.import")).all()
        assert [(e.actor, e.detail["added"]) for e in events] == [("ann", 45), ("ann", 42)]

    # Importing the follow-up again adds nothing and says so.
    at = submit(into_new_wave(at, "follow_up", "June 2026 again", date(2026, 6, 21)))
    assert "Nothing new: the file's 42 rows were all imported before." in texts(at)
    assert count(workspace, Wave) == 2


def test_a_wjx_export_in_the_chinese_page(workspace):
    at = upload(open_page(workspace, lang="zh"), "wjx_baseline.csv")
    assert not at.exception
    assert "已识别为问卷星导出：45 位受访者，8 道题。" in texts(at)
    assert at.selectbox(key="survey_import_id").value == "1、您的用户ID："
    at = into_new_wave(at, "baseline", "五月", date(2026, 5, 20))
    assert "共 45 行：45 行可导入，0 行有问题将被拒绝。" in texts(at)
    at = submit(at)
    assert not at.exception
    assert "已导入 45 份回答；此批次现有 45 份回答。" in texts(at)
    assert "14 条开放题回答已去除个人信息，并作为问卷评论保存。" in texts(at)
    # The follow-up (scores, the multiple choice as 0/1 sub-columns) into the same survey.
    at = into_new_wave(upload(at, "wjx_followup.csv"), "follow_up", "六月", date(2026, 6, 20))
    assert at.radio(key="survey_import_mode").value == "existing"
    at = submit(at)
    assert not at.exception
    assert "已导入 42 份回答；此批次现有 42 份回答。" in texts(at)
    assert count(workspace, Response) == 87


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Respondent ids repeat (2 of them), e.g. U1003, U1011."),
        ("zh", "受访者 ID 有重复（2 个），例如：U1003、U1011。"),
    ],
)
def test_duplicated_ids_are_refused_with_a_translated_message_and_nothing_is_stored(workspace, lang, message):
    at = upload(open_page(workspace, lang=lang), "bad_wjx_duplicate_ids.csv")
    assert not at.exception
    assert at.selectbox(key="survey_import_id").value == "1、您的用户ID："
    errors = " ".join(e.value for e in at.error)
    assert message in errors
    assert not has_button(at, "survey_import_submit")
    assert [count(workspace, m) for m in (Survey, Wave, Response, Feedback)] == [0, 0, 0, 0]
    with unit_of_work(workspace["engine"]) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.import")).all() == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["Row", "Column", "Reason", "Value (redacted)", "44 responses imported; the wave now has 44.",
                "Outside the scale: 6"]),
        ("zh", ["行号", "列", "原因", "值（已脱敏）", "已导入 44 份回答；此批次现有 44 份回答。", "超出量表范围：6"]),
    ],
)  # fmt: skip
def test_a_refused_row_is_listed_and_the_others_imported(workspace, lang, expected):
    *columns, done, reason = expected
    at = upload(open_page(workspace, lang=lang), "bad_google_forms_six_on_five.csv")
    at = into_new_wave(at, "baseline", "May 2026", date(2026, 5, 20))
    assert at.dataframe[-1].value.columns.tolist() == columns  # the preview's refused rows
    at = submit(at)
    assert not at.exception
    assert done in texts(at)
    refused = at.dataframe[-1].value
    assert refused.columns.tolist() == columns
    assert refused.iloc[0].tolist() == [6, "How satisfied are you with the response speed?", reason, "6"]
    assert count(workspace, Response) == 44


def test_a_question_a_survey_cannot_hold_is_explained_and_can_be_left_out(workspace):
    # A hand-made sheet: yes/no questions whose wording says nothing of what they measure.
    rows = ["Did it help?,How happy are you?,Would you come back?,Anything else?"]
    rows += [f"{'yes' if i % 3 else 'no'},{1 + i % 5},{'no' if i % 4 else 'yes'},note {i}" for i in range(12)]
    at = upload(open_page(workspace), "sheet.csv", "\n".join(rows).encode())
    assert "Recognised as a plain table export: 12 respondents, 4 questions." in texts(at)
    at = submit(into_new_wave(at, "baseline", "May 2026", date(2026, 5, 20)))
    assert not at.exception
    assert "Every scale, NPS and yes/no question must say what it measures" in texts(at)
    assert count(workspace, Survey) == 0
    for box in at.checkbox:
        if "Yes / partly / no" in box.label:
            box.uncheck()
    at = submit(at.run())
    assert not at.exception
    assert "12 responses imported; the wave now has 12." in texts(at)


def test_a_wave_of_few_responses_gets_a_warning(workspace):
    lines = (DATA / "qualtrics_baseline.csv").read_bytes().split(b"\r\n")
    few = b"\r\n".join(lines[:3] + lines[3:10:3]) + b"\r\n"  # the three header rows and 3 respondents
    at = upload(open_page(workspace), "qualtrics_three.csv", few)
    at = submit(into_new_wave(at, "baseline", "May 2026", date(2026, 5, 20)))
    assert not at.exception
    assert "3 responses imported; the wave now has 3." in texts(at)
    warning = " ".join(w.value for w in at.warning)
    assert "This wave has only 3 responses; a before/after comparison needs at least 5 per wave." in warning


def test_a_viewer_cannot_open_the_page(workspace):
    at = open_page(workspace, role="viewer")
    assert not at.exception
    assert "Your role does not have access to this page." in texts(at)
    assert not at.file_uploader
