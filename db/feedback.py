"""Repository functions for feedback items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from analytics.hashing import content_hash, key_hash
from db.models import CHANNELS, Feedback


@dataclass
class FeedbackIn:
    """One feedback item as it arrives, before it is stored. `text` must already be redacted."""

    product_id: int
    channel: str
    text: str
    created_at: datetime
    rating: float | None = None
    language: str | None = None
    round_id: int | None = None
    respondent_key: str | None = None
    app_version: str | None = None
    model_version: str | None = None
    segment: str | None = None
    source_ref: str | None = None
    category: str | None = None
    category_source: str | None = None
    severity: int | None = None
    pii_counts: dict[str, int] = field(default_factory=dict)

    def dedup_key(self) -> str:
        # The same item arriving twice (double click, re-import) has the same source and text.
        return key_hash(
            self.product_id,
            self.channel,
            self.source_ref,
            self.respondent_key,
            self.created_at.isoformat(),
            content_hash(self.text),
        )


def store_feedback(session: Session, items: Iterable[FeedbackIn]) -> int:
    """Add items that are not stored yet; returns how many were added.

    Raises:
        ValueError: an unknown channel or an empty text (nothing of the batch is added).
    """
    batch = list(items)
    for item in batch:
        if item.channel not in CHANNELS:
            raise ValueError(f"unknown channel {item.channel!r}")
        if not item.text.strip():
            raise ValueError("empty feedback text")
    keys = [item.dedup_key() for item in batch]
    existing: set[str] = set()
    for start in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        chunk = keys[start : start + 900]
        existing.update(session.scalars(select(Feedback.dedup_key).where(Feedback.dedup_key.in_(chunk))))
    added = 0
    for item, key in zip(batch, keys, strict=True):
        if key in existing:
            continue
        existing.add(key)
        session.add(
            Feedback(
                product_id=item.product_id,
                round_id=item.round_id,
                channel=item.channel,
                text=item.text,
                rating=item.rating,
                language=item.language,
                created_at=item.created_at,
                respondent_key=item.respondent_key,
                app_version=item.app_version,
                model_version=item.model_version,
                segment=item.segment,
                source_ref=item.source_ref,
                content_hash=content_hash(item.text),
                dedup_key=key,
                category=item.category,
                category_source=item.category_source,
                severity=item.severity,
                pii_counts=item.pii_counts or None,
            )
        )
        added += 1
    session.flush()
    return added


def _scoped(query: Select, product_id: int, round_id: int | None) -> Select:
    query = query.where(Feedback.product_id == product_id)
    return query.where(Feedback.round_id == round_id) if round_id is not None else query


def count_by_channel(session: Session, product_id: int, round_id: int | None = None) -> dict[str, int]:
    """Feedback count per channel (every channel present, zero where none)."""
    query = _scoped(select(Feedback.channel, func.count()).group_by(Feedback.channel), product_id, round_id)
    counts = dict.fromkeys(CHANNELS, 0)
    counts.update({channel: int(n) for channel, n in session.execute(query)})
    return counts
