"""Rectification items: a fix the team commits to, opened from a pain point in a round.

Only opening and listing live here; moving an item through its statuses and attaching evidence is
the item workflow's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import RectificationItem, Round
from db.users import audit

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
            200 characters, owner or metric over 80), "bad_number" (baseline or target not finite).
    """
    if session.get(Round, round_id) is None:
        raise ItemError("no_round")
    title = _text(item.title, 200)
    if title is None:
        raise ItemError("title_empty")
    row = RectificationItem(
        round_id=round_id,
        topic_key=_text(item.topic_key, 40),
        title=title,
        owner=_text(item.owner, 80),
        metric=_text(item.metric, 80),
        baseline=_number(item.baseline),
        target=_number(item.target),
        due_on=item.due_on,
        status="open",
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "item.open",
        "rectification_item",
        row.id,
        {"round_id": round_id, "topic_key": row.topic_key, "title": title},
    )
    return row


def list_items(session: Session, round_id: int) -> pd.DataFrame:
    """The items of a round, in the order they were opened.

    Returns:
        Columns id, topic_key, title, owner, metric, baseline, target, due_on, status, created_at.
    """
    query = (
        select(*(getattr(RectificationItem, c) for c in ITEM_COLUMNS))
        .where(RectificationItem.round_id == round_id)
        .order_by(RectificationItem.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=list(ITEM_COLUMNS))
    for column in ("baseline", "target"):
        frame[column] = frame[column].astype("float64")
    return frame
