"""The life of a rectification item (db/items.py): statuses, edits, evidence from the topic's feedback
before and after the fix, and carrying an unfinished item over to the next round, on SQLite and
PostgreSQL. Every change is audited; a refused change leaves the item as it was."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from db import topic_runs
from db.engine import unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.items import (
    ItemError,
    NewItem,
    attach_evidence,
    carry_over,
    list_product_items,
    open_item,
    overdue,
    set_status,
    update_item,
)
from db.models import AuditEvent, RectificationItem
from db.workspace import create_product, create_round
from services import pain_points
from services.item_evidence import measure_topic_evidence
from tests.test_items import KeywordEncoder


@pytest.fixture
def rounds(engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        other = create_product(session, "FinBot", "finance")
        first = create_round(session, product.id, "Round 1", starts_on=date(2026, 1, 1))
        second = create_round(session, product.id, "Round 2", starts_on=date(2026, 4, 1))
        elsewhere = create_round(session, other.id, "Round 1")
        return {"product": product.id, "round1": first.id, "round2": second.id, "elsewhere": elsewhere.id}


def _open(engine, round_id: int, title: str = "Fix the upload crash", topic_key: str | None = "T3") -> int:
    with unit_of_work(engine) as session:
        item = NewItem(title, topic_key, "Zhang Min", "complaint share (%)", 4.1, 2.0, date(2026, 6, 30))
        return open_item(session, round_id, item, "ada").id


def _get(engine, item_id: int) -> RectificationItem:
    with unit_of_work(engine) as session:
        item = session.get(RectificationItem, item_id)
        assert item is not None
        session.expunge(item)
        return item


def _audit(engine, action: str) -> list[dict]:
    with unit_of_work(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [dict(e.detail or {}, actor=e.actor, object_id=e.object_id) for e in events]


def _refused(engine, code: str, change) -> None:
    with pytest.raises(ItemError) as caught, unit_of_work(engine) as session:
        change(session)
    assert caught.value.code == code


EVIDENCE = {
    "status": "ok",
    "share_before": 0.05,
    "share_after": 0.019,  # under the items' target of 2 %
    "diff": np.float64(-0.031),
    "p_val": 0.004,
    "significant": np.bool_(True),
}


def test_an_item_goes_from_open_to_verified_and_each_step_is_audited(engine, rounds):
    item_id = _open(engine, rounds["round2"])
    for status in ("in_progress", "resolved"):
        with unit_of_work(engine) as session:
            set_status(session, item_id, status, "ada")
    assert _get(engine, item_id).status == "resolved"
    # Verified means the before/after result says the fix worked: not without evidence.
    _refused(engine, "needs_evidence", lambda s: set_status(s, item_id, "verified", "ada"))
    assert _get(engine, item_id).status == "resolved"
    with unit_of_work(engine) as session:
        attach_evidence(session, item_id, EVIDENCE, "bo")
        set_status(session, item_id, "verified", "bo")
    assert _get(engine, item_id).status == "verified"
    steps = [(e["from"], e["to"], e["actor"]) for e in _audit(engine, "item.status")]
    assert steps == [
        ("open", "in_progress", "ada"),
        ("in_progress", "resolved", "ada"),
        ("resolved", "verified", "bo"),
    ]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ((), "verified", "not_allowed"),
        ((), "done", "bad_status"),
        ((), "carried_over", "bad_status"),  # only by carrying it over, which opens the copy
        (("in_progress",), "verified", "not_allowed"),
    ],
)
def test_a_status_change_out_of_order_is_refused(engine, rounds, path, status, code):
    item_id = _open(engine, rounds["round2"])
    for step in path:
        with unit_of_work(engine) as session:
            set_status(session, item_id, step, "ada")
    _refused(engine, code, lambda s: set_status(s, item_id, status, "ada"))
    assert _get(engine, item_id).status == (path[-1] if path else "open")


def test_a_resolved_item_can_be_reopened(engine, rounds):
    item_id = _open(engine, rounds["round2"])
    with unit_of_work(engine) as session:
        set_status(session, item_id, "resolved", "ada")
        set_status(session, item_id, "in_progress", "ada")  # the fix did not hold
    assert _get(engine, item_id).status == "in_progress"


def test_a_topic_has_one_item_being_worked_on(engine, rounds):
    first = _open(engine, rounds["round2"])
    for round_key in ("round2", "round1"):  # not in its round, and not in another while it is worked on
        with pytest.raises(ItemError) as caught, unit_of_work(engine) as session:
            open_item(session, rounds[round_key], NewItem("Again", "T3"), "ada")
        assert (caught.value.code, caught.value.item_id) == ("duplicate_topic", first)  # offered instead
    with unit_of_work(engine) as session:
        set_status(session, first, "resolved", "ada")
        attach_evidence(session, first, EVIDENCE, "ada")
        set_status(session, first, "verified", "ada")
    assert _open(engine, rounds["round1"]) != first  # once verified, the topic may come back elsewhere
    _open(engine, rounds["round2"], "Another fix", topic_key="T4")
    _open(engine, rounds["round2"], "A fix without a topic", topic_key=None)
    _open(engine, rounds["round2"], "Another fix without a topic", topic_key=None)
    with unit_of_work(engine) as session:
        frame = list_product_items(session, rounds["product"])
    assert sorted(frame.loc[frame["round_id"] == rounds["round2"], "title"]) == [
        "A fix without a topic",
        "Another fix",
        "Another fix without a topic",
        "Fix the upload crash",
    ]


def test_editing_an_item_changes_only_what_was_edited_and_says_what(engine, rounds):
    item_id = _open(engine, rounds["round2"])
    edited = NewItem(
        "Fix the upload crash", "ignored", "Li Wei", "complaint share (%)", 4.1, 1.5, date(2026, 7, 15)
    )
    with unit_of_work(engine) as session:
        changed = update_item(session, item_id, edited, "ada")
        unchanged = update_item(session, item_id, edited, "ada")
    assert changed == ["owner", "target", "due_on"] and unchanged == []
    item = _get(engine, item_id)
    assert (item.owner, item.target, item.due_on, item.topic_key) == ("Li Wei", 1.5, date(2026, 7, 15), "T3")
    assert [e["fields"] for e in _audit(engine, "item.update")] == [["owner", "target", "due_on"]]
    _refused(engine, "title_empty", lambda s: update_item(s, item_id, NewItem("  "), "ada"))
    assert _get(engine, item_id).title == "Fix the upload crash"


def test_an_unfinished_item_is_carried_over_to_the_next_round(engine, rounds):
    item_id = _open(engine, rounds["round1"])
    with unit_of_work(engine) as session:
        set_status(session, item_id, "in_progress", "ada")
        copy_id = carry_over(session, item_id, rounds["round2"], "ada", due_on=date(2026, 9, 30)).id
    old, new = _get(engine, item_id), _get(engine, copy_id)
    assert old.status == "carried_over" and old.round_id == rounds["round1"]
    assert (new.round_id, new.status, new.carried_from_id, new.due_on) == (
        rounds["round2"],
        "open",
        item_id,
        date(2026, 9, 30),
    )
    same = ("title", "topic_key", "owner", "metric", "baseline", "target")
    assert [getattr(new, f) for f in same] == [getattr(old, f) for f in same]
    [event] = _audit(engine, "item.carry_over")
    assert (event["from"], event["to_round_id"], event["new_item_id"]) == (
        "in_progress",
        rounds["round2"],
        copy_id,
    )
    # The carried record is history now: no edits, no second carry, no status change.
    _refused(engine, "carried", lambda s: carry_over(s, item_id, rounds["round2"], "ada"))
    _refused(engine, "carried", lambda s: update_item(s, item_id, NewItem("New title"), "ada"))
    _refused(engine, "not_allowed", lambda s: set_status(s, item_id, "open", "ada"))


def test_carrying_over_is_refused_where_it_makes_no_sense(engine, rounds):
    item_id = _open(engine, rounds["round1"])
    _refused(engine, "same_round", lambda s: carry_over(s, item_id, rounds["round1"], "ada"))
    _refused(engine, "other_product", lambda s: carry_over(s, item_id, rounds["elsewhere"], "ada"))
    _refused(engine, "no_round", lambda s: carry_over(s, item_id, 999_999, "ada"))
    later = _open(engine, rounds["round2"], "Planned in the later round", topic_key="T9")
    _refused(engine, "earlier_round", lambda s: carry_over(s, later, rounds["round1"], "ada"))  # backwards
    assert _get(engine, later).status == "open"
    with unit_of_work(engine) as session:
        set_status(session, item_id, "resolved", "ada")
        attach_evidence(session, item_id, EVIDENCE, "ada")
        set_status(session, item_id, "verified", "ada")
    _refused(engine, "verified", lambda s: carry_over(s, item_id, rounds["round2"], "ada"))
    assert _get(engine, item_id).status == "verified"
    assert _audit(engine, "item.carry_over") == []


def test_evidence_is_stored_as_json_both_databases_can_hold(engine, rounds):
    item_id = _open(engine, rounds["round2"])
    evidence = {
        **EVIDENCE,
        "rate_ratio": float("nan"),  # no items before: PostgreSQL's JSON has no NaN
        "warnings": ("Few items",),
        "n_before": np.int64(412),
        "period": date(2026, 5, 1),
    }
    with unit_of_work(engine) as session:
        attach_evidence(session, item_id, evidence, "ada")
    stored = _get(engine, item_id).evidence
    assert stored is not None
    assert {k: stored[k] for k in ("diff", "p_val", "significant", "rate_ratio", "warnings", "n_before")} == {
        "diff": -0.031,
        "p_val": 0.004,
        "significant": True,
        "rate_ratio": None,
        "warnings": ["Few items"],
        "n_before": 412,
    }
    assert stored["period"] == "2026-05-01" and stored["attached_by"] == "ada"


def test_overdue_means_past_due_and_not_yet_resolved():
    items = pd.DataFrame(
        {
            "status": ["open", "in_progress", "resolved", "open", "open", "carried_over"],
            "due_on": [
                date(2026, 5, 1),
                date(2026, 5, 1),
                date(2026, 5, 1),
                None,
                date(2026, 6, 1),
                date(2026, 5, 1),
            ],
        }
    )
    assert overdue(items, date(2026, 5, 20)).tolist() == [True, True, False, False, False, False]


# --- evidence measured from the feedback -----------------------------------------------------------

FIX = date(2026, 5, 1)


@pytest.fixture
def analysed(engine, rounds) -> dict:
    """Round 2's feedback, analysed: 12 of 24 items before the fix are about crashes, 2 of 20 after."""
    before = [
        "App crash when uploading",
        "crash again",
        "It crashes: crash on photos",
        "crash on the photo page",
    ]
    before += ["Crash after update", "crash crash", "So slow at peak", "slow replies", "login code late"]
    before += ["cannot login", "wrong dosage", "the dose was wrong"]
    after = ["one more crash", "slow today", "very slow", "login fails", "login code never arrives"]
    after += ["wrong guideline", "wrong year", "slow answers", "wrong drug name", "slow slow"]
    before, after = before + [f"{t}, again" for t in before], after + [f"{t}, again" for t in after]
    with unit_of_work(engine) as session:
        store_feedback(
            session,
            [
                FeedbackIn(rounds["product"], "in_app", text, when, round_id=rounds["round2"])
                for texts, first in (
                    (before, datetime(2026, 4, 2, tzinfo=UTC)),
                    (after, datetime(2026, 5, 3, tzinfo=UTC)),
                )
                for i, text in enumerate(texts)
                for when in [first + timedelta(days=i)]
            ],
        )
    summary = pain_points.analyse_scope(engine, rounds["product"], rounds["round2"], KeywordEncoder())
    with unit_of_work(engine) as session:
        items = topic_runs.run_items(session, summary.run_id)
    crash_keys = set(items.loc[items["text"].str.lower().str.contains("crash"), "topic_key"])
    assert len(crash_keys) == 1
    key = crash_keys.pop()
    members = set(items.loc[items["topic_key"] == key, "text"])
    return {"key": key, "k_before": len(members & set(before)), "k_after": len(members & set(after))}


