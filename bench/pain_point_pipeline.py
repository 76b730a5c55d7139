"""End-to-end pain-point analysis (embed with cache + topics + store) on 20,000 and 100,000 items.

The corpus is synthesised from ../shared/data: half English (a banking77 text, often followed by a
second text of the same intent), half Chinese (one to three clauses of reviews of one product
category), at most 300 characters each. Each size runs in fresh processes on a fresh database:

- cold: a new process, empty embedding cache, numba not compiled, model not loaded;
- warm: a process that has loaded the encoder and compiled numba, with every embedding cached;
- reopen: loading the stored run, as the pain-points page does;
- incremental: 1,000 new items are embedded (only they) and placed in the existing topics by nearest
  centroid, stored as a new run (db.topic_runs.add_feedback_to_run), without refitting.

Wall time, the process's CPU time (user + system: what the work costs when the machine is shared),
peak memory (ru_maxrss) and the 1-minute load average are printed per phase.

    python -m bench.pain_point_pipeline --sizes 20000,100000
    python -m bench.pain_point_pipeline --sizes 2000 --database-url postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NEW_ITEMS = 1000


def synthesise(n: int, seed: int = 0) -> list[str]:
    """n feedback-like texts, half English, half Chinese, recombined from the development data."""
    rng = np.random.default_rng(seed)
    banking = pd.read_csv(DATA / "banking77" / "train.csv")
    by_intent = {c: g["text"].tolist() for c, g in banking.groupby("category")}
    intents = list(by_intent)
    shop = pd.read_csv(DATA / "online_shopping_zh" / "dev.csv")
    clauses: dict[str, list[str]] = {}
    for cat, group in shop.groupby("cat"):
        parts = [c.strip() for r in group["review"].astype(str) for c in re.split(r"[，。！？；,.!?~\s]+", r)]
        clauses[str(cat)] = [c for c in parts if 4 <= len(c) <= 60]
    cats = list(clauses)
    texts = []
    for _ in range(n):
        if rng.random() < 0.5:
            pool = by_intent[intents[rng.integers(len(intents))]]
            text = pool[rng.integers(len(pool))]
            if rng.random() < 0.7:
                text = f"{text} {pool[rng.integers(len(pool))]}"
        else:
            pool = clauses[cats[rng.integers(len(cats))]]
            text = "，".join(pool[rng.integers(len(pool))] for _ in range(int(rng.integers(1, 4)))) + "。"
        texts.append(text[:300])
    return texts


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds of this process: on a shared machine this, not wall time, shows the work done."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare(url: str, n: int) -> int:
    """A migrated database with one product holding n feedback items; returns the product id."""
    from sqlalchemy import insert

    from analytics.hashing import content_hash, key_hash
    from db.engine import make_engine, unit_of_work
    from db.migrate import upgrade
    from db.models import Feedback
    from db.workspace import create_product

    engine = make_engine(url)
    upgrade(engine)
    texts = synthesise(n)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with unit_of_work(engine) as session:
        product = create_product(session, f"Bench {n} {time.time_ns()}", "finance")
        rows = [
            {
                "product_id": product.id,
                "channel": "in_app",
                "text": t,
                "created_at": now,
                "content_hash": content_hash(t),
                "dedup_key": key_hash(product.id, i, t),
            }
            for i, t in enumerate(texts)
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Feedback), rows[start : start + 5000])
        product_id = product.id
    engine.dispose()
    return product_id


def _feedback(session, product_id: int) -> pd.DataFrame:
    from sqlalchemy import select

    from db.models import Feedback

    rows = session.execute(
        select(Feedback.id, Feedback.text, Feedback.content_hash)
        .where(Feedback.product_id == product_id)
        .order_by(Feedback.id)
    ).all()
    return pd.DataFrame(rows, columns=["feedback_id", "text", "content_hash"])


def phase(url: str, product_id: int, name: str, model: str) -> dict[str, float]:
    """Run one phase in this process and return its figures."""
    from analytics.embeddings import load_encoder
    from analytics.topics import warm_up
    from db.engine import make_engine, unit_of_work
    from db.topic_runs import latest_run
    from services.pain_points import add_feedback_to_run, analyse_feedback

    engine = make_engine(url)
    out: dict[str, float] = {"load_avg_1min_start": os.getloadavg()[0]}
    started = time.perf_counter()
    cpu_start = cpu_s()
    if name == "warm":
        encoder = load_encoder(model)
        with unit_of_work(engine) as session:
            warm_up(len(_feedback(session, product_id)))
        started = time.perf_counter()
        cpu_start = cpu_s()
    else:
        encoder = load_encoder(model)
        out["encoder_load_s"] = time.perf_counter() - started
    with unit_of_work(engine) as session:
        feedback = _feedback(session, product_id)
        _, result = analyse_feedback(session, product_id, feedback, encoder, seed=42)
    out["pipeline_s"] = time.perf_counter() - started
    out["pipeline_cpu_s"] = cpu_s() - cpu_start
    out["items"] = len(feedback)
    out["topics"] = len(result.topics)
    out["outliers"] = result.outlier_share
    out["peak_mb"] = peak_mb()
    if name == "warm":
        step = time.perf_counter()
        with unit_of_work(engine) as session:
            stored = latest_run(session, product_id)
        out["reopen_s"] = time.perf_counter() - step
        assert stored is not None
        from sqlalchemy import insert

        from analytics.hashing import content_hash, key_hash
        from db.models import Feedback

        new_texts = synthesise(NEW_ITEMS, seed=99)
        with unit_of_work(engine) as session:
            session.execute(
                insert(Feedback),
                [
                    {
                        "product_id": product_id,
                        "channel": "in_app",
                        "text": t,
                        "created_at": datetime(2026, 11, 2, tzinfo=UTC),
                        "content_hash": content_hash(t),
                        "dedup_key": key_hash(product_id, "new", i, t),
                    }
                    for i, t in enumerate(new_texts)
                ],
            )
        step = time.perf_counter()
        cpu_start = cpu_s()
        with unit_of_work(engine) as session:
            feedback = _feedback(session, product_id)
            known = set(stored.assignments["feedback_id"])
            add_feedback_to_run(session, product_id, feedback[~feedback["feedback_id"].isin(known)], encoder)
        out["incremental_s"] = time.perf_counter() - step
        out["incremental_cpu_s"] = cpu_s() - cpu_start
        out["peak_mb_after_incremental"] = peak_mb()
    out["load_avg_1min_end"] = os.getloadavg()[0]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--model", default="use-multilingual")
    parser.add_argument("--database-url", help="default: a new SQLite file per size in a temp folder")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--product", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        logging.basicConfig(
            level=logging.INFO, format="    %(relativeCreated)7.0fms %(message)s", stream=sys.stderr
        )
        for noisy in ("numba", "jieba", "sentence_transformers", "transformers"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        print(json.dumps(phase(args.url, args.product, args.phase, args.model)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            url = args.database_url or f"sqlite:///{Path(tmp) / f'bench_{size}.db'}"
            step = time.perf_counter()
            product = prepare(url, size)
            print(
                f"\n{size} items: corpus synthesised and stored in {time.perf_counter() - step:.0f}s",
                flush=True,
            )
            for name in ("cold", "warm"):
                command = [sys.executable, "-m", "bench.pain_point_pipeline", "--phase", name]
                command += ["--product", str(product), "--url", url, "--model", args.model]
                done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
                if done.returncode != 0:
                    print(done.stderr[-3000:])
                    raise SystemExit(f"phase {name} failed")
                stages = [line for line in done.stderr.splitlines() if "ms " in line and "Warn" not in line]
                print("\n".join(stages))
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"  {name}: " + ", ".join(f"{k} {v:.3g}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
