"""Benchmark results files for the tests: one row per test case, made from a seed (no file to keep)."""

from __future__ import annotations

import numpy as np
import pandas as pd

CLASSES = ("artifact", "lesion", "normal")


def results_frame(
    n: int = 600,
    *,
    seed: int = 7,
    right_before: float = 0.70,
    right_after: float = 0.85,
    with_scores: bool = False,
) -> pd.DataFrame:
    """Cases of a lesion classifier before and after a fix.

    Each case is right before with probability `right_before` and after with `right_after`
    (independently), else a wrong label; slices: an edge-case tag, the language; latencies in ms.

    Returns:
        Columns case_id, label, before, after, edge_case, language, latency_before, latency_after
        (and score_before, score_after for "lesion" when `with_scores`).
    """
    rng = np.random.default_rng(seed)
    labels = rng.choice(CLASSES, size=n, p=(0.2, 0.4, 0.4))

    def predict(right: float) -> np.ndarray:
        wrong = np.array([CLASSES[(CLASSES.index(y) + rng.integers(1, 3)) % 3] for y in labels])
        return np.where(rng.random(n) < right, labels, wrong)

    frame = pd.DataFrame(
        {
            "case_id": [f"case-{i:04d}" for i in range(n)],
            "label": labels,
            "before": predict(right_before),
            "after": predict(right_after),
            "edge_case": rng.choice(["small lesion", "blurred", "plain"], size=n),
            "language": rng.choice(["zh", "en"], size=n),
            "latency_before": rng.gamma(4.0, 60.0, size=n).round(1),
            "latency_after": rng.gamma(4.0, 45.0, size=n).round(1),
        }
    )
    if with_scores:
        lesion = labels == "lesion"
        frame["binary"] = np.where(lesion, "lesion", "other")
        frame["score_before"] = (rng.normal(size=n) + 0.8 * lesion).round(4)
        frame["score_after"] = (rng.normal(size=n) + 1.6 * lesion).round(4)
    return frame


def results_csv(**kwargs: object) -> bytes:
    """:func:`results_frame` as CSV bytes."""
    return results_frame(**kwargs).to_csv(index=False).encode()  # type: ignore[arg-type]
