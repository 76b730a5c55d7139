"""Repository functions for API keys and the replies kept for Idempotency-Key replays.

Only a SHA-256 hash of a key is stored; the key itself is made by the caller and shown once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import ApiKey, IdempotencyRecord, Product

# last_used_at is written at most this often per key: a busy key then costs no write on most requests.
LAST_USED_EVERY = timedelta(seconds=1)


def add_key(
    session: Session,
    *,
    product_id: int,
    key_hash: str,
    prefix: str,
    scopes: list[str],
    created_by: str,
    name: str | None = None,
) -> ApiKey:
    """Store a new key (its hash and visible prefix); returns the row, flushed so it has an id."""
    row = ApiKey(
        product_id=product_id,
        key_hash=key_hash,
        prefix=prefix,
        scopes=scopes,
        created_by=created_by,
        name=name,
    )
    session.add(row)
    session.flush()
    return row


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """The key whose secret hashes to `key_hash`, revoked or not; None when there is none."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def list_keys(session: Session, product_id: int | None = None) -> list[tuple[ApiKey, str]]:
    """Every key (of one product when given) with its product's name, newest first."""
    query = select(ApiKey, Product.name).join(Product, Product.id == ApiKey.product_id)
    if product_id is not None:
        query = query.where(ApiKey.product_id == product_id)
    rows = session.execute(query.order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).all()
    return [(key, str(name)) for key, name in rows]


def revoke_key(session: Session, key_id: int, at: datetime) -> ApiKey | None:
    """Mark a key revoked (kept in the list); None when there is no such key. Revoking twice keeps the first time."""
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = at
    return row


def touch_key(session: Session, row: ApiKey, at: datetime) -> None:
    """Record that the key was used at `at`; skipped when it was recorded less than LAST_USED_EVERY ago."""
    last = row.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite hands back naive UTC times
        last = last.replace(tzinfo=UTC)
    if last is None or last < at - LAST_USED_EVERY:
        session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=at))


def stored_reply(session: Session, api_key_id: int, key: str) -> IdempotencyRecord | None:
    """The reply kept for this API key's Idempotency-Key, if a request with it was answered."""
    query = select(IdempotencyRecord).where(
        IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
    )
    return session.scalars(query).first()


def keep_reply(
    session: Session,
    *,
    api_key_id: int,
    key: str,
    route: str,
    body_hash: str,
    status: int,
    reply: dict[str, Any],
) -> None:
    """Keep the reply to a request with an Idempotency-Key, in the transaction that did the work.

    Raises:
        sqlalchemy.exc.IntegrityError: a concurrent request with the same key was answered first (the
            caller rolls back and replays that one's reply).
    """
    session.add(
        IdempotencyRecord(
            api_key_id=api_key_id, key=key, route=route, body_hash=body_hash, status=status, reply=reply
        )
    )
    session.flush()


def forget_replies(session: Session, api_key_id: int, before: datetime) -> int:
    """Delete the key's replies kept from before `before`; returns how many went."""
    result = session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.created_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
