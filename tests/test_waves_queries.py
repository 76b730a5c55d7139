"""The before/after queries (db/verify.py) on SQLite and PostgreSQL, and on the demo workspace."""

from __future__ import annotations

from datetime import date

from analytics.wave_compare import compare_waves
from db import topic_runs
from db import waves as repo
from db.engine import make_engine, unit_of_work
from db.items import list_items
from tests.verify_support import demo_database_url, likert_rows, small_workspace


def test_repository_reads_waves_answers_topics_feedback_and_items(engine):
    ws = small_workspace(
        engine, likert_rows([3, 4, 2, 5]), likert_rows([4, 4, 5]), shared=2, with_topics=True
    )
    with unit_of_work(engine) as session:
        waves = repo.product_waves(session, ws.product_id, ws.round_id)
        assert [(w.kind, w.responses) for w in waves] == [("baseline", 4), ("follow_up", 3)]
        assert repo.product_waves(session, ws.product_id, ws.round_id + 999) == []
        answers = repo.wave_answers(session, [ws.baseline_id, ws.follow_up_id])
        segments = repo.wave_segments(session, [ws.baseline_id, ws.follow_up_id])
        run = topic_runs.latest_topic_run(session, ws.product_id, ws.round_id)
        assert run is not None and run.id == ws.run_id
        topics = topic_runs.run_topics(session, run.id)
        feedback = repo.feedback_frame(
            session, ws.product_id, date(2026, 2, 1), date(2026, 2, 3), run_id=run.id, with_text=True
        )
        plain = repo.feedback_frame(session, ws.product_id, date(2026, 1, 1), date(2026, 12, 31))
        items = list_items(session, ws.round_id)
        assert repo.has_categories(session, ws.product_id)
        assert repo.round_info(session, ws.round_id).starts_on == date(2026, 1, 1)
    assert tuple(answers.columns) == repo.ANSWER_COLUMNS and len(answers) == 7 * 6  # text answers left out
    assert set(answers["question"]) == {
        "accuracy",
        "ease_of_use",
        "response_speed",
        "problem_resolution",
        "csat",
        "nps",
    }
    assert sorted(answers.query("question == 'accuracy' and wave == @ws.baseline_id")["value"]) == [
        2,
        3,
        4,
        5,
    ]
    assert segments == ["doctor", "patient"]
    assert list(topics["key"]) == ["dosage", "speed"] and topics.loc[0, "keywords"] == ["dosage"]
    assert topics.loc[0, "label"] == "Dosage errors"  # the analyst's name; the merged topic is left out
    assert list(feedback["topic_key"]) == ["dosage", "speed"]  # the third item is on Feb 3: outside
    assert feedback.loc[0, "text"] == "The dosage was wrong" and str(feedback["created_at"].dt.tz) == "UTC"
    assert (
        tuple(plain.columns) == repo.FEEDBACK_COLUMNS and plain["topic_key"].isna().all() and len(plain) == 3
    )
    assert items.loc[0, "title"] == "Fix dosage" and items.loc[0, "status"] == "verified"
    result = compare_waves(answers, baseline=ws.baseline_id, follow_up=ws.follow_up_id)
    assert set(result["status"]) == {"too_few"}


def test_demo_waves_in_the_repository():
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        waves = repo.product_waves(session, 1)
        assert topic_runs.latest_topic_run(session, 1) is None
        assert not repo.has_categories(session, 1)
    engine.dispose()
    assert [(w.kind, w.responses) for w in waves] == [
        ("baseline", 222),
        ("follow_up", 203),
        ("baseline", 181),
    ]
