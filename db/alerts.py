"""Stored alerts of the monitoring job, and the counts it reads from a topic run.

An alert is stored once per (product, kind, subject) while it is not closed: :func:`record_finding`
updates the open or acknowledged one instead of adding another (the partial unique index
``uq_alerts_not_closed`` holds it even when two jobs run at once). Users move an alert from open to
acknowledged to closed (:func:`set_alert_status`), recorded with who and when and in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import (
    ALERT_STATUSES,
    Alert,
    Feedback,
    FeedbackTopic,
    RectificationItem,
    Round,
    Topic,
    TopicRun,
)
from db.users import audit

# Which status an alert may move to from each status.
NEXT_ALERT_STATUSES: dict[str, tuple[str, ...]] = {
    "open": ("acknowledged", "closed"),
    "acknowledged": ("closed",),
    "closed": (),
}


class AlertError(ValueError):
    """A refused change to an alert; `code` names why ("no_alert", "bad_status")."""

    def __init__(self, code: str) -> None:
        """Keep the reason's code."""
        super().__init__(code)
        self.code = code


# --- what the monitoring job reads ------------------------------------------------------------------


def topic_counts(session: Session, run_id: int, start: datetime, end: datetime) -> tuple[dict[str, int], int]:
    """Items of a run per topic key, created in [start, end), and all the run's items in that window.

    Returns:
        (items per topic key, analysed items in the window including the unclustered).
    """
    in_window = (
        FeedbackTopic.run_id == run_id,
        Feedback.created_at >= start,
        Feedback.created_at < end,
    )
    rows = session.execute(
        select(Topic.key, func.count())
        .select_from(FeedbackTopic)
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .join(Topic, Topic.id == FeedbackTopic.topic_id)
        .where(*in_window)
        .group_by(Topic.key)
    ).all()
    total = session.scalar(
        select(func.count())
        .select_from(FeedbackTopic)
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .where(*in_window)
    )
    return {str(k): int(n) for k, n in rows}, int(total or 0)


def earlier_topic_keys(session: Session, product_id: int, run_id: int) -> tuple[set[str], bool]:
    """Topic keys of the product's runs before `run_id`, and whether there was such a run."""
    earlier = select(TopicRun.id).where(TopicRun.product_id == product_id, TopicRun.id < run_id)
    has_earlier = session.scalar(select(func.count()).select_from(earlier.subquery())) or 0
    keys = set(session.scalars(select(Topic.key).where(Topic.run_id.in_(earlier))))
    return keys, bool(has_earlier)


