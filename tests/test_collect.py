"""In-app feedback and questionnaire submissions through the repository functions the pages call,
on a real SQLite file and a real PostgreSQL database, including 200 submissions from 20 threads."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from analytics.pseudonym import pseudonymise
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Answer, Feedback, Question, Response
from db.settings import respondent_key_secret
from db.surveys import SurveyError, create_survey_from_template, list_waves, open_wave, set_wave_open
from db.workspace import create_product, create_round
from services.collect import (
    InAppFeedback,
    SubmissionError,
    has_responded,
    record_in_app_feedback,
    submit_in_app_feedback,
    submit_response,
)

SENT_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
FULL = {
    "accuracy": 4,
    "ease_of_use": 5,
    "response_speed": 3,
    "problem_resolution": 4,
    "csat": 4,
    "nps": 9,
}


@dataclass(frozen=True)
class World:
    product_id: int
    round_id: int
    survey_id: int
    wave_id: int


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """One SQLite database for the refusal checks: they run before anything is written, and each
    test asserts that nothing was, so they can share it."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('refusals') / 'rectify.db'}")
    migrate.upgrade(eng)
    yield eng, _world(eng)
    eng.dispose()


@pytest.fixture
def world(engine) -> World:
    return _world(engine)


def _world(engine) -> World:
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        create_round(session, product.id, "Round 0", status="closed")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        wave = open_wave(session, survey.id, rnd.id, "baseline", "Before")
        return World(product.id, rnd.id, survey.id, wave.id)


def _count(engine, model, *where) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _pseudonym(engine, raw: str) -> str:
    with unit_of_work(engine) as session:
        return pseudonymise(raw, respondent_key_secret(session))


# in-app feedback


def test_in_app_feedback_is_redacted_pseudonymised_and_stored_once(engine, world):
    feedback = InAppFeedback(
        product_id=world.product_id,
        token="t-1",
        rating=2,
        comment="  Wrong dose! call me on 13812345678 <script>alert(1)</script> ",
        category="accuracy",
        respondent_key="user-42",
        app_version="3.2.1",
        model_version="med-llm-2026-10",
        language="en",
    )
    receipt = submit_in_app_feedback(engine, feedback)
    assert not receipt.duplicate
    assert receipt.text == "Wrong dose! call me on [PHONE] <script>alert(1)</script>"
    assert receipt.pii_counts == {"PHONE": 1}
    again = submit_in_app_feedback(engine, feedback)  # a double click: the same token
    assert again.duplicate
    with unit_of_work(engine) as session:
        rows = list(session.scalars(select(Feedback)))
    assert len(rows) == 1
    row = rows[0]
    assert (row.channel, row.rating, row.category, row.category_source) == (
        "in_app",
        2.0,
        "accuracy",
        "respondent",
    )
    assert "13812345678" not in row.text and "[PHONE]" in row.text and "<script>" in row.text
    assert row.pii_counts == {"PHONE": 1}
    assert row.respondent_key == _pseudonym(engine, "user-42") and "user-42" not in row.respondent_key
    assert (row.app_version, row.model_version, row.language) == ("3.2.1", "med-llm-2026-10", "en")
    assert row.round_id == world.round_id  # the active round, not the closed one


@pytest.mark.parametrize(
    ("app_version", "model_version", "segment", "stored", "counts"),
    [
        (
            "13800138000",
            "gpt-4o li.ming@163.com",
            "VIP 138\u200b0013\u200b8000",
            (None, "gpt-4o [EMAIL]", "VIP [PHONE]"),
            {"EMAIL": 1, "PHONE": 1},
        ),
        (
            "<img src=x onerror=alert(1)>",
            "qwen2.5-72b",
            "我叫张伟",
            (None, "qwen2.5-72b", "我叫[NAME]"),
            {"NAME": 1},
        ),
        ("v2.3.1-beta.2", "med-llm-2026-10", "doctor", ("v2.3.1-beta.2", "med-llm-2026-10", "doctor"), {}),
        ("8.0.47.2400 (1204)", None, " ", ("8.0.47.2400 (1204)", None, None), {}),
    ],
)
def test_labels_from_the_link_are_checked_and_redacted(
    engine, world, app_version, model_version, segment, stored, counts
):
    """A link is easy to edit: its labels must not carry personal data into the database."""
    feedback = InAppFeedback(
        product_id=world.product_id,
        token="t-link",
        comment="The answer was slow.",
        app_version=app_version,
        model_version=model_version,
        segment=segment,
    )
    receipt = submit_in_app_feedback(engine, feedback)
    assert receipt.pii_counts == counts
    with unit_of_work(engine) as session:
        row = session.scalars(select(Feedback)).one()
    assert (row.app_version, row.model_version, row.segment) == stored
    assert row.text == "The answer was slow." and (row.pii_counts or {}) == counts


