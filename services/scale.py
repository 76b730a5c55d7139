"""The pain-point analysis of corpora too large for one process: Dask workers, a sample fit, placement.

Above :func:`threshold` items (``RECTIFY_SCALE_THRESHOLD``, default 200,000) :func:`analyse_at_scale`
replaces services.pain_points.analyse_scope:

1. "embed": texts not yet cached are encoded in chunks by the workers; each worker loads the encoder
   once per process and writes its vectors itself (db.embedding_cache.store_embeddings_bulk: a COPY
   on PostgreSQL, skipping hashes already stored). A task that dies is run again by Dask; since a
   write skips stored hashes, a rerun never stores a vector twice.
2. "topics": topics are fitted (analytics.topics.fit_topics) on a stratified sample
   (analytics.corpus_sample: channel, language, month; ``RECTIFY_SCALE_SAMPLE`` items, default 30,000),
   whose vectors alone are read into this process.
3. "place": the workers read their chunk's vectors from the cache, place each item at its nearest
   topic (analytics.sample_fit.place_chunk) and store its model category where no person set one.
   The fit's outlier rule is applied here over every placed item.
4. The run is stored with stable keys, as every run is; the page opens it.

Workers run on a local cluster of ``workers`` processes, or on the Dask scheduler at
``RECTIFY_DASK_SCHEDULER`` (e.g. ``tcp://10.0.0.5:8786``), whose workers must reach the database and
have Rectify installed. Progress is reported per stage as progress(stage, done, total).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analytics.categories import CategoryClassifier
from analytics.corpus_sample import strata_of, stratified_sample
from analytics.embeddings import Encoder, load_encoder
from analytics.progress import StagedProgress
from analytics.sample_fit import Placed, centroid_matrix, combine
from analytics.topics import fit_topics
from analytics.vocabulary import is_analyst_label
from db.embedding_cache import cached_hashes, load_embeddings, store_embeddings_bulk
from db.engine import make_engine, unit_of_work
from db.feedback import scope_feedback, scope_strata
from db.feedback_categories import store_model_categories
from services.pain_points import (
    AnalysisSummary,
    NoFeedback,
    _audit_run,
    category_classifier,
    store_with_stable_keys,
)

log = logging.getLogger(__name__)

STAGES = ("embed", "topics", "place", "store")
CHUNK = 2_000  # items per task: a few seconds of encoding, small enough to retry cheaply
RETRIES = 3  # a task whose worker died is run again up to this many times


def threshold() -> int:
    """Items from which a scope is analysed on the workers with a sample fit (RECTIFY_SCALE_THRESHOLD)."""
    return int(os.environ.get("RECTIFY_SCALE_THRESHOLD", "200000"))


def sample_size() -> int:
    """Items the topics of a large scope are fitted on (RECTIFY_SCALE_SAMPLE)."""
    return int(os.environ.get("RECTIFY_SCALE_SAMPLE", "30000"))


def scheduler_address() -> str | None:
    """The Dask scheduler of a remote cluster (RECTIFY_DASK_SCHEDULER), or None for a local one."""
    return os.environ.get("RECTIFY_DASK_SCHEDULER") or None


def batch_command(product: str, round_name: str | None) -> str:
    """The command line that analyses a scope as a batch job, as the page shows it."""
    import shlex

    parts = ["python", "-m", "jobs.topics", "--product", shlex.quote(product)]
    if round_name is not None:
        parts += ["--round", shlex.quote(round_name)]
    return " ".join(parts)


@contextmanager
def dask_client(workers: int = 2, *, processes: bool = True) -> Iterator[Any]:
    """A Dask client: of the scheduler at RECTIFY_DASK_SCHEDULER, else of a new local cluster.

    Args:
        workers: Worker processes of a local cluster (one thread each).
        processes: False runs local workers as threads of this process (tests).

    Yields:
        A distributed.Client; the local cluster is closed afterwards.
    """
    from distributed import Client, LocalCluster

    # distributed sets its loggers to INFO when imported; a local scheduler runs in this process and
    # would bury the job's progress under its own (silence_logs below covers only the workers).
    logging.getLogger("distributed").setLevel(logging.WARNING)
    address = scheduler_address()
    if address is not None:
        with Client(address) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.WARNING,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


# --------------------------------------------------------------------------------------------------
# What runs on the workers (module-level functions: Dask sends them by reference)

_worker_state: dict[Any, Any] = {}
_worker_lock = threading.Lock()


def _worker_engine(url: str) -> Engine:
    with _worker_lock:
        key = ("engine", url)
        if key not in _worker_state:
            _worker_state[key] = make_engine(url)
        return _worker_state[key]  # type: ignore[no-any-return]


def _worker_encoder(model: str, threads: int) -> Encoder:
    with _worker_lock:
        key = ("encoder", model)
        if key not in _worker_state:
            before = os.environ.get("RECTIFY_ENCODER_THREADS")
            os.environ["RECTIFY_ENCODER_THREADS"] = str(threads)  # read once, when the encoder loads
            try:
                _worker_state[key] = load_encoder(model)
            finally:
                if before is None:
                    os.environ.pop("RECTIFY_ENCODER_THREADS", None)
                else:
                    os.environ["RECTIFY_ENCODER_THREADS"] = before
        return _worker_state[key]  # type: ignore[no-any-return]


def embed_chunk(url: str, model: str, threads: int, hashes: Sequence[str], texts: Sequence[str]) -> int:
    """Encode one chunk and add it to the cache (a worker's task; safe to run twice).

    Args:
        url: The database URL.
        model: The encoder name (analytics.embeddings.load_encoder), loaded once per worker.
        threads: BLAS threads of the worker's encoder.
        hashes: Content hashes of the texts.
        texts: The texts, one per hash.

    Returns:
        How many vectors were added now (0 for hashes a previous attempt already stored).
    """
    encoder = _worker_encoder(model, threads)
    vectors = encoder.encode(list(texts))
    with unit_of_work(_worker_engine(url)) as session:
        return store_embeddings_bulk(session, encoder.model_id, dict(zip(hashes, vectors, strict=True)))


def place_and_categorise(
    url: str,
    model_id: str,
    centroids: np.ndarray,
    classifier: CategoryClassifier | None,
    chunk: pd.DataFrame,
) -> Placed:
    """Place one chunk's items at their nearest topic and store their model categories (a worker's task).

    Args:
        url: The database URL.
        model_id: The encoder's model id (the cache key).
        centroids: The fitted topics' centroids (analytics.sample_fit.centroid_matrix).
        classifier: Stores a model category for every item with `categorise` True; None stores none.
        chunk: Columns feedback_id, text, content_hash, categorise (bool).

    Returns:
        Each item's nearest topic and cosine (analytics.sample_fit.place_chunk).
    """
    from analytics.sample_fit import place_chunk

    hashes = chunk["content_hash"].astype(str).tolist()
    engine = _worker_engine(url)
    with unit_of_work(engine) as session:
        vectors = load_embeddings(session, model_id, hashes)
    embeddings = np.vstack([vectors[h] for h in hashes])
    placed = place_chunk(chunk["text"].astype(str).tolist(), embeddings, centroids)
    todo = chunk["categorise"].to_numpy(dtype=bool)
    if classifier is not None and todo.any():
        predicted = classifier.predict(embeddings[todo])["category"].astype(str).tolist()
        with unit_of_work(engine) as session:
            store_model_categories(session, chunk["feedback_id"][todo].astype(int).tolist(), predicted)
    return placed


# --------------------------------------------------------------------------------------------------
# The analysis


def _noop(stage: str, done: int, total: int) -> None:
    return None


def embed_missing(
    client: Any,
    url: str,
    model: str,
    model_id: str,
    frame: pd.DataFrame,
    progress: StagedProgress = _noop,
    *,
    task: Callable[..., int] = embed_chunk,
    chunk: int = CHUNK,
    threads: int | None = None,
) -> int:
    """Encode on the workers every text of `frame` not cached for `model_id`; stage "embed".

    Args:
        client: A distributed.Client (:func:`dask_client`).
        url: The database URL the workers write to.
        model: The encoder name the workers load.
        model_id: Its model id (the cache key).
        frame: Columns text, content_hash.
        progress: Called as progress("embed", done, total).
        task: The chunk task (:func:`embed_chunk`; tests pass one that fails once).
        chunk: Texts per task.
        threads: BLAS threads per worker; None shares this machine's cores among the workers.

    Returns:
        How many texts were missing from the cache (each is now cached once).
    """
    from distributed import as_completed

    texts = dict(zip(frame["content_hash"].astype(str), frame["text"].astype(str), strict=True))
    with unit_of_work(make_engine(url)) as session:
        cached = cached_hashes(session, model_id, texts)
    missing = [h for h in texts if h not in cached]
    progress("embed", 0, len(missing))
    if not missing:
        return 0
    if threads is None:
        threads = max(1, (os.cpu_count() or 1) // max(1, len(client.scheduler_info().get("workers", {}))))
    futures = [
        client.submit(
            task,
            url,
            model,
            threads,
            missing[start : start + chunk],
            [texts[h] for h in missing[start : start + chunk]],
            retries=RETRIES,
            pure=False,
        )
        for start in range(0, len(missing), chunk)
    ]
    sizes = {f.key: min(chunk, len(missing) - n * chunk) for n, f in enumerate(futures)}
    done = 0
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        future.result()
        done += sizes[future.key]
        progress("embed", done, len(missing))
    return len(missing)


def analyse_at_scale(
    engine: Engine,
    product_id: int,
    round_id: int | None,
    model: str,
    client: Any,
    *,
    progress: StagedProgress = _noop,
    sample: int | None = None,
    seed: int = 42,
    min_topic_size: int | None = None,
    actor: str | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> AnalysisSummary:
    """The pain-point analysis of a large scope on Dask workers, stored as a new run (module docstring).

    Args:
        engine: The database (its URL is handed to the workers).
        product_id: The product whose feedback is analysed.
        round_id: Its round, or None for every round.
        model: The encoder name (analytics.embeddings.load_encoder).
        client: A distributed.Client (:func:`dask_client`).
        progress: Called as progress(stage, done, total) for "embed", "topics", "place", "store".
        sample: Items to fit the topics on (default :func:`sample_size`).
        seed: Seeds the sample and the topic model.
        min_topic_size: Passed to analytics.topics.fit_topics.
        actor: Who asked; the run is then recorded in the audit log ("topics.analyse").
        audit_detail: More for the audit event.

    Raises:
        NoFeedback: the scope has no feedback.
    """
    started = time.perf_counter()
    url = engine.url.render_as_string(hide_password=False)
    with unit_of_work(engine) as session:
        frame = scope_feedback(session, product_id, round_id)
        strata = scope_strata(session, product_id, round_id)
    if frame.empty:
        raise NoFeedback(f"product {product_id} round {round_id} has no feedback")
    encoder = load_encoder(model)
    embedded = embed_missing(client, url, model, encoder.model_id, frame, progress)

    progress("topics", 0, 1)
    rows = stratified_sample(
        strata_of(strata["channel"], strata["language"], strata["created_at"]),
        sample or sample_size(),
        seed,
    )
    hashes = frame["content_hash"].astype(str).to_numpy()
    with unit_of_work(engine) as session:
        vectors = load_embeddings(session, encoder.model_id, hashes[rows].tolist())
    fitted = fit_topics(
        frame["text"].astype(str).to_numpy()[rows].tolist(),
        np.vstack([vectors[h] for h in hashes[rows]]),
        seed=seed,
        min_topic_size=min_topic_size,
    )
    del vectors
    progress("topics", 1, 1)

    classifier, _ = category_classifier(engine, product_id, encoder)
    work = frame[["feedback_id", "text", "content_hash"]].copy()
    person = np.asarray([is_analyst_label(s) for s in frame["category_source"].tolist()], dtype=bool)
    work["categorise"] = ~person
    centroids = centroid_matrix(fitted)
    shared_centroids, shared_classifier = client.scatter([centroids, classifier], broadcast=True)
    futures = [
        client.submit(
            place_and_categorise,
            url,
            encoder.model_id,
            shared_centroids,
            shared_classifier,
            work.iloc[start : start + CHUNK],
            retries=RETRIES,
            pure=False,
        )
        for start in range(0, len(work), CHUNK)
    ]
    progress("place", 0, len(work))
    from distributed import as_completed

    answers: dict[str, Placed] = {}
    done = 0
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        answers[future.key] = future.result()
        done += len(answers[future.key].best)
        progress("place", done, len(work))
    parts = [answers[f.key] for f in futures]
    placed_all = Placed(
        np.concatenate([p.best for p in parts]),
        np.concatenate([p.similarity for p in parts]),
        np.concatenate([p.has_words for p in parts]),
    )
    rest = np.setdiff1d(np.arange(len(frame), dtype=np.int64), rows)
    placed = Placed(placed_all.best[rest], placed_all.similarity[rest], placed_all.has_words[rest])
    result = combine(fitted, rows, len(frame), rest, placed)

    progress("store", 0, 1)
    with unit_of_work(engine) as session:
        run_id, result = store_with_stable_keys(
            session,
            product_id,
            result,
            frame["feedback_id"].astype(int).tolist(),
            model_id=encoder.model_id,
            round_id=round_id,
        )
    progress("store", 1, 1)
    seconds = time.perf_counter() - started
    detail = {"sample": len(rows), **(audit_detail or {})}
    _audit_run(engine, actor, "topics.analyse", run_id, len(frame), len(result.topics), seconds, detail)
    return AnalysisSummary(
        run_id=run_id,
        items=len(frame),
        embedded=embedded,
        topics=len(result.topics),
        outlier_share=result.outlier_share,
        categorised=int((~person).sum()),
        kept=int(person.sum()),
        method=str(result.params.get("method", "")),
        message=result.message,
        seconds=seconds,
    )
