"""Stored topic runs: a fit is kept so reopening the pain-points page is instant.

Analysts can rename and merge topics. Keys stay stable across runs (see analytics.topics.with_stable_keys).

Which run: :func:`latest_run_id` is the product's newest (of one round when asked), :func:`scope_run_id`
the newest of exactly the scope on screen (a round, or all rounds). :func:`run_items` gives one row per
analysed feedback item with its topic, ready for analytics.ranking.rank_pain_points, and
:func:`run_version` changes whenever what those rows show changes (a rename, a merge, a category
correction, a newer run), so a page can cache by it. :func:`fit_status` says whether new feedback is
placed into the run's topics or the topics are fitted anew (``REFIT_SHARE``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from analytics.topic_labels import display_label
from analytics.topics import TopicResult
from db.embedding_cache import load_embeddings
from db.feedback import scoped
from db.feedback_categories import CORRECTION_ACTION
from db.models import AuditEvent, Feedback, FeedbackTopic, Topic, TopicRun

log = logging.getLogger(__name__)

_WRITE_BATCH = 5000


@dataclass(frozen=True)
class StoredRun:
    """A stored topic run.

    Attributes:
        topics: one row per topic, largest first. Columns: `topic` (position, 0 = largest),
            `topic_id` (database id), `key`, `label` (the analyst's name if given, else the generated
            one), `generated_label`, `custom_label` (or None), `keywords` (list), `size`, `share`,
            `centroid` (float32 vector or None), `merged_into` (surviving key or None; only with
            include_merged).
        assignments: one row per feedback item of the run. Columns: `feedback_id`, `topic` (position
            as in `topics`, -1 = unclustered), `key` (or None), `probability`.
    """

    run_id: int
    product_id: int
    round_id: int | None
    model_id: str
    params: dict[str, Any]
    n_docs: int
    created_at: datetime | None
    topics: pd.DataFrame
    assignments: pd.DataFrame

    def as_result(self) -> TopicResult:
        """The run as a TopicResult whose `doc` numbers are the rows of `assignments`.

        Labels are the generated ones: analysts' names stay in the database and follow the key.
        """
        documents = pd.DataFrame(
            {
                "doc": np.arange(len(self.assignments), dtype=np.int64),
                "topic": self.assignments["topic"].to_numpy(dtype=np.int64),
                "probability": self.assignments["probability"].to_numpy(dtype=np.float64),
            }
        )
        live = self.topics[self.topics["merged_into"].isna()] if "merged_into" in self.topics else self.topics
        topics = live[["topic", "key", "label", "keywords", "size", "share", "centroid"]].reset_index(
            drop=True
        )
        return TopicResult(documents=documents, topics=topics, params=dict(self.params))


def _vector_bytes(vector: Any) -> bytes | None:
    if vector is None:
        return None
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def _vector(data: bytes | None) -> np.ndarray | None:
    return None if data is None else np.frombuffer(data, dtype="<f4").astype(np.float32)


def product_topic_keys(session: Session, product_id: int) -> set[str]:
    """Every topic key ever used by a product's runs (a new topic never reuses one)."""
    return set(
        session.scalars(
            select(Topic.key)
            .join(TopicRun, Topic.run_id == TopicRun.id)
            .where(TopicRun.product_id == product_id)
        )
    )


def store_topic_run(
    session: Session,
    product_id: int,
    result: TopicResult,
    feedback_ids: Sequence[int],
    *,
    model_id: str,
    round_id: int | None = None,
    previous: StoredRun | None = None,
) -> int:
    """Store a run: the run, its topics and every item's topic, in the session's one transaction.

    Args:
        session: an open session (use db.engine.unit_of_work so all of it commits or none).
        product_id: the product analysed.
        result: topics whose keys are already stable (analytics.topics.with_stable_keys).
        feedback_ids: the feedback id of each document, in `result.documents` order.
        model_id: the encoder's model id.
        round_id: the round analysed, if any.
        previous: the product's previous run (with merged topics); analysts' names of persisting
            keys are carried over, and merged-away topics are kept so later runs still honour merges.

    Returns:
        The new run's id.

    Raises:
        ValueError: feedback_ids does not match the documents.
    """
    started = time.perf_counter()
    if len(feedback_ids) != len(result.documents):
        raise ValueError(f"{len(feedback_ids)} feedback ids for {len(result.documents)} documents")
    run = TopicRun(
        product_id=product_id,
        round_id=round_id,
        model_id=model_id,
        params={**result.params, "message": result.message},
        n_docs=len(result.documents),
    )
    session.add(run)
    session.flush()
    names: dict[str, str] = {}
    carried: list[Topic] = []
    if previous is not None:
        old = previous.topics
        names = {
            k: n for k, n in zip(old["key"], old["custom_label"], strict=True) if isinstance(n, str) and n
        }
        if "merged_into" in old:
            live_keys = set(result.topics["key"].astype(str))
            for row in old[old["merged_into"].notna()].itertuples():
                if row.key not in live_keys:
                    carried.append(
                        Topic(
                            run_id=run.id,
                            key=row.key,
                            label=row.generated_label,
                            keywords=list(row.keywords or []),
                            size=0,
                            centroid=_vector_bytes(row.centroid),
                            custom_label=row.custom_label if isinstance(row.custom_label, str) else None,
                            merged_into=row.merged_into,
                        )
                    )
    rows = [
        Topic(
            run_id=run.id,
            key=str(t.key),
            label=str(t.label)[:200],
            keywords=[str(k) for k in (t.keywords or [])],
            size=int(t.size),
            centroid=_vector_bytes(t.centroid),
            custom_label=names.get(str(t.key)),
        )
        for t in result.topics.itertuples()
    ]
    session.add_all(rows + carried)
    session.flush()
    topic_db_id = {int(t): row.id for t, row in zip(result.topics["topic"], rows, strict=True)}
    links = [
        {
            "run_id": run.id,
            "feedback_id": int(fid),
            "topic_id": topic_db_id.get(int(topic)),
            "probability": float(p),
        }
        for fid, topic, p in zip(
            feedback_ids, result.documents["topic"], result.documents["probability"], strict=True
        )
    ]
    for start in range(0, len(links), _WRITE_BATCH):
        session.execute(insert(FeedbackTopic), links[start : start + _WRITE_BATCH])
    log.info(
        "topic run %d stored: %d topics, %d items in %.1fs",
        run.id,
        len(rows),
        len(links),
        time.perf_counter() - started,
    )
    return run.id


def latest_run_id(session: Session, product_id: int, round_id: int | None = None) -> int | None:
    """Id of the product's newest run (of one round when round_id is given), or None."""
    query = select(func.max(TopicRun.id)).where(TopicRun.product_id == product_id)
    if round_id is not None:
        query = query.where(TopicRun.round_id == round_id)
    return session.scalar(query)


def load_run(
    session: Session, run_id: int, *, include_merged: bool = False, lang: str | None = None
) -> StoredRun:
    """A stored run with its topics and assignments.

    A topic's `label` is the analyst's name if given, else 2-3 content keywords in `lang` ("zh" or
    "en"; None: the topic's main language), see analytics.topic_labels.display_label.

    Raises:
        LookupError: no such run.
    """
    run = session.get(TopicRun, run_id)
    if run is None:
        raise LookupError(f"topic run {run_id} not found")
    query = select(Topic).where(Topic.run_id == run_id)
    if not include_merged:
        query = query.where(Topic.merged_into.is_(None))
    topic_rows = sorted(session.scalars(query), key=lambda t: (t.merged_into is not None, -t.size, t.id))
    position = {t.id: i for i, t in enumerate(topic_rows) if t.merged_into is None}
    total = max(run.n_docs, 1)
    topics = pd.DataFrame(
        {
            "topic": pd.Series([position.get(t.id, -1) for t in topic_rows], dtype="int64"),
            "topic_id": pd.Series([t.id for t in topic_rows], dtype="int64"),
            "key": pd.Series([t.key for t in topic_rows], dtype="string"),
            "label": pd.Series(
                [display_label(t.custom_label, t.keywords, t.label, lang) for t in topic_rows], dtype="string"
            ),
            "generated_label": pd.Series([t.label for t in topic_rows], dtype="string"),
            "custom_label": pd.Series([t.custom_label for t in topic_rows], dtype="object"),
            "keywords": pd.Series([list(t.keywords or []) for t in topic_rows], dtype="object"),
            "size": pd.Series([t.size for t in topic_rows], dtype="int64"),
            "share": pd.Series([t.size / total for t in topic_rows], dtype="float64"),
            "centroid": pd.Series([_vector(t.centroid) for t in topic_rows], dtype="object"),
            "merged_into": pd.Series([t.merged_into for t in topic_rows], dtype="object"),
        }
    )
    links = session.execute(
        select(FeedbackTopic.feedback_id, FeedbackTopic.topic_id, FeedbackTopic.probability)
        .where(FeedbackTopic.run_id == run_id)
        .order_by(FeedbackTopic.feedback_id)
    ).all()
    key_of = {t.id: t.key for t in topic_rows}
    assignments = pd.DataFrame(
        {
            "feedback_id": pd.Series([r[0] for r in links], dtype="int64"),
            "topic": pd.Series(
                [position.get(r[1], -1) if r[1] is not None else -1 for r in links], dtype="int64"
            ),
            "key": pd.Series([key_of.get(r[1]) if r[1] is not None else None for r in links], dtype="object"),
            "probability": pd.Series([r[2] if r[2] is not None else 0.0 for r in links], dtype="float64"),
        }
    )
    return StoredRun(
        run_id=run.id,
        product_id=run.product_id,
        round_id=run.round_id,
        model_id=run.model_id,
        params=dict(run.params or {}),
        n_docs=run.n_docs,
        created_at=run.created_at,
        topics=topics,
        assignments=assignments,
    )