def test_a_rating_without_comment_is_feedback_too(engine, world):
    submit_in_app_feedback(engine, InAppFeedback(world.product_id, "t-1", rating=5))
    submit_in_app_feedback(engine, InAppFeedback(world.product_id, "t-2", rating=5))
    with unit_of_work(engine) as session:
        rows = list(session.scalars(select(Feedback)))
    assert [(r.rating, r.text, r.respondent_key) for r in rows] == [(5.0, "", None), (5.0, "", None)]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"rating": None, "comment": "   "}, "empty"),
        ({"rating": 6}, "rating_out_of_range"),
        ({"rating": 0}, "rating_out_of_range"),
        ({"category": "pricing"}, "category_unknown"),
        ({"comment": "x" * 2001}, "too_long"),
        ({"respondent_key": "k" * 201}, "key_too_long"),
        ({"product_id": 999}, "product_unknown"),
    ],
)
def test_bad_in_app_feedback_is_refused_and_nothing_is_stored(refusals, changes, code):
    engine, world = refusals
    fields = {"product_id": world.product_id, "token": "t-1", "rating": 3, "comment": "ok"} | changes
    with pytest.raises(SubmissionError) as caught, unit_of_work(engine) as session:
        record_in_app_feedback(session, InAppFeedback(**fields))
    assert caught.value.code == code
    assert _count(engine, Feedback) == 0


# questionnaire


def test_a_response_is_stored_with_its_comment_as_survey_feedback(engine, world):
    answers = FULL | {"comment": "Great, but mail me at li.lei@example.com <b>bold</b>"}
    receipt = submit_response(engine, world.wave_id, "user-42", answers, "zh")
    assert (receipt.status, receipt.pii_counts) == ("created", {"EMAIL": 1})
    key = _pseudonym(engine, "user-42")
    with unit_of_work(engine) as session:
        response = session.scalars(select(Response)).one()
        stored = {
            code: (num, text)
            for code, num, text in session.execute(
                select(Question.code, Answer.value_num, Answer.value_text).join(Answer)
            )
        }
        comment = session.scalars(select(Feedback)).one()
        assert has_responded(session, world.wave_id, " user-42 ")
        assert not has_responded(session, world.wave_id, "user-43")
    assert (response.respondent_key, response.language) == (key, "zh")
    assert stored["nps"] == (9.0, None) and stored["accuracy"] == (4.0, None)
    assert stored["comment"] == (None, "Great, but mail me at [EMAIL] <b>bold</b>")
    assert (comment.channel, comment.text, comment.respondent_key) == (
        "survey_comment",
        "Great, but mail me at [EMAIL] <b>bold</b>",
        key,
    )
    assert (comment.round_id, comment.rating, comment.language, comment.pii_counts) == (
        world.round_id,
        4.0,
        "zh",
        {"EMAIL": 1},
    )
    assert comment.source_ref == f"survey-response-{response.id}"


def test_answering_again_replaces_the_earlier_answers(engine, world):
    submit_response(engine, world.wave_id, "user-42", FULL | {"comment": "slow"}, "en")
    assert submit_response(engine, world.wave_id, "user-42", FULL | {"comment": "slow"}).status == "unchanged"
    receipt = submit_response(
        engine, world.wave_id, "user-42", FULL | {"accuracy": 1, "comment": "wrong"}, "en"
    )
    assert receipt.status == "replaced"
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        accuracy = session.scalar(select(Answer.value_num).join(Question).where(Question.code == "accuracy"))
        comments = list(session.scalars(select(Feedback.text)))
    assert accuracy == 1.0 and comments == ["wrong"]
    # the optional comment left empty this time: its answer and its feedback go
    submit_response(engine, world.wave_id, "user-42", FULL, "en")
    assert _count(engine, Answer) == len(FULL) and _count(engine, Feedback) == 0