@pytest.mark.slow  # fits topics: UMAP + HDBSCAN, compiled on a process's first fit (~30 s)
def test_evidence_compares_the_topics_share_before_and_after_the_fix(engine, rounds, analysed):
    item_id = _open(engine, rounds["round2"], topic_key=analysed["key"])
    with unit_of_work(engine) as session:
        # Feedback arriving after the analysis is not counted as "not about the topic".
        store_feedback(
            session, [FeedbackIn(rounds["product"], "in_app", "new text", datetime(2026, 5, 20, tzinfo=UTC))]
        )
        outcome = measure_topic_evidence(
            session, item_id, start=date(2026, 4, 1), fix=FIX, end=date(2026, 6, 1), lang="zh"
        )
    counts = (outcome["k_before"], outcome["n_before"], outcome["k_after"], outcome["n_after"])
    k_before, k_after = analysed["k_before"], analysed["k_after"]
    assert counts == (k_before, 24, k_after, 20) and k_before >= 12 and k_after < k_before / 2
    assert outcome["diff"] == pytest.approx(k_after / 20 - k_before / 24) and outcome["significant"]
    assert outcome["diff_ci_low"] < outcome["diff"] < outcome["diff_ci_high"] < 0
    assert outcome["not_analysed"] == 1
    assert outcome["verdict"] == outcome["verdict_zh"] and "下降" in outcome["verdict"]
    assert (outcome["topic_key"], outcome["fix_date"]) == (analysed["key"], "2026-05-01")
    with unit_of_work(engine) as session:
        attach_evidence(session, item_id, outcome, "ada")
    stored = _get(engine, item_id).evidence
    assert (
        stored is not None
        and stored["k_before"] == k_before
        and math.isclose(stored["diff"], outcome["diff"])
    )


def test_evidence_cannot_be_measured_without_a_topic_a_run_or_a_sensible_period(engine, rounds):
    no_topic = _open(engine, rounds["round2"], topic_key=None)
    with_topic = _open(engine, rounds["round2"])
    period = {"start": date(2026, 4, 1), "fix": FIX, "end": date(2026, 6, 1)}
    _refused(engine, "no_topic", lambda s: measure_topic_evidence(s, no_topic, **period))
    _refused(engine, "no_run", lambda s: measure_topic_evidence(s, with_topic, **period))
    backwards = {"start": date(2026, 4, 1), "fix": date(2026, 6, 1), "end": FIX}
    _refused(engine, "bad_period", lambda s: measure_topic_evidence(s, with_topic, **backwards))
