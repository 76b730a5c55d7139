"""Repository functions for a product's user list (the population): replace it, read it, count it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from db.models import PopulationMember

_INSERT_CHUNK = 5000


def replace_population(
    session: Session, product_id: int, members: Iterable[tuple[str, Mapping[str, str]]]
) -> int:
    """Replace the product's user list with `members` (user key, attributes); returns how many are stored.

    The caller has already pseudonymised the keys and dropped repeats; the whole list is one change, so
    a failure leaves the previous list in place (the caller's unit of work rolls back).
    """
    session.execute(delete(PopulationMember).where(PopulationMember.product_id == product_id))
    stored = 0
    batch: list[dict[str, object]] = []
    for user_key, attributes in members:
        batch.append({"product_id": product_id, "user_key": user_key, "attributes": dict(attributes)})
        if len(batch) >= _INSERT_CHUNK:
            session.execute(insert(PopulationMember), batch)
            stored += len(batch)
            batch = []
    if batch:
        session.execute(insert(PopulationMember), batch)
        stored += len(batch)
    return stored


def population_size(session: Session, product_id: int) -> int:
    """How many users the product's list holds (0: no list imported)."""
    query = (
        select(func.count()).select_from(PopulationMember).where(PopulationMember.product_id == product_id)
    )
    return int(session.scalar(query) or 0)


def population_frame(session: Session, product_id: int) -> pd.DataFrame:
    """The product's user list: a `user_key` column and one column per attribute (missing values: NA)."""
    rows = session.execute(
        select(PopulationMember.user_key, PopulationMember.attributes)
        .where(PopulationMember.product_id == product_id)
        .order_by(PopulationMember.id)
    ).all()
    frame = pd.DataFrame.from_records([{"user_key": key, **attrs} for key, attrs in rows])
    if frame.empty:
        return pd.DataFrame({"user_key": pd.Series(dtype="string")})
    return frame.astype("string")
