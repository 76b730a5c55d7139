"""A database the app cannot use gives a clear, classified problem with the password masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from db import migrate
from db.engine import DatabaseProblem, make_engine, masked, unit_of_work
from db.workspace import create_product, list_products


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
