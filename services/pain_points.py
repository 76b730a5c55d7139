"""Finding pain points: embed, categorise and cluster a product's or round's feedback, and store the run.

Reading a stored run is db.topic_runs' job; this module runs the models. :func:`analyse_scope` runs the whole pain-point analysis in short units of work (embedding in
chunks, categories, then the topic fit and its stored run), so a long fit never holds a write lock on
the database; :func:`add_new_feedback` places items that arrived after a run in its topics without a
refit. Categories an analyst corrected (db.feedback_categories) are never overwritten and teach the
classifier.

Placing or refitting: new feedback goes into the fitted topics (:func:`add_new_feedback`) until the
items that came after the fit exceed ``REFIT_SHARE`` of the fitted corpus (:func:`fit_status`); only
then, or when a person asks, are the topics fitted anew.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from analytics.categories import CategoryClassifier
from analytics.charts_painpoints import share_by_period
from analytics.embeddings import Encoder, encode_in_batches
from analytics.progress import Progress, StagedProgress
from analytics.ranking import RankingWeights, rank_pain_points, trend_periods
from analytics.refit import NOT_IN_PREVIOUS
from analytics.scenarios import typical_scenarios
from analytics.topics import TopicResult, add_to_topics, fit_topics, with_stable_keys
from analytics.vocabulary import is_analyst_label
from db.embedding_cache import load_embeddings, store_embeddings
from db.engine import unit_of_work
from db.feedback import scope_feedback
from db.feedback_categories import category_corrections, store_model_categories
from db.models import FeedbackTopic, Topic, TopicRun
from db.topic_runs import (
    fit_status,
    latest_run,
    load_run,
    product_topic_keys,
    run_items,
    scope_run_id,
    store_topic_run,
    topic_embeddings,
)
from db.users import audit
from services import monitoring

log = logging.getLogger(__name__)

STAGES = ("prepare", "embed", "categories", "topics")
_CHUNK = 900  # ids per IN (...): under SQLite's bound-parameter limit on old builds
_EMBED_BATCH = 2048  # texts encoded and committed per unit of work


class NoFeedback(ValueError):
    """The product or round has no feedback to analyse."""


# --------------------------------------------------------------------------------------------------
# The analysis


@dataclass(frozen=True)
class AnalysisSummary:
    """What an analysis did, for the closing message."""

    run_id: int
    items: int
    embedded: int  # texts encoded now (the rest came from the cache)
    topics: int
    outlier_share: float
    categorised: int  # model categories stored
    kept: int  # items whose category a person set, left as they were
    method: str  # "umap-hdbscan", "grouped" (too few texts to cluster), "incremental"
    message: str | None
    seconds: float


def _noop(stage: str, done: int, total: int) -> None:
    return None


def embed_scope(
    engine: Engine, encoder: Encoder, frame: pd.DataFrame, progress: StagedProgress = _noop
) -> tuple[dict[str, np.ndarray], int]:
    """Vectors of every text in `frame` (columns text, content_hash), encoding only uncached ones.

    New vectors are committed in batches, so an interrupted run keeps what it encoded and no write
    transaction stays open while the encoder works for long.

    Returns:
        content hash -> vector, and how many texts were encoded now.
    """
    texts = dict(zip(frame["content_hash"].astype(str), frame["text"].astype(str), strict=True))
    with unit_of_work(engine) as session:
        vectors = load_embeddings(session, encoder.model_id, texts)
    missing = [h for h in texts if h not in vectors]
    progress("embed", 0, len(missing))
    for start in range(0, len(missing), _EMBED_BATCH):
        batch = {h: texts[h] for h in missing[start : start + _EMBED_BATCH]}
        with unit_of_work(engine) as session:
            vectors.update(embed_with_cache(session, encoder, batch))
        progress("embed", min(start + _EMBED_BATCH, len(missing)), len(missing))
    return vectors, len(missing)


def categorise_items(
    engine: Engine,
    product_id: int,
    encoder: Encoder,
    frame: pd.DataFrame,
    vectors: dict[str, np.ndarray],
) -> tuple[int, int]:
    """Predict the category of each item in `frame` and store it where no person set one.

    The classifier is the zero-shot one taught by every correction of the product so far.

    Returns:
        (model categories stored, items kept as a person labelled them).
    """
    person = np.asarray([is_analyst_label(s) for s in frame["category_source"].tolist()], dtype=bool)
    todo = frame[~person]
    if todo.empty:
        return 0, int(person.sum())
    classifier, taught = category_classifier(engine, product_id, encoder)
    embeddings = np.vstack([vectors[h] for h in todo["content_hash"].astype(str)])
    predicted = classifier.predict(embeddings)["category"].astype(str).tolist()
    with unit_of_work(engine) as session:
        stored = store_model_categories(session, todo["feedback_id"].astype(int).tolist(), predicted)
    log.info("categories: %d stored, %d kept (%d corrections taught)", stored, person.sum(), taught)
    return stored, int(person.sum())


def category_classifier(engine: Engine, product_id: int, encoder: Encoder) -> tuple[CategoryClassifier, int]:
    """The zero-shot category classifier taught by every correction of the product so far.

    Returns:
        The classifier and how many corrections taught it.
    """
    classifier = CategoryClassifier.from_encoder(encoder)
    with unit_of_work(engine) as session:
        taught = category_corrections(session, product_id)
        if len(taught):
            texts = dict(zip(taught["content_hash"].astype(str), taught["text"].astype(str), strict=True))
            known = embed_with_cache(session, encoder, texts)
            classifier = classifier.with_corrections(
                np.vstack([known[h] for h in taught["content_hash"].astype(str)]),
                taught["category"].astype(str).tolist(),
            )
    return classifier, len(taught)


def _audit_run(
    engine: Engine,
    actor: str | None,
    action: str,
    run_id: int,
    items: int,
    topics: int,
    seconds: float,
    detail: Mapping[str, Any] | None,
) -> None:
    if actor is None:
        return
    with unit_of_work(engine) as session:
        summary = {"items": items, "topics": topics, "seconds": round(seconds, 1), **(detail or {})}
        audit(session, actor, action, "topic_run", run_id, summary)


def analyse_scope(
    engine: Engine,
    product_id: int,
    round_id: int | None,
    encoder: Encoder,
    *,
    progress: StagedProgress = _noop,
    warm_up: Callable[[], float] | None = None,
    actor: str | None = None,
    audit_detail: Mapping[str, Any] | None = None,
    **fit_options: Any,
) -> AnalysisSummary:
    """The whole pain-point analysis of a product or round, stored as a new topic run.

    Stages, each reported as progress(stage, done, total): "prepare" (numba warm-up, once per
    process), "embed" (only texts not cached for this encoder), "categories" (model categories where
    no person set one), "topics" (the fit with stable keys, stored as a run by db.topic_runs).

    Args:
        engine: the database; each stage is its own short unit of work.
        product_id: the product whose feedback is analysed.
        round_id: the round to analyse; None: all rounds of the product.
        encoder: the sentence encoder.
        progress: called at each stage's start and end, and while encoding.
        warm_up: compiles the topic model's numba code (analytics.topics.warm_up); None skips it.
        actor: who asked; the stored run is then recorded in the audit log ("topics.analyse").
        audit_detail: more for the audit event (e.g. that a batch job ran it).
        **fit_options: passed to analytics.topics.fit_topics (min_topic_size, seed, ...).

    Raises:
        NoFeedback: the scope has no feedback.
    """
    from services.pain_points import analyse_feedback

    started = time.perf_counter()
    with unit_of_work(engine) as session:
        frame = scope_feedback(session, product_id, round_id)
    if frame.empty:
        raise NoFeedback(f"product {product_id} round {round_id} has no feedback")
    if warm_up is not None:
        progress("prepare", 0, 1)
        warm_up()
        progress("prepare", 1, 1)
    vectors, embedded = embed_scope(engine, encoder, frame, progress)
    progress("categories", 0, len(frame))
    categorised, kept = categorise_items(engine, product_id, encoder, frame, vectors)
    progress("categories", len(frame), len(frame))
    progress("topics", 0, len(frame))
    with unit_of_work(engine) as session:
        run_id, result = analyse_feedback(
            session,
            product_id,
            frame[["feedback_id", "text", "content_hash"]],
            encoder,
            round_id=round_id,
            **fit_options,
        )
    progress("topics", len(frame), len(frame))
    seconds = time.perf_counter() - started
    _audit_run(engine, actor, "topics.analyse", run_id, len(frame), len(result.topics), seconds, audit_detail)
    monitoring.monitor_after_analysis(engine, product_id)  # a few counting queries; webhooks wait for the job
    return AnalysisSummary(
        run_id=run_id,
        items=len(frame),
        embedded=embedded,
        topics=len(result.topics),
        outlier_share=result.outlier_share,
        categorised=categorised,
        kept=kept,
        method=str(result.params.get("method", "")),
        message=result.message,
        seconds=seconds,
    )


def add_new_feedback(
    engine: Engine,
    product_id: int,
    round_id: int | None,
    encoder: Encoder,
    *,
    progress: StagedProgress = _noop,
    actor: str | None = None,
) -> AnalysisSummary:
    """Place the scope's items that arrived after its run in the run's topics, without refitting.

    The result is a new run (:func:`add_feedback_to_run`) with the same topics, keys and names; with
    an ``actor`` it is recorded in the audit log ("topics.add").

    Raises:
        LookupError: the scope's run is not the product's newest run (refit instead), or there is none.
        NoFeedback: nothing new to add.
    """
    from db.topic_runs import latest_run_id
    from services.pain_points import add_feedback_to_run

    started = time.perf_counter()
    with unit_of_work(engine) as session:
        run_id = scope_run_id(session, product_id, round_id)
        if run_id is None or run_id != latest_run_id(session, product_id):
            raise LookupError("only the product's newest run can take new items; analyse again")
        frame = scope_feedback(session, product_id, round_id)
        in_run = set(session.scalars(select(FeedbackTopic.feedback_id).where(FeedbackTopic.run_id == run_id)))
    frame = frame[~frame["feedback_id"].isin(in_run)]
    if frame.empty:
        raise NoFeedback("no new feedback since the run")
    vectors, embedded = embed_scope(engine, encoder, frame, progress)
    progress("categories", 0, len(frame))
    categorised, kept = categorise_items(engine, product_id, encoder, frame, vectors)
    progress("categories", len(frame), len(frame))
    progress("topics", 0, len(frame))
    with unit_of_work(engine) as session:
        new_run = add_feedback_to_run(
            session, product_id, frame[["feedback_id", "text", "content_hash"]], encoder
        )
        topics = int(
            session.scalar(
                select(func.count())
                .select_from(Topic)
                .where(Topic.run_id == new_run, Topic.merged_into.is_(None))
            )
            or 0
        )
        placed = select(FeedbackTopic.feedback_id).where(
            FeedbackTopic.run_id == new_run, FeedbackTopic.topic_id.is_(None)
        )
        unclustered = len(session.execute(placed).all())
        total = int(
            session.scalar(
                select(func.count()).select_from(FeedbackTopic).where(FeedbackTopic.run_id == new_run)
            )
            or 0
        )
    progress("topics", len(frame), len(frame))
    seconds = time.perf_counter() - started
    _audit_run(engine, actor, "topics.add", new_run, len(frame), topics, seconds, None)
    monitoring.monitor_after_analysis(engine, product_id)
    return AnalysisSummary(
        run_id=new_run,
        items=len(frame),
        embedded=embedded,
        topics=topics,
        outlier_share=unclustered / max(total, 1),
        categorised=categorised,
        kept=kept,
        method="incremental",
        message=None,
        seconds=seconds,
    )


def analyse_feedback(
    session: Session,
    product_id: int,
    feedback: pd.DataFrame,
    encoder: Encoder,
    *,
    round_id: int | None = None,
    key_threshold: float = 0.8,
    progress: Progress | None = None,
    **fit_options: Any,
) -> tuple[int, TopicResult]:
    """The whole pain-point fit: embed (cached), find topics, carry keys over, store the run.

    Args:
        session: an open session (one transaction for the run).
        product_id: the product analysed.
        feedback: columns `feedback_id`, `text`, `content_hash`.
        encoder: the sentence encoder.
        round_id: the round analysed, if any.
        key_threshold: centroid cosine for a topic to keep its key from the previous run.
        progress: called as progress(done, total) while new texts are encoded.
        **fit_options: passed to analytics.topics.fit_topics (min_topic_size, seed, ...).

    Returns:
        The new run's id and the result (with stable keys).
    """
    texts = feedback["text"].astype(str).tolist()
    hashes = feedback["content_hash"].astype(str).tolist()
    vectors = embed_with_cache(session, encoder, dict(zip(hashes, texts, strict=True)), progress=progress)
    embeddings = np.vstack([vectors[h] for h in hashes]) if hashes else np.zeros((0, 1), dtype=np.float32)
    earlier = previous_fit_labels(
        session,
        product_id,
        round_id,
        feedback["feedback_id"].astype(int).tolist(),
        encoder.model_id,
        fit_options,
    )
    result = fit_topics(texts, embeddings, previous_labels=earlier, **fit_options)
    return store_with_stable_keys(
        session,
        product_id,
        result,
        feedback["feedback_id"].astype(int).tolist(),
        model_id=encoder.model_id,
        round_id=round_id,
        key_threshold=key_threshold,
    )


def store_with_stable_keys(
    session: Session,
    product_id: int,
    result: TopicResult,
    feedback_ids: list[int],
    *,
    model_id: str,
    round_id: int | None,
    key_threshold: float = 0.8,
) -> tuple[int, TopicResult]:
    """Give a fitted result the keys of the product's previous run's matching topics, then store it.

    Returns:
        The new run's id and the result with stable keys.
    """
    previous = latest_run(session, product_id, include_merged=True)
    result = with_stable_keys(
        result,
        previous.topics if previous is not None else None,
        key_threshold,
        taken=product_topic_keys(session, product_id),
    )
    run_id = store_topic_run(
        session, product_id, result, feedback_ids, model_id=model_id, round_id=round_id, previous=previous
    )
    return run_id, result


def previous_fit_labels(
    session: Session,
    product_id: int,
    round_id: int | None,
    feedback_ids: Sequence[int],
    model_id: str,
    fit_options: dict[str, Any],
) -> np.ndarray | None:
    """Each item's topic in the scope's newest run, for a refit that holds still (analytics.refit).

    Only a run of the same scope, encoder, seed and smallest-topic setting counts: a refit with
    other settings is asked for to get other topics, and gets them.

    Returns:
        One topic code per feedback id (-1 unclustered, NOT_IN_PREVIOUS when the run did not hold
        it), or None when there is no such run.
    """
    query = select(func.max(TopicRun.id)).where(TopicRun.product_id == product_id)
    query = query.where(TopicRun.round_id.is_(None) if round_id is None else TopicRun.round_id == round_id)
    run_id = session.scalar(query)
    if run_id is None:
        return None
    run = load_run(session, run_id)
    params = run.params
    same = (
        run.model_id == model_id
        and params.get("method") == "umap-hdbscan"
        and params.get("seed", 42) == fit_options.get("seed", 42)
        and params.get("min_topic_size") == fit_options.get("min_topic_size")
    )
    if not same:
        return None
    keys = {
        int(f): (str(k) if pd.notna(k) else None)
        for f, k in zip(run.assignments["feedback_id"], run.assignments["key"], strict=True)
    }
    codes = {k: i for i, k in enumerate(sorted({k for k in keys.values() if k is not None}))}
    return np.asarray(
        [NOT_IN_PREVIOUS if int(f) not in keys else codes.get(keys[int(f)] or "", -1) for f in feedback_ids],
        dtype=np.int64,
    )


def typical_quotes(
    session: Session, model_id: str, items: pd.DataFrame, topics: pd.DataFrame, key: str, k: int
) -> pd.DataFrame:
    """Typical, mutually different items of one topic (analytics.scenarios), most typical first.

    Args:
        session: an open session (the items' cached embeddings are read).
        model_id: the encoder the run was fitted with.
        items: the run's items (db.topic_runs.run_items).
        topics: the run's topics with their centroids (db.topic_runs.load_run).
        key: the topic's key.
        k: how many quotes at most.

    Returns:
        The chosen rows of ``items``; items without a cached embedding are never chosen.
    """
    members = items[items["topic_key"] == key].reset_index(drop=True)
    vectors, found = topic_embeddings(session, model_id, members["content_hash"].astype(str).tolist())
    members, vectors = members[found].reset_index(drop=True), vectors[found]
    row = topics[topics["key"] == key]
    centroid = row["centroid"].iloc[0] if len(row) and row["centroid"].iloc[0] is not None else None
    if centroid is not None and len(vectors) and len(centroid) != vectors.shape[1]:
        centroid = None
    picks = typical_scenarios(members["text"].astype(str).tolist(), vectors, centroid, k=k)
    return members.iloc[picks["position"].to_numpy()].reset_index(drop=True)


def add_feedback_to_run(
    session: Session,
    product_id: int,
    new_feedback: pd.DataFrame,
    encoder: Encoder,
    *,
    min_similarity: float = 0.3,
) -> int:
    """Incremental rerun: embed only the new items, place them in the latest run's topics, store.

    The new run copies the latest one's topics (keys, names, keywords) with updated sizes and holds
    the old assignments plus the new ones. Items already in the run are skipped. Its params keep
    the fit's date (`fitted_at`) and count every item placed since the fit (`added_items`).

    Raises:
        LookupError: the product has no run yet (use analyse_feedback).
    """
    previous = latest_run(session, product_id, include_merged=True)
    if previous is None:
        raise LookupError(f"product {product_id} has no topic run yet")
    known = set(previous.assignments["feedback_id"].tolist())
    new_feedback = new_feedback[~new_feedback["feedback_id"].isin(known)]
    texts = new_feedback["text"].astype(str).tolist()
    hashes = new_feedback["content_hash"].astype(str).tolist()
    vectors = embed_with_cache(session, encoder, dict(zip(hashes, texts, strict=True)))
    dim = len(previous.topics["centroid"].iloc[0]) if len(previous.topics) else 1
    embeddings = np.vstack([vectors[h] for h in hashes]) if hashes else np.zeros((0, dim), dtype=np.float32)
    extended = add_to_topics(previous.as_result(), embeddings, min_similarity=min_similarity)
    # The topics are still those of the fit: its date travels on (the page anchors trends on it).
    fitted_at = previous.params.get("fitted_at") or (
        previous.created_at.isoformat() if previous.created_at is not None else None
    )
    extended = replace(extended, params={**extended.params, "fitted_at": fitted_at})
    ids = previous.assignments["feedback_id"].tolist() + new_feedback["feedback_id"].astype(int).tolist()
    return store_topic_run(
        session,
        product_id,
        extended,
        ids,
        model_id=previous.model_id,
        round_id=previous.round_id,
        previous=previous,
    )


def embed_with_cache(
    session: Session,
    encoder: Encoder,
    texts_by_hash: Mapping[str, str],
    *,
    progress: Progress | None = None,
    batch_size: int = 512,
) -> dict[str, np.ndarray]:
    """Vectors for every text, embedding only those not cached for this encoder, and caching them.

    Args:
        session: an open session; new vectors are added to it (committed with its transaction).
        encoder: the encoder; its `model_id` keys the cache.
        texts_by_hash: content hash -> text (see analytics.hashing.content_hash).
        progress: called as progress(done, total) while the missing texts are encoded.
        batch_size: texts per encoder call.

    Returns:
        content hash -> L2-normalised float32 vector, for every hash asked for.
    """
    started = time.perf_counter()
    vectors = load_embeddings(session, encoder.model_id, texts_by_hash)
    missing = [h for h in texts_by_hash if h not in vectors]
    log.info(
        "embeddings: %d cached, %d to encode with %s (%.1fs reading the cache)",
        len(vectors),
        len(missing),
        encoder.model_id,
        time.perf_counter() - started,
    )
    if missing:
        step = time.perf_counter()
        encoded = encode_in_batches(
            encoder, [texts_by_hash[h] for h in missing], batch_size=batch_size, progress=progress
        )
        new = dict(zip(missing, encoded, strict=True))
        store_embeddings(session, encoder.model_id, new)
        session.flush()
        vectors.update(new)
        log.info("embeddings: encoded and cached %d in %.1fs", len(missing), time.perf_counter() - step)
    elif progress is not None:
        progress(0, 0)
    return vectors


# --------------------------------------------------------------------------------------------------
# The ranking as the pain-points page opens with it

DEFAULT_PERIOD_DAYS = 28  # the trend compares the last four weeks with the four before


@dataclass(frozen=True)
class TopPainPoints:
    """The highest-priority pain points of a scope, ranked with the default weights.

    Attributes:
        ranked: ``analytics.ranking.rank_pain_points``' first rows (rank, topic_key, label, priority,
            recent_count, previous_count, growth, is_new, trend_known, trend_note, ...).
        weekly: Their share of all feedback per week (``analytics.charts_painpoints.share_by_period``).
        recent: The first and last day of the recent trend period.
        all_rounds: Whether they come from the analysis of all rounds (the round has none of its own).
    """

    ranked: pd.DataFrame
    weekly: pd.DataFrame
    recent: tuple[date, date]
    all_rounds: bool


def top_pain_points(
    session: Session, product_id: int, round_id: int | None, n: int = 3
) -> TopPainPoints | None:
    """The scope's `n` first pain points as the pain-points page ranks them by default.

    Same run (the scope's newest), same weights and the same trend periods, ending on the day the
    topics were fitted, so the overview and that page agree. A round not analysed on its own falls
    back to the analysis of all rounds, which covers its feedback.

    Args:
        session: The database session.
        product_id: The product.
        round_id: The round, or None for all rounds.
        n: How many to return.

    Returns:
        The pain points, or None when nothing covering the scope has been analysed (or has no topic).
    """
    run_id = scope_run_id(session, product_id, round_id)
    all_rounds = round_id is None
    if run_id is None and round_id is not None:
        run_id, all_rounds = scope_run_id(session, product_id, None), True
    if run_id is None:
        return None
    fitted = fit_status(session, product_id, None if all_rounds else round_id, run_id).fitted_at
    anchor = fitted.date() if fitted is not None else date.today()
    items = run_items(session, run_id)
    ranked = rank_pain_points(
        items,
        load_run(session, run_id).topics[["key", "label"]],
        weights=RankingWeights(),
        now=anchor,
        period_days=DEFAULT_PERIOD_DAYS,
    )
    if ranked.empty:
        return None
    top = ranked.head(n).reset_index(drop=True)
    _, _, recent_first, recent_last = trend_periods(anchor, DEFAULT_PERIOD_DAYS)
    weekly = share_by_period(items, top["topic_key"].astype(str).tolist(), "week")
    return TopPainPoints(top, weekly, (recent_first, recent_last), all_rounds)
