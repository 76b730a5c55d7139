"""The pseudonym secret lives outside the database (0600 file or variable), the SQLite files are
private (0600), an older version's in-database secret moves out unchanged on upgrade, and a secret
that changed is reported to admins and on the command line instead of breaking pairing silently."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from analytics.pseudonym import pseudonymise
from db import migrate
from db.engine import make_engine, unit_of_work
from db.feedback import count_respondent
from db.models import AppSetting, AuditEvent
from db.settings import (
    LEGACY_SECRET_SETTING,
    SECRET_ENV,
    accept_secret,
    check_secret,
    respondent_key_secret,
    secret_file,
    secret_warning,
)
from db.surveys import add_response, create_survey_from_template, open_wave
from db.workspace import create_product, create_round
from services.respondents import respondent_keys
from tests.apphelpers import PASSWORD, log_in, open_app, texts


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _everything_stored(engine) -> str:
    with engine.connect() as conn:
        return " ".join(
            str(row)
            for table in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )


def _respond(engine, raw_key: str) -> None:
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        round_id = create_round(session, product.id, "Round 1").id
        wave = open_wave(
            session, create_survey_from_template(session, product.id, "S").id, round_id, "baseline", "B"
        )
        add_response(session, wave.id, pseudonymise(raw_key, respondent_key_secret(session)), {"accuracy": 4})


def test_a_new_sqlite_database_and_its_secret_file_are_private_and_apart(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "data" / "rectify.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    _respond(engine, "C-1")
    secret_path = tmp_path / "data" / "rectify.secret"
    secret = secret_path.read_text().strip()
    assert len(secret) == 64
    assert _mode(secret_path) == 0o600
    assert _mode(path) == 0o600
    assert _mode(path.with_name("rectify.db-wal")) == 0o600  # SQLite gives it the database's mode
    assert secret not in _everything_stored(engine)
    for file in (path, path.with_name("rectify.db-wal")):
        assert secret.encode() not in file.read_bytes()
    with unit_of_work(engine) as session:
        assert not check_secret(session).changed
        assert count_respondent(session, respondent_keys(session, "C-1")).responses == 1
    engine.dispose()


def test_an_older_in_database_secret_moves_out_unchanged_on_upgrade(db_url, tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("RECTIFY_SECRET_FILE", str(tmp_path / "conf" / "rectify.secret"))
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    old_secret = "9f" * 32
    with unit_of_work(engine) as session:  # what an older version stored
        session.add(AppSetting(key=LEGACY_SECRET_SETTING, value=old_secret))
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        round_id = create_round(session, product.id, "Round 1").id
        wave = open_wave(
            session, create_survey_from_template(session, product.id, "S").id, round_id, "baseline", "B"
        )
        add_response(session, wave.id, pseudonymise("C-1", old_secret.encode()), {"accuracy": 4})

    migrate.upgrade(engine)  # the app's start

    moved = tmp_path / "conf" / "rectify.secret"
    assert moved.read_text().strip() == old_secret and _mode(moved) == 0o600
    assert old_secret not in _everything_stored(engine)
    if engine.dialect.name == "sqlite":  # nor in free pages or the write-ahead log
        database = Path(str(engine.url.database))
        for file in (database, database.with_name(database.name + "-wal")):
            assert old_secret.encode() not in (file.read_bytes() if file.exists() else b"")
    with unit_of_work(engine) as session:
        assert not check_secret(session).changed
        # Pairing and deletion by customer id keep finding the respondent.
        assert count_respondent(session, respondent_keys(session, "C-1")).responses == 1
    engine.dispose()


def test_a_changed_secret_is_reported_and_can_be_accepted(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("RECTIFY_SECRET_FILE", str(tmp_path / "rectify.secret"))
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    _respond(engine, "C-1")
    assert secret_warning(engine) is None

    (tmp_path / "rectify.secret").unlink()  # the file was lost: a new secret is made on next use
    with unit_of_work(engine) as session:
        check = check_secret(session)
        assert check.changed and check.source == str(tmp_path / "rectify.secret")
        assert count_respondent(session, respondent_keys(session, "C-1")).responses == 0  # what it breaks
    warning = secret_warning(engine)
    assert warning is not None and "not the one this database's respondents were keyed with" in warning

    with unit_of_work(engine) as session:
        accept_secret(session, "ada")
    with unit_of_work(engine) as session:
        assert not check_secret(session).changed
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "secret.accept")).one()
        assert event.actor == "ada"
    engine.dispose()


def test_a_changed_variable_is_reported_too(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "first secret")
    engine = make_engine(f"sqlite:///{tmp_path / 'rectify.db'}")
    migrate.upgrade(engine)
    _respond(engine, "C-1")
    assert not (tmp_path / "rectify.secret").exists()  # the variable is the secret: no file is made
    monkeypatch.setenv(SECRET_ENV, "second secret")
    with unit_of_work(engine) as session:
        check = check_secret(session)
    assert check.changed and check.source == SECRET_ENV
    engine.dispose()


def test_the_default_file_of_a_server_database_is_in_the_config_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("RECTIFY_SECRET_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    url = make_engine("postgresql://u@127.0.0.1/rectify").url
    assert secret_file(url) == tmp_path / "rectify" / "secret"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "The secret for respondent keys differs from the one this database was used with"),
        ("zh", "受访者标识的密钥与此数据库之前使用的不同"),
    ],
)
def test_an_admin_is_warned_in_the_app_when_the_secret_changed(tmp_path, monkeypatch, lang, expected):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv("RECTIFY_SECRET_FILE", raising=False)
    db_url = f"sqlite:///{tmp_path / 'rectify.db'}"
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    _respond(engine, "C-1")
    with unit_of_work(engine) as session:
        from db.users import create_user

        create_user(session, "ada", PASSWORD, "admin", actor="test")
    at = log_in(open_app(monkeypatch, db_url, lang), "ada")
    assert expected not in texts(at)
    (tmp_path / "rectify.secret").write_text("a different secret\n")
    at = log_in(open_app(monkeypatch, db_url, lang), "ada")
    assert not at.exception
    assert expected in texts(at)
    assert str(tmp_path / "rectify.secret") in texts(at)
    engine.dispose()


def test_the_first_submissions_made_together_all_get_the_one_secret(tmp_path, monkeypatch):
    # The secret file is made by the first pseudonym. Made with O_EXCL and then written, a second
    # thread could read it empty in between ("the secret file is empty": a respondent's answer lost).
    monkeypatch.delenv("RECTIFY_SECRET_KEY", raising=False)
    for attempt in range(15):
        engine = make_engine(f"sqlite:///{tmp_path / f'rectify{attempt}.db'}")
        migrate.upgrade(engine)
        start = threading.Barrier(12)

        def first_pseudonym(engine=engine, start=start) -> bytes:  # this attempt's own
            start.wait()
            with unit_of_work(engine) as session:
                return respondent_key_secret(session)

        with ThreadPoolExecutor(12) as pool:
            secrets_seen = [f.result() for f in [pool.submit(first_pseudonym) for _ in range(12)]]
        engine.dispose()
        assert len(set(secrets_seen)) == 1
        assert _mode(tmp_path / f"rectify{attempt}.secret") == 0o600
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
