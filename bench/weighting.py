"""Does weighting recover the population's satisfaction, and what does weighting a 1,000,000-user list cost?

Usage: python -m bench.weighting [--seeds 500] [--respondents 400] [--users 1000000]

1. Simulation (a known population): 20,000 users, 20 % heavy users; heavy users rate higher (mean
   about 4.2 on 1-5 against 3.4) and are four times as likely to answer. Per seed, 400 respondents are
   drawn with those odds; the unweighted mean with its t interval and the weighted mean (raking on usage
   and region, capped at 5x the mean, ``analytics.weights``) with its interval on the Kish effective n
   (as the before/after page tests: ``DescrStatsW`` on weights scaled to the effective n) are checked
   against the population's true mean. Printed: the coverage of each 95 % interval over the seeds, the
   mean bias, the mean design effect. The unweighted figure is the baseline.
2. Scale: a user list of ``--users`` rows (region x plan x usage). Timed, with peak traced memory
   (tracemalloc; numpy and pandas report to it): the baseline of counting the list's margins with
   pandas, raking 20,000 respondents to it, raking the whole list to it (its own margins: the worst
   case), post-stratifying 20,000 respondents on the three-way cells. tracemalloc does not see Arrow's
   memory (pandas' string columns), so the growth of the process's maximum RSS is printed beside it
   (0 when a step stays below an earlier peak). ``--seeds 0`` or ``--users 0`` skips a part.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from analytics.weights import compute_weights, effective_n


def population(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    usage = rng.choice(["heavy", "light"], n, p=[0.2, 0.8])
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    plan = rng.choice(["free", "plus", "pro"], n, p=[0.6, 0.3, 0.1])
    latent = np.where(usage == "heavy", 4.2, 3.4) + rng.normal(0, 0.9, n)
    rating = np.clip(np.round(latent), 1, 5)
    return pd.DataFrame(
        {
            "user_key": np.arange(n).astype(str),
            "usage": usage,
            "region": region,
            "plan": plan,
            "rating": rating,
        }
    )


def simulate(seeds: int, respondents: int) -> None:
    pop = population(20_000)
    truth = float(pop["rating"].mean())
    odds = np.where(pop["usage"] == "heavy", 4.0, 1.0)
    covered = {"unweighted": 0, "weighted": 0}
    bias: dict[str, list[float]] = {"unweighted": [], "weighted": []}
    deffs = []
    for seed in range(seeds):
        sample = pop.sample(respondents, weights=odds, random_state=seed)
        x = sample["rating"].to_numpy()
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        covered["unweighted"] += int(low <= truth <= high)
        bias["unweighted"].append(x.mean() - truth)
        w = compute_weights(sample, pop, ["usage", "region"], trim=5.0)
        weights = w.weights.to_numpy()
        described = DescrStatsW(x, weights=weights * effective_n(weights) / weights.sum())
        low, high = described.tconfint_mean(alpha=0.05)
        covered["weighted"] += int(low <= truth <= high)
        bias["weighted"].append(described.mean - truth)
        deffs.append(w.design_effect)
    print(
        f"population mean rating {truth:.3f}; {seeds} seeds of {respondents} respondents, heavy users 4x as likely to answer"
    )
    for name in ("unweighted", "weighted"):
        print(
            f"  {name:10s}: 95% interval covers the population mean in {100 * covered[name] / seeds:5.1f}% of seeds; "
            f"mean bias {np.mean(bias[name]):+.3f}"
        )
    print(
        f"  mean design effect (Kish) {np.mean(deffs):.2f}, mean effective n {respondents / np.mean(deffs):.0f}"
    )


def measured(label: str, work: Callable[[], Any]) -> Any:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(f"  {label:58s} {seconds:7.2f} s   traced peak {peak / 2**20:5.0f} MiB   max RSS +{grown:5.0f} MiB")
    return result


def scale(users: int) -> None:
    pop = population(users, seed=1).drop(columns="rating")
    by = ["region", "plan", "usage"]
    print(f"user list of {users:,} users, attributes {', '.join(by)}")
    odds = np.where(pop["usage"] == "heavy", 4.0, 1.0)
    sample = pop.sample(20_000, weights=odds, random_state=1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process max RSS once the list and a 20,000 sample are built: {rss:.0f} MiB")
    measured(
        "baseline: margins of the list (pandas value_counts)", lambda: [pop[c].value_counts() for c in by]
    )
    measured("rake 20,000 respondents to the list", lambda: compute_weights(sample, pop, by))
    measured(
        "post-stratify 20,000 respondents (3-way cells)",
        lambda: compute_weights(sample, pop, by, method="poststratify"),
    )
    measured(f"rake all {users:,} users to the list's own margins", lambda: compute_weights(pop, pop, by))
    print(
        f"  process max RSS at the end: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


def main() -> None:
    """Run the simulation and the scale test; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--respondents", type=int, default=400)
    parser.add_argument("--users", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.seeds:
        simulate(args.seeds, args.respondents)
    if args.users:
        scale(args.users)


if __name__ == "__main__":
    main()
