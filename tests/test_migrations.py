"""Alembic migrations build and tear down the schema on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import db.models  # noqa: F401
from db import migrate
from db.base import Base
from db.engine import DatabaseProblem, make_engine, unit_of_work
from db.workspace import create_product, list_products

TABLES = {
    "products",
    "rounds",
    "feedback",
    "surveys",
    "questions",
    "waves",
    "responses",
    "answers",
    "embeddings",
    "topic_runs",
    "topics",
    "feedback_topics",
    "rectification_items",
    "users",
    "audit_events",
    "app_settings",
    "login_throttle",
    "staff_sessions",
    "api_keys",
    "api_idempotency",
    "sampling_plans",
    "plan_strata",
    "invitations",
}


def test_empty_to_head_builds_every_table(db_url):
    engine = make_engine(db_url)
    assert migrate.schema_state(engine) == "empty"
    migrate.upgrade(engine)
    assert migrate.schema_state(engine) == "current"
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []


@pytest.mark.slow
def test_head_to_base_to_head(engine):
    migrate.downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert migrate.schema_state(engine) == "current"
    with unit_of_work(engine) as session:  # the rebuilt schema works
        create_product(session, "Tutor", "education")
    with unit_of_work(engine) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]


def test_upgrade_at_head_keeps_the_data(engine):
    with unit_of_work(engine) as session:
        create_product(session, "Tutor", "education")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]


def test_a_database_from_a_newer_version_is_refused_untouched(engine):
    with unit_of_work(engine) as session:
        create_product(session, "Tutor", "education")
        session.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(DatabaseProblem) as caught:
        migrate.upgrade(engine)
    assert caught.value.kind == "newer_schema"
    with unit_of_work(engine) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]


def test_a_database_of_another_application_is_refused_untouched(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)"))
        conn.execute(text("INSERT INTO invoices VALUES (1, 42)"))
    with pytest.raises(DatabaseProblem) as caught:
        migrate.upgrade(engine)
    assert caught.value.kind == "foreign_schema"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT total FROM invoices")).scalar_one() == 42
        assert set(inspect(conn).get_table_names()) == {"invoices"}
    engine.dispose()


def test_a_database_at_an_older_schema_is_upgraded_with_its_data(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0001")
    assert migrate.schema_state(engine) == "behind"
    with unit_of_work(engine) as session:
        create_product(session, "Tutor", "education")
    backup = migrate.upgrade(engine)  # what the app does on start
    assert migrate.schema_state(engine) == "current"
    assert {"custom_label", "merged_into"} <= {c["name"] for c in inspect(engine).get_columns("topics")}
    with unit_of_work(engine) as session:
        assert [p.name for p in list_products(session)] == ["Tutor"]
    engine.dispose()
    if engine.dialect.name == "sqlite":
        # The file as it was before the upgrade sits next to it, whole and still at the old revision.
        assert backup is not None and backup.name == "rectify.before-0001.db"
        copy = make_engine(f"sqlite:///{backup}")
        assert migrate.current_revision(copy) == "0001"
        with unit_of_work(copy) as session:
            assert [p.name for p in list_products(session)] == ["Tutor"]
        copy.dispose()
    else:
        assert backup is None  # PostgreSQL: pg_dump is the administrator's tool


def test_no_copy_is_made_of_a_new_or_current_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'rectify.db'}")
    assert migrate.upgrade(engine) is None  # empty: nothing to keep
    assert migrate.upgrade(engine) is None  # current: nothing changes
    engine.dispose()
    assert [p.name for p in tmp_path.iterdir() if ".before-" in p.name] == []
