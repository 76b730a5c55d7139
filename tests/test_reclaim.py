"""Deleted rows do not stay readable in the database's files once their space is reclaimed; when
another process is in the way, reclaiming says so instead of claiming success."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, text

from db import migrate
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import Feedback
from db.reclaim import reclaim_space
from db.workspace import create_product

TOKEN = b"zqxjvw"


def reclaimed(engine: Engine, tables: list[str], patience_s: float = 90) -> bool:
    """Reclaim until it reports done: other tests share the PostgreSQL server, and a session of theirs
    with an older snapshot rightly holds dead rows back for as long as it runs."""
    deadline = time.monotonic() + patience_s
    while not reclaim_space(engine, tables, wait_s=5):
        if time.monotonic() > deadline:
            return False
    return True


def _store_and_delete(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        at = datetime(2026, 11, 2, tzinfo=UTC)
        texts = [f"ordinary remark number {n}" for n in range(30)] + ["the zqxjvw remark"]
        store_feedback(session, [FeedbackIn(product.id, "in_app", t, at) for t in texts])
    with unit_of_work(engine) as session:
        session.execute(delete(Feedback).where(Feedback.text.contains("zqxjvw")))


def _bytes_hold_token(engine: Engine) -> bool:
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        files = [path, path.with_name(path.name + "-wal")]
        return any(TOKEN in f.read_bytes() for f in files if f.exists())
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        found = conn.execute(
            text(
                "SELECT count(*) FROM generate_series(0, pg_relation_size('feedback') / 8192 - 1) AS b "
                "WHERE position(CAST('zqxjvw' AS bytea) IN get_raw_page('feedback', b::int)) > 0"
            )
        ).scalar_one()
        conn.commit()
    return bool(found)


def test_a_deleted_row_stays_in_the_files_until_its_space_is_reclaimed(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    _store_and_delete(engine)
    assert _bytes_hold_token(engine)  # a DELETE alone leaves the bytes (free pages, WAL, dead rows)
    assert reclaimed(engine, ["feedback"])
    assert not _bytes_hold_token(engine)
    engine.dispose()


def test_a_reader_in_the_way_is_reported_and_a_later_reclaim_finishes(db_url):
    engine = make_engine(db_url, lock_wait_s=0.3)
    migrate.upgrade(engine)
    reader = make_engine(db_url).connect()  # another process, in a read transaction begun earlier
    reader.exec_driver_sql(
        "BEGIN ISOLATION LEVEL REPEATABLE READ" if reader.dialect.name == "postgresql" else "BEGIN"
    )
    reader.exec_driver_sql("SELECT count(*) FROM products").all()
    _store_and_delete(engine)
    try:
        assert not reclaim_space(engine, ["feedback"], wait_s=0.5)
    finally:
        reader.rollback()
        reader.close()
    assert reclaimed(engine, ["feedback"])
    assert not _bytes_hold_token(engine)
    engine.dispose()