def in_app_ratings(session: Session, product_id: int, start: datetime, end: datetime) -> pd.DataFrame:
    """In-app ratings of the product created in [start, end).

    Returns:
        Columns created_at (UTC) and rating.
    """
    rows = session.execute(
        select(Feedback.created_at, Feedback.rating).where(
            Feedback.product_id == product_id,
            Feedback.channel == "in_app",
            Feedback.rating.is_not(None),
            Feedback.created_at >= start,
            Feedback.created_at < end,
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["created_at", "rating"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["rating"] = pd.to_numeric(frame["rating"]).astype("float64")
    return frame


def topic_quote_ids(
    session: Session, run_id: int, key: str, start: datetime | None, end: datetime, k: int = 3
) -> list[int]:
    """Ids of up to `k` feedback items of a topic from [start, end) (start None: any time before end).

    The closest to the topic's centre come first, one per text. Alerts keep these ids, not the texts,
    so deleting a respondent's data (services.respondents) removes their quotes from alerts too.
    """
    where = [FeedbackTopic.run_id == run_id, Topic.key == key, Feedback.created_at < end]
    if start is not None:
        where.append(Feedback.created_at >= start)
    rows = session.execute(
        select(Feedback.id, Feedback.content_hash)
        .select_from(FeedbackTopic)
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .join(Topic, Topic.id == FeedbackTopic.topic_id)
        .where(*where)
        .order_by(FeedbackTopic.probability.desc(), Feedback.id)
        .limit(k * 3)
    ).all()
    ids: list[int] = []
    seen: set[str] = set()
    for feedback_id, text_hash in rows:  # the same complaint sent twice is one quote
        if text_hash not in seen:
            seen.add(text_hash)
            ids.append(int(feedback_id))
    return ids[:k]


def quote_texts(session: Session, feedback_ids: Sequence[int]) -> dict[int, str]:
    """The redacted texts of the feedback items that still exist among `feedback_ids`."""
    if not feedback_ids:
        return {}
    rows = session.execute(
        select(Feedback.id, Feedback.text).where(Feedback.id.in_(list(feedback_ids)))
    ).all()
    return {int(i): str(t) for i, t in rows}


def verified_topic_items(session: Session, product_id: int) -> list[tuple[int, str, str]]:
    """Verified items of the product that are tied to a topic: (item id, title, topic key)."""
    rows = session.execute(
        select(RectificationItem.id, RectificationItem.title, RectificationItem.topic_key)
        .join(Round, Round.id == RectificationItem.round_id)
        .where(
            Round.product_id == product_id,
            RectificationItem.status == "verified",
            RectificationItem.topic_key.is_not(None),
        )
        .order_by(RectificationItem.id)
    ).all()
    return [(int(i), str(t), str(k)) for i, t, k in rows]


# --- the alerts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something a monitoring run found, before it is stored as an alert."""

    kind: str
    subject: str
    title: str
    evidence: dict[str, Any]


def _not_closed(session: Session, product_id: int, kind: str, subject: str) -> Alert | None:
    return session.scalar(
        select(Alert).where(
            Alert.product_id == product_id,
            Alert.kind == kind,
            Alert.subject == subject,
            Alert.status != "closed",
        )
    )


def record_finding(session: Session, product_id: int, finding: Finding, now: datetime) -> Alert | None:
    """Store a finding: update its alert that is not closed, or open a new one.

    A closed alert whose condition the previous run still found (`active`) keeps a new alert from
    opening: people closed it knowing; it opens again only after the condition cleared once.

    Returns:
        The newly opened alert, or None when an existing one was updated or a closed one holds it.
    """
    existing = _not_closed(session, product_id, finding.kind, finding.subject)
    if existing is None:
        closed_active = session.scalar(
            select(Alert)
            .where(
                Alert.product_id == product_id,
                Alert.kind == finding.kind,
                Alert.subject == finding.subject,
                Alert.status == "closed",
                Alert.active.is_(True),
            )
            .limit(1)
        )
        if closed_active is not None:
            closed_active.last_seen_at = now
            closed_active.evidence = finding.evidence
            return None
        alert = Alert(
            product_id=product_id,
            kind=finding.kind,
            subject=finding.subject,
            title=finding.title[:200],
            status="open",
            active=True,
            evidence=finding.evidence,
            opened_at=now,
            last_seen_at=now,
        )
        try:
            with session.begin_nested():  # another job may have opened it a moment ago
                session.add(alert)
                session.flush()
        except IntegrityError:
            existing = _not_closed(session, product_id, finding.kind, finding.subject)
            if existing is None:
                raise
        else:
            return alert
    existing.title = finding.title[:200]
    existing.evidence = finding.evidence
    existing.last_seen_at = now
    existing.active = True
    return None


def clear_unseen(session: Session, product_id: int, seen: set[tuple[str, str]], kinds: Sequence[str]) -> int:
    """Mark the product's alerts of `kinds` that this run did not find as no longer active.

    Returns:
        How many alerts changed.
    """
    changed = 0
    for alert in session.scalars(
        select(Alert).where(Alert.product_id == product_id, Alert.kind.in_(kinds), Alert.active.is_(True))
    ):
        if (alert.kind, alert.subject) not in seen:
            alert.active = False
            changed += 1
    return changed


def set_alert_status(session: Session, alert_id: int, status: str, actor: str, now: datetime) -> Alert:
    """Acknowledge or close an alert, recording who and when (and an audit event).

    Raises:
        AlertError: "no_alert", or "bad_status" when the alert cannot move to `status` from where it is.
    """
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise AlertError("no_alert")
    if status not in ALERT_STATUSES or status not in NEXT_ALERT_STATUSES[alert.status]:
        raise AlertError("bad_status")
    if status == "acknowledged":
        alert.acknowledged_by, alert.acknowledged_at = actor, now
    else:
        alert.closed_by, alert.closed_at = actor, now
    before = alert.status
    alert.status = status
    audit(session, actor, f"alert.{status}", "alert", alert.id, {"from": before, "kind": alert.kind})
    return alert


ALERT_COLUMNS = (
    "id",
    "kind",
    "subject",
    "title",
    "status",
    "active",
    "evidence",
    "opened_at",
    "last_seen_at",
    "acknowledged_by",
    "acknowledged_at",
    "closed_by",
    "closed_at",
)


def list_alerts(session: Session, product_id: int, statuses: Sequence[str] = ALERT_STATUSES) -> pd.DataFrame:
    """The product's alerts in `statuses`, newest first.

    Returns:
        Columns id, kind, subject, title, status, active, evidence (dict), opened_at, last_seen_at,
        acknowledged_by, acknowledged_at, closed_by, closed_at.
    """
    rows = session.scalars(
        select(Alert)
        .where(Alert.product_id == product_id, Alert.status.in_(list(statuses)))
        .order_by(Alert.opened_at.desc(), Alert.id.desc())
    ).all()
    return pd.DataFrame(
        [[getattr(a, c) for c in ALERT_COLUMNS] for a in rows], columns=list(ALERT_COLUMNS), dtype="object"
    )


def count_open_alerts(session: Session, product_id: int) -> int:
    """Alerts of the product still open (not acknowledged, not closed)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.product_id == product_id, Alert.status == "open")
        )
        or 0
    )
