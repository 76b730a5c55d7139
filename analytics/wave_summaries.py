"""Summaries of survey waves for the before/after charts.

Summaries of survey waves for the before/after charts: each measure's mean (or NPS) per wave with its
interval, and the share of each answer laid out for a diverging stacked bar.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.survey_answers import (
    DETRACTOR,
    MEASURES,
    N_BOOT,
    PROMOTER,
    SEED,
    check_answers,
    nps_scores,
    resampled_means,
    wave_side,
)

NPS_GROUPS = ("detractor", "passive", "promoter")


def chart_kind(frame: pd.DataFrame, code: str) -> tuple[str, int]:
    """How a question is charted: ("nps", 0), ("likert", points) or ("", 0) for a kind not charted.

    The answers' own ``kind`` decides (a survey's NPS question may have any code); the fixed measures'
    codes decide where the frame says nothing.
    """
    kinds = frame.loc[frame["question"] == code, "kind"].dropna().astype(str)
    kind = kinds.mode().iloc[0] if not kinds.empty else ("nps" if code == "nps" else "likert5")
    if kind == "nps":
        return "nps", 0
    if kind.startswith("likert") and kind[6:].isdigit():
        return "likert", int(kind[6:])
    return "", 0


def wave_summary(
    answers: pd.DataFrame,
    *,
    waves: Sequence[Hashable],
    dimensions: Sequence[str] = MEASURES,
    confidence_level: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Mean (Likert) or NPS of each measure in each wave, with its interval.

    Args:
        answers: The answers frame (``analytics.survey_answers``).
        waves: The ``wave`` values, in the order wanted.
        dimensions: The measures.
        confidence_level: Level of the intervals.
        n_boot: Bootstrap resamples for the NPS interval.
        seed: Seed of the bootstrap.

    Returns:
        Columns measure, kind ("likert" / "nps"), wave, n, mean (NPS in points for "nps"), ci_low,
        ci_high (t-based for means, percentile bootstrap for NPS; NaN below 2 answers or without spread).
    """
    frame = check_answers(answers)
    rows: list[dict[str, Any]] = []
    for code in dict.fromkeys(dimensions):
        kind, _ = chart_kind(frame, code)
        if not kind:
            continue
        for wave in waves:
            v = wave_side(frame, wave, code).values.to_numpy()
            if kind == "nps":
                v = nps_scores(v)
            low = high = math.nan
            if v.size >= 2 and np.ptp(v) > 0:
                if kind == "nps":
                    means = resampled_means(v, n_boot, np.random.default_rng(seed))
                    tail = (1 - confidence_level) / 2 * 100
                    low, high = (float(q) for q in np.percentile(means, [tail, 100 - tail]))
                else:
                    ci = sps.ttest_1samp(v, 0.0).confidence_interval(confidence_level)
                    low, high = float(ci.low), float(ci.high)
            rows.append(
                {
                    "measure": code,
                    "kind": kind,
                    "wave": wave,
                    "n": int(v.size),
                    "mean": float(v.mean()) if v.size else math.nan,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows, columns=["measure", "kind", "wave", "n", "mean", "ci_low", "ci_high"])


def answer_distribution(
    answers: pd.DataFrame, *, waves: Sequence[Hashable], dimensions: Sequence[str] = MEASURES
) -> pd.DataFrame:
    """Share of each answer per measure and wave, laid out for a diverging stacked bar.

    Scale answers 1-5 or 1-7 (the middle point is neutral, split around 0); NPS answers in three groups
    (passives split around 0). Low answers lie left of 0, high ones right. Questions of other kinds are
    left out (``chart_kind``).

    Args:
        answers: The answers frame (``analytics.survey_answers``).
        waves: The ``wave`` values, in the order wanted.
        dimensions: The measures.

    Returns:
        Columns measure, kind, wave, answer (1-points, or "detractor" / "passive" / "promoter"), order (0..),
        count, share (0-1), start, end (the bar segment, in shares, negative left of the centre), n.
    """
    frame = check_answers(answers)
    rows: list[dict[str, Any]] = []
    for code in dict.fromkeys(dimensions):
        kind, points = chart_kind(frame, code)
        if not kind:
            continue
        for wave in waves:
            v = wave_side(frame, wave, code).values.to_numpy()
            if kind == "nps":
                cats: list[Any] = list(NPS_GROUPS)
                labels = np.where(v >= PROMOTER, "promoter", np.where(v <= DETRACTOR, "detractor", "passive"))
                counts = [int((labels == c).sum()) for c in cats]
            else:
                cats = list(range(1, points + 1))
                counts = [int((v == c).sum()) for c in cats]
            n = sum(counts)
            if n == 0:
                continue
            shares = [c / n for c in counts]
            mid = len(cats) // 2  # the neutral category, split half left, half right
            left = -(sum(shares[:mid]) + shares[mid] / 2)
            for i, (cat, count, share) in enumerate(zip(cats, counts, shares, strict=True)):
                rows.append(
                    {
                        "measure": code,
                        "kind": kind,
                        "wave": wave,
                        "answer": cat,
                        "order": i,
                        "count": count,
                        "share": share,
                        "start": left,
                        "end": left + share,
                        "n": n,
                    }
                )
                left += share
    columns = ["measure", "kind", "wave", "answer", "order", "count", "share", "start", "end", "n"]
    return pd.DataFrame(rows, columns=columns)
