"""A respondent's data on request: find what is stored under the key they give, to show or forget it.

Forgetting deletes what they gave (feedback, survey responses and answers) and what was derived from
it: the cached embeddings of their texts, and the keywords, generated names, sizes and centroids of
the stored topics that held their items, which are computed again from the items that remain (a
topic left empty is deleted). Then the database files are rewritten (db.reclaim), so the deleted
rows cannot be read back from free pages, the SQLite -wal file or PostgreSQL's dead rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from analytics.pseudonym import pseudonymise
from analytics.tokenize import vocabulary
from analytics.topic_labels import LANGUAGES, display_label, topic_label
from analytics.topics import describe_topics
from db.embedding_cache import forget_embeddings
from db.engine import retrying
from db.feedback import forget_respondent, respondent_texts
from db.items import rename_topic_in_evidence
from db.models import Topic
from db.reclaim import reclaim_space
from db.settings import respondent_key_secret
from db.topic_runs import (
    describe_topic,
    drop_topics,
    recount_run,
    run_members,
    run_model_and_params,
    run_topic_rows,
    runs_holding,
    topic_embeddings,
)

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")


def respondent_keys(session: Session, entered: str) -> tuple[str, ...]:
    """The stored keys that `entered` may mean: its pseudonym, and itself when it is one already.

    Raises:
        ValueError: an empty entry.
    """
    value = entered.strip()
    if not value:
        raise ValueError("empty respondent key")
    keys = [pseudonymise(value, respondent_key_secret(session))]
    if _PSEUDONYM.fullmatch(value.lower()):
        keys.append(value.lower())
    return tuple(keys)


# Every table a respondent's data or data derived from it was deleted from or rewritten in.
TOUCHED_TABLES = (
    "feedback",
    "responses",
    "answers",
    "embeddings",
    "topics",
    "feedback_topics",
    "topic_runs",
    "rectification_items",
    "item_evidence",
)


@dataclass(frozen=True)
class Forgotten:
    """What deleting a respondent's data removed and recomputed."""

    feedback: int
    responses: int
    embeddings: int  # cached vectors of texts nobody else wrote
    topics_described: int  # topics whose keywords and names were computed again from the rest
    topics_dropped: int  # topics that held only their items
    files_rewritten: bool  # False: another process was in the way (see db.reclaim.reclaim_space)


def _shown_names(topics: list[Topic]) -> dict[str, list[str]]:
    """Each topic's name as read in each language, by key."""
    return {
        t.key: [display_label(t.custom_label, t.keywords, t.label, lang) for lang in LANGUAGES]
        for t in topics
    }


def _redescribe_run(session: Session, run_id: int, their_words: set[str]) -> tuple[int, int]:
    """Describe a run's topics from the items it holds now; returns (described, dropped).

    Measurements of items stored with the run's old topic names get the new names.
    """
    model_id, params = run_model_and_params(session, run_id)
    members = run_members(session, run_id)
    topics = run_topic_rows(session, run_id)
    before = _shown_names(topics)
    live = [t for t in topics if t.merged_into is None]
    counts = members["topic_id"].value_counts(dropna=True)
    sizes = {int(topic_id): int(n) for topic_id, n in counts.items()}
    kept = [t for t in live if sizes.get(t.id, 0) > 0]
    emptied = [t.key for t in live if sizes.get(t.id, 0) == 0]
    if kept:
        clustered = members[members["topic_id"].notna()]
        hashes = clustered["content_hash"].astype(str).tolist()
        vectors, found = topic_embeddings(session, model_id, hashes)
        labels = clustered["topic_id"].astype("int64").to_numpy()
        described = describe_topics(
            clustered["text"].astype(str).tolist(),
            vectors,
            labels,
            [t.id for t in kept],
            keyword_sample=int(params.get("keyword_sample", 150)),
            n_keywords=int(params.get("n_keywords", 10)),
            seed=int(params.get("seed", 42)),
        )
        for topic, (keywords, label, centroid) in zip(kept, described, strict=True):
            # Without a cached vector for every member the old centroid stays rather than a partial one.
            whole = bool(found[labels == topic.id].all())
            describe_topic(
                topic,
                keywords=keywords,
                label=label,
                size=sizes[topic.id],
                centroid=centroid if whole else None,
            )
    # Merged-away topics hold no items to describe them: the words the respondent used are dropped.
    merged = [t for t in topics if t.merged_into is not None and t.merged_into not in emptied]
    for topic in merged:
        words = [w for w in (topic.keywords or []) if w.lower() not in their_words]
        describe_topic(topic, keywords=words, label=topic_label(words, None) or topic.key)
    after = _shown_names(topics)
    gone = set(emptied) | {t.key for t in topics if t.merged_into in emptied}  # drop_topics deletes both
    names: dict[str, str] = {}
    for key, old_names in before.items():
        new_names = [key] * len(LANGUAGES) if key in gone else after[key]
        # Longest first: a name may contain another one.
        names.update(zip(old_names, new_names, strict=True))
    rename_topic_in_evidence(session, run_id, dict(sorted(names.items(), key=lambda n: -len(n[0]))))
    drop_topics(session, run_id, emptied)
    recount_run(session, run_id)
    return len(kept) + len(merged), len(emptied)


def forget_respondent_everywhere(engine: Engine, keys: tuple[str, ...], actor: str) -> Forgotten:
    """Delete a respondent's data and every stored thing derived from it, then rewrite the files.

    One transaction deletes and recomputes (all of it lands or none); the files are rewritten after
    it commits (a lock held by another process is waited for and tried again briefly).
    """

    def work(session: Session) -> Forgotten:
        theirs = respondent_texts(session, keys)
        their_words = {w.lower() for w in vocabulary(theirs.texts)}
        runs = runs_holding(session, theirs.feedback_ids)
        found = forget_respondent(session, keys, actor)
        embeddings = forget_embeddings(session, theirs.content_hashes)
        described = dropped = 0
        for run_id in runs:
            d, e = _redescribe_run(session, run_id, their_words)
            described, dropped = described + d, dropped + e
        return Forgotten(found.feedback, found.responses, embeddings, described, dropped, True)

    done = retrying(engine, work, attempts=2, retry_conflicts=False)
    rewritten = reclaim_space(engine, TOUCHED_TABLES)
    return Forgotten(
        done.feedback, done.responses, done.embeddings, done.topics_described, done.topics_dropped, rewritten
    )
