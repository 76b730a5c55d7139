"""Past one machine: the cost of fitting on a sample, and the analysis on Dask workers.

Three measurements, each printed with its baseline in the same run:

``quality``: the adjusted Rand index (ARI) between a fit on a stratified sample with every other item
placed (analytics.sample_fit) and a full fit (every item through UMAP and HDBSCAN:
``max_fit_docs`` = the corpus), on the same embeddings, plus each one's ARI against the data's labels.
The baseline is how well two full fits with different seeds agree: UMAP and HDBSCAN are not stable
across seeds, so a sample fit can only be asked to agree with a full fit about as well as another
full fit does. Each of ``--seeds`` gives a full fit and, per sample size, a sample fit (sample and
UMAP seeded alike); every sample fit is compared with every full fit.
Corpora: ../shared/data (banking77 + online_shopping_zh, 23,927 texts, USE embeddings) and a
synthesised corpus of ``--synthetic`` items (default 1,000,000), whose full fit runs on the largest
size a full fit manages here (``--full-size``, default 100,000 of its items, compared on those).
The synthesised texts are recombined texts of the development data (one or two banking77 texts of
one intent; one or two online_shopping_zh reviews of one category). **Their vectors are composed,
not encoded**: each development text is encoded once with USE and a synthesised text's vector is the
normalised sum of its parts' vectors (USE encodes about 500 of these texts a second on the 2 free
cores: 1,000,000 would add half an hour to every run of this bench).
Strata: a channel (4), the language of the source and a month (12), drawn at random per item.

``workers``: the embedding stage of services.scale on a local Dask cluster of 1 and then 2 worker
processes of one encoder thread each (``--threads``), ``--items`` synthesised texts (default
200,000; real USE encoding, written to a fresh SQLite cache), items/s and the peak memory of each
worker.

``end-to-end``: ``python -m jobs.topics``' work (services.scale.analyse_at_scale) on ``--items`` items
stored in a fresh SQLite database (or, with ``--postgres URL``, a fresh database on that server):
stage times and the peak memory of the main process and each worker.

    nice -n 10 python -m bench.scale quality --synthetic 1000000 --full-size 50000
    nice -n 10 python -m bench.scale workers --items 200000
    nice -n 10 python -m bench.scale end-to-end --items 1000000 --workers 2 [--postgres URL]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = Path(tempfile.gettempdir()) / "rectify_bench_scale"
CHANNELS = ("in_app", "survey_comment", "customer_service", "community")


def peak_mb() -> float:
    """Peak resident memory of this process, MB (also run on each worker by client.run)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _encode_cached(name: str, texts: list[str]) -> np.ndarray:
    """USE vectors of `texts`, kept in a temp folder between runs of this bench."""
    from analytics.embeddings import encode_in_batches, load_encoder

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{name}_{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    vectors = encode_in_batches(load_encoder("use-multilingual"), texts, batch_size=256)
    print(
        f"  encoded {len(texts):,} texts of {name} with USE in {time.perf_counter() - started:.0f}s",
        flush=True,
    )
    np.save(path, vectors)
    return vectors


def _strata(n: int, languages: np.ndarray, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "channel": np.asarray(CHANNELS)[rng.integers(len(CHANNELS), size=n)],
            "language": languages,
            "month": np.asarray([f"2026-{m:02d}" for m in range(1, 13)])[rng.integers(12, size=n)],
        }
    )


