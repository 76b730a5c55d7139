"""A survey of the team's own questions, stored, answered and read back for the before/after comparison.

On SQLite and PostgreSQL: the template's questions after the upgrade to migration 0005, a respondent's
answers of every kind (and the ones refused), the answers frame the comparison reads, and which
questions two waves can be compared on.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from analytics.questions import Option, QuestionSpec, bank_question
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Answer, Feedback
from db.surveys import (
    create_survey,
    open_wave,
    reuse_survey,
    stored_questions,
    survey_questions,
    update_question,
)
from db.waves import wave_answers
from db.workspace import create_product, create_round
from services.collect import SubmissionError, record_response
from services.verification import comparable_questions

OWN = (
    QuestionSpec(
        "trust",
        "scale",
        "我信任它的回答。",
        "I trust its answers.",
        points=7,
        wording="agreement",
        dimension="accuracy",
    ),
    QuestionSpec(
        "solved", "yes_no", "问题解决了吗？", "Was your problem solved?", dimension="problem_resolution"
    ),
    QuestionSpec(
        "used_for",
        "multi",
        "您用它做什么？",
        "What do you use it for?",
        options=(Option("问诊", "Symptoms"), Option("用药", "Medication"), Option("报告", "Reports")),
    ),
    QuestionSpec(
        "channel",
        "single",
        "您从哪里使用？",
        "Where do you use it?",
        options=(Option("手机", "Phone"), Option("电脑", "Computer")),
    ),
    QuestionSpec("wait", "number", "等待了几秒？", "Seconds waited?", required=False, higher_is_better=False),
    QuestionSpec("note", "text", "还有什么？", "Anything else?", required=False),
)


@pytest.fixture
def site(engine):
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey(session, product.id, "Own", OWN)
        wave = open_wave(session, survey.id, rnd.id, "baseline", "Before")
        ids = (product.id, rnd.id, survey.id, wave.id)
    return ids


def test_the_template_becomes_scales_of_their_dimension_after_the_upgrade(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0004_item_evidence")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO products (id, name, domain, is_demo) VALUES (1, 'P', 'other', false)"))
        conn.execute(text("INSERT INTO surveys (id, product_id, name) VALUES (1, 1, 'Old')"))
        for i, (code, kind) in enumerate(
            (("accuracy", "likert5"), ("csat", "likert5"), ("nps", "nps"), ("comment", "text"))
        ):
            conn.execute(
                text(
                    "INSERT INTO questions (survey_id, position, code, kind, text_zh, text_en, required) "
                    "VALUES (1, :i, :code, :kind, 'zh', 'en', true)"
                ),
                {"i": i, "code": code, "kind": kind},
            )
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        specs = {q.code: q for q in survey_questions(session, 1)}
    engine.dispose()
    assert (specs["accuracy"].kind, specs["accuracy"].points, specs["accuracy"].dimension) == (
        "scale",
        5,
        "accuracy",
    )
    assert specs["accuracy"].wording == "quality"  # the words respondents were shown: very poor ... excellent
    assert (specs["csat"].dimension, specs["csat"].wording) == ("overall", "satisfaction")
    assert (specs["nps"].kind, specs["nps"].dimension) == ("nps", "nps")
    assert specs["comment"].kind == "text" and specs["comment"].dimension is None


def test_answers_of_every_kind_are_stored_and_read_back_by_option(engine, site):
    product_id, _, survey_id, wave_id = site
    with unit_of_work(engine) as session:
        receipt = record_response(
            session,
            wave_id,
            "patient-1",
            {
                "trust": 6,
                "solved": 0.5,
                "used_for": [3, 1],
                "channel": 2,
                "wait": 4.5,
                "note": "call 13812345678",
            },
            "en",
        )
        assert receipt.status == "created"
    with unit_of_work(engine) as session:
        frame = wave_answers(session, [wave_id])
        stored = {a.value_text for a in session.scalars(select(Answer))}
        comment = session.scalars(select(Feedback.text).where(Feedback.channel == "survey_comment")).one()
    rows = {q: (k, v) for q, k, v in zip(frame["question"], frame["kind"], frame["value"], strict=True)}
    assert rows["trust"] == ("likert7", 6.0)
    assert rows["solved"] == ("yes_no", 0.5)
    assert rows["channel"] == ("single", 2.0)
    assert rows["wait"] == ("number", 4.5)
    # One 0/1 row per option, for the share choosing each.
    assert [rows[f"used_for:{i}"] for i in (1, 2, 3)] == [("multi", 1.0), ("multi", 0.0), ("multi", 1.0)]
    assert "note" not in rows  # free text is not compared
    assert json.dumps([1, 3]) in stored  # the choice, not a redacted text
    assert "13812345678" not in comment and comment.startswith("call ")


@pytest.mark.parametrize(
    ("answers", "refused"),
    [
        ({"trust": 8, "solved": 1, "used_for": [1], "channel": 1}, "trust"),  # 8 on a 1-7 scale
        ({"trust": 5, "solved": 0.3, "used_for": [1], "channel": 1}, "solved"),  # not yes, partly or no
        ({"trust": 5, "solved": 1, "used_for": [4], "channel": 1}, "used_for"),  # no option 4
        ({"trust": 5, "solved": 1, "used_for": [1], "channel": 3}, "channel"),  # no option 3
    ],
)
def test_an_answer_that_does_not_fit_its_question_is_refused_and_nothing_is_stored(
    engine, site, answers, refused
):
    _, _, _, wave_id = site
    with pytest.raises(SubmissionError) as caught, unit_of_work(engine) as session:
        record_response(session, wave_id, "patient-2", answers, "en")
    assert caught.value.code == "out_of_range" and caught.value.questions == (refused,)
    with unit_of_work(engine) as session:
        assert wave_answers(session, [wave_id]).empty


def test_a_reused_survey_compares_on_every_question_asked_the_same_way(engine, site):
    product_id, round_id, survey_id, wave_id = site
    with unit_of_work(engine) as session:
        copy = reuse_survey(session, survey_id, "Own, follow-up")
        trust = next(q for q in stored_questions(session, copy.id) if q.spec.code == "trust")
        # Before anyone answers the copy, its scale can still change: then it is asked differently.
        update_question(
            session,
            trust.id,
            QuestionSpec(
                "trust",
                "scale",
                "我信任它的回答。",
                "I trust its answers.",
                points=5,
                wording="agreement",
                dimension="accuracy",
            ),
        )
        after = open_wave(session, copy.id, round_id, "follow_up", "After")
        result = comparable_questions(session, wave_id, after.id)
    assert [q.code for q in result.questions] == ["solved", "used_for", "channel", "wait"]
    assert result.asked_differently == (("trust", "points"),)
    assert result.only_one == ()


def test_the_standard_questionnaire_comes_from_the_bank(engine):
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        survey = create_survey(session, product.id, "Standard")
        specs = survey_questions(session, survey.id)
    assert [q.code for q in specs] == [
        "accuracy",
        "ease_of_use",
        "response_speed",
        "problem_resolution",
        "csat",
        "nps",
        "comment",
    ]
    assert specs[0] == bank_question("accuracy")
