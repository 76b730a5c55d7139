"""Pain-point topics: cluster feedback embeddings into topics a product manager can read.

The method is BERTopic's (UMAP to 5 dimensions, HDBSCAN, class-based TF-IDF keywords), assembled from
its steps rather than its class, so each step can be swapped (`umap_model=`, `hdbscan_model=`,
`vectorizer_model=`) and so the slow parts are done once: embeddings come in precomputed, keywords are
computed from a sample of each topic (jieba is the slowest step on Chinese text otherwise). On top of
BERTopic's defaults:

- UMAP is seeded (`random_state=seed`): the same data and seed give the same topics.
- Outliers (HDBSCAN's -1, 13-40 % of short texts) join the nearest topic centroid when their cosine is
  at least `outlier_similarity`, and then the most similar ones join until at most `max_outlier_share`
  is left: what remains is unlike every topic.
- Topics whose centroids have cosine >= `merge_similarity` are merged (near duplicates).
- Very large corpora: a seeded sample of `max_fit_docs` items is clustered, the rest join the nearest
  centroid (the same rule that assigns new items between runs, see `assign_to_topics`).
- Fewer than SMALL_CORPUS distinct texts: no clustering; near-identical texts are grouped instead, and
  `message` says so.

Keys ("T1", "T2", ...) are stable across runs: `with_stable_keys` gives a new topic the key of the
previous run's topic whose centroid it matches (cosine >= threshold, one-to-one, Hungarian).

Run as a batch job: `python -m jobs.analyse` (jobs/analyse.py).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from analytics.hashing import normalise
from analytics.tokenize import bilingual_vectorizer, has_words
from analytics.topic_labels import is_filler, topic_label

log = logging.getLogger(__name__)

SMALL_CORPUS = 20  # distinct texts below which clustering is not attempted
GROUP_SIMILARITY = 0.6  # cosine within a group of near-identical texts (small corpora)
OUTLIER_LABEL = "Unclustered"
_KEY = re.compile(r"^T(\d+)$")


@dataclass(frozen=True)
class TopicResult:
    """Topics of a corpus.

    Attributes:
        documents: one row per input text, in input order. Columns: `doc` (position in the input),
            `topic` (topic id, -1 = unclustered or no words), `probability` (cosine of the item to its
            topic's centroid, 0-1: higher is more typical; 0 for unclustered items).
        topics: one row per topic, largest first. Columns: `topic` (id, 0 = largest), `key` (stable
            across runs, e.g. "T3"), `label` (a short name of 2-4 keywords), `keywords` (list of up to
            10 words, best first), `size` (items), `share` (of all items), `centroid` (L2-normalised
            float32 vector of the topic's items).
        message: a sentence for the user when the corpus could not be clustered normally, else None.
        params: the settings used (for storing with the run); `params["reasons"]` lists codes of
            the message's sentences for translation: without_words, no_feedback, nothing_to_cluster,
            same_text, too_few_distinct, no_clusters.
    """

    documents: pd.DataFrame
    topics: pd.DataFrame
    message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def outlier_share(self) -> float:
        """Share of items left unclustered (topic -1)."""
        n = len(self.documents)
        return float((self.documents["topic"] == -1).sum() / n) if n else 0.0

    def labelled_documents(self) -> pd.DataFrame:
        """`documents` with each item's topic `key` and `label` (unclustered: no key, OUTLIER_LABEL).

        Returns:
            Columns doc, topic, probability, key, label.
        """
        merged = self.documents.merge(self.topics[["topic", "key", "label"]], on="topic", how="left")
        merged["label"] = merged["label"].fillna(OUTLIER_LABEL)
        return merged


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def default_umap(seed: int, n_docs: int) -> Any:
    """UMAP as BERTopic sets it up (15 neighbours, 5 dimensions, cosine), seeded."""
    from umap import UMAP

    return UMAP(
        n_neighbors=max(2, min(15, n_docs - 1)),
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        random_state=seed,
        n_jobs=1,  # a seed makes UMAP single-threaded anyway; saying so avoids its warning
        low_memory=False,  # as BERTopic sets it; True saved no time here
    )


def default_hdbscan(min_topic_size: int) -> Any:
    """HDBSCAN as BERTopic sets it up, with fewer core samples (fewer outliers to reassign)."""
    from hdbscan import HDBSCAN

    return HDBSCAN(
        min_cluster_size=min_topic_size,
        min_samples=max(2, min_topic_size // 4),
        metric="euclidean",
        cluster_selection_method="eom",
        core_dist_n_jobs=1,
    )


def auto_min_topic_size(n_docs: int) -> int:
    """Smallest topic worth showing: 0.5 % of the items, between 10 and 100.

    Small corpora (under ~6,000 items) get a floor of up to 2 % (at most 30 items): at 0.5 % a round
    of 1,300 items split into some 70 topics, one pain point per language and wording, where 2 %
    gave the 11 pain points a product manager would name (demo, round 2). From 6,000 items on the
    0.5 % rule wins, which is what the clustering benchmarks measured.
    """
    small_corpus_floor = min(30, round(n_docs * 0.02))
    return int(min(100, max(10, small_corpus_floor, round(n_docs * 0.005))))


_warm: str | None = None  # None, "small" (exact neighbours compiled) or "large" (NN-descent too)


_NN_DESCENT_FROM = 4096  # UMAP finds neighbours exactly below this many items, by NN-descent above


def warm_up(n_items: int = 0) -> float:
    """Compile numba's UMAP and HDBSCAN code once per process; returns seconds spent.

    The first fit of a process otherwise costs 25 s or more extra. UMAP's exact-neighbour path (under
    4,096 items) is always compiled; pass the size of the coming fit to also compile NN-descent when
    it will be needed (another 40-60 s once). A page calls this before its first fit, the batch job
    too, so the terminal and the page can say what the wait is.
    """
    global _warm
    sizes = [60] if not _warm else []
    if n_items >= _NN_DESCENT_FROM and _warm != "large":
        sizes.append(_NN_DESCENT_FROM + 100)
    if not sizes:
        return 0.0
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    for n_points in sizes:
        points = rng.normal(size=(n_points, 8)).astype(np.float32)
        reduced = default_umap(0, n_points).fit_transform(points)
        default_hdbscan(5).fit(reduced)
    _warm = "large" if n_items >= _NN_DESCENT_FROM or _warm == "large" else "small"
    elapsed = time.perf_counter() - started
    log.info("warm-up: numba compiled in %.1fs", elapsed)
    return elapsed


def _centroids(embeddings: np.ndarray, labels: np.ndarray, topic_ids: Sequence[int]) -> np.ndarray:
    row_of = {int(t): r for r, t in enumerate(topic_ids)}
    rows = np.array([row_of.get(int(t), -1) for t in labels], dtype=np.int64)
    member = rows >= 0
    indicator = sp.csr_matrix(
        (np.ones(int(member.sum()), dtype=np.float32), (rows[member], np.flatnonzero(member))),
        shape=(len(topic_ids), len(labels)),
    )
    return _unit(np.asarray(indicator @ embeddings))


def _reassign_outliers(
    embeddings: np.ndarray, labels: np.ndarray, min_similarity: float, max_share: float
) -> np.ndarray:
    labels = labels.copy()
    topic_ids = sorted(set(labels.tolist()) - {-1})
    outliers = np.flatnonzero(labels == -1)
    if not topic_ids or not len(outliers):
        return labels
    centroids = _centroids(embeddings, labels, topic_ids)
    best, best_similarity = nearest_centroids(embeddings[outliers], centroids)
    join = outlier_rule(best_similarity, len(labels), min_similarity, max_share)
    labels[outliers[join]] = np.asarray(topic_ids)[best[join]]
    return labels


def nearest_centroids(embeddings: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item's most similar centroid (row position) and its cosine.

    Args:
        embeddings: One L2-normalised row per item.
        centroids: One L2-normalised row per topic.

    Returns:
        The position of the nearest centroid (int64) and the cosine to it (float32), per item.
    """
    if not len(embeddings) or not len(centroids):
        return np.zeros(len(embeddings), dtype=np.int64), np.zeros(len(embeddings), dtype=np.float32)
    similarity = np.asarray(embeddings, dtype=np.float32) @ np.asarray(centroids, dtype=np.float32).T
    best = similarity.argmax(axis=1).astype(np.int64)
    return best, similarity[np.arange(len(best)), best].astype(np.float32)


def outlier_rule(
    best_similarity: np.ndarray, n_items: int, min_similarity: float, max_share: float
) -> np.ndarray:
    """Which unclustered items join their nearest topic: the fit's outlier rule.

    An item joins at `min_similarity` or more; while more than `max_share` of `n_items` would stay
    unclustered, the most similar of the rest join too, until the cap is met.

    Args:
        best_similarity: The cosine of each candidate to its nearest centroid.
        n_items: The items the cap is a share of (candidates and the rest).
        min_similarity: The cosine at which an item joins.
        max_share: At most this share of `n_items` stays unclustered.

    Returns:
        One bool per candidate: True where it joins its nearest topic.
    """
    join = np.asarray(best_similarity) >= min_similarity
    allowed = int(np.floor(max_share * n_items))
    if (~join).sum() > allowed:
        rest = np.flatnonzero(~join)
        order = rest[np.argsort(-np.asarray(best_similarity)[rest], kind="stable")]
        join[order[: len(rest) - allowed]] = True
    return join


def _merge_near_duplicates(embeddings: np.ndarray, labels: np.ndarray, min_similarity: float) -> np.ndarray:
    labels = labels.copy()
    while True:
        topic_ids = sorted(set(labels.tolist()) - {-1})
        if len(topic_ids) < 2:
            return labels
        centroids = _centroids(embeddings, labels, topic_ids)
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1)
        a, b = np.unravel_index(similarity.argmax(), similarity.shape)
        if similarity[a, b] < min_similarity:
            return labels
        sizes = {t: int((labels == t).sum()) for t in (topic_ids[a], topic_ids[b])}
        keep, drop = sorted(sizes, key=lambda t: (-sizes[t], t))
        labels[labels == drop] = keep