def shared_corpus() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, labels and languages of ../shared/data."""
    banking = pd.read_csv(DATA / "banking77" / "train.csv")
    shop = pd.read_csv(DATA / "online_shopping_zh" / "dev.csv")
    texts = banking["text"].astype(str).tolist() + shop["review"].astype(str).tolist()
    labels = np.asarray(["en:" + c for c in banking["category"]] + ["zh:" + c for c in shop["cat"]])
    languages = np.asarray(["en"] * len(banking) + ["zh"] * len(shop))
    return texts, labels, languages


def synthetic_corpus(
    n: int, seed: int = 0, *, with_vectors: bool = True
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """n recombined texts, their labels, languages and composed USE vectors (module docstring).

    With `with_vectors` False the vectors are all zeros and one column wide (the texts are encoded
    for real by the workers).
    """
    rng = np.random.default_rng(seed)
    parts, labels_of_parts, _ = shared_corpus()
    part_vectors = _encode_cached("shared", parts) if with_vectors else np.zeros((len(parts), 1), np.float32)
    groups = {g: np.flatnonzero(labels_of_parts == g) for g in np.unique(labels_of_parts)}
    english_groups = [g for g in groups if g.startswith("en:")]
    chinese_groups = [g for g in groups if g.startswith("zh:")]
    english = rng.random(n) < 0.5
    texts: list[str] = []
    labels = np.empty(n, dtype=object)
    vectors = np.zeros((n, part_vectors.shape[1]), dtype=np.float32)
    for i in range(n):
        if english[i]:
            group = english_groups[rng.integers(len(english_groups))]
            chosen = rng.choice(groups[group], size=1 + int(rng.random() < 0.7))
            texts.append(" ".join(parts[j] for j in chosen))
        else:
            group = chinese_groups[rng.integers(len(chinese_groups))]
            chosen = rng.choice(groups[group], size=int(rng.integers(1, 3)))
            texts.append("".join(parts[j] for j in chosen)[:300])
        labels[i] = group
        vectors[i] = part_vectors[chosen].sum(axis=0)
    if with_vectors:
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return texts, labels.astype(str), np.where(english, "en", "zh"), vectors


def _largest(topics: np.ndarray) -> str:
    clustered = topics[topics >= 0]
    return f"largest topic {np.bincount(clustered).max() / len(topics):.0%}" if len(clustered) else "no topic"


def _spread(values: list[float]) -> str:
    return f"{np.mean(values):.3f} (range {min(values):.3f}-{max(values):.3f}, {len(values)} pairs)"


def _compare(
    name: str,
    texts: list[str],
    labels: np.ndarray,
    vectors: np.ndarray,
    strata: pd.DataFrame,
    full_rows: np.ndarray,
    samples: list[int],
    seeds: list[int],
) -> None:
    """Full fits with each seed (the baseline: how well two full fits agree), then sample fits."""
    from itertools import combinations

    from sklearn.metrics import adjusted_rand_score

    from analytics.corpus_sample import stratified_sample
    from analytics.sample_fit import fit_sample_and_place
    from analytics.topics import fit_topics

    truth = labels[full_rows]
    full: dict[int, np.ndarray] = {}
    for seed in seeds:
        started = time.perf_counter()
        fit = fit_topics(
            [texts[i] for i in full_rows], vectors[full_rows], max_fit_docs=len(full_rows), seed=seed
        )
        full[seed] = fit.documents["topic"].to_numpy()
        print(
            f"  {name}: full fit of {len(full_rows):,} items, seed {seed}: {len(fit.topics)} topics, "
            f"{fit.outlier_share:.1%} unclustered, {_largest(full[seed])}, ARI vs labels "
            f"{adjusted_rand_score(truth, full[seed]):.3f}, {time.perf_counter() - started:.0f}s",
            flush=True,
        )
    baseline = [adjusted_rand_score(full[a], full[b]) for a, b in combinations(seeds, 2)]
    if baseline:
        print(f"  {name}: BASELINE full fit vs full fit, other seed: ARI {_spread(baseline)}", flush=True)
    for size in samples:
        versus_full: list[float] = []
        fitted_part: list[float] = []  # the compared items that were in the sample
        placed_part: list[float] = []  # the compared items that were placed
        for seed in seeds:
            started = time.perf_counter()
            rows = stratified_sample(strata, size, seed=seed)
            placed = fit_sample_and_place(texts, vectors, rows, seed=seed)
            took = time.perf_counter() - started
            ours = placed.documents["topic"].to_numpy()[full_rows]
            versus_full += [adjusted_rand_score(full[s], ours) for s in seeds]
            in_sample = np.isin(full_rows, rows)
            fitted_part += [adjusted_rand_score(full[s][in_sample], ours[in_sample]) for s in seeds]
            placed_part += [adjusted_rand_score(full[s][~in_sample], ours[~in_sample]) for s in seeds]
            print(
                f"  {name}: sample {len(rows):,} of {len(texts):,}, seed {seed}, + placing the rest: "
                f"{len(placed.topics)} topics, {placed.outlier_share:.1%} unclustered, {_largest(ours)}, ARI vs labels "
                f"{adjusted_rand_score(truth, ours):.3f}, {took:.0f}s",
                flush=True,
            )
        print(
            f"  {name}: SAMPLE {size:,} + placing vs full fit: ARI {_spread(versus_full)}; "
            f"on the sampled items alone {np.mean(fitted_part):.3f}, on the placed items alone "
            f"{np.mean(placed_part):.3f}",
            flush=True,
        )


def quality(args: argparse.Namespace) -> None:
    """ARI of sample-fit-and-place against a full fit (module docstring)."""
    from analytics.topics import warm_up

    warm_up(10_000)
    samples = [int(s) for s in args.samples.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    texts, labels, languages = shared_corpus()
    vectors = _encode_cached("shared", texts)
    strata = _strata(len(texts), languages, seed=1)
    print(f"../shared/data: {len(texts):,} texts (USE)", flush=True)
    _compare(
        "shared",
        texts,
        labels,
        vectors,
        strata,
        np.arange(len(texts)),
        [s for s in samples if s < len(texts)],
        seeds,
    )
    if args.synthetic:
        started = time.perf_counter()
        texts, labels, languages, vectors = synthetic_corpus(args.synthetic)
        print(
            f"synthetic: {len(texts):,} texts, vectors composed from USE parts in "
            f"{time.perf_counter() - started:.0f}s; peak {peak_mb():.0f} MB",
            flush=True,
        )
        strata = _strata(len(texts), languages, seed=2)
        full_rows = np.arange(min(args.full_size, len(texts)))  # the items are in random order
        _compare("synthetic", texts, labels, vectors, strata, full_rows, samples, seeds)


def _load_encoder(threads: int) -> None:
    """Load USE on a worker before timing starts (run by client.run on every worker)."""
    from services.scale import _worker_encoder

    _worker_encoder("use-multilingual", threads)


def _store_corpus(url: str, texts: list[str], languages: np.ndarray) -> int:
    from sqlalchemy import insert

    from analytics.hashing import content_hash, key_hash
    from db.engine import make_engine, unit_of_work
    from db.migrate import upgrade
    from db.models import Feedback
    from db.workspace import create_product

    engine = make_engine(url)
    upgrade(engine)
    rng = np.random.default_rng(3)
    with unit_of_work(engine) as session:
        product = create_product(session, f"Bench {len(texts)}", "finance")
        product_id = product.id
    for start in range(0, len(texts), 20_000):
        with unit_of_work(engine) as session:
            session.execute(
                insert(Feedback),
                [
                    {
                        "product_id": product_id,
                        "channel": CHANNELS[int(rng.integers(len(CHANNELS)))],
                        "language": str(languages[i]),
                        "text": texts[i],
                        "created_at": datetime(2026, int(rng.integers(1, 13)), 1, tzinfo=UTC),
                        "content_hash": content_hash(texts[i]),
                        "dedup_key": key_hash(product_id, i, texts[i]),
                    }
                    for i in range(start, min(start + 20_000, len(texts)))
                ],
            )
    engine.dispose()
    return int(product_id)


def workers(args: argparse.Namespace) -> None:
    """Embedding items/s on 1 and 2 local workers (module docstring)."""
    from analytics.embeddings import load_encoder
    from db.engine import make_engine, unit_of_work
    from db.feedback import scope_feedback
    from services import scale

    texts, _, languages, _ = synthetic_corpus(args.items, seed=5, with_vectors=False)
    model_id = load_encoder("use-multilingual").model_id
    for n_workers in [int(w) for w in args.counts.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            product_id = _store_corpus(url, texts, languages)
            with unit_of_work(make_engine(url)) as session:
                frame = scope_feedback(session, product_id)
            with scale.dask_client(n_workers) as client:
                client.run(_load_encoder, args.threads)
                load = os.getloadavg()[0]
                started = time.perf_counter()
                done = scale.embed_missing(
                    client, url, "use-multilingual", model_id, frame, threads=args.threads
                )
                took = time.perf_counter() - started
                peaks = client.run(peak_mb)
            print(
                f"  {n_workers} worker(s): {done:,} texts encoded and cached in {took:.0f}s = "
                f"{done / took:,.0f} items/s ({done / took / n_workers:,.0f} per worker); worker peak memory "
                + ", ".join(f"{p:,.0f} MB" for p in peaks.values())
                + f"; load average at start {load:.1f}",
                flush=True,
            )


@contextmanager
def _database(postgres_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh SQLite file in `folder`, or a fresh database on the PostgreSQL server of `postgres_url`."""
    if postgres_url is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rectify_bench_{os.getpid()}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _store_synthetic(url: str, items: int, seed: int) -> int:
    texts, _, languages, _ = synthetic_corpus(items, seed=seed, with_vectors=False)
    return _store_corpus(url, texts, languages)


