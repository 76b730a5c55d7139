"""Pain points of a product or round: the stored topic run as a tidy frame, categories, and the analysis.

Reading: :func:`scope_run_id` finds the run of exactly the scope on screen (a round, or all rounds),
:func:`run_items` gives one row per analysed feedback item with its topic, ready for
:func:`analytics.ranking.rank_pain_points`, and :func:`run_version` changes whenever what those rows
show changes (a rename, a merge, a category correction, a newer run), so a page can cache by it.

Writing: :func:`analyse_scope` runs the whole pain-point analysis in short units of work (embedding in
chunks, categories, then the topic fit and its stored run), so a long fit never holds a write lock on
the database; :func:`add_new_feedback` places items that arrived after a run in its topics without a
refit; :func:`correct_category` records an analyst's correction, which no later analysis overwrites.

Placing or refitting: new feedback goes into the fitted topics (:func:`add_new_feedback`) until the
items that came after the fit exceed ``REFIT_SHARE`` of the fitted corpus (:func:`fit_status`); only
then, or when a person asks, are the topics fitted anew.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from analytics.categories import CATEGORIES, MODEL_SOURCE, CategoryClassifier, is_analyst_label
from analytics.embeddings import Encoder
from db.embeddings import embed_with_cache, load_embeddings
from db.engine import unit_of_work
from db.models import AuditEvent, Feedback, FeedbackTopic, Topic, TopicRun
from db.users import audit

log = logging.getLogger(__name__)

ITEM_COLUMNS = (
    "feedback_id",
    "topic_key",
    "probability",
    "text",
    "content_hash",
    "channel",
    "rating",
    "language",
    "created_at",
    "respondent_key",
    "app_version",
    "model_version",
    "severity",
    "category",
    "category_source",
)
STAGES = ("prepare", "embed", "categories", "topics")
CORRECTION_ACTION = "feedback.category"
_CHUNK = 900  # ids per IN (...): under SQLite's bound-parameter limit on old builds
_EMBED_BATCH = 2048  # texts encoded and committed per unit of work

# New items are placed into the fitted topics until those that came after the fit exceed this share
# of the items the topics were fitted on; then the page refits. Why 10 %: a refit moves items between
# topics (from scratch, 2 new items in 1,300 turned 14 topics into 12, issue 9; even reconciled with the
# previous fit, analytics.refit, 1 % new items leave the shared items at ARI 0.88-0.99:
# bench/refit_stability.py), so it must not run for a handful of items; yet placement only ever fills
# the topics that exist, and past about a tenth of new material, complaints that are new in kind (a
# new release, a new channel) have enough items to form topics of their own, which only a refit finds.
REFIT_SHARE = 0.10

Progress = Callable[[str, int, int], None]


class NoFeedback(ValueError):
    """The product or round has no feedback to analyse."""


def _scoped(query: Any, product_id: int, round_id: int | None) -> Any:
    query = query.where(Feedback.product_id == product_id)
    return query.where(Feedback.round_id == round_id) if round_id is not None else query


def count_feedback(session: Session, product_id: int, round_id: int | None = None) -> int:
    """Feedback items of a product (of one round when round_id is given)."""
    return int(session.scalar(_scoped(select(func.count(Feedback.id)), product_id, round_id)) or 0)


def scope_feedback(session: Session, product_id: int, round_id: int | None = None) -> pd.DataFrame:
    """The feedback to analyse, oldest first.

    Returns:
        Columns feedback_id, text, content_hash, category, category_source.
    """
    query = _scoped(
        select(
            Feedback.id, Feedback.text, Feedback.content_hash, Feedback.category, Feedback.category_source
        ),
        product_id,
        round_id,
    ).order_by(Feedback.id)
    frame = pd.DataFrame(
        session.execute(query).all(),
        columns=["feedback_id", "text", "content_hash", "category", "category_source"],
    )
    frame["feedback_id"] = frame["feedback_id"].astype("int64")
    return frame


def scope_run_id(session: Session, product_id: int, round_id: int | None = None) -> int | None:
    """The newest topic run of exactly this scope: of the round, or of all rounds when round_id is None.

    (db.topics.latest_run_id with round_id None returns the newest run of any round.)
    """
    query = select(func.max(TopicRun.id)).where(TopicRun.product_id == product_id)
    query = query.where(TopicRun.round_id.is_(None) if round_id is None else TopicRun.round_id == round_id)
    return session.scalar(query)


def run_items(session: Session, run_id: int) -> pd.DataFrame:
    """Every feedback item of a run with its topic, one row per item, in feedback id order.

    Items of topics merged into another carry the survivor's key (the merge moved them).

    Returns:
        Columns feedback_id, topic_key (None: unclustered), probability (cosine to the topic's centroid),
        text (redacted), content_hash, channel, rating, language, created_at (UTC), respondent_key,
        app_version, model_version, severity (1-4 or NaN), category, category_source.
    """
    query = (
        select(
            Feedback.id,
            Topic.key,
            FeedbackTopic.probability,
            Feedback.text,
            Feedback.content_hash,
            Feedback.channel,
            Feedback.rating,
            Feedback.language,
            Feedback.created_at,
            Feedback.respondent_key,
            Feedback.app_version,
            Feedback.model_version,
            Feedback.severity,
            Feedback.category,
            Feedback.category_source,
        )
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .outerjoin(Topic, Topic.id == FeedbackTopic.topic_id)
        .where(FeedbackTopic.run_id == run_id)
        .order_by(Feedback.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=list(ITEM_COLUMNS))
    frame["feedback_id"] = frame["feedback_id"].astype("int64")
    frame["probability"] = pd.to_numeric(frame["probability"]).fillna(0.0).astype("float64")
    for column in ("rating", "severity"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    for column in ("topic_key", "text", "content_hash", "channel", "category", "category_source"):
        frame[column] = frame[column].astype("string")
    return frame


def run_version(session: Session, run_id: int) -> str:
    """A short string that changes whenever what the run shows changes.

    It covers the run's topics (names, merges, sizes), its items (a deleted respondent's items leave),
    category corrections and any newer run of the product (an analysis re-predicts model categories).
    """
    run = session.get(TopicRun, run_id)
    if run is None:
        return "missing"
    topics = session.execute(
        select(Topic.key, Topic.custom_label, Topic.merged_into, Topic.size)
        .where(Topic.run_id == run_id)
        .order_by(Topic.id)
    ).all()
    links = session.scalar(
        select(func.count()).select_from(FeedbackTopic).where(FeedbackTopic.run_id == run_id)
    )
    newest_run = session.scalar(select(func.max(TopicRun.id)).where(TopicRun.product_id == run.product_id))
    corrections = session.scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.action == CORRECTION_ACTION)
    )
    digest = hashlib.sha256(repr(topics).encode()).hexdigest()[:16]
    return f"{links}:{newest_run}:{corrections}:{digest}"


def unanalysed_count(session: Session, product_id: int, round_id: int | None, run_id: int) -> int:
    """Feedback of the scope that arrived after the run (not in it)."""
    in_run = select(FeedbackTopic.feedback_id).where(FeedbackTopic.run_id == run_id)
    query = _scoped(select(func.count(Feedback.id)), product_id, round_id).where(Feedback.id.not_in(in_run))
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class FitStatus:
    """Where a run's topics stand against the feedback that came after they were fitted."""

    fitted_items: int  # items the topic model was fitted on
    placed: int  # items placed into the fitted topics since (incremental runs)
    waiting: int  # items of the scope in no run yet
    fitted_at: datetime | None  # when the topics were fitted (UTC)

    @property
    def since_fit(self) -> int:
        """Items that came after the fit, placed or not."""
        return self.placed + self.waiting

    @property
    def refit_due(self) -> bool:
        """More new items than REFIT_SHARE of the fitted corpus: time to fit the topics anew."""
        return self.since_fit > REFIT_SHARE * max(self.fitted_items, 1)


