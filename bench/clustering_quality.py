"""Clustering quality of Rectify's topic pipeline against BERTopic's defaults and TF-IDF + KMeans.

Data: ../shared/data (banking77 train against `category`; online_shopping_zh dev against `cat`; its
negative reviews alone; and a mixed set of both languages). Every method gets the same embeddings.
Prints NMI, ARI, outlier share (-1), number of topics and seconds per method.

    python -m bench.clustering_quality                       # full sets (about 15 min on 2 cores)
    python -m bench.clustering_quality --sample 2000         # quick
    python -m bench.clustering_quality --models use-multilingual,minilm,use+minilm --sets banking77,mixed

Embeddings are cached under data/bench_cache/ (per model, set and sample) so reruns skip encoding.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analytics.embeddings import encode_in_batches, load_encoder
from analytics.topics import default_umap, fit_topics, warm_up

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "data" / "bench_cache"
SEED = 42


def load_sets(sample: int | None) -> dict[str, pd.DataFrame]:
    """Each set as columns text, truth (sampled with a fixed seed when `sample` is given)."""
    banking = pd.read_csv(DATA / "banking77" / "train.csv").rename(columns={"category": "truth"})
    shop = pd.read_csv(DATA / "online_shopping_zh" / "dev.csv")
    shop = shop.assign(text=shop["review"].astype(str), truth=shop["cat"])
    sets = {
        "banking77": banking[["text", "truth"]],
        "shopping_zh": shop[["text", "truth"]],
        "shopping_zh_negative": shop[shop["label"] == 0][["text", "truth"]],
    }
    n_mixed = (sample or 6000) // 2
    sets["mixed"] = pd.concat(
        [
            sets["banking77"].sample(min(n_mixed, len(banking)), random_state=SEED),
            sets["shopping_zh_negative"]
            .sample(n_mixed, random_state=SEED)
            .assign(truth=lambda f: "zh_" + f["truth"]),
        ],
        ignore_index=True,
    )
    out = {}
    for name, frame in sets.items():
        if sample and len(frame) > sample:
            frame = frame.sample(sample, random_state=SEED)
        out[name] = frame.reset_index(drop=True)
    return out


def embeddings_for(model: str, name: str, texts: list[str], encoders: dict[str, object]) -> np.ndarray:
    digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:12]
    path = CACHE / f"{model.replace('/', '_').replace(':', '_')}-{name}-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path)
    if model not in encoders:
        encoders[model] = load_encoder(model)
    started = time.perf_counter()
    vectors = encode_in_batches(encoders[model], texts)  # type: ignore[arg-type]
    print(f"  encoded {len(texts)} texts with {model} in {time.perf_counter() - started:.0f}s", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def rectify(texts: list[str], vectors: np.ndarray, truth_k: int) -> np.ndarray:
    return fit_topics(texts, vectors, seed=SEED).documents["topic"].to_numpy()


def bertopic_default(texts: list[str], vectors: np.ndarray, truth_k: int) -> np.ndarray:
    from bertopic import BERTopic

    # Default settings; only UMAP is seeded, so the baseline is reproducible too.
    model = BERTopic(umap_model=default_umap(SEED, len(texts)))
    topics, _ = model.fit_transform(texts, vectors)
    return np.asarray(topics)


def tfidf_kmeans(texts: list[str], vectors: np.ndarray, truth_k: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analytics.tokenize import tokenize

    matrix = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, min_df=2).fit_transform(
        texts
    )
    return KMeans(n_clusters=truth_k, n_init=3, random_state=SEED).fit_predict(matrix)


METHODS: dict[str, Callable[[list[str], np.ndarray, int], np.ndarray]] = {
    "rectify": rectify,
    "bertopic_default": bertopic_default,
    "tfidf_kmeans": tfidf_kmeans,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, help="at most this many texts per set")
    parser.add_argument("--models", default="use-multilingual", help="comma-separated encoder names")
    parser.add_argument("--sets", default="banking77,shopping_zh,shopping_zh_negative,mixed")
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sets = load_sets(args.sample)
    print(f"warm-up (numba) {warm_up(max(len(f) for f in sets.values())):.1f}s", flush=True)
    encoders: dict[str, object] = {}
    rows = []
    for name in args.sets.split(","):
        frame = sets[name]
        texts = frame["text"].astype(str).tolist()
        truth = frame["truth"].to_numpy()
        k = int(frame["truth"].nunique())
        for model in args.models.split(","):
            vectors = embeddings_for(model, name, texts, encoders)
            for method in args.methods.split(","):
                if method == "tfidf_kmeans" and model != args.models.split(",")[0]:
                    continue  # does not use the embeddings
                started = time.perf_counter()
                labels = METHODS[method](texts, vectors, k)
                seconds = time.perf_counter() - started
                row = {
                    "set": name,
                    "n": len(texts),
                    "labels": k,
                    "model": model if method != "tfidf_kmeans" else "-",
                    "method": method,
                    "nmi": normalized_mutual_info_score(truth, labels),
                    "ari": adjusted_rand_score(truth, labels),
                    "outliers": float(np.mean(labels == -1)),
                    "topics": len(set(labels.tolist()) - {-1}),
                    "seconds": seconds,
                }
                rows.append(row)
                print(
                    f"{name:22s} {row['model']:18s} {method:17s} NMI {row['nmi']:.3f}  ARI {row['ari']:.3f}  "
                    f"outliers {row['outliers']:6.1%}  topics {row['topics']:4d}  {seconds:6.1f}s",
                    flush=True,
                )
    print()
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
