"""Time and peak memory of sampling a wave's invitations from a 1,000,000-user list.

Usage: python -m bench.sampling [--users 1000000] [--target 2000] [--rate 0.2] [--repeat 3] [--db-users 0]

A synthetic user list (64-character hex keys like the stored pseudonyms, region x plan x usage: 72
strata of unequal sizes) is sampled as the planner does (`analytics.sampling`: strata labels,
proportional allocation, invite counts, the seeded stratified draw). Baseline in the same run: a plain
simple random sample of the same number of invitations (`numpy.random.Generator.choice`), and pandas'
own stratified ``groupby().sample()``. Time is the best of ``--repeat`` runs; peak memory is what
``tracemalloc`` saw allocated during one run (numpy and pandas report their buffers to it) over the
list already in memory. With ``--db-users N`` the whole plan is also drawn end to end through
``services.sampling_plans.draft_plan`` on a temporary SQLite file holding N members (reading the list from
the database included).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import sampling

ATTRIBUTES = ("region", "plan", "usage")


def user_list(n: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic user list of n members: key, region (6), plan (3), usage (4), unequal shares."""
    rng = np.random.default_rng(seed)
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]
    return pd.DataFrame(
        {
            "user_key": pd.array(keys, dtype="string"),
            "region": pd.array(
                rng.choice(
                    ["north", "south", "east", "west", "centre", "abroad"],
                    n,
                    p=[0.3, 0.25, 0.2, 0.1, 0.1, 0.05],
                ),
                dtype="string",
            ),
            "plan": pd.array(rng.choice(["free", "pro", "team"], n, p=[0.7, 0.2, 0.1]), dtype="string"),
            "usage": pd.array(
                rng.choice(["light", "medium", "heavy", "power"], n, p=[0.4, 0.3, 0.2, 0.1]), dtype="string"
            ),
        }
    )


def stratified(frame: pd.DataFrame, target: int, rate: float, seed: int) -> np.ndarray:
    """The planner's path on a frame: labels, allocation, invite counts, the seeded draw."""
    strata = sampling.stratum_labels(frame, ATTRIBUTES)
    sizes = strata.value_counts().to_dict()
    table = sampling.allocate(sizes, target, {s: rate for s in sizes})
    invite = dict(zip(table["stratum"], table["invite"], strict=True))
    return sampling.draw(
        frame["user_key"].to_numpy(dtype=object), strata.to_numpy(dtype=object), invite, seed
    )


def pandas_groupby(frame: pd.DataFrame, invites: int, seed: int) -> pd.DataFrame:
    """Baseline: pandas' stratified sample at the overall invitation fraction."""
    return frame.groupby(list(ATTRIBUTES)).sample(frac=invites / len(frame), random_state=seed)


def measure(step: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best time of `repeat` runs (seconds) and the peak allocated during one run (MB)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20


def end_to_end(n: int, target: int, rate: float) -> tuple[float, float, int]:
    """draft_plan on a temporary SQLite file of n members: seconds, peak MB, invitations drawn."""
    from db import migrate
    from db.engine import make_engine, unit_of_work
    from db.population import replace_population
    from db.surveys import create_survey_from_template, open_wave
    from db.workspace import create_product, create_round
    from services.sampling_plans import PlanRequest, draft_plan

    frame = user_list(n, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            product = create_product(session, "Bench", "other")
            rnd = create_round(session, product.id, "R1")
            survey = create_survey_from_template(session, product.id, "S")
            wave = open_wave(session, survey.id, rnd.id, "follow_up", "W").id
            members = (
                (str(k), {"region": str(r), "plan": str(p), "usage": str(u)})
                for k, r, p, u in frame.itertuples(index=False)
            )
            replace_population(session, product.id, members)
        request = PlanRequest(wave, ATTRIBUTES, target, rate, seed=7)
        drawn = 0

        def plan() -> None:
            nonlocal drawn
            with unit_of_work(engine) as session:
                drawn = len(draft_plan(session, request).keys)

        seconds, peak = measure(plan, 1)
        engine.dispose()
    return seconds, peak, drawn


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--target", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db-users", type=int, default=0)
    args = parser.parse_args()

    build = time.perf_counter()
    frame = user_list(args.users)
    print(f"user list: {args.users:,} members, built in {time.perf_counter() - build:.1f} s (not counted)")
    picked = stratified(frame, args.target, args.rate, 7)
    again = stratified(frame, args.target, args.rate, 7)
    invites = len(picked)
    print(f"stratified plan: {invites:,} invitations over {frame.groupby(list(ATTRIBUTES)).ngroups} strata")
    print(f"same seed, same invitations: {np.array_equal(picked, again)}")
    rows = [
        ("simple random sample (baseline)", lambda: sampling.simple_random_sample(len(frame), invites, 7)),
        ("pandas groupby().sample (baseline)", lambda: pandas_groupby(frame, invites, 7)),
        ("planner: labels + allocation + seeded draw", lambda: stratified(frame, args.target, args.rate, 7)),
    ]
    print(f"{'step':<45} {'best s':>8} {'peak MB':>9}")
    for name, step in rows:
        seconds, peak = measure(step, args.repeat)
        print(f"{name:<45} {seconds:>8.3f} {peak:>9.1f}")
    if args.db_users:
        seconds, peak, drawn = end_to_end(args.db_users, args.target, args.rate)
        print(
            f"end to end, draft_plan on SQLite with {args.db_users:,} members: {seconds:.1f} s, "
            f"peak {peak:.0f} MB, {drawn:,} invitations"
        )


if __name__ == "__main__":
    main()
