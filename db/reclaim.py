"""Give deleted rows' space back, so deleted data is not left in the database's files.

A DELETE only marks rows dead: SQLite keeps their bytes in free pages and in the write-ahead log
(the -wal file), PostgreSQL in the table's pages until they are rewritten. After a respondent's data
is deleted, :func:`reclaim_space` rewrites the files so nothing of it can be read back from them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Engine

log = logging.getLogger(__name__)


def reclaim_space(engine: Engine, tables: Sequence[str]) -> bool:
    """Rewrite the database files that held deleted rows.

    SQLite: checkpoint the WAL into the main file, VACUUM (rewrites the whole file without free
    pages), then checkpoint again with TRUNCATE, which empties the -wal file. PostgreSQL: VACUUM
    (FULL, ANALYZE) of `tables`: FULL rewrites their pages and indexes (plain VACUUM leaves dead rows'
    bytes in the pages' free space; FULL holds each table's lock while it is copied, seconds for
    typical sizes); ANALYZE renews the statistics, whose samples of common values may hold the rows.

    Args:
        engine: the database.
        tables: the tables rows were deleted from (names from our models, never user input).

    Returns:
        True when everything was rewritten; False when a SQLite reader kept the WAL from being
        emptied (it is emptied by the next checkpoint once that reader is done).
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            complete = busy is None or int(busy[0]) == 0
            if not complete:
                log.warning("the WAL could not be emptied: another connection is reading")
            return complete
        if engine.dialect.name == "postgresql" and tables:
            names = ", ".join(engine.dialect.identifier_preparer.quote(t) for t in dict.fromkeys(tables))
            conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {names}")
        return True
