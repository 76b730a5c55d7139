"""Seconds to compare two survey waves and to build the review deck, at demo size and at 10x / 100x.

Usage: python -m bench.before_after [--sizes 222,2220,22200] [--deck]

Each size draws a baseline and a follow-up wave of that many respondents (60 % answer both), six
measures (five Likert, NPS), with a true +0.4 shift on accuracy, and times ``compare_waves`` (median
of three runs; NPS bootstrap 2,000 resamples). ``--deck`` also times rendering the four charts with
vl-convert and writing the PPTX (the first render of a process includes vl-convert's start-up).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from analytics import charts_verify, reports
from analytics.survey_answers import MEASURES
from analytics.wave_compare import compare_waves


def waves(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shared = int(0.6 * n)
    keys = {
        1: [f"p{i}" for i in range(n)],
        2: [f"p{i}" for i in range(shared)] + [f"q{i}" for i in range(n - shared)],
    }
    person = rng.normal(size=2 * n)
    rows = []
    for wave in (1, 2):
        for key in keys[wave]:
            base = person[int(key[1:]) + (n if key[0] == "q" else 0)] * 0.6 + rng.normal(size=6) * 0.8
            for j, code in enumerate(MEASURES):
                shift = 0.4 if (wave == 2 and code == "accuracy") else 0.0
                if code == "nps":
                    value = float(np.clip(np.round(7.5 + 2 * (base[j] + shift)), 0, 10))
                else:
                    value = float(np.clip(np.round(3.5 + base[j] + shift), 1, 5))
                rows.append((wave, key, code, value))
    return pd.DataFrame(rows, columns=["wave", "respondent_key", "question", "value"])


def timed(work, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="222,2220,22200")
    parser.add_argument("--deck", action="store_true")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        answers = waves(n)
        seconds = timed(lambda answers=answers: compare_waves(answers, baseline=1, follow_up=2))
        result = compare_waves(answers, baseline=1, follow_up=2)
        accuracy = result.iloc[0]
        print(
            f"n={n:>6} per wave, {len(answers):>7} answers: compare_waves {seconds:6.2f} s "
            f"(accuracy {accuracy['analysis']}, diff {accuracy['diff']:+.2f}, p_adj {accuracy['p_adj']:.2g})"
        )
        if args.deck:
            start = time.perf_counter()
            charts = charts_verify.standard_charts(answers, result, baseline=1, follow_up=2)
            images = reports.chart_images(charts)
            rendered = time.perf_counter() - start
            deck = reports.build_deck(
                reports.ReviewReport("Bench", "R1", "baseline", "follow-up", result, charts=images)
            )
            print(
                f"           charts {rendered:5.2f} s, deck {time.perf_counter() - start - rendered:5.2f} s, "
                f"{len(deck) / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
