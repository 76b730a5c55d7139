"""Alembic migrations are the only way the schema is made or changed; the app and tests call these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, exc, inspect

from db.engine import DatabaseProblem, check_connection, classify_error, masked

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def current_revision(engine: Engine) -> str | None:
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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (one transaction per migration; a failure leaves data as it was).

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
        return
    try:
        command.upgrade(alembic_config(engine), revision)
    except exc.DBAPIError as err:
        raise classify_error(err, where) from err


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)