def _group_small(embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Groups of near-identical texts for a corpus too small to cluster."""
    from sklearn.cluster import AgglomerativeClustering

    keys = [normalise(t).lower() for t in texts]
    unique = list(dict.fromkeys(keys))
    if len(unique) == 1:
        return np.zeros(len(texts), dtype=int)
    first = {k: keys.index(k) for k in unique}
    vectors = embeddings[[first[k] for k in unique]]
    groups = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - GROUP_SIMILARITY
    ).fit_predict(vectors)
    by_key = dict(zip(unique, groups.tolist(), strict=True))
    return np.array([by_key[k] for k in keys], dtype=int)


def class_tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """BERTopic's class-based TF-IDF (with reduce_frequent_words): rows are topics, columns words."""
    counts = sp.csr_matrix(counts, dtype=np.float64)
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    average_words = counts.sum() / max(counts.shape[0], 1)
    idf = np.log(1 + average_words / np.where(frequency == 0, 1, frequency))
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    tf = sp.diags(1 / np.where(row_sums == 0, 1, row_sums)) @ counts
    tf.data = np.sqrt(tf.data)
    return sp.csr_matrix(tf @ sp.diags(idf))


def _short_name(keywords: Sequence[str], n_words: int = 3) -> str:
    # 2-3 content keywords of the topic's main language (analytics.topic_labels); pages show the
    # label in the reader's language from the same keywords.
    return topic_label(keywords, None, n_words)


def _keywords(
    texts: Sequence[str],
    labels: np.ndarray,
    topic_ids: Sequence[int],
    vectorizer_model: CountVectorizer | None,
    sample_size: int,
    n_keywords: int,
    seed: int,
) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    sampled: list[str] = []
    owner: list[int] = []
    for row, topic in enumerate(topic_ids):
        members = np.flatnonzero(labels == topic)
        if len(members) > sample_size:
            members = np.sort(rng.choice(members, size=sample_size, replace=False))
        sampled.extend(texts[int(i)][:1000] for i in members)
        owner.extend([row] * len(members))
    vectorizer = vectorizer_model if vectorizer_model is not None else bilingual_vectorizer()
    try:
        per_item = sp.csr_matrix(vectorizer.fit_transform(sampled))
    except ValueError:  # empty vocabulary: no topic has a single usable word
        return [[] for _ in topic_ids]
    # A word counts once per item ("mentioned by n items"), so one review that repeats a word
    # twenty times does not name its topic.
    per_item.data = np.ones_like(per_item.data)
    indicator = sp.csr_matrix(
        (np.ones(len(owner)), (np.asarray(owner), np.arange(len(owner)))), shape=(len(topic_ids), len(owner))
    )
    counts = indicator @ per_item
    words = np.asarray(vectorizer.get_feature_names_out())
    scores = class_tfidf(sp.csr_matrix(counts))
    # Fillers ("takes", "seconds", "一下") name no topic: the next content words take their place.
    content = np.array([not is_filler(str(w)) for w in words], dtype=bool)
    result = []
    for row in range(len(topic_ids)):
        line = np.where(content, scores.getrow(row).toarray().ravel(), 0.0)
        top = np.argsort(-line, kind="stable")[:n_keywords]
        result.append([str(words[i]) for i in top if line[i] > 0])
    return result


def describe_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: Sequence[int],
    topic_ids: Sequence[int],
    *,
    keyword_sample: int = 150,
    n_keywords: int = 10,
    seed: int = 42,
) -> list[tuple[list[str], str, np.ndarray]]:
    """Keywords, generated label and centroid of each topic, from the texts it holds now.

    The same computation a fit ends with (class-based TF-IDF keywords, mean embedding), for when
    items leave a stored topic (a respondent's data is deleted): what is described then comes from
    the remaining texts only.

    Args:
        texts: the remaining items' texts.
        embeddings: one L2-normalised row per text.
        labels: each text's topic id (-1: unclustered).
        topic_ids: the topics to describe, each with at least one text.
        keyword_sample: items per topic read for keywords (as in fit_topics).
        n_keywords: keywords per topic.
        seed: seeds the keyword sample.

    Returns:
        One (keywords, label, centroid) per topic id, in order.
    """
    labels_array = np.asarray(labels, dtype=np.int64)
    keywords = _keywords(texts, labels_array, topic_ids, None, keyword_sample, n_keywords, seed)
    centroids = _centroids(np.asarray(embeddings, dtype=np.float32), labels_array, topic_ids)
    return [(words, _short_name(words) or f"Topic {n + 1}", centroids[n]) for n, words in enumerate(keywords)]


