"""The embedding cache: a text is embedded once per model, keyed by (model id, content hash)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.models import Embedding, Feedback

log = logging.getLogger(__name__)

_CHUNK = 900  # hashes per query: under SQLite's bound-parameter limit on old builds
_WRITE_BATCH = 2000


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def _from_bytes(data: bytes, dim: int) -> np.ndarray:
    vector = np.frombuffer(data, dtype="<f4")
    if vector.shape != (dim,):
        raise ValueError(f"stored vector has {vector.size} values, expected {dim}")
    return vector.astype(np.float32)


def load_embeddings(session: Session, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
    """Cached vectors of `model_id` for the given content hashes (missing ones are left out)."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(Embedding.content_hash, Embedding.dim, Embedding.vector).where(
                Embedding.model_id == model_id, Embedding.content_hash.in_(chunk)
            )
        )
        for content_hash, dim, vector in rows:
            found[content_hash] = _from_bytes(vector, dim)
    return found


def store_embeddings(session: Session, model_id: str, vectors: Mapping[str, np.ndarray]) -> int:
    """Add vectors to the cache; a hash stored meanwhile by another process is left as it is.

    Returns:
        How many vectors were offered (rows that already existed are skipped silently).
    """
    rows = [
        {"model_id": model_id, "content_hash": h, "dim": int(v.shape[-1]), "vector": _to_bytes(v)}
        for h, v in vectors.items()
    ]
    dialect = session.get_bind().dialect.name
    for start in range(0, len(rows), _WRITE_BATCH):
        batch = rows[start : start + _WRITE_BATCH]
        if dialect == "postgresql":
            session.execute(pg_insert(Embedding).on_conflict_do_nothing(), batch)
        elif dialect == "sqlite":
            session.execute(sqlite_insert(Embedding).on_conflict_do_nothing(), batch)
        else:
            session.execute(insert(Embedding), batch)
    return len(rows)


def forget_embeddings(session: Session, hashes: Iterable[str]) -> int:
    """Delete the cached vectors (of every model) of texts no stored feedback holds any more.

    A hash another item still holds (the same words from someone else) keeps its vectors.

    Returns:
        How many vectors were deleted.
    """
    wanted = list(dict.fromkeys(hashes))
    deleted = 0
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        held = set(session.scalars(select(Feedback.content_hash).where(Feedback.content_hash.in_(chunk))))
        gone = [h for h in chunk if h not in held]
        if gone:
            result = session.execute(delete(Embedding).where(Embedding.content_hash.in_(gone)))
            deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted
