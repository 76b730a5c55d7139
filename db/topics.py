"""Stored topic runs: a fit is kept so reopening the pain-points page is instant, and analysts can
rename and merge topics. Keys stay stable across runs (see analytics.topics.with_stable_keys)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from analytics.embeddings import Encoder
from analytics.refit import NOT_IN_PREVIOUS
from analytics.topic_labels import display_label
from analytics.topics import TopicResult, add_to_topics, fit_topics, with_stable_keys
from db.embeddings import embed_with_cache
from db.models import FeedbackTopic, Topic, TopicRun

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


def analyse_feedback(
    session: Session,
    product_id: int,
    feedback: pd.DataFrame,
    encoder: Encoder,
    *,
    round_id: int | None = None,
    key_threshold: float = 0.8,
    progress: Callable[[int, int], None] | None = None,
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
    previous = latest_run(session, product_id, include_merged=True)
    result = with_stable_keys(
        result,
        previous.topics if previous is not None else None,
        key_threshold,
        taken=product_topic_keys(session, product_id),
    )
    run_id = store_topic_run(
        session,
        product_id,
        result,
        feedback["feedback_id"].astype(int).tolist(),
        model_id=encoder.model_id,
        round_id=round_id,
        previous=previous,
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
