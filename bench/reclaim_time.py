"""Seconds to rewrite the database files after one respondent's data is deleted (db.reclaim).

Usage: python -m bench.reclaim_time [--rows 100000] [--pg-url URL] [--no-pg]

Stores `rows` feedback items (about 90 characters each) in a fresh SQLite file and a scratch
PostgreSQL database, deletes one, and times ``reclaim_space`` over the tables a deletion touches:
SQLite checkpoint + VACUUM + WAL truncation, PostgreSQL VACUUM (FULL, ANALYZE).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import delete, insert

from bench.import_throughput import PG_ADMIN_URL, scratch_pg
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Feedback
from db.reclaim import reclaim_space
from db.workspace import create_product
from services.respondents import TOUCHED_TABLES


def time_reclaim(url: str, rows: int) -> tuple[float, bool]:
    """Seconds reclaim_space took after deleting one of `rows` items, and whether it finished."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product_id = create_product(session, "Bench", "other").id
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with unit_of_work(engine) as session:
        session.execute(
            insert(Feedback),
            [
                {
                    "product_id": product_id,
                    "channel": "in_app",
                    "text": f"feedback {i}: the answers are slow and the dosage advice was wrong",
                    "created_at": now,
                    "content_hash": f"{i:064x}",
                    "dedup_key": f"{i:064x}",
                }
                for i in range(rows)
            ],
        )
    with unit_of_work(engine) as session:
        session.execute(delete(Feedback).where(Feedback.id == rows // 2))
    started = time.perf_counter()
    done = reclaim_space(engine, TOUCHED_TABLES)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg-url", default=PG_ADMIN_URL)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        seconds, done = time_reclaim(f"sqlite:///{folder}/bench.db", args.rows)
        print(f"SQLite: {seconds:.2f} s for {args.rows:,} rows (finished: {done})")
    if not args.no_pg:
        with scratch_pg(args.pg_url) as url:
            seconds, done = time_reclaim(url, args.rows)
        print(f"PostgreSQL: {seconds:.2f} s for {args.rows:,} rows (finished: {done})")


if __name__ == "__main__":
    main()
