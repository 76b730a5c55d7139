"""Topics of a large corpus: fit on a (stratified) sample, place every other item in the fitted topics.

The fit is :func:`analytics.topics.fit_topics` on the sample's texts and embeddings. Every other item
goes to its nearest topic centroid (:func:`place_chunk`, which runs in parallel workers on chunks)
under the fit's own outlier rule: it joins at the fit's outlier similarity or more, and while more
than the fit's maximum outlier share would stay unclustered the most similar of the rest join too
(:func:`analytics.topics.outlier_rule`). Items without words stay unclustered, as in a fit.
Topics keep the sample's keywords, labels and centroids; sizes and shares count every item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from analytics.tokenize import has_words
from analytics.topics import TopicResult, fit_topics, nearest_centroids, outlier_rule


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


@dataclass(frozen=True)
class Placed:
    """Where a chunk of items would go: nearest topic (row of the centroids), its cosine, words or not."""

    best: np.ndarray
    similarity: np.ndarray
    has_words: np.ndarray


def centroid_matrix(result: TopicResult) -> np.ndarray:
    """The fitted topics' centroids as one L2-normalised row per topic, in `result.topics` order."""
    if result.topics.empty:
        return np.zeros((0, 1), dtype=np.float32)
    return _unit(np.vstack([np.asarray(c, dtype=np.float32) for c in result.topics["centroid"]]))


def place_chunk(texts: Sequence[str], embeddings: np.ndarray, centroids: np.ndarray) -> Placed:
    """Nearest topic of each item of a chunk (the part of placing that runs in workers).

    Args:
        texts: The chunk's texts (an item without words is never placed).
        embeddings: One row per text.
        centroids: From :func:`centroid_matrix`.

    Returns:
        The nearest centroid's row, the cosine to it and whether the text has words, per item.
    """
    best, similarity = nearest_centroids(_unit(np.asarray(embeddings, dtype=np.float32)), centroids)
    words = np.asarray([has_words(str(t)) for t in texts], dtype=bool)
    return Placed(best, similarity, words)


def combine(
    fitted: TopicResult, sample_rows: np.ndarray, n_items: int, rest_rows: np.ndarray, placed: Placed
) -> TopicResult:
    """One result for the whole corpus from the sample's fit and the placement of the rest.

    Args:
        fitted: The fit on the sample (documents in sample order).
        sample_rows: Each sample document's position in the corpus.
        n_items: How many items the corpus holds.
        rest_rows: The position in the corpus of each placed item.
        placed: :func:`place_chunk`'s answers for the rest, concatenated in `rest_rows` order.

    Returns:
        A TopicResult over every item, in corpus order; params say it was fitted on a sample
        (`method` "sample-umap-hdbscan", `sample_docs`).
    """
    topic_ids = fitted.topics["topic"].to_numpy(dtype=np.int64)
    labels = np.full(n_items, -1, dtype=np.int64)
    probability = np.zeros(n_items, dtype=np.float64)
    labels[sample_rows] = fitted.documents["topic"].to_numpy(dtype=np.int64)
    probability[sample_rows] = fitted.documents["probability"].to_numpy(dtype=np.float64)
    if len(topic_ids) and len(rest_rows):
        candidates = np.flatnonzero(placed.has_words)
        share = float(fitted.params.get("max_outlier_share", 0.05))
        minimum = float(fitted.params.get("outlier_similarity", 0.3))
        join = outlier_rule(placed.similarity[candidates], len(rest_rows), minimum, share)
        chosen = candidates[join]
        labels[rest_rows[chosen]] = topic_ids[placed.best[chosen]]
        probability[rest_rows[chosen]] = np.clip(placed.similarity[chosen], 0, 1)
    topics = fitted.topics.copy()
    sizes = np.bincount(labels[labels >= 0], minlength=int(topic_ids.max()) + 1 if len(topic_ids) else 0)
    topics["size"] = pd.Series([int(sizes[t]) for t in topic_ids], dtype="int64", index=topics.index)
    topics["share"] = topics["size"] / max(n_items, 1)
    documents = pd.DataFrame(
        {"doc": np.arange(n_items, dtype=np.int64), "topic": labels, "probability": probability}
    )
    params: dict[str, Any] = {**fitted.params, "sample_docs": len(sample_rows)}
    if params.get("method") == "umap-hdbscan":
        params["method"] = "sample-umap-hdbscan"
    return replace(fitted, documents=documents, topics=topics, params=params)


def fit_sample_and_place(
    texts: Sequence[str], embeddings: np.ndarray, sample_rows: np.ndarray, **fit_options: Any
) -> TopicResult:
    """Fit on the sample's rows and place the rest, in this process (benchmarks, small tests).

    Args:
        texts: Every item's text.
        embeddings: One row per item.
        sample_rows: Sorted positions of the sample (analytics.corpus_sample.stratified_sample).
        **fit_options: Passed to analytics.topics.fit_topics.

    Returns:
        As :func:`combine`.
    """
    sample_rows = np.asarray(sample_rows, dtype=np.int64)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    fitted = fit_topics([texts[int(i)] for i in sample_rows], embeddings[sample_rows], **fit_options)
    rest = np.setdiff1d(np.arange(len(texts), dtype=np.int64), sample_rows)
    placed = place_chunk([texts[int(i)] for i in rest], embeddings[rest], centroid_matrix(fitted))
    return combine(fitted, sample_rows, len(texts), rest, placed)
