"""Alembic migrations are the only way the schema is made or changed; the app and tests call these."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, exc, inspect

from db.engine import (
    DatabaseProblem,
    check_connection,
    classify_error,
    create_private_file,
    masked,
    unit_of_work,
)
from db.reclaim import reclaim_space
from db.settings import move_secret_out

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration for `engine`: our migrations folder, the engine in `attributes["engine"]`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration's revision id (the schema this code expects)."""
    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def current_revision(engine: Engine) -> str | None:
    """The database's revision id, or None when Alembic has never run on it."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_state(engine: Engine) -> str:
    """One of: empty, current, behind, newer, foreign (tables but no Alembic version)."""
    check_connection(engine)
    try:
        revision = current_revision(engine)
        if revision is None:
            tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
            return "foreign" if tables else "empty"
        if revision == head_revision():
            return "current"
        known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
        return "behind" if revision in known else "newer"
    except exc.DBAPIError as err:
        raise classify_error(err, masked(engine.url)) from err


def upgrade(engine: Engine, revision: str = "head") -> Path | None:
    """Bring the schema to `revision` (one transaction per migration; a failure leaves data as it was).

    A SQLite file with data at an older revision is copied first (:func:`backup_sqlite`); returns
    that copy's path, else None. An older version's pseudonym secret kept in the database is then
    moved out to its file, unchanged (:func:`db.settings.move_secret_out`), and the file rewritten.

    Raises:
        DatabaseProblem: newer_schema / foreign_schema when this database is not ours to change,
            or the classified driver error.
    """
    state = schema_state(engine)
    where = masked(engine.url)
    if state == "newer":
        raise DatabaseProblem("newer_schema", where, str(current_revision(engine)))
    if state == "foreign":
        raise DatabaseProblem("foreign_schema", where)
    if state == "current" and revision == "head":
        _secret_out_of_database(engine)
        return None
    backup = backup_sqlite(engine) if state == "behind" else None
    try:
        command.upgrade(alembic_config(engine), revision)
    except exc.DBAPIError as err:
        raise classify_error(err, where) from err
    if revision == "head":
        _secret_out_of_database(engine)
    return backup


def _secret_out_of_database(engine: Engine) -> None:
    try:
        with unit_of_work(engine) as session:
            moved = move_secret_out(session)
    except OSError as err:  # the secret's file cannot be written: the page that needs it says so
        log.warning("the respondent key secret could not be moved out of the database: %s", err)
        return
    if moved:
        reclaim_space(engine, ["app_settings"])  # the deleted secret must not stay in free pages or the WAL
        log.info("the respondent key secret was moved out of the database")


def backup_sqlite(engine: Engine) -> Path | None:
    """Copy a SQLite database file before its schema changes, next to it, once per old revision.

    ``data/rectify.db`` at revision 0002 is copied to ``data/rectify.before-0002_topics.db`` with
    SQLite's online backup (consistent even while another process reads it). An existing copy is
    kept: it is the state before the first attempt. PostgreSQL is left to its own tools (pg_dump).

    Returns:
        The copy's path, or None for PostgreSQL and in-memory databases.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    source = Path(database)
    target = source.with_name(f"{source.stem}.before-{current_revision(engine)}{source.suffix}")
    if target.exists():
        return target
    create_private_file(target)  # a copy of the data is as private as the database
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(target) as copy:
            raw.driver_connection.backup(copy)  # type: ignore[union-attr]
        copy.close()
    finally:
        raw.close()
    log.info("database copied to %s before the schema upgrade", target)
    return target


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the schema back to `revision`; the default, "base", undoes every migration."""
    command.downgrade(alembic_config(engine), revision)
