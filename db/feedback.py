"""Repository functions for feedback items: storing them once, importing files, browsing, forgetting."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast

import pandas as pd
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Float,
    Integer,
    Select,
    String,
    Table,
    and_,
    delete,
    exc,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from analytics.bulk import gc_paused
from analytics.hashing import content_hash, key_hash
from analytics.importing import Prepared, Record
from analytics.progress import Progress
from db.models import CHANNELS, Answer, Feedback, Response, Round
from db.users import audit

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")  # any SELECT, its columns kept
IMPORT_CHANNELS = ("customer_service", "community", "other")
_INSERT_CHUNK = 2000
_COPY_FROM_ROWS = 1000  # PostgreSQL batches at least this large are copied, smaller ones inserted


@dataclass
class FeedbackIn:
    """One feedback item as it arrives, before it is stored. `text` must already be redacted.

    `dedup_basis`, when set, is what makes the item unique instead of its source, respondent, time and
    text (an import leaves the time out when the file has no dates, so that a second import matches).
    """

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
    dedup_basis: str | None = None

    def dedup_key(self) -> str:
        """The key under which the item is stored once.

        Built from `dedup_basis` when set, else from the item's source, respondent, time and text.
        """
        return self._dedup_key(content_hash(self.text))

    def _dedup_key(self, text_hash: str) -> str:
        if self.dedup_basis is not None:
            return _basis_key(self.product_id, self.channel, self.dedup_basis)
        # The same item arriving twice (double click, re-import) has the same source and text.
        return key_hash(
            self.product_id,
            self.channel,
            self.source_ref,
            self.respondent_key,
            self.created_at.isoformat(),
            text_hash,
        )


def _basis_key(product_id: int, channel: str, basis: str) -> str:
    return key_hash(product_id, channel, "basis", basis)


def _row(
    item: FeedbackIn | Record,
    *,
    product_id: int,
    round_id: int | None,
    channel: str,
    content_hash: str,
    dedup_key: str,
    category: str | None = None,
    category_source: str | None = None,
) -> dict[str, Any]:
    """The feedback table's row of an arriving item (from a page, a survey or a file), ready to insert."""
    return {
        "product_id": product_id,
        "round_id": round_id,
        "channel": channel,
        "text": item.text,
        "rating": item.rating,
        "language": item.language,
        "created_at": item.created_at,
        "respondent_key": item.respondent_key,
        "app_version": item.app_version,
        "model_version": item.model_version,
        "segment": item.segment,
        "source_ref": item.source_ref,
        "content_hash": content_hash,
        "dedup_key": dedup_key,
        "category": category,
        "category_source": category_source,
        "severity": item.severity,
        "pii_counts": item.pii_counts or None,
    }


def store_feedback(
    session: Session,
    items: Iterable[FeedbackIn],
    *,
    progress: Progress | None = None,
) -> int:
    """Add items that are not stored yet, in bulk; returns how many were added.

    Items already stored, repeats within `items` and items another transaction stores at the same
    moment are skipped (ON CONFLICT DO NOTHING) and not counted.

    Args:
        session: the caller's session; nothing is committed here.
        items: the items to add, of any products and channels.
        progress: Called with (rows written, rows to write) after each chunk.

    Raises:
        ValueError: an unknown channel, or an item with neither text nor rating (nothing of the batch
            is added).
    """
    batch = list(items)
    for item in batch:
        if item.channel not in CHANNELS:
            raise ValueError(f"unknown channel {item.channel!r}")
        if not item.text.strip() and item.rating is None:  # a rating alone is feedback too
            raise ValueError("feedback needs a text or a rating")
    hashes = [content_hash(item.text) for item in batch]
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item, text_hash in zip(batch, hashes, strict=True):
        key = item._dedup_key(text_hash)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            _row(
                item,
                product_id=item.product_id,
                round_id=item.round_id,
                channel=item.channel,
                content_hash=text_hash,
                dedup_key=key,
                category=item.category,
                category_source=item.category_source,
            )
        )
    return _insert_new(session, rows, progress)