def latest_run(
    session: Session,
    product_id: int,
    round_id: int | None = None,
    *,
    include_merged: bool = False,
    lang: str | None = None,
) -> StoredRun | None:
    """The product's newest stored run (labels in `lang`, see load_run), or None when it has none."""
    run_id = latest_run_id(session, product_id, round_id)
    return None if run_id is None else load_run(session, run_id, include_merged=include_merged, lang=lang)


def _topic(session: Session, run_id: int, key: str) -> Topic:
    topic = session.scalar(select(Topic).where(Topic.run_id == run_id, Topic.key == key))
    if topic is None or topic.merged_into is not None:
        raise LookupError(f"topic {key!r} not found in run {run_id}")
    return topic


def rename_topic(session: Session, run_id: int, key: str, name: str | None) -> None:
    """Give a topic an analyst's name (None or blank restores the generated label).

    The name stays with the key in later runs.

    Raises:
        LookupError: no live topic with that key in the run.
        ValueError: the name is longer than 200 characters.
    """
    cleaned = (name or "").strip() or None
    if cleaned is not None and len(cleaned) > 200:
        raise ValueError("a topic name has at most 200 characters")
    _topic(session, run_id, key).custom_label = cleaned


def merge_topics(session: Session, run_id: int, into_key: str, keys: Sequence[str]) -> None:
    """Merge topics into `into_key`: their items move to it, it keeps its key, they are marked merged.

    The survivor's size and centroid (size-weighted) are updated; the merged topics keep their rows
    with size 0 and `merged_into`, so a later run that finds them again files them under the survivor.

    Raises:
        LookupError: a key is not a live topic of the run.
        ValueError: a topic merged into itself.
    """
    survivor = _topic(session, run_id, into_key)
    absorbed = [_topic(session, run_id, k) for k in dict.fromkeys(keys)]
    if any(t.id == survivor.id for t in absorbed):
        raise ValueError("a topic cannot be merged into itself")
    total = survivor.size + sum(t.size for t in absorbed)
    vectors = [(t.size, _vector(t.centroid)) for t in [survivor, *absorbed]]
    if total and all(v is not None for _, v in vectors):
        mean = sum(size * v for size, v in vectors if v is not None) / total
        survivor.centroid = _vector_bytes(mean / (np.linalg.norm(mean) or 1))
    survivor.size = total
    absorbed_ids = [t.id for t in absorbed]
    session.execute(
        update(FeedbackTopic)
        .where(FeedbackTopic.run_id == run_id, FeedbackTopic.topic_id.in_(absorbed_ids))
        .values(topic_id=survivor.id)
    )
    for topic in absorbed:
        topic.merged_into = survivor.key
        topic.size = 0
    # Topics merged earlier into an absorbed one now point at the survivor too.
    session.execute(
        update(Topic)
        .where(Topic.run_id == run_id, Topic.merged_into.in_([t.key for t in absorbed]))
        .values(merged_into=survivor.key)
    )


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


# New items are placed into the fitted topics until those that came after the fit exceed this share
# of the items the topics were fitted on; then the page refits. Why 10 %: a refit moves items between
# topics (from scratch, 2 new items in 1,300 turned 14 topics into 12, issue 9; even reconciled with the
# previous fit, analytics.refit, 1 % new items leave the shared items at ARI 0.88-0.99:
# bench/refit_stability.py), so it must not run for a handful of items; yet placement only ever fills
# the topics that exist, and past about a tenth of new material, complaints that are new in kind (a
# new release, a new channel) have enough items to form topics of their own, which only a refit finds.
REFIT_SHARE = 0.10


