"""Give deleted rows' space back, so deleted data is not left in the database's files.

A DELETE only marks rows dead: SQLite keeps their bytes in free pages and in the write-ahead log
(the -wal file), PostgreSQL in the table's pages until they are rewritten. After a respondent's data
is deleted, :func:`reclaim_space` rewrites the files so nothing of it can be read back from them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, exc, text

log = logging.getLogger(__name__)
WAIT_S = 10.0  # for older PostgreSQL transactions that may still see the deleted rows


def reclaim_space(engine: Engine, tables: Sequence[str], *, wait_s: float = WAIT_S) -> bool:
    """Rewrite the database files that held deleted rows.

    SQLite: checkpoint the WAL into the main file, VACUUM (rewrites the whole file without free
    pages), then checkpoint again with TRUNCATE, which empties the -wal file. PostgreSQL: VACUUM
    (FULL, ANALYZE) of `tables`: FULL rewrites their pages and indexes (plain VACUUM leaves dead rows'
    bytes in the pages' free space; FULL holds each table's lock while it is copied, seconds for
    typical sizes); ANALYZE renews the statistics, whose samples of common values may hold the rows.

    Args:
        engine: the database.
        tables: the tables rows were deleted from (names from our models, never user input).
        wait_s: PostgreSQL: how long to wait for older transactions (see below).

    Returns:
        True when everything was rewritten; False when another process was in the way: a SQLite
        reader kept the WAL from being emptied, a writer or reader held a lock past the engine's
        lock wait, or a PostgreSQL transaction older than the delete ran past `wait_s` (VACUUM then
        keeps the rows it may still see). The deletion itself stands either way.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM: no transaction
        if engine.dialect.name == "sqlite":
            try:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("VACUUM")
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            except exc.DBAPIError as err:  # another process kept writing past the lock wait
                log.warning("the deleted rows' space could not be rewritten yet: %s", err)
                return False
            complete = busy is None or int(busy[0]) == 0
            if not complete:
                log.warning("the WAL could not be emptied: another connection is reading")
            return complete
        if engine.dialect.name == "postgresql" and tables:
            # A session whose snapshot is older than the delete may still see the deleted rows, and
            # VACUUM must keep them for it: autovacuum's ANALYZE here, and even a DROP DATABASE in
            # another database of the server was seen to hold them back. Wait for those, a while.
            quiet = _older_transactions_ended(conn, wait_s)
            unique = list(dict.fromkeys(tables))
            names = ", ".join(engine.dialect.identifier_preparer.quote(t) for t in unique)
            try:
                conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {names}")
            except exc.DBAPIError as err:  # e.g. a reader held a table past the lock wait
                log.warning("the deleted rows' space could not be rewritten yet: %s", err)
                return False
            if not quiet:
                log.warning("a transaction older than the delete kept running; dead rows may remain")
            return quiet
        return True


def _older_transactions_ended(conn: Connection, wait_s: float = WAIT_S) -> bool:
    """Wait up to `wait_s` until no other session's snapshot or transaction is older than now.

    Deleted rows are removable once every session's oldest visible transaction (backend_xmin, or its
    own backend_xid) is newer than the delete; a fresh transaction id stands for "now", which is later.

    Returns:
        True when none was left (to the extent pg_stat_activity shows this role other sessions).
    """
    now = int(conn.exec_driver_sql("SELECT txid_current()").scalar_one())
    deadline = time.monotonic() + wait_s
    while True:
        older = conn.execute(
            text(
                "WITH ref AS (SELECT age(CAST(CAST(CAST(:now AS bigint) % 4294967296 AS text) AS xid)) AS a) "
                "SELECT count(*) FROM pg_stat_activity, ref WHERE pid <> pg_backend_pid() "
                "AND (age(backend_xmin) > ref.a OR age(backend_xid) > ref.a)"
            ),
            {"now": now},
        ).scalar_one()
        if not older:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