def end_to_end(args: argparse.Namespace) -> None:
    """The whole large-corpus analysis on the workers (module docstring)."""
    from concurrent.futures import ProcessPoolExecutor

    from db.engine import make_engine
    from services import scale

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp, _database(args.postgres, Path(tmp)) as url:
        started = time.perf_counter()
        # Synthesised and stored by a child process, so this process's peak memory is the analysis's.
        with ProcessPoolExecutor(1) as child:
            product_id = child.submit(_store_synthetic, url, args.items, 7).result()
        print(
            f"  stored {args.items:,} synthesised items in {time.perf_counter() - started:.0f}s; "
            f"main peak so far {peak_mb():,.0f} MB",
            flush=True,
        )
        stage_start: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if done == 0:
                stage_start[stage] = now
                print(f"  {stage} started ({total:,})", flush=True)
            elif done == total:
                print(
                    f"  {stage} done: {total:,} in {now - stage_start[stage]:.0f}s; main peak {peak_mb():,.0f} MB",
                    flush=True,
                )
            elif stage == "embed" and done % 100_000 < scale.CHUNK:
                rate = done / (now - stage_start[stage])
                print(
                    f"    embed {done:,}/{total:,} ({rate:,.0f} items/s, load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )

        engine = make_engine(url)
        started = time.perf_counter()
        with scale.dask_client(args.workers) as client:
            summary = scale.analyse_at_scale(
                engine, product_id, None, "use-multilingual", client, progress=progress
            )
            peaks = client.run(peak_mb)
        print(
            f"  end to end: {summary.items:,} items, {summary.topics} topics, {summary.outlier_share:.1%} unclustered, "
            f"in {time.perf_counter() - started:.0f}s; peak memory: main {peak_mb():,.0f} MB, workers "
            + ", ".join(f"{p:,.0f} MB" for p in peaks.values()),
            flush=True,
        )


def main() -> None:
    """Command line (module docstring)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--samples", default="5000,10000,30000", help="sample sizes to fit on")
    q.add_argument("--synthetic", type=int, default=1_000_000, help="0 skips the synthesised corpus")
    q.add_argument("--full-size", type=int, default=100_000)
    q.add_argument(
        "--seeds",
        default="42,7,1",
        help="a full fit and a sample fit per seed; pairs of full fits are the baseline",
    )
    w = sub.add_parser("workers")
    w.add_argument("--items", type=int, default=200_000)
    w.add_argument("--counts", default="1,2")
    w.add_argument("--threads", type=int, default=1, help="encoder threads per worker (one core each)")
    e = sub.add_parser("end-to-end")
    e.add_argument("--items", type=int, default=1_000_000)
    e.add_argument("--workers", type=int, default=2)
    e.add_argument("--tmp", default=None, help="folder for the database (default: the system's temp)")
    e.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a fresh database made (and dropped) on this PostgreSQL server instead of SQLite, "
        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    modes: dict[str, Any] = {"quality": quality, "workers": workers, "end-to-end": end_to_end}
    modes[args.mode](args)


if __name__ == "__main__":
    main()