def _build_result(
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    vectorizer_model: CountVectorizer | None,
    keyword_sample: int,
    n_keywords: int,
    seed: int,
    message: str | None,
    params: dict[str, Any],
) -> TopicResult:
    ids, counts = np.unique(labels[labels != -1], return_counts=True)
    order = [int(t) for t, _ in sorted(zip(ids, counts, strict=True), key=lambda tc: (-tc[1], tc[0]))]
    renumber = {old: new for new, old in enumerate(order)}
    labels = np.array([renumber.get(int(t), -1) for t in labels], dtype=int)
    topic_ids = list(range(len(order)))
    centroids = _centroids(embeddings, labels, topic_ids)
    keywords = _keywords(texts, labels, topic_ids, vectorizer_model, keyword_sample, n_keywords, seed)
    probability = np.zeros(len(labels), dtype=np.float64)
    clustered = labels != -1
    if clustered.any():
        similarity = np.einsum("ij,ij->i", embeddings[clustered], centroids[labels[clustered]])
        probability[clustered] = np.clip(similarity, 0, 1)
    sizes = [int((labels == t).sum()) for t in topic_ids]
    topics = pd.DataFrame(
        {
            "topic": pd.Series(topic_ids, dtype="int64"),
            "key": pd.Series([f"T{t + 1}" for t in topic_ids], dtype="string"),
            "label": pd.Series(
                [_short_name(k) or f"Topic {t + 1}" for t, k in zip(topic_ids, keywords, strict=True)],
                dtype="string",
            ),
            "keywords": pd.Series(keywords, dtype="object"),
            "size": pd.Series(sizes, dtype="int64"),
            "share": pd.Series([s / max(len(labels), 1) for s in sizes], dtype="float64"),
            "centroid": pd.Series(list(centroids), dtype="object"),
        }
    )
    documents = pd.DataFrame(
        {
            "doc": np.arange(len(labels), dtype=np.int64),
            "topic": labels.astype(np.int64),
            "probability": probability,
        }
    )
    return TopicResult(documents=documents, topics=topics, message=message, params=params)


