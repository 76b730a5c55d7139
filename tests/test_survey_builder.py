"""The survey builder on the surveys page, through Streamlit's AppTest: building from the bank, editing,
reordering, removing, frozen questions and new versions, reuse for the follow-up, test families, who
may build, and the Chinese page; what the user sees and what lands in the database."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
import streamlit
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from analytics.questions import BANK, KINDS, WORDINGS, Option, QuestionSpec
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import AuditEvent, Survey, User
from db.surveys import (
    SurveyError,
    add_response,
    create_survey_from_template,
    open_wave,
    stored_questions,
    survey_families,
    survey_questions,
)
from db.workspace import create_product, create_round
from tests.apphelpers import texts
from tests.conftest import ROOT
from ui.auth import SignedIn
from ui.i18n import STRINGS

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

ADA = SignedIn(1, "ada", "admin")
ANN = SignedIn(2, "ann", "analyst")
VIC = SignedIn(3, "vic", "viewer")


@dataclass(frozen=True)
class Site:
    url: str
    product_id: int
    round_id: int
    survey_id: int
    wave_id: int


def _site(url: str, survey: bool = True) -> Site:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        for user in (ADA, ANN, VIC):  # the signed-in users exist: callbacks re-read them (issue 17.8)
            session.add(User(id=user.id, username=user.username, password_hash="-", role=user.role))
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey_id = wave_id = 0
        if survey:
            survey_id = create_survey_from_template(session, product.id, "Satisfaction").id
            wave_id = open_wave(session, survey_id, rnd.id, "baseline", "Before").id
        site = Site(url, product.id, rnd.id, survey_id, wave_id)
    engine.dispose()
    return site


@pytest.fixture
def site(db_url) -> Site:
    """A product with a round, the standard survey and an open baseline wave, on both databases."""
    return _site(db_url)


@pytest.fixture
def bare(db_url) -> Site:
    """A product with a round and no survey, on both databases."""
    return _site(db_url, survey=False)


@pytest.fixture
def sqlite_site(tmp_path) -> Site:
    return _site(f"sqlite:///{tmp_path / 'rectify.db'}")


def _page(monkeypatch, site: Site, user: SignedIn = ADA, lang: str = "en") -> AppTest:
    monkeypatch.setenv("DATABASE_URL", site.url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "surveys.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = user
    at.session_state["workspace_product_id"] = site.product_id
    at.session_state["workspace_round_id"] = site.round_id
    return at.run()


def _db(site: Site, read):  # type: ignore[no-untyped-def]
    engine = make_engine(site.url)
    with unit_of_work(engine) as session:
        value = read(session)
    engine.dispose()
    return value


def _questions(site: Site, survey_id: int | None = None) -> list:
    return _db(site, lambda s: stored_questions(s, survey_id or site.survey_id))


def _id(site: Site, code: str, survey_id: int | None = None) -> int:
    return next(q.id for q in _questions(site, survey_id) if q.spec.code == code)


def _answer(site: Site, key: str, **answers) -> None:
    _db(site, lambda s: add_response(s, site.wave_id, key, answers))


def _actions(site: Site) -> list[str]:
    return _db(site, lambda s: [a for (a,) in s.execute(select(AuditEvent.action).order_by(AuditEvent.id))])


def _submit(at: AppTest, form: str, label: str) -> AppTest:
    (button,) = [b for b in at.button if b.key == f"FormSubmitter:{form}-{label}"]
    return button.click().run()


def _ok(at: AppTest) -> str:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return texts(at)


def test_building_from_the_bank_with_a_7_point_agreement_scale_a_multiple_choice_and_a_number(
    monkeypatch, bare
):
    at = _page(monkeypatch, bare)
    assert "This product has no survey yet." in _ok(at)
    at = at.radio(key="surveys_new_from").set_value("bank").run()
    at = at.button(key="surveys_new_create").click().run()  # nothing ticked
    (new,) = [e for e in at.expander if e.label == "New survey"]
    assert [e.value for e in new.error] == ["Tick at least one question."]
    bank_boxes = [c for c in at.checkbox if c.key.startswith("surveys_new_bank_")]
    assert len(bank_boxes) == sum(len(specs) for _, specs in BANK)
    assert "我可以信赖它给出的答案。 / I can rely on the answers it gives." in [c.label for c in bank_boxes]
    at.text_input(key="surveys_new_name").input("Trust study")
    at.checkbox(key="surveys_new_bank_accuracy_trust").check()
    at.checkbox(key="surveys_new_bank_wait_seconds").check()
    at = at.button(key="surveys_new_create").click().run()
    assert "Survey Trust study created." in _ok(at)
    table = at.dataframe[0].value
    assert list(table["Code"]) == ["accuracy_trust", "wait_seconds"]
    assert list(table["Kind"]) == ["5-point scale", "Number"]
    survey_id = _db(bare, lambda s: s.scalar(select(Survey.id)))
    site = Site(bare.url, bare.product_id, bare.round_id, survey_id, 0)

    # The bank's agreement scale becomes a 7-point one with its own end labels.
    trust = _id(site, "accuracy_trust")
    at.radio(key=f"sb_q{trust}_points").set_value(7)
    at.text_input(key=f"sb_q{trust}_high_en").input("Completely")
    at.text_input(key=f"sb_q{trust}_high_zh").input("完全同意")
    at = _submit(at, f"sb_edit_{trust}", "Save")
    assert "Question accuracy_trust saved." in _ok(at)

    # A new multiple-choice question, options one per line in both languages.
    at = at.radio(key="sb_add_from").set_value("new").run()
    at = at.selectbox(key="sb_add_kind").set_value("multi").run()
    at.text_area(key="sb_add_multi_text_zh").input("您用它做什么？")
    at.text_area(key="sb_add_multi_text_en").input("What do you use it for?")
    at.text_area(key="sb_add_multi_options_zh").input("查询\n写作\n\n翻译")
    at.text_area(key="sb_add_multi_options_en").input("Look-ups\nWriting\nTranslation")
    at.checkbox(key="sb_add_multi_required").uncheck()
    at = _submit(at, "sb_add_form_multi", "Add question")
    assert "Question q added." in _ok(at)
    assert at.text_area(key="sb_add_multi_text_en").value == ""  # a blank form for the next one

    specs = _db(site, lambda s: survey_questions(s, survey_id))
    assert [(q.code, q.kind, q.points, q.wording) for q in specs] == [
        ("accuracy_trust", "scale", 7, "agreement"),
        ("wait_seconds", "number", None, None),
        ("q", "multi", None, None),
    ]
    assert specs[0].end_labels == (("", ""), ("", ""), ("完全同意", "Completely"))
    assert specs[0].point_words("en")[-1] == "Completely" and specs[0].point_words("en")[3] == (
        "Neither agree nor disagree"
    )
    assert specs[1].higher_is_better is False
    assert specs[2].options == (
        Option("查询", "Look-ups"),
        Option("写作", "Writing"),
        Option("翻译", "Translation"),
    )
    assert specs[2].required is False
    assert _actions(site) == ["survey.create", "question.update", "question.add"]

    # The preview shows them as a respondent sees them, disabled, in English and in Chinese.
    preview = at.button_group(key=f"sb_preview_{survey_id}_en_q")
    assert preview.options[0] == "Look-ups" and preview.disabled
    scale = at.radio(key=f"sb_preview_{survey_id}_en_accuracy_trust")
    assert (
        scale.disabled
        and len(scale.options) == 7
        and scale.label == "I can rely on the answers it gives. \\*"
    )
    at = at.button_group(key="sb_preview_lang").set_value("zh").run()
    assert at.button_group(key=f"sb_preview_{survey_id}_zh_q").options[2] == "翻译"
    assert "MediAssist 满意度调查" in [s.value for s in at.subheader]
    assert at.title[0].value == "Surveys"  # the page stays in English


def test_a_new_question_needs_a_dimension_and_both_wordings(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site)
    at = at.radio(key="sb_add_from").set_value("new").run()
    at = at.selectbox(key="sb_add_kind").set_value("scale").run()
    at.text_area(key="sb_add_scale_text_zh").input("回答有帮助。")
    at.text_area(key="sb_add_scale_text_en").input("The answers help me.")
    at = _submit(at, "sb_add_form_scale", "Add question")
    assert [e.value for e in at.error] == [STRINGS["surveys.error.dimension_missing"][1]]
    at.text_input(key="sb_add_scale_dimension_own").input("helpfulness")
    at.radio(key="sb_add_scale_points").set_value(7)
    at.selectbox(key="sb_add_scale_wording").set_value("agreement")
    at = _submit(at, "sb_add_form_scale", "Add question")
    assert "Question helpfulness added." in _ok(at)
    added = _questions(sqlite_site)[-1].spec
    assert (added.dimension, added.points, added.wording) == ("helpfulness", 7, "agreement")
    at = at.radio(key="sb_add_from").set_value("bank").run()
    at.selectbox(key="sb_add_bank").set_value("accuracy")
    at = at.button(key="sb_add_bank_button").click().run()
    assert "Question accuracy_2 added." in _ok(at)  # the bank's question again, under a free code


def test_editing_and_reordering(monkeypatch, site):
    at = _page(monkeypatch, site)
    speed = _id(site, "response_speed")
    at.text_area(key=f"sb_q{speed}_text_en").input("How quick are its answers?")
    at.checkbox(key=f"sb_q{speed}_required").uncheck()
    at.checkbox(key=f"sb_q{speed}_higher_is_better").check()
    at.selectbox(key=f"sb_q{speed}_wording").set_value("satisfaction")
    at = _submit(at, f"sb_edit_{speed}", "Save")
    assert "Question response_speed saved." in _ok(at)
    spec = next(q.spec for q in _questions(site) if q.id == speed)
    assert (spec.text_en, spec.required, spec.wording, spec.text_zh) == (
        "How quick are its answers?",
        False,
        "satisfaction",
        "响应速度如何？",
    )

    at = at.button(key=f"sb_up_{speed}").click().run()
    assert "Question response_speed moved." in _ok(at)
    at = at.button(key=f"sb_up_{speed}").click().run()
    at = at.button(key=f"sb_down_{_id(site, 'accuracy')}").click().run()
    order = ["response_speed", "ease_of_use", "accuracy", "problem_resolution", "csat", "nps", "comment"]
    assert list(at.dataframe[0].value["Code"]) == order
    assert [q.spec.code for q in _questions(site)] == order
    assert _actions(site) == ["question.update", *["question.move"] * 3]


def test_removing_deletes_an_unanswered_question_and_hides_an_answered_one(monkeypatch, site):
    _answer(site, "u1", accuracy=4)
    _answer(site, "u2", accuracy=5)
    at = _page(monkeypatch, site)
    ease, accuracy = _id(site, "ease_of_use"), _id(site, "accuracy")
    at = at.button(key=f"sb_remove_{ease}").click().run()
    assert "Question ease_of_use deleted (nobody had answered it)." in _ok(at)
    at = at.button(key=f"sb_remove_{accuracy}").click().run()
    assert "Question accuracy hidden, its 2 answers are kept." in _ok(at)
    table = at.dataframe[0].value
    assert "ease_of_use" not in list(table["Code"])
    assert table.loc[table["Code"] == "accuracy", "Status"].tolist() == ["hidden"]
    assert table.loc[table["Code"] == "accuracy", "Answers"].tolist() == [2]
    assert "their answers are kept, and they can be restored" in texts(at)
    assert f"sb_preview_{site.survey_id}_en_accuracy" not in [r.key for r in at.radio]  # not asked
    assert [q.answers for q in _questions(site) if q.spec.code == "accuracy"] == [2]

    at = at.button(key=f"sb_restore_{accuracy}").click().run()
    assert "Question accuracy restored; respondents see it again." in _ok(at)
    assert at.dataframe[0].value.loc[0, "Status"] == "shown"
    assert _actions(site) == ["question.remove", "question.remove", "question.restore"]


def test_a_frozen_question_refuses_a_new_wording_and_saves_a_new_version(monkeypatch, site):
    _answer(site, "u1", accuracy=4)
    at = _page(monkeypatch, site)
    accuracy = _id(site, "accuracy")
    assert "This question has 1 answers, so its meaning is frozen" in texts(at)
    at.text_area(key=f"sb_q{accuracy}_text_en").input("How correct are the answers?")
    at = _submit(at, f"sb_edit_{accuracy}", "Save")
    assert [e.value for e in at.error] == [
        "This question has answers, so its meaning cannot change (English wording); nothing was saved. "
        "Use “Save as a new version”."
    ]
    assert [q.spec.text_en for q in _questions(site) if q.id == accuracy] == ["How accurate are the answers?"]
    assert _actions(site) == []
    # The refusal is shown in the question's own section, beside what to correct.
    (section,) = [e for e in at.expander if e.label.startswith("accuracy ·")]
    assert [e.value for e in section.error] == [e.value for e in at.error]

    at = _submit(at, f"sb_edit_{accuracy}", "Save as a new version")
    assert "New version accuracy_v2 of question accuracy made; the old version is hidden" in _ok(at)
    listed = {q.spec.code: q for q in _questions(site)}
    assert listed["accuracy"].hidden and listed["accuracy"].answers == 1
    assert listed["accuracy_v2"].spec.text_en == "How correct are the answers?"
    assert (listed["accuracy_v2"].version, listed["accuracy_v2"].hidden) == (2, False)
    table = at.dataframe[0].value
    assert list(table["Code"][:2]) == ["accuracy", "accuracy_v2"]
    assert list(table["Version"][:2]) == [1, 2]
    assert _actions(site) == ["question.new_version"]
    # The hidden old version has no editor any more; the new one has, and nothing frozen yet.
    v2 = listed["accuracy_v2"].id
    assert f"sb_q{accuracy}_text_en" not in [a.key for a in at.text_area]
    assert at.text_area(key=f"sb_q{v2}_text_en").value == "How correct are the answers?"


def test_required_changes_on_a_frozen_question(monkeypatch, sqlite_site):
    _answer(sqlite_site, "u1", nps=9)
    at = _page(monkeypatch, sqlite_site)
    nps = _id(sqlite_site, "nps")
    at.checkbox(key=f"sb_q{nps}_required").uncheck()
    at = _submit(at, f"sb_edit_{nps}", "Save")
    assert "Question nps saved." in _ok(at)
    assert [q.spec.required for q in _questions(sqlite_site) if q.id == nps] == [False]


def test_reuse_for_the_follow_up_selects_a_copy_with_the_same_codes(monkeypatch, site):
    at = _page(monkeypatch, site)
    assert at.text_input(key=f"sb_reuse_name_{site.survey_id}").value == "Satisfaction (follow-up)"
    at = at.button(key="sb_reuse").click().run()
    assert (
        "Survey Satisfaction (follow-up) created and selected. Its question codes are those of Satisfaction, "
        "so their waves stay comparable."
    ) in _ok(at)
    copy_id = at.selectbox(key="surveys_survey_id").value
    assert copy_id != site.survey_id
    codes = [q.spec.code for q in _questions(site, copy_id)]
    assert codes == [q.spec.code for q in _questions(site)]
    assert "No wave yet." in texts(at)  # the copy's waves: open the follow-up there
    assert _actions(site) == ["survey.reuse"]


def test_test_families_default_and_saved(monkeypatch, site):
    edits: dict[str, str] = {}
    real_editor = streamlit.data_editor

    def editor(data, **kwargs):  # type: ignore[no-untyped-def]
        # AppTest cannot type into a data editor: this one returns the table with the user's edits.
        real_editor(data, **kwargs)
        edited = data.copy()
        for code, family in edits.items():
            edited.loc[edited["code"] == code, "family"] = family
        return edited

    monkeypatch.setattr(streamlit, "data_editor", editor)
    at = _page(monkeypatch, site)
    assert "p-values are Holm-adjusted within a family" in _ok(at)
    viewer = _page(monkeypatch, site, VIC)
    families = next(d.value for d in viewer.dataframe if "default" in d.value.columns)
    defaults = dict(zip(families["code"], families["default"], strict=True))
    assert (defaults["accuracy"], defaults["ease_of_use"]) == ("scale:accuracy", "scale:ease_of_use")
    assert (defaults["nps"], defaults["comment"]) == ("nps:nps", "text:comment")

    edits.update({"accuracy": "experience", "ease_of_use": "experience", "csat": "scale:overall"})
    at = _submit(at, f"sb_families_{site.survey_id}", "Save families")
    assert "Families saved: 2 questions grouped other than by default." in _ok(at)
    assert _db(site, lambda s: survey_families(s, [site.survey_id])) == {
        "accuracy": "experience",
        "ease_of_use": "experience",
    }
    viewer = _page(monkeypatch, site, VIC)
    families = next(d.value for d in viewer.dataframe if "default" in d.value.columns)
    assert families.loc[families["code"] == "accuracy", "family"].tolist() == ["experience"]

    edits.clear()
    at = at.button(key=f"sb_families_reset_{site.survey_id}").click().run()
    assert "Families are back to the default grouping." in _ok(at)
    assert _db(site, lambda s: survey_families(s, [site.survey_id])) == {}
    assert _actions(site) == ["survey.families", "survey.families"]


def test_an_analyst_builds_and_a_viewer_only_reads(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site, ANN)
    _ok(at)
    at = at.button(key="sb_add_bank_button").click().run()  # the bank's first question
    assert "Question accuracy_2 added." in _ok(at)
    assert _db(sqlite_site, lambda s: s.scalars(select(AuditEvent.actor)).all()) == ["ann"]

    viewer = _page(monkeypatch, sqlite_site, VIC)
    assert "You can look at the surveys; only admins and analysts change them." in _ok(viewer)
    assert not viewer.button or all(b.disabled for b in viewer.button)  # the preview's submit only
    assert not viewer.get("form") and not viewer.checkbox
    assert not [e for e in viewer.expander if e.label == "New survey"]
    assert list(viewer.dataframe[0].value["Code"])[-1] == "accuracy_2"
    assert viewer.radio(key=f"sb_preview_{sqlite_site.survey_id}_en_accuracy").disabled


def test_the_builder_speaks_chinese(monkeypatch, sqlite_site):
    _answer(sqlite_site, "u1", accuracy=4)
    at = _page(monkeypatch, sqlite_site, lang="zh")
    page = _ok(at)
    assert at.title[0].value == "问卷管理"
    assert [t.label for t in at.tabs] == ["问题", "添加问题", "预览", "检验族", "复用于复测"]
    assert list(at.dataframe[0].value.columns) == [
        "序号",
        "代码",
        "类型",
        "问题",
        "维度",
        "必答",
        "已有回答",
        "版本",
        "状态",
    ]
    assert at.dataframe[0].value.loc[0, "问题"] == "回答的准确性如何？"
    assert at.dataframe[0].value.loc[0, "维度"] == "准确性"
    assert "这个问题已有 1 个回答，含义已冻结" in page
    assert "检验族：一起检验的一组问题；同一族内的 p 值做 Holm 校正。" in page
    accuracy = _id(sqlite_site, "accuracy")
    at.text_area(key=f"sb_q{accuracy}_text_zh").input("回答准确吗？")
    at = _submit(at, f"sb_edit_{accuracy}", "保存")
    assert [e.value for e in at.error] == [
        "这个问题已有回答，不能更改它的含义（中文措辞），未保存任何内容。请使用“另存为新版本”。"
    ]
    at = at.button(key=f"sb_remove_{accuracy}").click().run()
    assert "问题 accuracy 已隐藏，它的 1 个回答保留着。" in texts(at)


def test_every_label_the_builder_builds_has_both_languages():
    codes = (SurveyError.__doc__ or "").split("Codes:")[1].split(".")[0].replace("\n", " ")
    keys = [f"surveys.error.{c.strip()}" for c in codes.split(",")]
    keys += [f"surveys.qkind.{k}" for k in KINDS] + [f"surveys.wording.{w}" for w in WORDINGS]
    keys += [f"surveys.bank_group.{group}" for group, _ in BANK]
    keys += [f"surveys.field.{f}" for f in ("kind", "text_zh", "text_en", "points", "wording")]
    keys += [f"surveys.field.{f}" for f in ("end_labels", "options", "dimension", "higher_is_better")]
    assert len(keys) > 30 and [k for k in keys if k not in STRINGS] == []


def test_families_to_store_keeps_only_the_teams_choices():
    from db.surveys import StoredQuestion
    from ui.survey_builder import families_to_store

    questions = [
        StoredQuestion(1, QuestionSpec("a", "scale", "甲", "A", points=5, dimension="x"), 0, 1, False, 0),
        StoredQuestion(2, QuestionSpec("b", "number", "乙", "B"), 1, 1, False, 0),
    ]
    edited = pd.DataFrame({"code": ["a", "b", "zz"], "family": ["scale:x", " mine ", "other"]})
    assert families_to_store(questions, edited) == {"b": "mine"}
    edited = pd.DataFrame({"code": ["a", "b"], "family": [None, ""]})
    assert families_to_store(questions, edited) == {}
