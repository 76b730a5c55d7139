"""Feedback categories: the classifier's, and an analyst's corrections.

The classifier's categories are stored where no person set one; an analyst's corrections stick and
teach the classifier.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analytics.vocabulary import CATEGORIES, MODEL_SOURCE, is_analyst_label
from db.models import Feedback
from db.users import audit

CORRECTION_ACTION = "feedback.category"
_CHUNK = 900  # ids per IN (...): under SQLite's bound-parameter limit on old builds


def store_model_categories(session: Session, feedback_ids: Sequence[int], categories: Sequence[str]) -> int:
    """Store the classifier's category of each item whose category no person has set.

    The check is part of the UPDATE, so a correction saved meanwhile by an analyst is never overwritten.

    Returns:
        How many items were updated.

    Raises:
        ValueError: lengths differ or a category is unknown.
    """
    if len(feedback_ids) != len(categories):
        raise ValueError(f"{len(feedback_ids)} ids but {len(categories)} categories")
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}")
    by_category: dict[str, list[int]] = {}
    for feedback_id, category in zip(feedback_ids, categories, strict=True):
        by_category.setdefault(str(category), []).append(int(feedback_id))
    not_a_person = Feedback.category_source.is_(None) | (Feedback.category_source == MODEL_SOURCE)
    updated = 0
    for category, ids in by_category.items():
        for start in range(0, len(ids), _CHUNK):
            result = session.execute(
                update(Feedback)
                .where(Feedback.id.in_(ids[start : start + _CHUNK]), not_a_person)
                .values(category=category, category_source=MODEL_SOURCE)
                .execution_options(synchronize_session=False)
            )
            updated += int(getattr(result, "rowcount", 0) or 0)
    return updated


def correct_category(session: Session, feedback_id: int, category: str, actor: str) -> None:
    """Record an analyst's category for one item.

    It sticks (category_source = the analyst) and teaches the classifier on the next analysis.

    Raises:
        ValueError: unknown category or an empty actor.
        LookupError: no such feedback item.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; expected one of {list(CATEGORIES)}")
    if not actor.strip() or actor.strip() == MODEL_SOURCE:
        raise ValueError("a correction needs the analyst's username")
    item = session.get(Feedback, feedback_id)
    if item is None:
        raise LookupError(f"feedback {feedback_id} not found")
    before = item.category
    item.category = category
    item.category_source = actor.strip()
    audit(session, actor, CORRECTION_ACTION, "feedback", feedback_id, {"from": before, "to": category})


def category_corrections(session: Session, product_id: int) -> pd.DataFrame:
    """Items of a product whose category a person set (the classifier learns from them).

    Returns:
        Columns feedback_id, text, content_hash, category, category_source.
    """
    query = (
        select(Feedback.id, Feedback.text, Feedback.content_hash, Feedback.category, Feedback.category_source)
        .where(
            Feedback.product_id == product_id,
            Feedback.category.in_(CATEGORIES),
            Feedback.category_source.is_not(None),
            Feedback.category_source != MODEL_SOURCE,
        )
        .order_by(Feedback.id)
    )
    rows = [r for r in session.execute(query).all() if is_analyst_label(r[4])]
    return pd.DataFrame(rows, columns=["feedback_id", "text", "content_hash", "category", "category_source"])