def fit_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    min_topic_size: int | None = None,
    seed: int = 42,
    vectorizer_model: CountVectorizer | None = None,
    umap_model: Any = None,
    hdbscan_model: Any = None,
    outlier_similarity: float = 0.3,
    max_outlier_share: float = 0.05,
    merge_similarity: float = 0.9,
    max_fit_docs: int = 30_000,
    keyword_sample: int = 150,
    n_keywords: int = 10,
    previous_labels: np.ndarray | None = None,
) -> TopicResult:
    """Find the topics of `texts` from their embeddings (rows L2-normalised, as encoders return them).

    Args:
        texts: the feedback texts (redacted).
        embeddings: one row per text.
        min_topic_size: smallest topic; None picks 0.5 % of the items (10 to 100).
        seed: seeds UMAP and every sample; same data and seed give the same topics.
        vectorizer_model: tokenises texts for keywords; default: jieba for Chinese, English stop words.
        umap_model: replaces the reduction step (anything with fit_transform).
        hdbscan_model: replaces the clustering step (anything with fit).
        outlier_similarity: an unclustered item joins its nearest topic at this cosine or more.
        max_outlier_share: at most this share stays unclustered.
        merge_similarity: topics whose centroids are at least this similar are merged.
        max_fit_docs: cluster a seeded sample this big; the rest join the nearest topic.
        keyword_sample: items per topic read for keywords.
        n_keywords: keywords per topic.
        previous_labels: for a refit, each item's topic in the previous fit with the same settings
            (-1 unclustered, analytics.refit.NOT_IN_PREVIOUS for new items): previous topics this
            fit would only split or merge keep their items (analytics.refit.keep_previous_topics).

    Returns:
        A TopicResult (see its docstring for the columns). Items without any word (empty, emoji
        only) are topic -1 and counted in `message`.

    Raises:
        ValueError: texts and embeddings differ in length.
    """
    started = time.perf_counter()
    texts = ["" if t is None else str(t) for t in texts]
    embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
    if embeddings.ndim != 2 or len(embeddings) != len(texts):
        raise ValueError(f"{len(texts)} texts but embeddings of shape {embeddings.shape}")
    params: dict[str, Any] = {
        "seed": seed,
        "min_topic_size": min_topic_size,
        "outlier_similarity": outlier_similarity,
        "max_outlier_share": max_outlier_share,
        "merge_similarity": merge_similarity,
        "max_fit_docs": max_fit_docs,
    }
    finish = partial(
        _build_result,
        vectorizer_model=vectorizer_model,
        keyword_sample=keyword_sample,
        n_keywords=n_keywords,
        seed=seed,
        params=params,
    )
    reasons: list[str] = params.setdefault("reasons", [])  # codes of `message`'s sentences, for translation
    labels = np.full(len(texts), -1, dtype=int)
    usable = np.flatnonzero([has_words(t) for t in texts])
    notes: list[str] = []
    if len(usable) < len(texts):
        notes.append(f"{len(texts) - len(usable)} of {len(texts)} items have no words (empty or emoji only).")
        reasons.append("without_words")
    if not len(usable):
        reasons.append("no_feedback" if not texts else "nothing_to_cluster")
        message = " ".join([*notes, "No feedback with words to find topics in."]) if texts else "No feedback."
        log.info("topics: nothing to cluster (%d items)", len(texts))
        return finish(texts, embeddings, labels, message=message)

    distinct = len({normalise(texts[i]).lower() for i in usable})
    if distinct < SMALL_CORPUS:
        labels[usable] = _group_small(embeddings[usable], [texts[i] for i in usable])
        what = "All items say the same thing" if distinct == 1 else f"Only {distinct} distinct texts"
        notes.append(
            f"{what}: too few to find topics (needs {SMALL_CORPUS}); similar items are grouped instead."
        )
        reasons.append("same_text" if distinct == 1 else "too_few_distinct")
        params["method"] = "grouped"
        log.info("topics: %d distinct texts, grouped without clustering", distinct)
        return finish(texts, embeddings, labels, message=" ".join(notes))

    rng = np.random.default_rng(seed)
    fit_rows = usable
    if len(usable) > max_fit_docs:
        fit_rows = np.sort(rng.choice(usable, size=max_fit_docs, replace=False))
    size = min_topic_size or auto_min_topic_size(len(fit_rows))
    size = max(2, min(size, len(fit_rows) // 2))
    params.update(method="umap-hdbscan", min_topic_size_used=size, fit_docs=int(len(fit_rows)))

    step = time.perf_counter()
    umap_step = umap_model if umap_model is not None else default_umap(seed, len(fit_rows))
    reduced = umap_step.fit_transform(embeddings[fit_rows])
    log.info(
        "topics: UMAP %d items -> %d-d in %.1fs", len(fit_rows), reduced.shape[1], time.perf_counter() - step
    )

    step = time.perf_counter()
    cluster_step = hdbscan_model if hdbscan_model is not None else default_hdbscan(size)
    fit_labels = np.asarray(cluster_step.fit(reduced).labels_, dtype=int)
    n_found = len(set(fit_labels.tolist()) - {-1})
    log.info(
        "topics: HDBSCAN found %d topics, %.1f%% outliers in %.1fs",
        n_found,
        100 * float((fit_labels == -1).mean()),
        time.perf_counter() - step,
    )
    labels[fit_rows] = fit_labels
    if n_found == 0:
        labels[usable] = _group_small(embeddings[usable], [texts[i] for i in usable])
        notes.append("No distinct topics found; similar items are grouped instead.")
        reasons.append("no_clusters")
        params["method"] = "grouped"
    else:
        step = time.perf_counter()
        labels = _merge_near_duplicates(embeddings, labels, merge_similarity)
        # Items outside the fitted sample are unclustered so far: the outlier rule places them too.
        labels[usable] = _reassign_outliers(
            embeddings[usable], labels[usable], outlier_similarity, max_outlier_share
        )
        labels = _merge_near_duplicates(embeddings, labels, merge_similarity)
        if previous_labels is not None:
            from analytics.refit import keep_previous_topics

            labels = keep_previous_topics(labels, previous_labels, embeddings)
            params["kept_previous"] = True
        log.info(
            "topics: %d topics after merging, %.1f%% unclustered, in %.1fs",
            len(set(labels.tolist()) - {-1}),
            100 * float((labels[usable] == -1).mean()),
            time.perf_counter() - step,
        )
    step = time.perf_counter()
    result = finish(texts, embeddings, labels, message=" ".join(notes) or None)
    log.info("topics: keywords for %d topics in %.1fs", len(result.topics), time.perf_counter() - step)
    log.info("topics: done, %d items in %.1fs", len(texts), time.perf_counter() - started)
    return result


def match_topic_keys(
    previous: pd.DataFrame,
    new_centroids: np.ndarray,
    threshold: float = 0.8,
    *,
    taken: Iterable[str] = (),
) -> list[str]:
    """Keys for new topics: a topic that persists (centroid cosine >= threshold) keeps its key.

    Matching is one-to-one (Hungarian, maximum total similarity). Unmatched topics get fresh keys
    "T<n>" numbered after every key in `previous` and `taken` (so a key is never reused).

    Args:
        previous: the previous run's topics, columns `key` and `centroid`; an optional
            `merged_into` column (key or None) sends a match of a merged-away topic to its survivor.
        new_centroids: one L2-normalised row per new topic.
        threshold: smallest cosine for a topic to count as the same topic.
        taken: other keys already used by this product (never handed out again).

    Returns:
        One key per row of new_centroids.
    """
    from scipy.optimize import linear_sum_assignment

    new_centroids = _unit(np.asarray(new_centroids, dtype=np.float32).reshape(len(new_centroids), -1))
    used = [*previous["key"].astype(str).tolist(), *taken] if len(previous) else list(taken)
    numbers = [int(m.group(1)) for m in map(_KEY.match, used) if m]
    next_number = max(numbers, default=0) + 1
    keys: list[str | None] = [None] * len(new_centroids)
    if len(previous) and len(new_centroids):
        old = _unit(np.vstack([np.asarray(c, dtype=np.float32) for c in previous["centroid"]]))
        if old.shape[1] == new_centroids.shape[1]:
            similarity = new_centroids @ old.T
            rows, cols = linear_sum_assignment(-similarity)
            survivors = (
                previous["merged_into"] if "merged_into" in previous else pd.Series([None] * len(previous))
            )
            assigned: set[str] = set()
            for r, c in zip(rows, cols, strict=True):
                if similarity[r, c] < threshold:
                    continue
                survivor = survivors.iloc[c]
                key = (
                    str(survivor) if isinstance(survivor, str) and survivor else str(previous["key"].iloc[c])
                )
                if key not in assigned:
                    keys[r] = key
                    assigned.add(key)
    for i, found in enumerate(keys):
        if found is None:
            keys[i] = f"T{next_number}"
            next_number += 1
    return [str(k) for k in keys]


def with_stable_keys(
    result: TopicResult, previous: pd.DataFrame | None, threshold: float = 0.8, *, taken: Iterable[str] = ()
) -> TopicResult:
    """The same result with keys carried over from `previous` (see `match_topic_keys`)."""
    if previous is None or result.topics.empty:
        return result
    keys = match_topic_keys(previous, np.vstack(result.topics["centroid"].tolist()), threshold, taken=taken)
    topics = result.topics.copy()
    topics["key"] = pd.Series(keys, dtype="string", index=topics.index)
    return replace(result, topics=topics)


def assign_to_topics(
    embeddings: np.ndarray, topics: pd.DataFrame, min_similarity: float = 0.0
) -> pd.DataFrame:
    """Place items in existing topics by nearest centroid, without refitting (new items between runs).

    Returns:
        Columns `topic` (-1 when no centroid reaches min_similarity) and `probability` (the cosine).
    """
    embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
    if topics.empty or not len(embeddings):
        return pd.DataFrame({"topic": np.full(len(embeddings), -1, dtype=np.int64), "probability": 0.0})
    centroids = _unit(np.vstack([np.asarray(c, dtype=np.float32) for c in topics["centroid"]]))
    similarity = embeddings @ centroids.T
    best = similarity.argmax(axis=1)
    best_similarity = similarity[np.arange(len(embeddings)), best]
    topic = np.where(best_similarity >= min_similarity, topics["topic"].to_numpy()[best], -1)
    return pd.DataFrame(
        {"topic": topic.astype(np.int64), "probability": np.clip(best_similarity, 0, 1).astype(np.float64)}
    )


def add_to_topics(
    result: TopicResult, new_embeddings: np.ndarray, *, min_similarity: float = 0.3
) -> TopicResult:
    """Append new items to a fitted result without refitting: each joins its nearest topic.

    This is the incremental rerun (seconds for 1,000 items at any corpus size): the new items are
    numbered after the existing documents, topic sizes, shares and centroids (size-weighted) are
    updated; keywords and keys stay. Items below `min_similarity` to every centroid stay unclustered.
    Refit (fit_topics) when many items arrived or new complaints may form new topics.

    Returns:
        A TopicResult covering the old and the new items.
    """
    placed = assign_to_topics(new_embeddings, result.topics, min_similarity)
    start = len(result.documents)
    new_documents = pd.DataFrame(
        {
            "doc": np.arange(start, start + len(placed), dtype=np.int64),
            "topic": placed["topic"].to_numpy(dtype=np.int64),
            "probability": np.where(placed["topic"] >= 0, placed["probability"], 0.0).astype(np.float64),
        }
    )
    documents = pd.concat([result.documents, new_documents], ignore_index=True)
    topics = result.topics.copy()
    vectors = _unit(np.asarray(new_embeddings, dtype=np.float32))
    sizes, centroids = [], []
    for topic, size, centroid in zip(topics["topic"], topics["size"], topics["centroid"], strict=True):
        members = vectors[placed["topic"].to_numpy() == topic]
        total = np.asarray(centroid, dtype=np.float32) * size + members.sum(axis=0)
        sizes.append(int(size) + len(members))
        centroids.append(_unit(total))
    topics["size"] = pd.Series(sizes, dtype="int64", index=topics.index)
    topics["share"] = topics["size"] / max(len(documents), 1)
    topics["centroid"] = pd.Series(centroids, dtype="object", index=topics.index)
    params = {**result.params, "added_items": int(result.params.get("added_items", 0)) + len(placed)}
    return replace(result, documents=documents, topics=topics, params=params)


# ---------------------------------------------------------------------------------------------
# Batch job
