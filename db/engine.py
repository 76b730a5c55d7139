"""Engine and session factory from DATABASE_URL, and checks that turn database trouble into a message.

The checks raise DatabaseProblem with a clear message instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, exc, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///data/rectify.db"
MAX_PORT = 65535


class DatabaseProblem(Exception):
    """A database the app cannot use; `kind` picks the message shown to the user.

    Kinds: bad_url, bad_port, unreachable, corrupt, read_only, newer_schema, foreign_schema, failed.
    `where` is the URL with its password masked, safe to show.
    """

    def __init__(self, kind: str, where: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {where} {detail}".strip())
        self.kind = kind
        self.where = where
        self.detail = detail


def database_url() -> str:
    """The configured database URL (`DATABASE_URL`), SQLite in ./data by default."""
    return os.environ.get("DATABASE_URL", "").strip() or DEFAULT_URL


def masked(url: str | URL) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        # Unparseable: show at most the scheme, the rest may hold a password.
        scheme, sep, _ = str(url).partition("://")
        return f"{scheme}://***" if sep and scheme.replace("+", "").isalnum() else "***"


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # A read-only file cannot switch journal mode; reads still work.
    with contextlib.suppress(sqlite3.OperationalError):
        cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for `url` (or DATABASE_URL); SQLite gets WAL, foreign keys and a busy timeout.

    Raises:
        DatabaseProblem: kind "bad_url" when the URL cannot be parsed or its driver is unknown,
            "bad_port" when its port is not a number from 1 to 65535.
    """
    url = url or database_url()
    try:
        parsed = make_url(url)
    except ValueError as err:  # make_url reads the port with int(): "host:abc" lands here
        raise DatabaseProblem("bad_port", masked(url), type(err).__name__) from err
    except exc.ArgumentError as err:
        raise DatabaseProblem("bad_url", masked(url), type(err).__name__) from err
    # The driver would only say "connection is bad" (or look up the host first) on every page load.
    if parsed.port is not None and not 1 <= parsed.port <= MAX_PORT:
        raise DatabaseProblem("bad_port", masked(url), str(parsed.port))
    try:
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what we ship
        if parsed.get_backend_name() == "sqlite":
            db_path = parsed.database
            if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 10})
            event.listen(engine, "connect", _on_sqlite_connect)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    except (exc.ArgumentError, exc.NoSuchModuleError, ValueError, ImportError, OSError) as err:
        raise DatabaseProblem("bad_url", masked(url), type(err).__name__) from err
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine` whose objects stay readable after commit (expire_on_commit=False)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commits on success, rolls back everything on any error.

    Raises:
        DatabaseProblem: the database failed (unreachable, read-only, corrupt); constraint
            violations (IntegrityError) pass through for the caller to handle.
    """
    try:
        with session_factory(engine).begin() as session:
            yield session
    except exc.IntegrityError:
        raise
    except exc.DBAPIError as err:
        raise classify_error(err, masked(engine.url)) from err


def classify_error(err: BaseException, where: str) -> DatabaseProblem:
    """Map a driver error to a DatabaseProblem kind the UI can explain."""
    message = str(getattr(err, "orig", err)).lower()
    if "not a database" in message or "malformed" in message or "file is encrypted" in message:
        return DatabaseProblem("corrupt", where, message)
    if "readonly" in message or "read-only" in message or "read only" in message:
        return DatabaseProblem("read_only", where, message)
    if isinstance(err, exc.OperationalError | exc.InterfaceError) or "connect" in message:
        return DatabaseProblem("unreachable", where, message)
    return DatabaseProblem("failed", where, message)


def check_connection(engine: Engine) -> None:
    """Open one connection and read the schema, so a bad database fails here, clearly."""
    where = masked(engine.url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            inspect(conn).get_table_names()
    except exc.DBAPIError as err:
        raise classify_error(err, where) from err


T = TypeVar("T")


# Failures a second try can cure: SQLite's writer lock, PostgreSQL's deadlock and serialization errors.
_TRANSIENT = ("database is locked", "database table is locked", "deadlock detected", "could not serialize")


def retrying(engine: Engine, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run `work(session)` as one transaction, again from the start when it lost a race.

    Lost races: a unique key taken by a concurrent submission (IntegrityError; the next try sees the
    row and takes the duplicate or replace path) and a locked SQLite file or a PostgreSQL deadlock.
    Anything else, validation errors included, is raised at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine) as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts:
                raise
        except DatabaseProblem as problem:
            if attempt == attempts or not any(marker in problem.detail for marker in _TRANSIENT):
                raise
        # Jitter, so threads that collided do not retry in step.
        time.sleep(min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")
