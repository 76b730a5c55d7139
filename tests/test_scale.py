"""Past one machine: the stratified sample, fit-and-place, Dask workers, the batch job and the page.

The engine runs in local mode with 2 workers: threads of the test process for most tests (models
load once), worker processes for the command line. Texts are the English and Chinese samples in
tests/data; the encoder is the real multilingual USE.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from analytics.corpus_sample import strata_of, stratified_sample
from analytics.embeddings import load_encoder
from analytics.hashing import content_hash
from analytics.sample_fit import centroid_matrix, fit_sample_and_place
from analytics.topics import fit_topics, nearest_centroids
from db import migrate
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import AuditEvent, Embedding, Feedback, TopicRun
from db.workspace import create_product, create_round
from jobs import topics as topics_job
from services import scale
from tests.apphelpers import texts as page_texts
from tests.conftest import ROOT
from ui.auth import SignedIn

DATA = ROOT / "tests" / "data"
PAGE = str(ROOT / "views" / "pain_points.py")
CHANNELS = ("in_app", "survey_comment", "customer_service", "community")


def corpus() -> pd.DataFrame:
    """The 400 English and Chinese test texts with a channel, language and month each."""
    english = pd.read_csv(DATA / "banking77_sample.csv")
    chinese = pd.read_csv(DATA / "online_shopping_zh_negative_sample.csv")
    frame = pd.DataFrame(
        {
            "text": english["text"].astype(str).tolist() + chinese["review"].astype(str).tolist(),
            "language": ["en"] * len(english) + ["zh"] * len(chinese),
        }
    )
    n = np.arange(len(frame))
    frame["channel"] = [CHANNELS[i % 4] for i in n]
    frame["created_at"] = [datetime(2026, 1 + (i * 7) % 6, 3, tzinfo=UTC) for i in n]
    return frame


def stored_product(url: str, name: str = "Assistant") -> tuple[int, int]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    frame = corpus()
    with unit_of_work(engine) as session:
        product = create_product(session, name, "finance")
        round_id = create_round(session, product.id, "Round 1").id
        items = [
            FeedbackIn(
                product_id=product.id,
                channel=row.channel,
                text=row.text,
                created_at=row.created_at,
                language=row.language,
                round_id=round_id,
            )
            for row in frame.itertuples()
        ]
        store_feedback(session, items)
        product_id = product.id
    engine.dispose()
    return product_id, round_id


# --------------------------------------------------------------------------------------------------
# The sample and the placement (pure)


def test_the_stratified_sample_covers_every_channel_language_and_month_in_proportion():
    rng = np.random.default_rng(0)
    n = 20_000
    created = pd.Series(
        pd.to_datetime([datetime(2026, 1 + int(m), 5, tzinfo=UTC) for m in rng.integers(0, 6, n)])
    )
    channel = pd.Series(rng.choice(["in_app", "survey_comment", "community"], n, p=[0.9, 0.0995, 0.0005]))
    language = pd.Series(rng.choice(["zh", "en", None], n, p=[0.7, 0.299, 0.001]))
    strata = strata_of(channel, language, created)
    rows = stratified_sample(strata, 500, seed=7)
    assert len(rows) >= 500 and len(set(rows.tolist())) == len(rows)
    every = set(map(tuple, strata.drop_duplicates().to_numpy().tolist()))
    drawn = set(map(tuple, strata.iloc[rows].drop_duplicates().to_numpy().tolist()))
    assert drawn == every  # the 10 community items and the undetected languages are in the sample
    share = strata.iloc[rows]["channel"].value_counts(normalize=True)
    assert abs(share["in_app"] - 0.9) < 0.05
    assert np.array_equal(rows, stratified_sample(strata, 500, seed=7))  # seeded
    assert len(stratified_sample(strata.head(300), 500)) == 300  # a small corpus is taken whole


@pytest.mark.slow
def test_placed_items_join_their_nearest_fitted_topic_and_agree_with_a_full_fit():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, 32)).astype(np.float32)
    truth = rng.integers(0, 6, 3000)
    vectors = centres[truth] + 0.25 * rng.normal(size=(3000, 32)).astype(np.float32)
    words = [f"word{t} other{t} note{i}" for i, t in enumerate(truth)]
    strata = pd.DataFrame(
        {"channel": [CHANNELS[i % 4] for i in range(3000)], "language": "en", "month": "2026-01"}
    )
    rows = stratified_sample(strata, 600, seed=1)
    placed = fit_sample_and_place(words, vectors, rows, seed=1)
    full = fit_topics(words, vectors, seed=1)
    assert placed.params["sample_docs"] == 600 and placed.params["method"] == "sample-umap-hdbscan"
    labels = placed.documents["topic"].to_numpy()
    assert adjusted_rand_score(full.documents["topic"], labels) > 0.95
    assert adjusted_rand_score(truth, labels) > 0.95
    assert placed.outlier_share <= 0.05
    rest = np.setdiff1d(np.arange(3000), rows)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    best, _ = nearest_centroids(unit[rest], centroid_matrix(placed))
    joined = labels[rest] >= 0
    assert np.array_equal(labels[rest][joined], placed.topics["topic"].to_numpy()[best[joined]])
    assert placed.topics["size"].sum() == (labels >= 0).sum()


# --------------------------------------------------------------------------------------------------
# Dask workers on the database


_FAILED: set[str] = set()  # the first hash of each chunk whose task has died once
_LOCK = threading.Lock()


def _dies_once_after_writing(*args: Any) -> int:
    """The real task, whose worker is lost right after its write the first time (Dask runs it again)."""
    added = scale.embed_chunk(*args)
    with _LOCK:
        first = args[3][0] not in _FAILED
        _FAILED.add(args[3][0])
    if first:
        raise OSError("worker lost after its write")
    return added


@pytest.mark.slow
def test_a_task_that_dies_after_writing_is_retried_without_duplicating_cached_vectors(db_url):
    product_id, _ = stored_product(db_url)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        frame = pd.DataFrame(
            session.execute(
                select(Feedback.text, Feedback.content_hash).where(Feedback.product_id == product_id)
            ).all(),
            columns=["text", "content_hash"],
        )
    _FAILED.clear()
    model_id = load_encoder("use-multilingual").model_id
    with scale.dask_client(2, processes=False) as client:
        stages: list[tuple[int, int]] = []
        done = scale.embed_missing(
            client,
            db_url,
            "use-multilingual",
            model_id,
            frame,
            lambda stage, d, t: stages.append((d, t)),
            task=_dies_once_after_writing,
            chunk=150,
        )
        assert len(_FAILED) == 3  # every chunk died once and was run again
        again = scale.embed_missing(client, db_url, "use-multilingual", model_id, frame)
    unique = frame["content_hash"].nunique()
    assert done == unique and again == 0
    assert stages[0] == (0, unique) and stages[-1] == (unique, unique)
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Embedding.content_hash, func.count()).group_by(Embedding.content_hash)
        ).all()
    engine.dispose()
    assert len(rows) == unique and {n for _, n in rows} == {1}


@pytest.mark.slow
def test_the_batch_job_fits_a_sample_places_the_rest_and_stores_a_run_the_page_opens(db_url, monkeypatch):
    product_id, round_id = stored_product(db_url)
    monkeypatch.setenv("RECTIFY_SCALE_THRESHOLD", "300")
    summary = topics_job.run(db_url, product_id, round_id, workers=2, sample=150, processes=False)
    assert summary.items == 400 and summary.method == "sample-umap-hdbscan" and summary.topics >= 2
    assert summary.outlier_share <= 0.05
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        run = session.get(TopicRun, summary.run_id)
        assert run is not None and run.round_id == round_id and run.n_docs == 400
        assert run.params["sample_docs"] == 150
        uncategorised = session.scalar(select(func.count()).where(Feedback.category.is_(None)))
        audit = session.scalars(select(AuditEvent.action)).all()
    engine.dispose()
    assert uncategorised == 0 and "topics.analyse" in audit
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = "en"
    at.session_state["auth_user"] = SignedIn(1, "ada", "admin")
    at.session_state["workspace_product_id"] = product_id
    at.session_state["workspace_round_id"] = round_id
    at.run()
    assert not at.exception, at.exception
    shown = page_texts(at)
    assert "Topics were fitted on a stratified sample of 150 items" in shown
    assert len(at.dataframe[0].value) == summary.topics  # the ranking of the stored run


@pytest.mark.slow
def test_the_command_line_on_worker_processes_stores_a_whole_fit_below_the_threshold(tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    product_id, _ = stored_product(url, "Tutor")
    command = [sys.executable, "-m", "jobs.topics", "--product", "Tutor", "--workers", "2"]
    done = subprocess.run([*command, "--database-url", url], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "embed 0/400" in done.stderr and "stored run" in done.stderr  # progress per stage
    # The local cluster's own chatter (Dask logs at INFO once imported) does not bury the progress.
    assert "Scheduler closing" not in done.stderr and "Nanny" not in done.stderr, done.stderr[-2000:]
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        run = session.scalars(select(TopicRun).where(TopicRun.product_id == product_id)).one()
        cached = session.scalar(select(func.count()).select_from(Embedding))
    engine.dispose()
    assert run.params["method"] == "umap-hdbscan" and "sample_docs" not in run.params  # as the page fits
    assert cached == len({content_hash(t) for t in corpus()["text"]})


def test_the_command_line_names_an_unknown_product_in_one_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    stored_product(url, "Tutor")
    assert topics_job.main(["--product", "Tutr", "--database-url", url]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line.lower()]
    assert errors == ["error: no product named 'Tutr'; there are: Tutor"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_above_the_threshold_the_page_gives_the_batch_command_instead_of_waiting(tmp_path, monkeypatch, lang):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    product_id, round_id = stored_product(url, "Medi Assist")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)

    def open_page(threshold: int) -> AppTest:
        monkeypatch.setenv("RECTIFY_SCALE_THRESHOLD", str(threshold))
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["lang"] = lang
        at.session_state["auth_user"] = SignedIn(1, "ada", "admin")
        at.session_state["workspace_product_id"] = product_id
        at.session_state["workspace_round_id"] = round_id
        at.run()
        assert not at.exception, at.exception
        return at

    at = open_page(400)
    assert [c.value for c in at.code] == ["python -m jobs.topics --product 'Medi Assist' --round 'Round 1'"]
    warning = " ".join(w.value for w in at.warning)
    assert ("batch threshold (400)" in warning) if lang == "en" else ("批处理的阈值（400 条）" in warning)
    assert not open_page(401).code  # below the threshold the page analyses as before
