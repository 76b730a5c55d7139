"""False alerts and detection delay of the monitoring detectors on simulated feedback streams.

Usage: python -m bench.monitoring [--reps 20] [--weeks 52] [--seed 7]

Topic spikes: `TOPICS` topics with stable Poisson daily counts (rates below) plus unclustered items,
watched with the chosen parameters (analytics.detectors.MonitorParams defaults: recent 7 days vs
the 28 before, score test of the Poisson rate ratio, Holm, minimum count 5). Printed beside two
baselines computed on the same streams: the same test without Holm, and a naive rule with no test
(recent share at least 1.5 times the baseline share, same minimum count).

- False alerts per 100 topic-weeks: weekly runs on stable streams (every alert is false), and for
  daily runs the alert *episodes* (an alert opens when a topic is found after a run that did not
  find it: what is stored once per topic and kind).
- Detection delay: one topic's rate is multiplied by 2 or 3 from a given day on; daily runs; the
  days until the first run that alerts on it (runs at the end of each day; not found within 28 days
  counts as missed).

Rating drop: an EWMA chart (lambda 0.2, L 3) of daily mean in-app ratings, 20 ratings a day, against
a Shewhart chart of the daily mean (lambda 1, L 3) as baseline: false alerts per 100 weekly runs on
stable ratings, and days to detect a drop of the mean rating by 0.3 and 0.5 points.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from analytics.detectors import MonitorParams, ewma_control, topic_spikes

RATES = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0)  # items per day of each topic
TOPICS = len(RATES)
UNCLUSTERED = 5.0  # analysed items a day in no topic
MAX_DELAY = 28

Detector = Callable[[dict[str, int], dict[str, int], int, int], set[str]]


def holm(params: MonitorParams) -> Detector:
    """The chosen detector: score test, Holm across topics, minimum count."""

    def run(recent: dict[str, int], base: dict[str, int], rt: int, bt: int) -> set[str]:
        frame = topic_spikes(recent, base, rt, bt, params)
        return set(frame.loc[frame["alert"], "topic_key"])

    return run


def unadjusted(params: MonitorParams) -> Detector:
    """Baseline: the same test, each topic at alpha without Holm."""

    def run(recent: dict[str, int], base: dict[str, int], rt: int, bt: int) -> set[str]:
        frame = topic_spikes(recent, base, rt, bt, params)
        hit = frame["tested"] & (frame["p_val"] < params.alpha) & (frame["ratio"] > 1)
        return set(frame.loc[hit, "topic_key"])

    return run


def naive(params: MonitorParams, factor: float = 1.5) -> Detector:
    """Baseline with no test: recent share at least `factor` times the baseline share."""

    def run(recent: dict[str, int], base: dict[str, int], rt: int, bt: int) -> set[str]:
        out = set()
        for key, r in recent.items():
            b = base.get(key, 0)
            if r >= params.min_count and (b == 0 or (r / rt) >= factor * (b / bt)):
                out.add(key)
        return out

    return run


def stream(rng: np.random.Generator, days: int, spike: tuple[int, int, float] | None = None) -> np.ndarray:
    """Daily counts, shape (days, topics + 1); the last column is unclustered items."""
    rates = np.tile(np.asarray([*RATES, UNCLUSTERED]), (days, 1))
    if spike is not None:
        topic, start, factor = spike
        rates[start:, topic] *= factor
    return rng.poisson(rates)


def window_counts(
    counts: np.ndarray, end: int, params: MonitorParams
) -> tuple[dict[str, int], dict[str, int], int, int]:
    """Topic counts and totals of the recent window ending after day `end` and its baseline."""
    recent = counts[end - params.recent_days + 1 : end + 1]
    base = counts[end - params.recent_days - params.baseline_days + 1 : end - params.recent_days + 1]
    r = {f"t{k}": int(recent[:, k].sum()) for k in range(TOPICS)}
    b = {f"t{k}": int(base[:, k].sum()) for k in range(TOPICS)}
    return r, b, int(recent.sum()), int(base.sum())


def false_alerts(
    detectors: dict[str, Detector], params: MonitorParams, reps: int, weeks: int, seed: int
) -> None:
    """Print false alerts per 100 topic-weeks on stable streams, weekly runs and daily episodes."""
    warm = params.recent_days + params.baseline_days
    weekly = dict.fromkeys(detectors, 0)
    episodes = dict.fromkeys(detectors, 0)
    topic_weeks = reps * weeks * TOPICS
    for rep in range(reps):
        counts = stream(np.random.default_rng(seed + rep), warm + 7 * weeks)
        for name, detect in detectors.items():
            before: set[str] = set()
            for day in range(warm - 1, warm + 7 * weeks - 1):
                found = detect(*window_counts(counts, day, params))
                episodes[name] += len(found - before)
                before = found
                if (day - warm + 1) % 7 == 6:
                    weekly[name] += len(found)
    print(f"\nFalse alerts per 100 topic-weeks, stable streams ({reps} x {weeks} weeks x {TOPICS} topics):")
    print(f"  {'detector':<34}{'weekly runs':>12}{'daily runs (episodes)':>24}")
    for name in detectors:
        print(
            f"  {name:<34}{100 * weekly[name] / topic_weeks:>12.2f}{100 * episodes[name] / topic_weeks:>24.2f}"
        )


def delays(detectors: dict[str, Detector], params: MonitorParams, reps: int, seed: int) -> None:
    """Print days to detect a x2 and x3 spike of a slow (2/day) and a middling (5/day) topic."""
    warm = params.recent_days + params.baseline_days + 14
    print(
        f"\nDetection delay in days after a spike starts (daily runs, {reps} streams each; missed: none in {MAX_DELAY} days):"
    )
    print(f"  {'detector':<34}{'topic':>10}{'x':>4}{'median':>8}{'mean':>7}{'<=7 d':>8}{'missed':>8}")
    for topic in (0, 3):
        for factor in (2.0, 3.0):
            for name, detect in detectors.items():
                found_after = []
                for rep in range(reps):
                    rng = np.random.default_rng(seed + 1000 * rep + int(10 * factor) + topic)
                    counts = stream(rng, warm + MAX_DELAY, (topic, warm, factor))
                    delay = None
                    for day in range(warm, warm + MAX_DELAY):
                        if f"t{topic}" in detect(*window_counts(counts, day, params)):
                            delay = day - warm + 1
                            break
                    found_after.append(delay)
                hits = np.asarray([d for d in found_after if d is not None], dtype=float)
                median = f"{np.median(hits):.0f}" if len(hits) else "-"
                mean = f"{hits.mean():.1f}" if len(hits) else "-"
                within = 100 * np.mean([d is not None and d <= 7 for d in found_after])
                missed = 100 * np.mean([d is None for d in found_after])
                rate = f"{RATES[topic]:g}/day"
                print(
                    f"  {name:<34}{rate:>10}{factor:>4.0f}{median:>8}{mean:>7}{within:>7.0f}%{missed:>7.0f}%"
                )


def rating_chart(params: MonitorParams, reps: int, weeks: int, seed: int) -> None:
    """Print the EWMA chart's false alerts and drop detection against a Shewhart chart of daily means."""
    probabilities = np.asarray([0.05, 0.07, 0.15, 0.33, 0.40])  # 1..5 stars, mean 3.96
    per_day = 20
    charts = {
        f"EWMA lambda {params.ewma_lambda}, L {params.ewma_l} (chosen)": params,
        "Shewhart daily mean, L 3 (baseline)": MonitorParams(ewma_lambda=1.0, ewma_l=3.0),
    }

    def day_frame(rng: np.random.Generator, days: int, shift: float) -> pd.DataFrame:
        stars = rng.choice(np.arange(1, 6), size=(days, per_day), p=probabilities).astype(float)
        if shift:  # one star fewer for a share `shift` of ratings: the mean drops by about `shift`
            stars = np.clip(stars - (rng.random((days, per_day)) < shift), 1, 5)
        return pd.DataFrame(
            {"day": np.repeat([f"d{i:03d}" for i in range(days)], per_day), "rating": stars.ravel()}
        )

    print(
        f"\nRating drop: {per_day} in-app ratings a day, baseline {params.baseline_days} days, recent {params.recent_days}:"
    )
    for name, chart_params in charts.items():
        rng = np.random.default_rng(seed)
        alarms = 0
        for _ in range(reps * weeks // 4):
            base = day_frame(rng, params.baseline_days, 0)["rating"].tolist()
            alarms += ewma_control(base, day_frame(rng, params.recent_days, 0), chart_params).alert
        runs = reps * weeks // 4
        line = f"  {name:<40} false alerts per 100 weekly runs {100 * alarms / runs:5.2f}"
        for shift in (0.3, 0.5):
            found = []
            for _ in range(reps):
                base = day_frame(rng, params.baseline_days, 0)["rating"].tolist()
                recent = day_frame(rng, params.recent_days, shift)
                result = ewma_control(base, recent, chart_params)
                first = next((i + 1 for i, d in enumerate(result.days) if d["ewma"] < d["lcl"]), None)
                found.append(first)
            hits = [d for d in found if d is not None]
            median = f"{np.median(hits):.0f}" if hits else "-"
            line += f" | drop {shift}: found {100 * len(hits) / reps:3.0f}% within {params.recent_days} d, median day {median}"
        print(line)


def _no_collect(generation: int = 2) -> int:
    return 0


def main() -> None:
    """Run the simulations and print the figures with the parameters used."""
    parser = argparse.ArgumentParser(prog="python -m bench.monitoring")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # statsmodels' Holm step calls gc.collect() on every call: 0.2 s in a process holding pandas,
    # harmless once per product in the job, hours over this simulation's runs. The figures do not
    # depend on it, so the bench skips the collection.
    gc.collect = _no_collect
    params = MonitorParams()
    print("Parameters (analytics.detectors.MonitorParams defaults):", params.as_dict())
    print(f"Topic rates per day: {RATES}, unclustered {UNCLUSTERED}/day")
    detectors = {
        "score test + Holm (chosen)": holm(params),
        "score test, no Holm (baseline)": unadjusted(params),
        "share x1.5, no test (baseline)": naive(params),
    }
    started = time.perf_counter()
    false_alerts(detectors, params, args.reps, args.weeks, args.seed)
    delays(detectors, params, max(args.reps * 2, 20), args.seed)
    rating_chart(params, args.reps, args.weeks, args.seed)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
