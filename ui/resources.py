"""Cached resources shared by every session: the database engine and the sentence encoders.

The engine's schema is upgraded on first use; the encoders are one per server process, never mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from analytics.embeddings import load_encoder
from db import migrate
from db.engine import DatabaseProblem, database_url, make_engine, retrying, unit_of_work
from ui.i18n import t


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    # Not cached when it raises, so a fixed database works on the next rerun.
    engine = make_engine(url)
    migrate.upgrade(engine)
    return engine


def engine() -> Engine:
    """The engine for DATABASE_URL, migrated to the newest schema. Raises DatabaseProblem."""
    return _engine_for(database_url())


def show_database_problem(problem: DatabaseProblem) -> None:
    """The problem in the user's language, with the password masked; never a traceback."""
    st.error(t(f"db.{problem.kind}", where=problem.where))
    st.caption(t("db.help"))


encoder_for = st.cache_resource(show_spinner=False)(load_encoder)


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work on the app's database; a database failure stops the page with a clear message.

    The transaction is rolled back on failure, so nothing is half-written.
    """
    try:
        with unit_of_work(engine()) as session:
            yield session
    except DatabaseProblem as problem:
        show_database_problem(problem)
        st.stop()


T = TypeVar("T")
STAFF_WRITE_ATTEMPTS = 2  # each waits the lock wait (10 s by default): a user waits at most ~20 s


def write(work: Callable[[Session], T]) -> T:
    """Run a staff change as one transaction, tried again briefly when another process held the lock.

    Each try waits for the lock (the engine's lock wait) before it fails; after the last, the page
    stops with the problem in the user's language ("locked": try again) and nothing is half-written.
    """
    try:
        return retrying(engine(), work, attempts=STAFF_WRITE_ATTEMPTS, retry_conflicts=False)
    except DatabaseProblem as problem:
        show_database_problem(problem)
        st.stop()