def _utc_moment(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fit_status(session: Session, product_id: int, round_id: int | None, run_id: int) -> FitStatus:
    """How many items the run's topics were fitted on, how many came after, and the fit's date.

    An incremental run (add_new_feedback) keeps its fit's date and counts what it placed; a refit
    starts both afresh.
    """
    run = session.get(TopicRun, run_id)
    if run is None:
        raise LookupError(f"topic run {run_id} not found")
    params = run.params or {}
    placed = int(params.get("added_items", 0) or 0)
    return FitStatus(
        fitted_items=max(int(run.n_docs) - placed, 0),
        placed=placed,
        waiting=unanalysed_count(session, product_id, round_id, run_id),
        fitted_at=_utc_moment(params.get("fitted_at")) or _utc_moment(run.created_at),
    )


def store_model_categories(session: Session, feedback_ids: Sequence[int], categories: Sequence[str]) -> int:
    """Store the classifier's category of each item whose category no person has set.

    The check is part of the UPDATE, so a correction saved meanwhile by an analyst is never overwritten.

    Returns:
        How many items were updated.

    Raises:
        ValueError: lengths differ or a category is unknown.
    """
    if len(feedback_ids) != len(categories):
        raise ValueError(f"{len(feedback_ids)} ids but {len(categories)} categories")
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}")
    by_category: dict[str, list[int]] = {}
    for feedback_id, category in zip(feedback_ids, categories, strict=True):
        by_category.setdefault(str(category), []).append(int(feedback_id))
    not_a_person = Feedback.category_source.is_(None) | (Feedback.category_source == MODEL_SOURCE)
    updated = 0
    for category, ids in by_category.items():
        for start in range(0, len(ids), _CHUNK):
            result = session.execute(
                update(Feedback)
                .where(Feedback.id.in_(ids[start : start + _CHUNK]), not_a_person)
                .values(category=category, category_source=MODEL_SOURCE)
                .execution_options(synchronize_session=False)
            )
            updated += int(getattr(result, "rowcount", 0) or 0)
    return updated


