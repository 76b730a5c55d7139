"""The embedding cache: a text is embedded once per model, keyed by (model id, content hash)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
from sqlalchemy import delete, func, insert, select
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


def cached_hashes(session: Session, model_id: str, hashes: Iterable[str]) -> set[str]:
    """Which of the content hashes have a cached vector of `model_id` (vectors are not read)."""
    wanted = list(dict.fromkeys(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            session.scalars(
                select(Embedding.content_hash).where(
                    Embedding.model_id == model_id, Embedding.content_hash.in_(chunk)
                )
            )
        )
    return found


def store_embeddings_bulk(session: Session, model_id: str, vectors: Mapping[str, np.ndarray]) -> int:
    """Add many vectors at once; on PostgreSQL a binary COPY into a scratch table and one insert.

    Idempotent as :func:`store_embeddings`: a hash already cached (by a task that died after writing
    and was run again, or by another process) is left as it is, so no vector is stored twice.

    Returns:
        How many rows were added now.
    """
    if not vectors:
        return 0
    if session.get_bind().dialect.name != "postgresql":
        before = session.scalar(select(func.count()).select_from(Embedding)) or 0
        store_embeddings(session, model_id, vectors)
        return int(session.scalar(select(func.count()).select_from(Embedding)) or 0) - int(before)
    driver = session.connection().connection.driver_connection  # psycopg 3, in the session's transaction
    assert driver is not None
    with driver.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE embeddings_incoming (model_id text, content_hash text, dim integer, "
            "vector bytea) ON COMMIT DROP"
        )
        with cursor.copy("COPY embeddings_incoming FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "int4", "bytea"])
            for content_hash, vector in vectors.items():
                copy.write_row([model_id, content_hash, int(vector.shape[-1]), _to_bytes(vector)])
        cursor.execute(
            "INSERT INTO embeddings (model_id, content_hash, dim, vector) "
            "SELECT model_id, content_hash, dim, vector FROM embeddings_incoming "
            "ON CONFLICT (model_id, content_hash) DO NOTHING"
        )
        added = int(cursor.rowcount)
        cursor.execute("DROP TABLE embeddings_incoming")
    return added


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
