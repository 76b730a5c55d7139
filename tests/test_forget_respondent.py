"""Forgetting a respondent leaves nothing of them anywhere: not in any column of any table, not in
the topics their words named, not in the SQLite file or its -wal file, not in PostgreSQL's pages.

Runs the real analysis (encoder, categories, topics) on a small product, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text

from analytics.pseudonym import pseudonymise
from db.engine import unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.items import NewItem, attach_evidence, open_item
from db.models import Embedding, Round, Topic, TopicRun
from db.settings import respondent_key_secret
from db.surveys import add_response, create_survey_from_template, open_wave
from db.topic_runs import latest_run, merge_topics
from db.workspace import create_product, create_round
from services.item_evidence import measure_topic_evidence
from services.pain_points import analyse_scope
from services.respondents import TOUCHED_TABLES, forget_respondent_everywhere, respondent_keys
from tests.test_reclaim import reclaimed

pytestmark = pytest.mark.slow  # the real encoder

TOKEN = "zqxjvw"  # a word nobody else writes: anything still holding it came from the respondent
RAW_KEY = "MEMBER-77341"
# Other people's feedback: three themes, so the respondent's items share topics with others'.
OTHERS = [
    "the answers are too slow to arrive",
    "answers arrive far too slowly every time",
    "it takes ages for the answer to show up",
    "the dosage it recommended was wrong",
    "it recommended the wrong dosage for ibuprofen",
    "wrong dosage recommended for my child",
    "the login screen keeps rejecting my password",
    "cannot log in, password rejected again",
]
THEIRS = [
    f"the answers are too slow, {TOKEN} waited a minute",  # joins the slow-answers topic
    f"{TOKEN}, {TOKEN}!",  # a topic of its own, named by the token
]


@pytest.fixture(scope="module")
def encoder():
    from analytics.embeddings import load_encoder

    return load_encoder("use-multilingual")


def _seed(engine: Engine) -> tuple[int, str]:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        round_id = create_round(session, product.id, "Round 1").id
        key = pseudonymise(RAW_KEY, respondent_key_secret(session))
        items = [FeedbackIn(product.id, "in_app", t, at, round_id=round_id) for t in OTHERS]
        items += [
            FeedbackIn(product.id, "in_app", t, at, round_id=round_id, respondent_key=key) for t in THEIRS
        ]
        store_feedback(session, items)
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        wave = open_wave(session, survey.id, round_id, "baseline", "Before")
        add_response(session, wave.id, key, {"accuracy": 2, "comment": f"please fix {TOKEN} soon"})
        add_response(
            session, wave.id, pseudonymise("someone", respondent_key_secret(session)), {"accuracy": 4}
        )
        return product.id, key


def _holders(engine: Engine, needles: list[str]) -> list[str]:
    """table.column of every value, in every table, whose text contains one of the needles."""
    found = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for column, value in zip(columns, row, strict=True):
                    shown = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    found += [f"{table}.{column}" for n in needles if n.lower() in shown.lower()]
    return found


def _raw_hits(engine: Engine, needles: list[str]) -> list[str]:
    """Where the needles' bytes still lie in the database's files (deleted rows included)."""
    hits = []
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        for file in (path, path.with_name(path.name + "-wal")):
            data = file.read_bytes() if file.exists() else b""
            hits += [f"{file.name}:{n}" for n in needles if n.encode() in data]
        return hits
    # Every page of every table, index and TOAST table of ours, read raw (pageinspect).
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        relations = conn.execute(
            text(
                "SELECT c.oid::regclass::text, pg_relation_size(c.oid) / 8192 FROM pg_class c "
                "WHERE c.relkind IN ('r', 'i', 't') AND c.relpersistence = 'p' AND c.relam <> 0 "
                "AND (c.relnamespace = 'public'::regnamespace OR c.oid IN "
                "(SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace))"
            )
        ).all()
        for name, pages in relations:
            for needle in needles:
                found = conn.execute(
                    text(
                        "SELECT count(*) FROM generate_series(0, :last) AS b "
                        "WHERE position(CAST(:needle AS bytea) IN get_raw_page(:rel, b::int)) > 0"
                    ),
                    {"last": int(pages) - 1, "needle": needle, "rel": name},
                ).scalar()
                hits += [f"{name}:{needle}"] if found else []
        stats = conn.execute(text("SELECT * FROM pg_stats WHERE schemaname = 'public'")).all()
        hits += [f"pg_stats:{n}" for n in needles for row in stats if n in str(row)]
        conn.commit()
    return hits


def test_forgetting_a_respondent_leaves_nothing_of_them_in_any_table_or_file(engine, encoder):
    product_id, key = _seed(engine)
    analyse_scope(engine, product_id, None, encoder, seed=42)
    with unit_of_work(engine) as session:
        before = latest_run(session, product_id)
        embedded_before = len(list(session.scalars(select(Embedding.id))))
    assert before is not None
    # The analysis did take up their words: a topic is named by the token.
    assert any(TOKEN in kw for kws in before.topics["keywords"] for kw in kws)
    # An item opened on the topic their words name, with a measurement that quotes its name.
    theirs = before.topics[before.topics["label"].str.contains(TOKEN)].iloc[0]
    with unit_of_work(engine) as session:
        round_id = session.scalars(select(Round.id).where(Round.product_id == product_id)).one()
        item = open_item(session, round_id, NewItem("Fix it", topic_key=str(theirs["key"])), "ada")
        measured = measure_topic_evidence(
            session, item.id, start=date(2026, 11, 1), fix=date(2026, 11, 2), end=date(2026, 11, 3)
        )
        attach_evidence(session, item.id, measured, "ada")
    assert "rectification_items.evidence" in _holders(engine, [TOKEN])
    needles = [TOKEN, key, RAW_KEY]

    with unit_of_work(engine) as session:
        keys = respondent_keys(session, RAW_KEY)
    forgotten = forget_respondent_everywhere(engine, keys, actor="ada")

    assert (forgotten.feedback, forgotten.responses) == (2, 1)
    assert forgotten.embeddings == 2 and forgotten.topics_dropped >= 1
    assert forgotten.files_rewritten or reclaimed(engine, list(TOUCHED_TABLES))  # see reclaimed()
    assert _holders(engine, needles) == []
    assert _raw_hits(engine, needles) == []
    with unit_of_work(engine) as session:
        after = latest_run(session, product_id)
        assert after is not None
        assert len(list(session.scalars(select(Embedding.id)))) == embedded_before - 2  # theirs only
        run = session.get(TopicRun, after.run_id)
        assert run is not None and run.n_docs == len(OTHERS)
        # Every remaining topic is described by the remaining items: sizes add up to what is left.
        assert int(after.topics["size"].sum()) + int((after.assignments["topic"] == -1).sum()) == len(OTHERS)
        slow = after.topics[after.topics["keywords"].map(lambda k: "slow" in k or "answers" in k)]
        assert len(slow) == 1  # the topic they shared with others stays, named by the others' words
        assert all(t.keywords for t in session.scalars(select(Topic).where(Topic.merged_into.is_(None))))


def test_a_merged_topic_and_an_older_run_lose_their_words_too(engine, encoder):
    """Their topic merged by an analyst into one others share, then a second analysis: both runs held
    their items, and the merged topic keeps its row (so later runs honour the merge) without their words."""
    product_id, key = _seed(engine)
    analyse_scope(engine, product_id, None, encoder, seed=42)
    with unit_of_work(engine) as session:
        first = latest_run(session, product_id)
        assert first is not None
        theirs = str(first.topics[first.topics["label"].str.contains(TOKEN)].iloc[0]["key"])
        shared = first.topics[first.topics["keywords"].map(lambda k: "slow" in k or "answers" in k)]
        survivor = str(shared.iloc[0]["key"])
        merge_topics(session, first.run_id, survivor, [theirs])
    analyse_scope(engine, product_id, None, encoder, seed=42)
    with unit_of_work(engine) as session:
        assert len(list(session.scalars(select(TopicRun.id)))) == 2
        keys = respondent_keys(session, RAW_KEY)

    forgotten = forget_respondent_everywhere(engine, keys, actor="ada")

    assert (forgotten.feedback, forgotten.responses) == (2, 1)
    assert forgotten.files_rewritten or reclaimed(engine, list(TOUCHED_TABLES))
    assert _holders(engine, [TOKEN, key, RAW_KEY]) == []
    assert _raw_hits(engine, [TOKEN, key, RAW_KEY]) == []
    with unit_of_work(engine) as session:
        merged = session.scalars(
            select(Topic).where(Topic.run_id == first.run_id, Topic.key == theirs)
        ).one()  # the merge is still recorded
        assert merged.merged_into == survivor
        for run_id in session.scalars(select(TopicRun.id)):
            run = session.get(TopicRun, run_id)
            assert run is not None and run.n_docs == len(OTHERS)