def correct_category(session: Session, feedback_id: int, category: str, actor: str) -> None:
    """Record an analyst's category for one item; it sticks (category_source = the analyst) and
    teaches the classifier on the next analysis.

    Raises:
        ValueError: unknown category or an empty actor.
        LookupError: no such feedback item.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; expected one of {list(CATEGORIES)}")
    if not actor.strip() or actor.strip() == MODEL_SOURCE:
        raise ValueError("a correction needs the analyst's username")
    item = session.get(Feedback, feedback_id)
    if item is None:
        raise LookupError(f"feedback {feedback_id} not found")
    before = item.category
    item.category = category
    item.category_source = actor.strip()
    audit(session, actor, CORRECTION_ACTION, "feedback", feedback_id, {"from": before, "to": category})


def category_corrections(session: Session, product_id: int) -> pd.DataFrame:
    """Items of a product whose category a person set (the classifier learns from them).

    Returns:
        Columns feedback_id, text, content_hash, category, category_source.
    """
    query = (
        select(Feedback.id, Feedback.text, Feedback.content_hash, Feedback.category, Feedback.category_source)
        .where(
            Feedback.product_id == product_id,
            Feedback.category.in_(CATEGORIES),
            Feedback.category_source.is_not(None),
            Feedback.category_source != MODEL_SOURCE,
        )
        .order_by(Feedback.id)
    )
    rows = [r for r in session.execute(query).all() if is_analyst_label(r[4])]
    return pd.DataFrame(rows, columns=["feedback_id", "text", "content_hash", "category", "category_source"])


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
    engine: Engine, encoder: Encoder, frame: pd.DataFrame, progress: Progress = _noop
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
    embeddings = np.vstack([vectors[h] for h in todo["content_hash"].astype(str)])
    predicted = classifier.predict(embeddings)["category"].astype(str).tolist()
    with unit_of_work(engine) as session:
        stored = store_model_categories(session, todo["feedback_id"].astype(int).tolist(), predicted)
    log.info("categories: %d stored, %d kept (%d corrections taught)", stored, person.sum(), len(taught))
    return stored, int(person.sum())


def analyse_scope(
    engine: Engine,
    product_id: int,
    round_id: int | None,
    encoder: Encoder,
    *,
    progress: Progress = _noop,
    warm_up: Callable[[], float] | None = None,
    **fit_options: Any,
) -> AnalysisSummary:
    """The whole pain-point analysis of a product or round, stored as a new topic run.

    Stages, each reported as progress(stage, done, total): "prepare" (numba warm-up, once per
    process), "embed" (only texts not cached for this encoder), "categories" (model categories where
    no person set one), "topics" (the fit with stable keys, stored as a run by db.topics).

    Args:
        engine: the database; each stage is its own short unit of work.
        product_id, round_id: the scope (round_id None: all rounds of the product).
        encoder: the sentence encoder.
        progress: called at each stage's start and end, and while encoding.
        warm_up: compiles the topic model's numba code (analytics.topics.warm_up); None skips it.
        **fit_options: passed to analytics.topics.fit_topics (min_topic_size, seed, ...).

    Raises:
        NoFeedback: the scope has no feedback.
    """
    from db.topics import analyse_feedback

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
        seconds=time.perf_counter() - started,
    )


def add_new_feedback(
    engine: Engine, product_id: int, round_id: int | None, encoder: Encoder, *, progress: Progress = _noop
) -> AnalysisSummary:
    """Place the scope's items that arrived after its run in the run's topics, without refitting.

    The result is a new run (db.topics.add_feedback_to_run) with the same topics, keys and names.

    Raises:
        LookupError: the scope's run is not the product's newest run (refit instead), or there is none.
        NoFeedback: nothing new to add.
    """
    from db.topics import add_feedback_to_run, latest_run_id

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
        seconds=time.perf_counter() - started,
    )


def topic_embeddings(session: Session, model_id: str, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cached vectors of `model_id` for `hashes`.

    Returns:
        A matrix with one row per hash (zeros where none is cached) and a boolean mask of the rows found.
    """
    found = load_embeddings(session, model_id, hashes)
    mask = np.asarray([h in found for h in hashes], dtype=bool)
    if not found:
        return np.zeros((len(hashes), 1), dtype=np.float32), mask
    dim = len(next(iter(found.values())))
    zero = np.zeros(dim, dtype=np.float32)
    return np.vstack([found.get(h, zero) for h in hashes]).reshape(len(hashes), dim), mask
