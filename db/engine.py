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
# How long a write waits for another process's lock before it is reported as "locked" (seconds).
LOCK_WAIT_ENV = "RECTIFY_LOCK_WAIT_S"
LOCK_WAIT_S = 10.0


class DatabaseProblem(Exception):
    """A database the app cannot use; `kind` picks the message shown to the user.

    Kinds: bad_url, bad_port, unreachable, corrupt, read_only, locked, disk_full, newer_schema, foreign_schema, failed.
    "locked": another process held the write lock longer than the engine waits. `where` is the URL
    with its password masked, safe to show.
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


def _sqlite_setup(lock_wait_s: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        # SQLite's busy handler retries a held lock until this runs out, then says "database is locked".
        cur.execute(f"PRAGMA busy_timeout={int(lock_wait_s * 1000)}")
        # A read-only file cannot switch journal mode; reads still work.
        with contextlib.suppress(sqlite3.OperationalError):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    return on_connect


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600), unless it exists.

    SQLite gives its -wal and -shm files the database file's mode, so they are private too.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def lock_wait() -> float:
    """Seconds a write waits for a lock: RECTIFY_LOCK_WAIT_S, else LOCK_WAIT_S.

    Raises:
        DatabaseProblem: kind "bad_url" when the variable is not a positive number.
    """
    configured = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not configured:
        return LOCK_WAIT_S
    try:
        seconds = float(configured)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 3600:
        raise DatabaseProblem("bad_url", f"{LOCK_WAIT_ENV}={configured}", "not a number of seconds")
    return seconds


def make_engine(url: str | None = None, *, lock_wait_s: float | None = None) -> Engine:
    """Create an engine for `url` (or DATABASE_URL); SQLite gets WAL, foreign keys and a busy timeout.

    A write waits up to `lock_wait_s` (default: :func:`lock_wait`) for a lock another process holds
    (SQLite's busy timeout, PostgreSQL's lock_timeout), then fails as DatabaseProblem "locked"
    instead of hanging.

    Raises:
        DatabaseProblem: kind "bad_url" when the URL cannot be parsed or its driver is unknown,
            "bad_port" when its port is not a number from 1 to 65535.
    """
    url = url or database_url()
    if lock_wait_s is None:
        lock_wait_s = lock_wait()
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
                create_private_file(Path(db_path))
            engine = create_engine(parsed, connect_args={"timeout": lock_wait_s})
            event.listen(engine, "connect", _sqlite_setup(lock_wait_s))
        else:
            options = f"-c lock_timeout={int(lock_wait_s * 1000)}"
            engine = create_engine(
                parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5, "options": options}
            )
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


# SQLite's SQLITE_FULL and PostgreSQL's disk_full (53100) / a failed file extension.
_DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file")
# SQLite's SQLITE_BUSY after the busy timeout; PostgreSQL's lock_not_available (55P03) after lock_timeout.
_LOCKED = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock")


def classify_error(err: BaseException, where: str) -> DatabaseProblem:
    """Map a driver error to a DatabaseProblem kind the UI can explain."""
    message = str(getattr(err, "orig", err)).lower()
    if "not a database" in message or "malformed" in message or "file is encrypted" in message:
        return DatabaseProblem("corrupt", where, message)
    if any(marker in message for marker in _DISK_FULL):
        return DatabaseProblem("disk_full", where, message)
    if any(marker in message for marker in _LOCKED):
        return DatabaseProblem("locked", where, message)
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


# Failures a second try can cure: a held lock, PostgreSQL's deadlock and serialization errors.
_TRANSIENT = (*_LOCKED, "deadlock detected", "could not serialize")


def retrying(
    engine: Engine, work: Callable[[Session], T], attempts: int = 8, *, retry_conflicts: bool = True
) -> T:
    """Run `work(session)` as one transaction, again from the start when it lost a race.

    Lost races: a unique key taken by a concurrent submission (IntegrityError, unless
    `retry_conflicts` is False; the next try sees the row and takes the duplicate or replace path),
    a lock held past the engine's lock wait, and a PostgreSQL deadlock. Anything else, validation
    errors included, is raised at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine) as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts or not retry_conflicts:
                raise
        except DatabaseProblem as problem:
            if attempt == attempts or not any(marker in problem.detail for marker in _TRANSIENT):
                raise
        # Jitter, so threads that collided do not retry in step.
        time.sleep(min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")
