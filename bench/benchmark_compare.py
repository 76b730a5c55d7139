"""Seconds and peak memory to compare a model benchmark before vs after a fix at scale.

Usage: python -m bench.benchmark_compare [--cases 100000] [--slices 20] [--classes 3] [--resamples 2000]

Draws `cases` test cases of `classes` labels (70 % right before, 80 % after), one slice column with
`slices` values, and latencies before and after; then times each step, and runs it again under
tracemalloc for its peak of traced memory (numpy's arrays included):

1. ``analytics.benchmark.compare`` on the counts only (accuracy, macro-F1, per-class precision,
   recall, specificity and F1, for all cases and every slice, McNemar, paired bootstrap, Holm);
2. the same with the latency median and p95 (paired bootstrap of the cases in chunks);
3. the baseline: the straightforward vectorised case bootstrap (draw ``resamples x cases`` indices,
   score both models on them) of one figure, the accuracy difference of all cases, in chunks of
   100 resamples so it fits in memory.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analytics import benchmark as bench


def cases_frame(n: int, slices: int, classes: int, seed: int = 1) -> pd.DataFrame:
    """Synthetic benchmark results (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)

    def predict(right: float) -> np.ndarray:
        wrong = (labels + rng.integers(1, classes, size=n)) % classes
        return np.where(rng.random(n) < right, labels, wrong)

    names = np.array([f"class_{i}" for i in range(classes)], dtype=object)
    return pd.DataFrame(
        {
            "label": names[labels],
            "before": names[predict(0.70)],
            "after": names[predict(0.80)],
            "slice": np.array([f"slice_{i:02d}" for i in range(slices)], dtype=object)[
                rng.integers(0, slices, size=n)
            ],
            "latency_before": rng.gamma(4.0, 60.0, size=n).round(1).astype(str),
            "latency_after": rng.gamma(4.0, 45.0, size=n).round(1).astype(str),
        }
    )


def measured(step: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds of one call, the peak traced MB of a second call (tracing slows Python), and its result."""
    start = time.perf_counter()
    out = step()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, out


def naive_accuracy_bootstrap(cases: bench.Cases, resamples: int, seed: int = 0) -> tuple[float, float]:
    """The baseline: resample case indices and score both models on each resample (one figure)."""
    rng = np.random.default_rng(seed)
    right_b = (cases.y == cases.before).astype(np.float32)
    right_a = (cases.y == cases.after).astype(np.float32)
    diffs = []
    for start in range(0, resamples, 100):
        picks = rng.integers(0, cases.n, size=(min(100, resamples - start), cases.n))
        diffs.append(right_a[picks].mean(axis=1) - right_b[picks].mean(axis=1))
    low, high = np.percentile(np.concatenate(diffs), [2.5, 97.5])
    return float(low), float(high)


def main() -> None:
    """Print the figures of each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--slices", type=int, default=20)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args()
    frame = cases_frame(args.cases, args.slices, args.classes)
    counts_only = bench.Columns("label", "before", "after", slices=("slice",))
    with_latency = bench.Columns(
        "label",
        "before",
        "after",
        slices=("slice",),
        latency_before="latency_before",
        latency_after="latency_after",
    )
    print(
        f"{args.cases:,} cases, {args.classes} labels, {args.slices} slices, "
        f"{args.resamples:,} bootstrap resamples"
    )
    seconds, peak, cases = measured(lambda: bench.prepare(frame, with_latency))
    print(f"check the file's columns (prepare):             {seconds:7.2f} s, peak {peak:7.1f} MB")
    seconds, peak, result = measured(
        lambda: bench.compare(bench.prepare(frame, counts_only), resamples=args.resamples)
    )
    print(f"compare, count metrics ({len(result.rows)} rows):        {seconds:7.2f} s, peak {peak:7.1f} MB")
    seconds, peak, result = measured(lambda: bench.compare(cases, resamples=args.resamples))
    print(
        f"compare, with latency median and p95 ({len(result.rows)} rows): {seconds:7.2f} s, peak {peak:7.1f} MB"
    )
    seconds, peak, interval = measured(lambda: naive_accuracy_bootstrap(cases, args.resamples))
    print(f"baseline: index bootstrap, 1 figure (accuracy diff): {seconds:7.2f} s, peak {peak:7.1f} MB")
    ours = result.row("accuracy")
    assert ours is not None
    print(
        f"accuracy diff 95% CI: ours [{ours['ci_low']:+.4f}, {ours['ci_high']:+.4f}], "
        f"baseline [{interval[0]:+.4f}, {interval[1]:+.4f}]"
    )


if __name__ == "__main__":
    main()