def _insert_new(session: Session, rows: list[dict[str, Any]], progress: Progress | None) -> int:
    """Insert `rows` (all with the same keys and none twice), skipping dedup keys already stored.

    Returns the rows added. SQLite gets one prepared statement run by the driver's executemany; a large
    batch on PostgreSQL a COPY into a scratch table and one INSERT from it. Both skip SQLAlchemy's per-row parameter
    handling, which cost more than the database itself. A row that another transaction stores at the
    same moment is skipped (ON CONFLICT DO NOTHING) on both.
    """
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect.name
    table = cast(Table, Feedback.__table__)
    if dialect == "sqlite":
        return _executemany_into_sqlite(connection, rows, progress)
    if dialect == "postgresql" and len(rows) >= _COPY_FROM_ROWS:
        return _copy_into_postgresql(connection, rows, progress)
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["dedup_key"])
        return len(session.execute(statement.returning(table.c.id), rows).all())
    fresh = _unstored(session, rows)
    for start in range(0, len(fresh), _INSERT_CHUNK):
        session.execute(insert(table), fresh[start : start + _INSERT_CHUNK])
    return len(fresh)


def _executemany_into_sqlite(
    connection: Connection, rows: list[dict[str, Any]], progress: Progress | None
) -> int:
    dialect = connection.dialect
    table = cast(Table, Feedback.__table__)
    names = list(rows[0])
    # Values pass through the columns' own bind processors, so they are stored as the ORM stores them.
    processors = [
        (i, processor)
        for i, name in enumerate(names)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    statement = (
        f"INSERT INTO feedback ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        "ON CONFLICT (dedup_key) DO NOTHING"
    )
    # Every row touches eight indexes, three of them on random hashes: with SQLite's default 2 MB
    # page cache a large import spends much of its time re-reading index pages.
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000
    if len(rows) > 10_000:
        connection.exec_driver_sql("PRAGMA cache_size = -65536")  # 64 MB, for this import only
    added = 0
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = []
        for row in rows[start : start + _INSERT_CHUNK]:
            cells = [row[name] for name in names]
            for i, processor in processors:
                if cells[i] is not None:
                    cells[i] = processor(cells[i])
            chunk.append(tuple(cells))
        added += connection.exec_driver_sql(statement, chunk).rowcount
        if progress is not None:
            progress(start + len(chunk), len(rows))
    connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
    return added


def _copy_into_postgresql(
    connection: Connection, rows: list[dict[str, Any]], progress: Progress | None
) -> int:
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        return _copy_new_rows(connection, rows, progress)
    except dbapi_error as err:
        # Raised by psycopg itself: wrapped as SQLAlchemy wraps it, so callers see IntegrityError & co.
        raise exc.DBAPIError.instance("COPY feedback", None, err, dbapi_error) from err


def _copy_new_rows(connection: Connection, rows: list[dict[str, Any]], progress: Progress | None) -> int:
    names = list(rows[0])
    columns = ", ".join(names)
    table = cast(Table, Feedback.__table__)
    driver = connection.connection.driver_connection  # psycopg 3, inside the session's transaction
    assert driver is not None
    with driver.cursor() as cursor:
        # Copied into a bare scratch table first, then inserted in one statement that skips stored
        # keys: no separate lookup of 100,000 keys, and a file imported twice at the same moment
        # lands once instead of failing.
        cursor.execute(
            f"CREATE TEMP TABLE feedback_incoming ON COMMIT DROP AS SELECT {columns} FROM feedback WITH NO DATA"
        )
        # Binary COPY: the server reads numbers and times as they are instead of parsing text.
        with cursor.copy(f"COPY feedback_incoming ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_copy_type(table.c[name]) for name in names])
            for n, row in enumerate(rows, start=1):
                copy.write_row([row[name] for name in names])
                if progress is not None and n % _INSERT_CHUNK == 0:
                    progress(n // 2, len(rows))  # the insert below takes about as long again
        cursor.execute(
            f"INSERT INTO feedback ({columns}) SELECT {columns} FROM feedback_incoming "
            "ON CONFLICT (dedup_key) DO NOTHING"
        )
        added = int(cursor.rowcount)
        cursor.execute("DROP TABLE feedback_incoming")  # a second import in this transaction makes its own
    if progress is not None:
        progress(len(rows), len(rows))
    return added


def _copy_type(column: Column[Any]) -> str:
    """The PostgreSQL type a binary COPY sends for `column` (binary values must match it exactly)."""
    kind = column.type
    if isinstance(kind, JSON):
        return "json"  # psycopg turns the dict into JSON itself
    if isinstance(kind, Integer):
        return "int8" if isinstance(kind, BigInteger) else "int4"
    if isinstance(kind, Float):
        return "float8"
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, String):  # Text too; varchar and text travel alike
        return "text"
    raise TypeError(f"no COPY type for {column.name}: {kind!r}")


def _unstored(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose dedup key is not stored yet."""
    keys = [row["dedup_key"] for row in rows]
    found: set[str] = set()
    for start in range(0, len(keys), 10_000):
        chunk = keys[start : start + 10_000]
        found.update(session.scalars(select(Feedback.dedup_key).where(Feedback.dedup_key.in_(chunk))))
    return [row for row in rows if row["dedup_key"] not in found]


def scoped(query: _Query, product_id: int, round_id: int | None) -> _Query:
    """`query` restricted to a product's feedback (of one round when round_id is given)."""
    query = query.where(Feedback.product_id == product_id)
    return query.where(Feedback.round_id == round_id) if round_id is not None else query


def count_by_channel(session: Session, product_id: int, round_id: int | None = None) -> dict[str, int]:
    """Feedback count per channel (every channel present, zero where none)."""
    query = scoped(select(Feedback.channel, func.count()).group_by(Feedback.channel), product_id, round_id)
    counts = dict.fromkeys(CHANNELS, 0)
    counts.update({channel: int(n) for channel, n in session.execute(query)})
    return counts


# --------------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added, rows stored by an earlier import, rows refused."""

    total_rows: int
    added: int
    already_stored: int
    rejected_rows: int


def store_import(
    session: Session,
    prepared: Prepared,
    *,
    product_id: int,
    channel: str,
    actor: str,
    file_label: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Store the accepted rows of a checked file and record the import in the audit log.

    Runs in the caller's transaction: either every accepted row and the audit event land, or nothing.
    Each row goes to the round whose dates contain it (a round without dates contains every date; the
    latest start wins); rows outside every round get none and show under "All rounds".

    Args:
        session: the caller's session; nothing is committed here.
        prepared: the checked file (analytics.importing); only its accepted records are stored.
        product_id: the product the rows belong to.
        channel: one of IMPORT_CHANNELS.
        actor: who imported, as the audit log names them.
        file_label: the file's name as the audit log keeps it (redacted by the caller).
        progress: Called with (rows written, rows to write) after each chunk.

    Raises:
        ValueError: a channel that is not for imports.
    """
    if channel not in IMPORT_CHANNELS:
        raise ValueError(f"not an import channel: {channel!r}")
    round_of = _round_finder(session, product_id)
    # Rows straight from the records: they are redacted, hashed and free of repeats already, and
    # going through FeedbackIn would hash every text a second time.
    with gc_paused():
        rows = [
            _row(
                r,
                product_id=product_id,
                round_id=round_of(r.created_at.date()),
                channel=channel,
                content_hash=r.content_hash,
                dedup_key=_basis_key(product_id, channel, r.dedup_basis),
            )
            for r in prepared.records
        ]
        added = _insert_new(session, rows, progress)
    result = ImportResult(prepared.total_rows, added, len(rows) - added, prepared.rejected_rows)
    audit(
        session,
        actor,
        "feedback.import",
        "product",
        product_id,
        {
            "file": file_label,
            "channel": channel,
            "rows": result.total_rows,
            "added": result.added,
            "already_stored": result.already_stored,
            "rejected": result.rejected_rows,
            "pii": prepared.pii_counts,
        },
    )
    return result


def store_records(
    session: Session,
    product_id: int,
    records: Sequence[tuple[Record, str]],
    *,
    by_source_ref: bool = False,
) -> int:
    """Store checked records that each carry their own channel (the HTTP API's items); returns rows added.

    The rows go through the same round assignment and duplicate keys as an import's rows. With
    `by_source_ref`, a record with a source reference is stored once per product under that reference,
    whatever its channel (its `dedup_basis` should then be made from the reference alone).

    Args:
        session: the caller's session; nothing is committed here.
        product_id: the product the records belong to.
        records: each checked record (redacted, pseudonymised) with its channel, one of CHANNELS.
        by_source_ref: identify records with a source reference by it, across channels.

    Raises:
        ValueError: an unknown channel (nothing is added).
    """
    unknown = sorted({channel for _, channel in records if channel not in CHANNELS})
    if unknown:
        raise ValueError(f"unknown channel {unknown[0]!r}")
    round_of = _round_finder(session, product_id)
    rows = [
        _row(
            r,
            product_id=product_id,
            round_id=round_of(r.created_at.date()),
            channel=channel,
            content_hash=r.content_hash,
            dedup_key=_basis_key(
                product_id, "source_ref" if by_source_ref and r.source_ref else channel, r.dedup_basis
            ),
        )
        for r, channel in records
    ]
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["dedup_key"], row)  # the first of items sharing a key
    return _insert_new(session, list(unique.values()), None)


def _round_finder(session: Session, product_id: int) -> Callable[[date], int | None]:
    found = session.execute(
        select(Round.id, Round.starts_on, Round.ends_on).where(Round.product_id == product_id)
    ).all()
    # Latest start first; a round without a start comes last.
    rounds = sorted(found, key=lambda r: (r.starts_on or date.min, r.id), reverse=True)
    memo: dict[date, int | None] = {}

    def round_of(day: date) -> int | None:
        if day not in memo:
            memo[day] = next(
                (
                    r.id
                    for r in rounds
                    if (r.starts_on is None or r.starts_on <= day) and (r.ends_on is None or day <= r.ends_on)
                ),
                None,
            )
        return memo[day]

    return round_of


# --------------------------------------------------------------------------------------------------
# Browsing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFilter:
    """What the analyst is looking for; empty fields do not filter.

    `categories` may hold None for items no one has categorised yet. `created_from` is inclusive,
    `created_before` exclusive. `search` matches items that contain every word of it, ignoring case.
    """

    product_id: int
    round_id: int | None = None
    channels: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_before: datetime | None = None
    categories: tuple[str | None, ...] = ()
    rating_min: float | None = None
    rating_max: float | None = None
    include_unrated: bool = True
    search: str = ""


def _filtered(query: _Query, flt: FeedbackFilter) -> _Query:
    query = scoped(query, flt.product_id, flt.round_id)
    if flt.channels:
        query = query.where(Feedback.channel.in_(flt.channels))
    if flt.created_from is not None:
        query = query.where(Feedback.created_at >= flt.created_from)
    if flt.created_before is not None:
        query = query.where(Feedback.created_at < flt.created_before)
    if flt.categories:
        named = [c for c in flt.categories if c is not None]
        conditions = [Feedback.category.in_(named)] if named else []
        if None in flt.categories:
            conditions.append(Feedback.category.is_(None))
        query = query.where(or_(*conditions))
    if flt.rating_min is not None or flt.rating_max is not None:
        bounds: list[ColumnElement[bool]] = [Feedback.rating.is_not(None)]
        if flt.rating_min is not None:
            bounds.append(Feedback.rating >= flt.rating_min)
        if flt.rating_max is not None:
            bounds.append(Feedback.rating <= flt.rating_max)
        rated = and_(*bounds)
        query = query.where(or_(rated, Feedback.rating.is_(None)) if flt.include_unrated else rated)
    elif not flt.include_unrated:
        query = query.where(Feedback.rating.is_not(None))
    for word in flt.search.split():
        # lower() on both sides: PostgreSQL lowers every letter, SQLite only A-Z (Chinese has no case).
        query = query.where(func.lower(Feedback.text).contains(word.lower(), autoescape=True))
    return query


def find_feedback(
    session: Session, flt: FeedbackFilter, *, offset: int = 0, limit: int = 50
) -> list[Feedback]:
    """One page of matching items, newest first."""
    query = _filtered(select(Feedback), flt).order_by(Feedback.created_at.desc(), Feedback.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))


def count_matching(session: Session, flt: FeedbackFilter) -> dict[str, int]:
    """Matching items per channel (every channel present, zero where none)."""
    query = _filtered(select(Feedback.channel, func.count()), flt).group_by(Feedback.channel)
    counts = dict.fromkeys(CHANNELS, 0)
    counts.update({channel: int(n) for channel, n in session.execute(query)})
    return counts


# --------------------------------------------------------------------------------------------------
# Data-subject requests
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RespondentData:
    """How much is stored under a respondent's keys, in every product."""

    feedback: int
    responses: int

    @property
    def empty(self) -> bool:
        """True when nothing at all is stored under the keys."""
        return self.feedback == 0 and self.responses == 0


def count_respondent(session: Session, keys: tuple[str, ...]) -> RespondentData:
    """Feedback items and survey responses stored under `keys`, in every product."""
    feedback = session.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.respondent_key.in_(keys))
    )
    responses = session.scalar(
        select(func.count()).select_from(Response).where(Response.respondent_key.in_(keys))
    )
    return RespondentData(int(feedback or 0), int(responses or 0))


@dataclass(frozen=True)
class RespondentTexts:
    """What a respondent wrote, for finding the data derived from it before it is deleted."""

    feedback_ids: tuple[int, ...]
    texts: tuple[str, ...]  # their feedback and free-text answers (redacted, as stored)
    content_hashes: tuple[str, ...]  # of those texts: the embedding cache's keys


def respondent_texts(session: Session, keys: tuple[str, ...]) -> RespondentTexts:
    """Every feedback item and free-text answer stored under `keys`, in every product."""
    feedback = session.execute(
        select(Feedback.id, Feedback.text, Feedback.content_hash).where(Feedback.respondent_key.in_(keys))
    ).all()
    answers = session.scalars(
        select(Answer.value_text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.respondent_key.in_(keys), Answer.value_text.is_not(None))
    ).all()
    answer_texts = [text for text in answers if text]
    return RespondentTexts(
        feedback_ids=tuple(int(row[0]) for row in feedback),
        texts=tuple([str(row[1]) for row in feedback] + answer_texts),
        content_hashes=tuple(
            dict.fromkeys([str(row[2]) for row in feedback] + [content_hash(t) for t in answer_texts])
        ),
    )


def forget_respondent(session: Session, keys: tuple[str, ...], actor: str) -> RespondentData:
    """Delete every feedback item and survey response (with its answers) stored under `keys`.

    The audit event records who asked and how much went, never the key.
    """
    found = count_respondent(session, keys)
    session.execute(delete(Feedback).where(Feedback.respondent_key.in_(keys)))
    session.execute(delete(Response).where(Response.respondent_key.in_(keys)))  # answers cascade
    audit(
        session,
        actor,
        "respondent.forget",
        "respondent",
        None,
        {"feedback": found.feedback, "responses": found.responses},
    )
    return found


def count_feedback(session: Session, product_id: int, round_id: int | None = None) -> int:
    """Feedback items of a product (of one round when round_id is given)."""
    return int(session.scalar(scoped(select(func.count(Feedback.id)), product_id, round_id)) or 0)


def scope_feedback(session: Session, product_id: int, round_id: int | None = None) -> pd.DataFrame:
    """The feedback to analyse, oldest first.

    Returns:
        Columns feedback_id, text, content_hash, category, category_source.
    """
    query = scoped(
        select(
            Feedback.id, Feedback.text, Feedback.content_hash, Feedback.category, Feedback.category_source
        ),
        product_id,
        round_id,
    ).order_by(Feedback.id)
    frame = pd.DataFrame(
        session.execute(query).all(),
        columns=["feedback_id", "text", "content_hash", "category", "category_source"],
    )
    frame["feedback_id"] = frame["feedback_id"].astype("int64")
    return frame
