"""Rectification items: a fix the team commits to, opened from a pain point in a round, moved through
its statuses, backed by evidence, and carried over to the next round when it is not done.

    open -> in_progress -> resolved -> verified        (verified needs stored evidence)
    any status but verified -> carried_over            (a copy opens in the next round)

Every change is audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.verify import topic_share
from db.models import ITEM_STATUSES, RectificationItem, Round, Topic
from db.users import audit
from db.verify import feedback_frame, latest_topic_run, run_topics

ITEM_COLUMNS = (
    "id",
    "topic_key",
    "title",
    "owner",
    "metric",
    "baseline",
    "target",
    "due_on",
    "status",
    "created_at",
)
STATUSES = ITEM_STATUSES
ACTIVE = ("open", "in_progress")  # an item past its due date in these is overdue
# Where a status may go by hand; carried_over only through carry_over(), which opens the copy.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "resolved"),
    "in_progress": ("open", "resolved"),
    "resolved": ("in_progress", "verified"),
    "verified": ("resolved",),
    "carried_over": (),
}


class ItemError(ValueError):
    """An item that cannot be stored; `code` names the reason (ui strings `items.<code>`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NewItem:
    """What a product manager fills in to open an item from a topic."""

    title: str
    topic_key: str | None = None
    owner: str | None = None
    metric: str | None = None
    baseline: float | None = None
    target: float | None = None
    due_on: date | None = None


def _text(value: str | None, limit: int) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise ItemError("too_long")
    return cleaned or None


def _number(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ItemError("bad_number")
    return number


def open_item(session: Session, round_id: int, item: NewItem, actor: str) -> RectificationItem:
    """Store a new item with status "open" in `round_id`, and audit it.

    Raises:
        ItemError: code "no_round" (the round does not exist), "title_empty", "too_long" (title over
            200 characters, owner or metric over 80), "bad_number" (baseline or target not finite),
            "duplicate_topic" (the round already has an item for this topic that was not carried over).
    """
    if session.get(Round, round_id) is None:
        raise ItemError("no_round")
    fields = _fields(item)
    topic_key = _text(item.topic_key, 40)
    if topic_key is not None:
        taken = select(RectificationItem.id).where(
            RectificationItem.round_id == round_id,
            RectificationItem.topic_key == topic_key,
            RectificationItem.status != "carried_over",
        )
        if session.scalar(taken.limit(1)) is not None:
            raise ItemError("duplicate_topic")
    row = RectificationItem(round_id=round_id, topic_key=topic_key, status="open", **fields)
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "item.open",
        "rectification_item",
        row.id,
        {"round_id": round_id, "topic_key": row.topic_key, "title": row.title},
    )
    return row


def _fields(item: NewItem) -> dict[str, Any]:
    """The editable fields of `item`, checked."""
    title = _text(item.title, 200)
    if title is None:
        raise ItemError("title_empty")
    return {
        "title": title,
        "owner": _text(item.owner, 80),
        "metric": _text(item.metric, 80),
        "baseline": _number(item.baseline),
        "target": _number(item.target),
        "due_on": item.due_on,
    }


def _item(session: Session, item_id: int) -> RectificationItem:
    row = session.get(RectificationItem, item_id)
    if row is None:
        raise ItemError("no_item")
    return row


def update_item(session: Session, item_id: int, item: NewItem, actor: str) -> list[str]:
    """Replace the title, owner, metric, baseline, target and due date of an item (not its topic).

    Returns:
        The names of the fields that changed (audited; nothing is written when none did).

    Raises:
        ItemError: "no_item", "carried" (an item carried over is read-only: its copy lives on), and
            the codes of :func:`open_item` for the values.
    """
    row = _item(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    fields = _fields(item)
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, fields[name])
        row.updated_at = datetime.now(UTC)
        session.flush()
        audit(session, actor, "item.update", "rectification_item", row.id, {"fields": changed})
    return changed


def set_status(session: Session, item_id: int, status: str, actor: str) -> RectificationItem:
    """Move an item to `status` along :data:`NEXT_STATUSES`, and audit it.

    Raises:
        ItemError: "no_item", "bad_status" (not a status, or carried_over: see :func:`carry_over`),
            "not_allowed" (not reachable from the current status), "needs_evidence" (verified without
            stored evidence: verifying means the before/after result says the fix worked).
    """
    row = _item(session, item_id)
    if status not in STATUSES or status == "carried_over":
        raise ItemError("bad_status")
    if status == row.status:
        return row
    if status not in NEXT_STATUSES[row.status]:
        raise ItemError("not_allowed")
    if status == "verified" and not row.evidence:
        raise ItemError("needs_evidence")
    before = row.status
    row.status = status
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit(session, actor, "item.status", "rectification_item", row.id, {"from": before, "to": status})
    return row


def attach_evidence(
    session: Session, item_id: int, evidence: Mapping[str, Any], actor: str
) -> RectificationItem:
    """Store a before/after result as the item's evidence (replacing an earlier one), and audit it.

    The result is stored as JSON: numbers that are not finite become null, tuples lists, NumPy values
    plain Python ones. The time and who attached it are added.

    Raises:
        ItemError: "no_item", "carried".
    """
    row = _item(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    stored = {str(k): json_safe(v) for k, v in evidence.items()}
    stored["attached_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    stored["attached_by"] = actor
    row.evidence = stored
    row.updated_at = datetime.now(UTC)
    session.flush()
    detail = {k: stored.get(k) for k in ("status", "topic_key", "diff", "p_val", "significant")}
    audit(session, actor, "item.evidence", "rectification_item", row.id, detail)
    return row


def json_safe(value: Any) -> Any:
    """`value` as JSON both databases can hold: non-finite numbers null, NumPy values plain, dates ISO."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # a NumPy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def carry_over(
    session: Session, item_id: int, to_round_id: int, actor: str, due_on: date | None = None
) -> RectificationItem:
    """Carry an unfinished item over to another round of the same product.

    The item keeps its record with status carried_over; a copy (title, topic, owner, metric, baseline,
    target; the new due date) opens in `to_round_id` with ``carried_from_id`` pointing back.

    Returns:
        The new item.

    Raises:
        ItemError: "no_item", "no_round", "same_round", "other_product", "carried" (already carried
            over), "verified" (a verified fix needs no carrying), "duplicate_topic" (the other round
            already has an item for this topic).
    """
    row = _item(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    if row.status == "verified":
        raise ItemError("verified")
    target = session.get(Round, to_round_id)
    if target is None:
        raise ItemError("no_round")
    if target.id == row.round_id:
        raise ItemError("same_round")
    source = session.get(Round, row.round_id)
    if source is None or source.product_id != target.product_id:
        raise ItemError("other_product")
    copy = open_item(
        session,
        target.id,
        NewItem(
            title=row.title,
            topic_key=row.topic_key,
            owner=row.owner,
            metric=row.metric,
            baseline=row.baseline,
            target=row.target,
            due_on=due_on,
        ),
        actor,
    )
    copy.carried_from_id = row.id
    before = row.status
    row.status = "carried_over"
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit(
        session,
        actor,
        "item.carry_over",
        "rectification_item",
        row.id,
        {"from": before, "to_round_id": target.id, "new_item_id": copy.id},
    )
    return copy


LIST_COLUMNS = (*ITEM_COLUMNS, "round_id", "round_name", "carried_from_id", "evidence", "updated_at")


def list_items(session: Session, round_id: int) -> pd.DataFrame:
    """The items of a round, in the order they were opened.

    Returns:
        Columns id, topic_key, title, owner, metric, baseline, target, due_on, status, created_at,
        round_id, round_name, carried_from_id, evidence (dict or None), updated_at.
    """
    return _items_frame(session, RectificationItem.round_id == round_id)


def list_product_items(session: Session, product_id: int) -> pd.DataFrame:
    """The items of every round of a product, newest round first; columns as :func:`list_items`."""
    return _items_frame(session, Round.product_id == product_id)


def _items_frame(session: Session, where: Any) -> pd.DataFrame:
    query = (
        select(
            *(getattr(RectificationItem, c) for c in ITEM_COLUMNS),
            RectificationItem.round_id,
            Round.name,
            RectificationItem.carried_from_id,
            RectificationItem.evidence,
            RectificationItem.updated_at,
        )
        .join(Round, Round.id == RectificationItem.round_id)
        .where(where)
        .order_by(Round.starts_on.desc().nulls_last(), Round.id.desc(), RectificationItem.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=list(LIST_COLUMNS))
    for column in ("baseline", "target"):
        frame[column] = frame[column].astype("float64")
    return frame


def overdue(items: pd.DataFrame, today: date) -> pd.Series:
    """Which items are past their due date and still open or in progress."""
    due = pd.to_datetime(items["due_on"])
    return items["status"].isin(ACTIVE) & (due < pd.Timestamp(today))  # no due date: never overdue


def measure_topic_evidence(
    session: Session, item_id: int, *, start: date, fix: date, end: date, lang: str = "en"
) -> dict[str, Any]:
    """The item's topic before vs after the fix: its share of the analysed feedback, tested.

    Uses the product's newest topic run (topic keys are stable across runs; a topic merged into
    another counts under the survivor). Only feedback that run analysed counts in either period, so
    items that arrived after it cannot make the topic look smaller.

    Returns:
        What :func:`analytics.verify.topic_share` returns, plus topic_key, run_id, period_start, fix_date,
        period_end and not_analysed (feedback in the periods the run did not cover).

    Raises:
        ItemError: "no_item", "no_topic" (an item opened without a topic), "no_run" (no topic run yet),
            "topic_gone" (the newest run does not have the topic), "bad_period" (not start < fix < end).
    """
    row = _item(session, item_id)
    if not row.topic_key:
        raise ItemError("no_topic")
    if not start < fix < end:
        raise ItemError("bad_period")
    rnd = session.get(Round, row.round_id)
    assert rnd is not None
    run = latest_topic_run(session, rnd.product_id)
    if run is None:
        raise ItemError("no_run")
    key = _surviving_key(session, run.id, row.topic_key)
    topics = run_topics(session, run.id)
    if key is None or key not in set(topics["key"]):
        raise ItemError("topic_gone")
    label = str(topics.loc[topics["key"] == key, "label"].iloc[0])
    feedback = feedback_frame(session, rnd.product_id, start, end, run_id=run.id)
    analysed = feedback["in_run"]
    outcome = topic_share(
        feedback[analysed],
        feedback.loc[analysed, "topic_key"] == key,
        before=(start, fix),
        after=(fix, end),
        topic=label,
    )
    outcome["verdict"] = outcome[f"verdict_{lang}"] if lang in ("en", "zh") else outcome["verdict_en"]
    outcome.update(
        topic_key=key,
        run_id=run.id,
        period_start=start.isoformat(),
        fix_date=fix.isoformat(),
        period_end=end.isoformat(),
        not_analysed=int((~analysed).sum()),
    )
    return outcome


def _surviving_key(session: Session, run_id: int, key: str) -> str | None:
    """`key`, or the key it was merged into (followed to the end) in run `run_id`."""
    seen: set[str] = set()
    while key not in seen:
        seen.add(key)
        merged = session.scalar(select(Topic.merged_into).where(Topic.run_id == run_id, Topic.key == key))
        if not merged:
            return key
        key = merged
    return None
