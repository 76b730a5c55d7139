"""Cached resources shared by every session: the database engine (schema upgraded on first use)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db import migrate
from db.engine import database_url, make_engine, unit_of_work


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    # Not cached when it raises, so a fixed database works on the next rerun.
    engine = make_engine(url)
    migrate.upgrade(engine)
    return engine


def engine() -> Engine:
    """The engine for DATABASE_URL, migrated to the newest schema. Raises DatabaseProblem."""
    return _engine_for(database_url())


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work on the app's database."""
    with unit_of_work(engine()) as session:
        yield session
