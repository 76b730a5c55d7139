"""Rectification items opened from a pain point (db/items.py), and the pain-point queries and writes the
page relies on (services/pain_points.py, db/topic_runs.py), on SQLite and PostgreSQL.

The analysis runs end to end on a corpus small enough for the topic model's grouping path, with a
keyword encoder, so these tests take seconds; the page test fits real topics with the real encoder.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from db import feedback as feedback_repo
from db import feedback_categories, topic_runs
from db.engine import unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.items import ItemError, NewItem, list_items, open_item
from db.models import AuditEvent, Feedback, RectificationItem
from db.topic_runs import latest_run, merge_topics, rename_topic
from db.workspace import create_product, create_round
from services import pain_points

WORDS = ("crash", "slow", "login", "wrong")


class KeywordEncoder:
    """A deterministic stand-in encoder: one direction per keyword, a little per-text noise."""

    model_id = "keyword-test-encoder"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 16), dtype=np.float32)
        for i, text in enumerate(texts):
            for j, word in enumerate(WORDS):
                if word in text.lower():
                    out[i, j] = 1.0
            out[i, 4 + zlib.crc32(text.encode()) % 12] += 0.15
        return out / np.linalg.norm(out, axis=1, keepdims=True)


TEXTS = [
    "App crash when uploading a report",
    "crash again after the update",
    "It crashes: crash on every photo",
    "So slow at peak hours",
    "slow replies, waited a minute",
    "Very slow today",
    "login code never arrives",
    "cannot login, the code is late",
    "login fails every morning",
    "wrong dosage for children",
    "the dose was wrong",
    "wrong guideline year",
]


@pytest.fixture
def workspace(engine) -> dict:
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        first = create_round(session, product.id, "Round 1", starts_on=date(2026, 1, 1))
        second = create_round(session, product.id, "Round 2", starts_on=date(2026, 4, 1))
        start = datetime(2026, 4, 2, 9, tzinfo=UTC)
        store_feedback(
            session,
            [
                FeedbackIn(
                    product.id,
                    "in_app",
                    text,
                    start + timedelta(days=i),
                    rating=float(1 + i % 5),
                    round_id=second.id,
                    respondent_key=f"r{i}",
                )
                for i, text in enumerate(TEXTS)
            ],
        )
        return {"product": product.id, "round1": first.id, "round2": second.id}


# --- items ---------------------------------------------------------------------------------------


def test_an_item_opened_from_a_topic_is_stored_open_in_its_round_and_audited(engine, workspace):
    with unit_of_work(engine) as session:
        item = open_item(
            session,
            workspace["round2"],
            NewItem(
                title="  Fix the upload crash  ",
                topic_key="T3",
                owner="Zhang Min",
                metric="complaint share (%)",
                baseline=4.1,
                target=2.0,
                due_on=date(2026, 6, 30),
            ),
            actor="ada",
        )
        item_id = item.id
    with unit_of_work(engine) as session:
        stored = session.get(RectificationItem, item_id)
        assert stored is not None
        assert (stored.round_id, stored.topic_key, stored.title, stored.status) == (
            workspace["round2"],
            "T3",
            "Fix the upload crash",
            "open",
        )
        assert (stored.owner, stored.metric, stored.baseline, stored.target, stored.due_on) == (
            "Zhang Min",
            "complaint share (%)",
            4.1,
            2.0,
            date(2026, 6, 30),
        )
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "item.open")).one()
        assert (event.actor, event.object_id, event.detail["topic_key"]) == ("ada", str(item_id), "T3")


def test_items_of_a_round_are_listed_in_the_order_they_were_opened(engine, workspace):
    with unit_of_work(engine) as session:
        for title, topic in (("First", "T1"), ("Second", "T2")):
            open_item(session, workspace["round2"], NewItem(title=title, topic_key=topic), "ada")
        open_item(session, workspace["round1"], NewItem(title="Elsewhere"), "ada")
    with unit_of_work(engine) as session:
        frame = list_items(session, workspace["round2"])
        empty = list_items(session, 999_999)
    assert frame["title"].tolist() == ["First", "Second"]
    assert frame["status"].tolist() == ["open", "open"]
    assert list(frame.columns) == [
        *("id", "topic_key", "title", "owner", "metric", "baseline", "target", "due_on", "status"),
        *("created_at", "round_id", "round_name", "carried_from_id", "evidence", "updated_at"),
        *("bench_metric", "bench_class", "bench_slice_column", "bench_slice", "bench_baseline"),
        *("bench_target", "bench_direction"),
        *("topic_label", "judgement", "evidence_count", "verification_lost"),
        *("benchmark_evidence", "benchmark_judgement"),
    ]
    assert set(frame["round_name"]) == {"Round 2"}
    assert empty.empty


@pytest.mark.parametrize(
    ("round_key", "item", "code"),
    [
        (None, NewItem(title="x"), "no_round"),
        ("round2", NewItem(title="   "), "title_empty"),
        ("round2", NewItem(title="x" * 201), "too_long"),
        ("round2", NewItem(title="x", owner="o" * 81), "too_long"),
        ("round2", NewItem(title="x", baseline=float("nan")), "bad_number"),
    ],
)
def test_bad_items_are_refused_with_a_reason_and_nothing_is_stored(engine, workspace, round_key, item, code):
    round_id = workspace[round_key] if round_key else 999_999
    with pytest.raises(ItemError) as caught, unit_of_work(engine) as session:
        open_item(session, round_id, item, "ada")
    assert caught.value.code == code
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(RectificationItem)) == 0


# --- pain-point queries and writes ---------------------------------------------------------------


def _categories(engine) -> dict[str, tuple[str | None, str | None]]:
    with unit_of_work(engine) as session:
        rows = session.execute(select(Feedback.text, Feedback.category, Feedback.category_source)).all()
    return {text: (category, source) for text, category, source in rows}


@pytest.mark.slow  # fits topics: UMAP + HDBSCAN, compiled on a process's first fit (~30 s)
def test_analysis_stores_a_run_of_its_scope_with_model_categories(engine, workspace):
    product, round2 = workspace["product"], workspace["round2"]
    stages: list[str] = []
    summary = pain_points.analyse_scope(
        engine, product, round2, KeywordEncoder(), progress=lambda stage, done, total: stages.append(stage)
    )
    assert summary.items == len(TEXTS) and summary.embedded == len(TEXTS)
    assert summary.method == "grouped" and summary.topics >= 4  # 12 texts: grouped, not clustered
    assert summary.categorised == len(TEXTS) and summary.kept == 0
    assert set(stages) == {"embed", "categories", "topics"}
    with unit_of_work(engine) as session:
        assert topic_runs.scope_run_id(session, product, round2) == summary.run_id
        assert topic_runs.scope_run_id(session, product, None) is None  # all rounds: not analysed
        assert topic_runs.scope_run_id(session, product, workspace["round1"]) is None
        items = topic_runs.run_items(session, summary.run_id)
        assert feedback_repo.count_feedback(session, product, round2) == len(TEXTS)
        assert feedback_repo.count_feedback(session, product, workspace["round1"]) == 0
    assert list(items.columns) == list(topic_runs.ITEM_COLUMNS)
    assert len(items) == len(TEXTS) and items["topic_key"].notna().all()
    assert set(items["category_source"]) == {"model"}
    # The four keyword groups land in four different topics.
    keys = {word: set(items.loc[items["text"].str.lower().str.contains(word), "topic_key"]) for word in WORDS}
    assert all(len(k) == 1 for k in keys.values())
    assert len(set.union(*keys.values())) == 4

    # Everything is cached now: a second analysis embeds nothing.
    again = pain_points.analyse_scope(engine, product, round2, KeywordEncoder())
    assert again.embedded == 0 and again.run_id != summary.run_id


@pytest.mark.slow  # fits topics: UMAP + HDBSCAN, compiled on a process's first fit (~30 s)
def test_a_category_correction_sticks_and_teaches(engine, workspace):
    product, round2 = workspace["product"], workspace["round2"]
    pain_points.analyse_scope(engine, product, round2, KeywordEncoder())
    before = _categories(engine)
    assert before["login fails every morning"][0] != "accuracy"
    with unit_of_work(engine) as session:
        target = session.scalar(select(Feedback.id).where(Feedback.text == "login code never arrives"))
        feedback_categories.correct_category(session, target, "accuracy", "ada")
    with unit_of_work(engine) as session:
        # The model never overwrites a person's label, even when asked to directly.
        assert feedback_categories.store_model_categories(session, [target], ["other"]) == 0
    summary = pain_points.analyse_scope(engine, product, round2, KeywordEncoder())
    labels = _categories(engine)
    assert labels["login code never arrives"] == ("accuracy", "ada")
    assert summary.kept == 1
    # It teaches: the other "login" items (near the corrected one) follow the correction.
    assert labels["cannot login, the code is late"] == ("accuracy", "model")
    assert labels["login fails every morning"] == ("accuracy", "model")
    with unit_of_work(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "feedback.category")).one()
        assert (event.actor, event.object_id, event.detail["to"]) == ("ada", str(target), "accuracy")
        taught = feedback_categories.category_corrections(session, product)
    assert taught["text"].tolist() == ["login code never arrives"]


def test_bad_corrections_are_refused(engine, workspace):
    with unit_of_work(engine) as session:
        some_id = session.scalar(select(func.min(Feedback.id)))
        with pytest.raises(ValueError, match="unknown category"):
            feedback_categories.correct_category(session, some_id, "speed", "ada")
        with pytest.raises(ValueError, match="username"):
            feedback_categories.correct_category(session, some_id, "other", "model")
        with pytest.raises(LookupError):
            feedback_categories.correct_category(session, 999_999, "other", "ada")
        with pytest.raises(ValueError, match="unknown categories"):
            feedback_categories.store_model_categories(session, [some_id], ["speed"])


@pytest.mark.slow  # fits topics: UMAP + HDBSCAN, compiled on a process's first fit (~30 s)
def test_the_version_changes_with_every_change_the_page_shows(engine, workspace):
    product, round2 = workspace["product"], workspace["round2"]
    run_id = pain_points.analyse_scope(engine, product, round2, KeywordEncoder()).run_id
    with unit_of_work(engine) as session:
        run = latest_run(session, product)
        assert run is not None
        first, second = run.topics["key"].tolist()[:2]
        versions = [topic_runs.run_version(session, run_id)]
    with unit_of_work(engine) as session:
        rename_topic(session, run_id, first, "Upload crashes")
    with unit_of_work(engine) as session:
        versions.append(topic_runs.run_version(session, run_id))
        merge_topics(session, run_id, first, [second])
    with unit_of_work(engine) as session:
        versions.append(topic_runs.run_version(session, run_id))
        items = topic_runs.run_items(session, run_id)
        some_id = int(items["feedback_id"].iloc[0])
        feedback_categories.correct_category(session, some_id, "other", "ada")
    with unit_of_work(engine) as session:
        versions.append(topic_runs.run_version(session, run_id))
        assert topic_runs.run_version(session, run_id) == versions[-1]  # stable while nothing changes
    assert len(set(versions)) == 4
    # Items of a merged topic now carry the survivor's key.
    assert second not in set(items["topic_key"].dropna())


@pytest.mark.slow  # fits topics: UMAP + HDBSCAN, compiled on a process's first fit (~30 s)
def test_new_feedback_is_counted_and_placed_in_the_topics_without_a_refit(engine, workspace):
    product, round2 = workspace["product"], workspace["round2"]
    first = pain_points.analyse_scope(engine, product, round2, KeywordEncoder())
    with unit_of_work(engine) as session:
        assert topic_runs.unanalysed_count(session, product, round2, first.run_id) == 0
        store_feedback(
            session,
            [
                FeedbackIn(product, "community", "crash crash crash on upload", datetime(2026, 5, 1, tzinfo=UTC), round_id=round2),
                FeedbackIn(product, "community", "login code is slow to arrive", datetime(2026, 5, 2, tzinfo=UTC), round_id=round2),
            ],
        )  # fmt: skip
    with unit_of_work(engine) as session:
        assert topic_runs.unanalysed_count(session, product, round2, first.run_id) == 2
    added = pain_points.add_new_feedback(engine, product, round2, KeywordEncoder())
    assert (added.items, added.embedded, added.method) == (2, 2, "incremental")
    with unit_of_work(engine) as session:
        items = topic_runs.run_items(session, added.run_id)
        assert topic_runs.unanalysed_count(session, product, round2, added.run_id) == 0
    assert len(items) == len(TEXTS) + 2
    crash_keys = set(items.loc[items["text"].str.contains("crash"), "topic_key"])
    assert len(crash_keys) == 1  # the new crash report joined the crash topic
    with pytest.raises(pain_points.NoFeedback):
        pain_points.add_new_feedback(engine, product, round2, KeywordEncoder())


def test_a_scope_without_feedback_is_refused(engine, workspace):
    with pytest.raises(pain_points.NoFeedback):
        pain_points.analyse_scope(engine, workspace["product"], workspace["round1"], KeywordEncoder())