@pytest.mark.parametrize(
    ("answers", "code", "questions"),
    [
        ({"accuracy": 4}, "missing", ("ease_of_use", "response_speed", "problem_resolution", "csat", "nps")),
        (FULL | {"csat": None, "nps": ""}, "missing", ("csat", "nps")),
        (FULL | {"accuracy": 6}, "out_of_range", ("accuracy",)),
        (FULL | {"accuracy": 0}, "out_of_range", ("accuracy",)),
        (FULL | {"nps": 11, "csat": 3.5}, "out_of_range", ("csat", "nps")),
        (FULL | {"nps": -1}, "out_of_range", ("nps",)),
        (FULL | {"nps": "nine"}, "out_of_range", ("nps",)),
        (FULL | {"nps": True}, "out_of_range", ("nps",)),
        (FULL | {"comment": "x" * 2001}, "too_long", ("comment",)),
        (FULL | {"shoe_size": 42}, "answer_unknown", ("shoe_size",)),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(refusals, answers, code, questions):
    engine, world = refusals
    with pytest.raises(SubmissionError) as caught:
        submit_response(engine, world.wave_id, "user-42", answers)
    assert (caught.value.code, caught.value.questions) == (code, questions)
    assert _count(engine, Response) == 0 and _count(engine, Answer) == 0 and _count(engine, Feedback) == 0


def test_closed_unknown_and_keyless_submissions_are_refused(engine, world):
    with pytest.raises(SubmissionError, match="wave_unknown"):
        submit_response(engine, 999, "user-42", FULL)
    with pytest.raises(SubmissionError, match="key_missing"):
        submit_response(engine, world.wave_id, "  ", FULL)
    with unit_of_work(engine) as session:
        set_wave_open(session, world.wave_id, False)
    with pytest.raises(SubmissionError, match="wave_closed"):
        submit_response(engine, world.wave_id, "user-42", FULL)
    assert _count(engine, Response) == 0


def test_waves_open_close_and_count_responses(engine, world):
    submit_response(engine, world.wave_id, "a", FULL)
    submit_response(engine, world.wave_id, "b", FULL)
    with unit_of_work(engine) as session:
        other = create_product(session, "FinBot", "finance")
        foreign_round = create_round(session, other.id, "Round 1")
        with pytest.raises(SurveyError, match="round_unknown"):
            open_wave(session, world.survey_id, foreign_round.id, "follow_up", "After")
        with pytest.raises(SurveyError, match="name_empty"):
            open_wave(session, world.survey_id, world.round_id, "follow_up", "  ")
        with pytest.raises(SurveyError, match="kind_unknown"):
            open_wave(session, world.survey_id, world.round_id, "midterm", "After")
        open_wave(session, world.survey_id, world.round_id, "follow_up", "After")
        set_wave_open(session, world.wave_id, False)
    with unit_of_work(engine) as session:
        waves = [
            (w.name, w.kind, w.is_open, w.responses, w.closes_on is not None)
            for w in list_waves(session, world.survey_id)
        ]
    assert waves == [("Before", "baseline", False, 2, True), ("After", "follow_up", True, 0, False)]


# concurrency


@pytest.mark.slow
def test_200_submissions_from_20_threads_none_lost_or_duplicated(engine, world):
    """100 in-app feedbacks and 100 questionnaire responses, each sent twice (a double click landing on
    two app replicas), from 20 threads at once; the secret for the keys is made during the rush too."""
    submissions = [("feedback", i) for i in range(100)] + [("survey", i) for i in range(100)]
    start = threading.Barrier(20)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def send(call: tuple[str, int]) -> None:
        kind, i = call
        if kind == "feedback":
            receipt = submit_in_app_feedback(
                engine,
                InAppFeedback(
                    world.product_id,
                    f"token-{i}",
                    rating=i % 5 + 1,
                    comment=f"item {i}",
                    respondent_key=f"u{i}",
                    submitted_at=SENT_AT + timedelta(seconds=i),
                ),
            )
            outcome = "feedback duplicate" if receipt.duplicate else "feedback stored"
        else:
            answers = FULL | {"accuracy": i % 5 + 1, "comment": f"answer {i}"}
            outcome = "survey " + submit_response(engine, world.wave_id, f"u{i}", answers, "en").status
        with lock:
            outcomes[outcome] += 1

    def worker(chunk: list[tuple[str, int]]) -> None:
        start.wait()
        for call in chunk:
            send(call)

    # Threads n and n + 10 send the same 20 submissions in the same order, so each copy races its twin.
    chunks = [submissions[n % 10 :: 10] for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        for future in [pool.submit(worker, chunk) for chunk in chunks]:
            future.result()

    # Exactly one copy of each submission reads as stored, the other as already received.
    assert outcomes == {
        "feedback stored": 100,
        "feedback duplicate": 100,
        "survey created": 100,
        "survey unchanged": 100,
    }
    with unit_of_work(engine) as session:
        in_app = sorted(session.scalars(select(Feedback.text).where(Feedback.channel == "in_app")))
        comments = sorted(session.scalars(select(Feedback.text).where(Feedback.channel == "survey_comment")))
        keys = list(session.scalars(select(Response.respondent_key)))
        answers = session.scalar(select(func.count()).select_from(Answer))
        secret = respondent_key_secret(session)
    assert in_app == sorted(f"item {i}" for i in range(100))
    assert comments == sorted(f"answer {i}" for i in range(100))
    assert sorted(keys) == sorted(pseudonymise(f"u{i}", secret) for i in range(100))
    assert answers == 100 * (len(FULL) + 1)
