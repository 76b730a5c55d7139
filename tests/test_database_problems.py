"""A database the app cannot use gives a clear, classified problem with the password masked."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from db import migrate
from db.engine import DatabaseProblem, make_engine, masked, retrying, unit_of_work
from db.workspace import create_product, list_products
from ui.i18n import t_in


def test_malformed_url_is_a_bad_url():
    with pytest.raises(DatabaseProblem) as caught:
        make_engine("not a url at all")
    assert caught.value.kind == "bad_url"


def test_unknown_driver_is_a_bad_url():
    with pytest.raises(DatabaseProblem) as caught:
        make_engine("nosuchdb://user:secret@host/db")
    assert caught.value.kind == "bad_url"
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:s3cret@host:99999999/db",
        "postgresql://u:s3cret@host:abc/db",
        "postgresql://u:s3cret@127.0.0.1:0/db",
        "postgresql://u:s3cret@127.0.0.1:-5/db",
    ],
)
def test_a_port_out_of_range_or_not_a_number_is_named_before_connecting(url):
    with pytest.raises(DatabaseProblem) as caught:
        make_engine(url)
    assert caught.value.kind == "bad_port"
    assert "s3cret" not in str(caught.value) and "s3cret" not in caught.value.where


def test_a_port_in_range_is_accepted():
    assert make_engine("postgresql://u@127.0.0.1:65535/db").url.port == 65535


def test_unreachable_server_is_reported_with_the_password_masked():
    engine = make_engine("postgresql://rectify:s3cret@127.0.0.1:1/rectify")
    with pytest.raises(DatabaseProblem) as caught:
        migrate.upgrade(engine)
    assert caught.value.kind == "unreachable"
    assert "s3cret" not in caught.value.where
    assert "***" in caught.value.where


def test_masked_hides_passwords_even_in_unparseable_urls():
    assert "pw" not in masked("postgresql://u:pw@h/db")
    assert "pw" not in masked("::bad::u:pw@h")


def test_corrupt_sqlite_file_is_reported_and_left_as_it_was(tmp_path: Path):
    path = tmp_path / "rectify.db"
    junk = b"this is not a database, it is a shopping list\n" * 200
    path.write_bytes(junk)
    with pytest.raises(DatabaseProblem) as caught:
        migrate.upgrade(make_engine(f"sqlite:///{path}"))
    assert caught.value.kind == "corrupt"
    assert path.read_bytes() == junk


def test_read_only_sqlite_via_uri_mode(tmp_path: Path):
    """A read-only database (opened read-only, as file modes are ignored for root)."""
    path = tmp_path / "rectify.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        create_product(session, "Tutor", "education")
    engine.dispose()
    readonly = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    migrate.upgrade(readonly)
    with pytest.raises(DatabaseProblem) as caught, unit_of_work(readonly) as session:
        create_product(session, "Banker", "finance")
    assert caught.value.kind == "read_only"
    with unit_of_work(engine) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]


# --------------------------------------------------------------------------------------------------
# A held lock and a full disk say what happened (not "Cannot reach the database")
# --------------------------------------------------------------------------------------------------


def _hold_write_lock(db_url: str):
    """A second, real connection that takes the write lock and keeps it until closed."""
    holder = make_engine(db_url).connect()
    if holder.dialect.name == "sqlite":
        holder.exec_driver_sql("BEGIN IMMEDIATE")  # SQLite's one writer lock, for the whole file
    else:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
    return holder


def test_a_held_write_lock_is_reported_as_locked_after_waiting(db_url):
    engine = make_engine(db_url, lock_wait_s=0.5)
    migrate.upgrade(engine)
    holder = _hold_write_lock(db_url)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseProblem) as caught:
            retrying(engine, lambda s: create_product(s, "Tutor", "education"), 3, retry_conflicts=False)
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert caught.value.kind == "locked"
    assert waited >= 3 * 0.5  # every try waited for the lock before giving up
    assert "try again" in t_in("en", f"db.{caught.value.kind}", where=caught.value.where)
    assert "重试" in t_in("zh", f"db.{caught.value.kind}", where=caught.value.where)
    with unit_of_work(engine) as session:
        assert list_products(session) == []
        create_product(session, "Tutor", "education")  # the lock is gone: the same write works
    engine.dispose()


def test_a_lock_released_while_we_wait_lets_the_staff_write_through(db_url):
    engine = make_engine(db_url, lock_wait_s=0.5)
    migrate.upgrade(engine)
    holder = _hold_write_lock(db_url)
    releaser = threading.Timer(0.8, lambda: (holder.rollback(), holder.close()))
    releaser.start()
    try:
        product = retrying(
            engine, lambda s: create_product(s, "Tutor", "education").name, 5, retry_conflicts=False
        )
    finally:
        releaser.join()
    assert product == "Tutor"
    with unit_of_work(engine) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]
    engine.dispose()


def test_a_full_disk_is_reported_as_disk_full_and_nothing_is_half_written(tmp_path: Path):
    """SQLite's real SQLITE_FULL error, raised by capping the file's size with PRAGMA max_page_count.

    No small loop or tmpfs file system can be mounted here, so the cap stands in for the disk's end:
    SQLite reports it with the same error code and message as a full disk.
    """
    path = tmp_path / "rectify.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        create_product(session, "Tutor", "education")
    engine.dispose()
    full = make_engine(f"sqlite:///{path}")

    @event.listens_for(full, "connect")
    def _cap(dbapi_conn, _record):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    with pytest.raises(DatabaseProblem) as caught, unit_of_work(full) as session:
        for n in range(2000):
            create_product(session, f"Product {n} " + "x" * 100, "education")
            session.flush()
    assert caught.value.kind == "disk_full"
    assert "full" in t_in("en", "db.disk_full", where=caught.value.where)
    with unit_of_work(full) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]
    full.dispose()