def scope_run_id(session: Session, product_id: int, round_id: int | None = None) -> int | None:
    """The newest topic run of exactly this scope: of the round, or of all rounds when round_id is None.

    (db.topic_runs.latest_run_id with round_id None returns the newest run of any round.)
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
    query = scoped(select(func.count(Feedback.id)), product_id, round_id).where(Feedback.id.not_in(in_run))
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


def surviving_key(session: Session, run_id: int, key: str) -> str | None:
    """`key`, or the key it was merged into (followed to the end) in run `run_id`."""
    seen: set[str] = set()
    while key not in seen:
        seen.add(key)
        merged = session.scalar(select(Topic.merged_into).where(Topic.run_id == run_id, Topic.key == key))
        if not merged:
            return key
        key = merged
    return None


TOPIC_COLUMNS = ("topic_id", "key", "label", "keywords", "size")


OUTLIER_KEYS = ("-1",)  # a topic model's "no topic" bucket is not a pain point


@dataclass(frozen=True)
class TopicRunInfo:
    """A stored run without its topics; `round_id` None means a run over all rounds."""

    id: int
    round_id: int | None
    model_id: str
    n_docs: int
    created_at: datetime


def latest_topic_run(session: Session, product_id: int, round_id: int | None = None) -> TopicRunInfo | None:
    """The newest topic run of the product (preferring one of ``round_id``), or None when there is none."""
    query = select(TopicRun).where(TopicRun.product_id == product_id)
    order = (TopicRun.created_at.desc(), TopicRun.id.desc())
    run = None
    if round_id is not None:
        run = session.scalars(query.where(TopicRun.round_id == round_id).order_by(*order).limit(1)).first()
    if run is None:
        run = session.scalars(query.order_by(*order).limit(1)).first()
    if run is None:
        return None
    return TopicRunInfo(run.id, run.round_id, run.model_id, run.n_docs, run.created_at)


def run_topics(session: Session, run_id: int, lang: str | None = None) -> pd.DataFrame:
    """Live topics of a run, largest first.

    An analyst's name wins over the generated label (2-3 keywords in `lang`, see
    analytics.topic_labels); topics merged into another are left out (their items belong to the
    survivor), and so is any outlier bucket.

    Returns:
        Columns topic_id, key, label, keywords (list of str), size.
    """
    query = (
        select(Topic.id, Topic.key, Topic.custom_label, Topic.label, Topic.keywords, Topic.size)
        .where(Topic.run_id == run_id, Topic.key.not_in(OUTLIER_KEYS), Topic.merged_into.is_(None))
        .order_by(Topic.size.desc(), Topic.id)
    )
    rows = session.execute(query).all()
    keywords = [list(r.keywords) if isinstance(r.keywords, list) else [] for r in rows]
    return pd.DataFrame(
        {
            "topic_id": [r.id for r in rows],
            "key": [r.key for r in rows],
            "label": [
                display_label(r.custom_label, k, r.label, lang) for r, k in zip(rows, keywords, strict=True)
            ],
            "keywords": keywords,
            "size": [r.size for r in rows],
        },
        columns=list(TOPIC_COLUMNS),
    )


def round_topic_run(session: Session, product_id: int, round_id: int) -> TopicRunInfo | None:
    """The topic run a round's comparison uses, or None when there is none.

    The round's newest run, else the newest run over all rounds (``round_id`` None;
    :func:`round_topic_sizes` restricts its counts to the round), never another round's run.
    """
    order = (TopicRun.created_at.desc(), TopicRun.id.desc())
    base = select(TopicRun).where(TopicRun.product_id == product_id)
    run = session.scalars(base.where(TopicRun.round_id == round_id).order_by(*order).limit(1)).first()
    if run is None:
        run = session.scalars(base.where(TopicRun.round_id.is_(None)).order_by(*order).limit(1)).first()
    if run is None:
        return None
    return TopicRunInfo(run.id, run.round_id, run.model_id, run.n_docs, run.created_at)


def round_topic_sizes(session: Session, run_id: int, round_id: int) -> tuple[dict[int, int], int]:
    """How many of the round's items the run put in each topic, and how many it analysed in all.

    The total counts outliers too: it is a share's denominator.

    Returns:
        (topic id -> items of the round, items of the round in the run).
    """
    query = (
        select(FeedbackTopic.topic_id, func.count())
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .where(FeedbackTopic.run_id == run_id, Feedback.round_id == round_id)
        .group_by(FeedbackTopic.topic_id)
    )
    sizes = {int(t): int(n) for t, n in session.execute(query).all() if t is not None}
    total = session.scalar(
        select(func.count())
        .select_from(FeedbackTopic)
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .where(FeedbackTopic.run_id == run_id, Feedback.round_id == round_id)
    )
    return sizes, int(total or 0)


def round_topics(
    session: Session, product_id: int, round_id: int, lang: str | None = None
) -> tuple[TopicRunInfo | None, pd.DataFrame, int]:
    """A round's pain-point topics from :func:`round_topic_run`, sized by the round's own items.

    Returns:
        (the run or None, :func:`run_topics` of it (labels in ``lang``) with size counting the round's
        items only, largest first and without empty topics, how many of the round's items the run
        analysed).
    """
    run = round_topic_run(session, product_id, round_id)
    if run is None:
        return None, pd.DataFrame(columns=list(TOPIC_COLUMNS)), 0
    topics = run_topics(session, run.id, lang)
    if run.round_id == round_id:
        return run, topics, run.n_docs
    sizes, total = round_topic_sizes(session, run.id, round_id)
    topics = topics.assign(size=[sizes.get(int(i), 0) for i in topics["topic_id"]])
    topics = topics[topics["size"] > 0].sort_values("size", ascending=False, kind="stable")
    return run, topics.reset_index(drop=True), total


# --------------------------------------------------------------------------------------------------
# Items that leave stored runs (a respondent's data deleted)
# --------------------------------------------------------------------------------------------------


def runs_holding(session: Session, feedback_ids: Sequence[int]) -> list[int]:
    """Ids of the runs that hold any of these feedback items."""
    found: set[int] = set()
    ids = list(feedback_ids)
    for start in range(0, len(ids), 900):
        found.update(
            session.scalars(
                select(FeedbackTopic.run_id).where(FeedbackTopic.feedback_id.in_(ids[start : start + 900]))
            )
        )
    return sorted(found)


def run_members(session: Session, run_id: int) -> pd.DataFrame:
    """The items a run holds now, with the topic of each (None: unclustered).

    Returns:
        Columns topic_id, text, content_hash; in feedback id order.
    """
    rows = session.execute(
        select(FeedbackTopic.topic_id, Feedback.text, Feedback.content_hash)
        .join(Feedback, Feedback.id == FeedbackTopic.feedback_id)
        .where(FeedbackTopic.run_id == run_id)
        .order_by(Feedback.id)
    ).all()
    return pd.DataFrame(rows, columns=["topic_id", "text", "content_hash"])


def run_topic_rows(session: Session, run_id: int) -> list[Topic]:
    """Every topic row of a run, merged ones included, for rewriting in the session."""
    return list(session.scalars(select(Topic).where(Topic.run_id == run_id).order_by(Topic.id)))


def describe_topic(
    topic: Topic, *, keywords: Sequence[str], label: str, size: int | None = None, centroid: Any = None
) -> None:
    """Set a topic's generated description (its analyst's name stays); None leaves size or centroid."""
    topic.keywords = [str(k) for k in keywords]
    topic.label = label[:200]
    if size is not None:
        topic.size = size
    if centroid is not None:
        topic.centroid = _vector_bytes(centroid)


def drop_topics(session: Session, run_id: int, keys: Sequence[str]) -> None:
    """Delete topics left without items, and the topics merged into them (their items had moved there)."""
    if keys:
        session.execute(
            delete(Topic).where(Topic.run_id == run_id, (Topic.key.in_(keys)) | (Topic.merged_into.in_(keys)))
        )


def recount_run(session: Session, run_id: int) -> None:
    """Set a run's item count to the items it holds now."""
    held = session.scalar(
        select(func.count()).select_from(FeedbackTopic).where(FeedbackTopic.run_id == run_id)
    )
    session.execute(update(TopicRun).where(TopicRun.id == run_id).values(n_docs=int(held or 0)))


def run_model_and_params(session: Session, run_id: int) -> tuple[str, dict[str, Any]]:
    """The encoder a run was fitted with and its parameters."""
    run = session.get(TopicRun, run_id)
    if run is None:
        raise LookupError(f"topic run {run_id} not found")
    return run.model_id, dict(run.params or {})
