"""Typical scenarios of a pain point: a few representative quotes that differ from one another.

A product manager reads three to six quotes per topic. The most central items of a topic tend to say
the same thing in nearly the same words, so picking by centrality alone shows one scenario five times.
:func:`typical_scenarios` uses maximal marginal relevance (Carbonell and Goldstein, 1998) over the
items' embeddings: among the items nearest the topic's centroid, each pick maximises

    (1 - diversity) * cosine(item, centroid) - diversity * max cosine(item, quotes picked so far)

so the quotes are typical of the topic and unlike one another. Texts that are the same after
normalisation, texts without any word and near-duplicates (cosine >= `near_duplicate` to a pick) are
never shown twice. The texts are shown as stored: redacted, never the raw input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.hashing import normalise
from analytics.tokenize import has_words

COLUMNS = ("position", "text", "similarity", "redundancy")


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position": pd.Series(dtype="int64"),
            "text": pd.Series(dtype="string"),
            "similarity": pd.Series(dtype="float64"),
            "redundancy": pd.Series(dtype="float64"),
        }
    )


def typical_scenarios(
    texts: Sequence[str],
    embeddings: np.ndarray,
    centroid: np.ndarray | None = None,
    *,
    k: int = 5,
    candidates: int = 60,
    diversity: float = 0.5,
    near_duplicate: float = 0.92,
) -> pd.DataFrame:
    """Pick `k` representative, mutually different quotes of one topic.

    Args:
        texts: the topic's feedback texts (redacted, as stored).
        embeddings: one row per text (any scale; rows are L2-normalised here).
        centroid: the topic's centroid; default the normalised mean of `embeddings`.
        k: how many quotes at most.
        candidates: only this many items nearest the centroid are considered (typical ones).
        diversity: 0 picks purely by centrality, 1 purely by difference from earlier picks.
        near_duplicate: an item at least this similar to a pick is never picked too.

    Returns:
        Up to `k` rows, in pick order (the most typical first), with columns:

        - ``position``: index of the quote in `texts`.
        - ``text``: the quote.
        - ``similarity``: cosine to the centroid (higher is more typical).
        - ``redundancy``: highest cosine to an earlier pick (0 for the first).

    Raises:
        ValueError: texts and embeddings differ in length, or an argument is out of range.
    """
    if k < 1 or candidates < 1:
        raise ValueError("k and candidates must be at least 1")
    if not 0 <= diversity <= 1:
        raise ValueError(f"diversity must lie between 0 and 1, got {diversity}")
    vectors = np.asarray(embeddings, dtype=np.float32)
    if len(texts) == 0:
        return _empty()
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise ValueError(f"{len(texts)} texts but embeddings of shape {vectors.shape}")
    vectors = _unit(vectors)
    center = vectors.mean(axis=0) if centroid is None else np.asarray(centroid, dtype=np.float32)
    if center.shape != (vectors.shape[1],):
        raise ValueError(f"centroid of shape {center.shape} for {vectors.shape[1]}-d embeddings")
    center = _unit(center)
    relevance = vectors @ center

    # One candidate per distinct text (the most central copy), and only texts with words.
    seen: set[str] = set()
    pool: list[int] = []
    for i in np.argsort(-relevance, kind="stable"):
        text = "" if texts[i] is None else str(texts[i])
        key = normalise(text).lower()
        if key in seen or not has_words(text):
            continue
        seen.add(key)
        pool.append(int(i))
        if len(pool) == candidates:
            break
    if not pool:
        return _empty()

    pool_vectors = vectors[pool]
    closest = np.full(len(pool), -np.inf, dtype=np.float64)  # max cosine to the picks so far
    available = np.ones(len(pool), dtype=bool)
    picks: list[tuple[int, float, float]] = []
    while len(picks) < k and available.any():
        redundancy = np.where(np.isfinite(closest), closest, 0.0)
        score = (1 - diversity) * relevance[pool] - diversity * redundancy
        score[~available] = -np.inf
        best = int(np.argmax(score))
        picks.append((pool[best], float(relevance[pool[best]]), float(redundancy[best])))
        available[best] = False
        closest = np.maximum(closest, pool_vectors @ pool_vectors[best])
        available &= closest < near_duplicate
    return pd.DataFrame(
        {
            "position": pd.Series([p for p, _, _ in picks], dtype="int64"),
            "text": pd.Series([str(texts[p]) for p, _, _ in picks], dtype="string"),
            "similarity": pd.Series([s for _, s, _ in picks], dtype="float64"),
            "redundancy": pd.Series([r for _, _, r in picks], dtype="float64"),
        }
    )
