"""The rules of db/surveys.py a survey builder relies on, on SQLite and PostgreSQL: checked questions,
frozen meaning once answered, new versions, moves, removal, reuse with the same codes, families, and
multiple-choice answers."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from analytics.questions import STANDARD, Option, QuestionSpec, bank_question
from db.engine import unit_of_work
from db.models import Answer, Question
from db.surveys import (
    SurveyError,
    add_question,
    add_response,
    check_spec,
    create_survey,
    free_code,
    move_question,
    new_version,
    open_wave,
    remove_question,
    restore_question,
    reuse_survey,
    set_families,
    stored_questions,
    survey_families,
    survey_questions,
    update_question,
)
from db.workspace import create_product, create_round

SCALE = QuestionSpec(
    "trust", "scale", "我信赖它。", "I trust it.", points=7, wording="agreement", dimension="accuracy"
)
MULTI = QuestionSpec(
    "used_for",
    "multi",
    "您用它做什么？",
    "What do you use it for?",
    options=(Option("查询", "Look-ups"), Option("写作", "Writing"), Option("翻译", "Translation")),
)


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        (replace(SCALE, kind="slider"), "kind_unknown"),  # type: ignore[arg-type]
        (replace(SCALE, code="Trust"), "code_invalid"),
        (replace(SCALE, code="1trust"), "code_invalid"),
        (replace(SCALE, text_en="  "), "text_missing"),
        (replace(SCALE, text_zh=""), "text_missing"),
        (replace(SCALE, points=10), "points_invalid"),
        (replace(SCALE, points=None), "points_invalid"),
        (replace(SCALE, wording="likelihood"), "wording_invalid"),  # type: ignore[arg-type]
        (replace(SCALE, dimension=" "), "dimension_missing"),
        (QuestionSpec("ok", "yes_no", "好吗？", "OK?"), "dimension_missing"),
        (replace(MULTI, options=(Option("查询", "Look-ups"),)), "options_too_few"),
        (replace(MULTI, options=(Option("查询", "Look-ups"), Option("写作", ""))), "options_too_few"),
        (replace(MULTI, options=(Option("查询", "Look-ups"), Option("查询", "Search"))), "options_repeated"),
        (
            replace(MULTI, options=(Option("查询", "Look-ups"), Option("搜索", "look-ups"))),
            "options_repeated",
        ),
    ],
)
def test_check_spec_refuses_bad_questions(spec, code):
    with pytest.raises(SurveyError) as refused:
        check_spec(spec)
    assert refused.value.code == code


def test_check_spec_fills_in_defaults_and_drops_blank_options():
    assert check_spec(replace(SCALE, wording=None)).wording == "satisfaction"
    assert check_spec(QuestionSpec("nps", "nps", "推荐？", "Recommend?")).dimension == "nps"
    blanks = replace(MULTI, options=(*MULTI.options, Option(" ", "")))
    assert check_spec(blanks).options == MULTI.options


@pytest.fixture
def world(engine):
    """A product with a round, a survey of a 7-point scale, a multiple choice and a number, and a wave."""
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey(session, product.id, "Own", [SCALE, MULTI, bank_question("wait_seconds")])
        wave = open_wave(session, survey.id, rnd.id, "baseline", "Before")
        ids = {q.code: q.id for q in survey.questions}
        return {"product": product.id, "round": rnd.id, "survey": survey.id, "wave": wave.id, "ids": ids}


def _answer(engine, world, key="u1", **answers):
    with unit_of_work(engine) as session:
        add_response(session, world["wave"], key, answers)


def _codes(engine, survey_id, hidden=False):
    with unit_of_work(engine) as session:
        return [q.code for q in survey_questions(session, survey_id, hidden=hidden)]


def test_a_multiple_choice_answer_is_stored_as_its_option_numbers(engine, world):
    _answer(engine, world, trust=6, used_for=[3, 1, 1], wait_seconds=4.5)
    with unit_of_work(engine) as session:
        rows = dict(session.execute(select(Question.code, Answer.value_text).join(Answer)).all())
        stored = {q.spec.code: q.answers for q in stored_questions(session, world["survey"])}
    assert json.loads(rows["used_for"]) == [1, 3]
    assert stored == {"trust": 1, "used_for": 1, "wait_seconds": 1}


def test_an_unanswered_question_changes_freely(engine, world):
    changed = replace(SCALE, text_en="I rely on it.", points=5, wording="quality", code="ignored")
    with unit_of_work(engine) as session:
        update_question(session, world["ids"]["trust"], changed)
    with unit_of_work(engine) as session:
        (spec, *_) = survey_questions(session, world["survey"])
    assert (spec.code, spec.text_en, spec.points, spec.wording) == ("trust", "I rely on it.", 5, "quality")


def test_an_answered_question_is_frozen_but_required_may_change(engine, world):
    _answer(engine, world, trust=6)
    with pytest.raises(SurveyError) as refused, unit_of_work(engine) as session:
        update_question(session, world["ids"]["trust"], replace(SCALE, text_en="I rely on it.", points=5))
    assert refused.value.code == "question_frozen"
    assert refused.value.detail == "text_en, points"
    with unit_of_work(engine) as session:
        update_question(session, world["ids"]["trust"], replace(SCALE, required=False))
    with unit_of_work(engine) as session:
        (spec, *_) = survey_questions(session, world["survey"])
    assert spec == replace(SCALE, required=False)


def test_a_new_version_hides_the_answered_question_and_takes_its_place(engine, world):
    with pytest.raises(SurveyError) as refused, unit_of_work(engine) as session:
        new_version(session, world["ids"]["trust"], SCALE)
    assert refused.value.code == "not_answered"
    _answer(engine, world, trust=6)
    with unit_of_work(engine) as session:
        v2 = new_version(session, world["ids"]["trust"], replace(SCALE, text_en="I rely on it."))
        v2_id, v2_code, v2_version, replaces = v2.id, v2.code, v2.version, v2.replaces_id
    assert (v2_code, v2_version, replaces) == ("trust_v2", 2, world["ids"]["trust"])
    assert _codes(engine, world["survey"]) == ["trust_v2", "used_for", "wait_seconds"]
    _answer(engine, world, key="u2", trust_v2=7)
    with unit_of_work(engine) as session:
        v3 = new_version(session, v2_id, replace(SCALE, text_en="I fully rely on it."))
        assert (v3.code, v3.version) == ("trust_v3", 3)
        listed = {q.spec.code: (q.hidden, q.answers) for q in stored_questions(session, world["survey"])}
    assert (
        listed["trust"] == (True, 1) and listed["trust_v2"] == (True, 1) and listed["trust_v3"] == (False, 0)
    )


def test_removing_deletes_an_unanswered_question_and_hides_an_answered_one(engine, world):
    _answer(engine, world, used_for=[2])
    with unit_of_work(engine) as session:
        assert remove_question(session, world["ids"]["trust"]) == "deleted"
        assert remove_question(session, world["ids"]["used_for"]) == "hidden"
    assert _codes(engine, world["survey"]) == ["wait_seconds"]
    assert _codes(engine, world["survey"], hidden=True) == ["used_for", "wait_seconds"]
    with unit_of_work(engine) as session:
        restore_question(session, world["ids"]["used_for"])
        assert session.scalar(select(Answer.value_text)) == "[2]"  # the answers stayed
    assert _codes(engine, world["survey"]) == ["used_for", "wait_seconds"]
    with pytest.raises(SurveyError) as refused, unit_of_work(engine) as session:
        remove_question(session, world["ids"]["trust"])
    assert refused.value.code == "question_unknown"


def test_moving_swaps_neighbours_among_shown_questions(engine, world):
    ids = world["ids"]
    with unit_of_work(engine) as session:
        move_question(session, ids["wait_seconds"], -1)
    assert _codes(engine, world["survey"]) == ["trust", "wait_seconds", "used_for"]
    with unit_of_work(engine) as session:
        move_question(session, ids["trust"], -1)  # first already: nothing moves
        move_question(session, ids["used_for"], 1)  # last already
    assert _codes(engine, world["survey"]) == ["trust", "wait_seconds", "used_for"]
    _answer(engine, world, wait_seconds=3)
    with unit_of_work(engine) as session:
        remove_question(session, ids["wait_seconds"])  # hidden: moves skip it
        move_question(session, ids["used_for"], -1)
    assert _codes(engine, world["survey"]) == ["used_for", "trust"]


def test_adding_questions_with_free_codes(engine, world):
    with unit_of_work(engine) as session:
        assert free_code(session, world["survey"], "trust") == "trust_2"
        assert free_code(session, world["survey"], "Not a code") == "q"
        added = add_question(
            session, world["survey"], replace(SCALE, code=free_code(session, world["survey"], "trust"))
        )
        assert added.position == 3
        with pytest.raises(SurveyError) as refused:
            add_question(session, world["survey"], SCALE)
        assert refused.value.code == "code_taken"
    assert _codes(engine, world["survey"])[-1] == "trust_2"


def test_reuse_keeps_the_codes_and_families_and_leaves_hidden_questions_out(engine, world):
    _answer(engine, world, used_for=[1])
    with unit_of_work(engine) as session:
        remove_question(session, world["ids"]["used_for"])
        set_families(session, world["survey"], {"trust": "experience", "wait_seconds": " experience "})
        copy = reuse_survey(session, world["survey"], "Own (follow-up)")
        copy_id, reused_from, families = copy.id, copy.reused_from_id, copy.families
    assert reused_from == world["survey"] and copy_id != world["survey"]
    assert _codes(engine, copy_id) == ["trust", "wait_seconds"]
    with unit_of_work(engine) as session:
        assert survey_questions(session, copy_id) == (SCALE, bank_question("wait_seconds"))
    assert families == {"trust": "experience", "wait_seconds": "experience"}
    with pytest.raises(SurveyError) as refused, unit_of_work(engine) as session:
        reuse_survey(session, world["survey"], "  ")
    assert refused.value.code == "name_empty"


def test_reusing_a_survey_without_shown_questions_is_refused(engine, world):
    with unit_of_work(engine) as session:
        empty = create_survey(session, world["product"], "Empty", ())
        empty_id = empty.id
    with pytest.raises(SurveyError) as refused, unit_of_work(engine) as session:
        reuse_survey(session, empty_id, "Copy")
    assert refused.value.code == "survey_empty"


def test_families_are_kept_merged_and_reset(engine, world):
    with unit_of_work(engine) as session:
        later = create_survey(session, world["product"], "Later", STANDARD)
        set_families(session, world["survey"], {"trust": "a", "used_for": "b", "wait_seconds": " "})
        set_families(session, later.id, {"trust": "c"})
        assert survey_families(session, [world["survey"]]) == {"trust": "a", "used_for": "b"}
        assert survey_families(session, [world["survey"], later.id]) == {"trust": "c", "used_for": "b"}
        set_families(session, world["survey"], None)
        assert survey_families(session, [world["survey"]]) == {}
        with pytest.raises(SurveyError) as refused:
            set_families(session, 9999, {"trust": "a"})
        assert refused.value.code == "survey_unknown"
