"""Detectors of the monitoring job: topic spikes, new topics, a rating drop, a fixed topic rising again.

Pure computation on counts and ratings; services.monitoring reads them from the database and stores
the alerts. The parameters (:class:`MonitorParams`) are documented in the README's *Monitoring* section.

- **Spike**: a topic's share of the analysed feedback in the recent window (default the last 7 days)
  against its share in the trailing baseline (the 28 days before), tested one-sided with the Poisson
  rate-ratio score test of statsmodels (``test_poisson_2indep``, the window's analysed items as
  exposure), Holm-adjusted across the topics tested; only topics with at least ``min_count`` items
  in the recent window are tested.
- **New topic**: a live topic whose key no earlier topic run of the product had, with at least
  ``min_count`` items.
- **Rating drop**: an EWMA control chart (lambda, L) of the daily mean in-app rating over the recent
  window, centred on the baseline's mean with the baseline's standard deviation; an alert when the
  EWMA falls below its lower control limit (exact limits for unequal daily counts).
- **Rising again**: the topic of a verified item tested as a spike, without the Holm step (one
  hypothesis named in advance per item).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.rates import test_poisson_2indep

KINDS = ("spike", "new_topic", "rating_drop", "rising_again")
RATING_SUBJECT = "rating"  # the subject of a rating alert (topic alerts name the topic key)
SIGMA_FLOOR = 0.25  # rating points: a baseline of identical ratings still gets finite control limits

ENV_NAMES = {
    "recent_days": "RECTIFY_MONITOR_RECENT_DAYS",
    "baseline_days": "RECTIFY_MONITOR_BASELINE_DAYS",
    "alpha": "RECTIFY_MONITOR_ALPHA",
    "min_count": "RECTIFY_MONITOR_MIN_COUNT",
    "ewma_lambda": "RECTIFY_MONITOR_EWMA_LAMBDA",
    "ewma_l": "RECTIFY_MONITOR_EWMA_L",
    "min_ratings": "RECTIFY_MONITOR_MIN_RATINGS",
}


@dataclass(frozen=True)
class MonitorParams:
    """What the detectors compare and how strict they are.

    Attributes:
        recent_days: Length of the recent window, ending now.
        baseline_days: Length of the trailing baseline, ending where the recent window starts.
        alpha: Family-wise error rate of the spike test (Holm) and level of the other tests.
        min_count: Fewest items of a topic in the recent window for it to be tested or called new.
        ewma_lambda: Weight of the newest day in the rating EWMA (0 < lambda <= 1).
        ewma_l: Width of the EWMA control limits, in standard deviations of the EWMA.
        min_ratings: Fewest in-app ratings in the baseline for a rating control chart.
    """

    recent_days: int = 7
    baseline_days: int = 28
    alpha: float = 0.05
    min_count: int = 5
    ewma_lambda: float = 0.2
    ewma_l: float = 3.0
    min_ratings: int = 20

    def __post_init__(self) -> None:
        """Refuse parameters no detector can work with."""
        if self.recent_days < 1 or self.baseline_days < 1:
            raise ValueError("recent_days and baseline_days must be at least 1")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must lie between 0 and 1")
        if self.min_count < 1 or self.min_ratings < 2:
            raise ValueError("min_count must be at least 1 and min_ratings at least 2")
        if not 0 < self.ewma_lambda <= 1 or self.ewma_l <= 0:
            raise ValueError("ewma_lambda must lie in (0, 1] and ewma_l be positive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MonitorParams:
        """Defaults, overridden by the RECTIFY_MONITOR_* variables present in `environ`.

        Raises:
            ValueError: a variable is not a number, or the parameters are out of range.
        """
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(ENV_NAMES[field.name])
            if raw is None or not raw.strip():
                continue
            kind = int if field.type in ("int", int) else float
            try:
                values[field.name] = kind(raw)
            except ValueError as err:
                raise ValueError(f"{ENV_NAMES[field.name]}={raw!r} is not a number") from err
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain data, stored with every alert's evidence."""
        return asdict(self)


def rate_increase(recent: int, recent_total: int, baseline: int, baseline_total: int) -> float:
    """One-sided p-value that a count's rate per exposure rose from the baseline to the recent window.

    The score test of the Poisson rate ratio (statsmodels ``test_poisson_2indep``, H1: ratio > 1).

    Returns:
        The p-value; 1.0 when either window has no exposure.
    """
    if recent_total <= 0 or baseline_total <= 0:
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = test_poisson_2indep(recent, recent_total, baseline, baseline_total, alternative="larger")
    p_val = float(result.pvalue)
    return 1.0 if math.isnan(p_val) else p_val


SPIKE_COLUMNS = (
    "topic_key",
    "recent_count",
    "baseline_count",
    "recent_share",
    "baseline_share",
    "ratio",
    "tested",
    "p_val",
    "p_adj",
    "alert",
)


def topic_spikes(
    recent: Mapping[str, int],
    baseline: Mapping[str, int],
    recent_total: int,
    baseline_total: int,
    params: MonitorParams,
) -> pd.DataFrame:
    """Which topics' share of the feedback rose in the recent window, Holm-adjusted across topics.

    Args:
        recent: Items per topic key in the recent window.
        baseline: Items per topic key in the baseline window.
        recent_total: Analysed items in the recent window (every topic and the unclustered).
        baseline_total: Analysed items in the baseline window.
        params: min_count (topics with fewer recent items are not tested) and alpha.

    Returns:
        One row per topic key of `recent` or `baseline`, sorted by p-value. Columns topic_key,
        recent_count, baseline_count, recent_share, baseline_share, ratio (recent over baseline
        share; inf when the baseline had none), tested, p_val and p_adj (NaN when not tested),
        alert (tested and p_adj < alpha and the share rose).
    """
    keys = sorted(set(recent) | set(baseline))
    rows = []
    for key in keys:
        r, b = int(recent.get(key, 0)), int(baseline.get(key, 0))
        r_share = r / recent_total if recent_total > 0 else math.nan
        b_share = b / baseline_total if baseline_total > 0 else math.nan
        ratio = r_share / b_share if b_share and b_share > 0 else (math.inf if r > 0 else math.nan)
        tested = r >= params.min_count and recent_total > 0 and baseline_total > 0
        p_val = rate_increase(r, recent_total, b, baseline_total) if tested else math.nan
        rows.append((key, r, b, r_share, b_share, ratio, tested, p_val))
    frame = pd.DataFrame(rows, columns=list(SPIKE_COLUMNS[:-2]))
    frame["tested"] = frame["tested"].astype(bool)
    frame["p_adj"] = math.nan
    if frame["tested"].any():
        _, adjusted, _, _ = multipletests(frame.loc[frame["tested"], "p_val"].to_numpy(), method="holm")
        frame.loc[frame["tested"], "p_adj"] = adjusted
    frame["alert"] = frame["tested"] & (frame["p_adj"] < params.alpha) & (frame["ratio"] > 1)
    return frame.sort_values(["p_val", "topic_key"], na_position="last").reset_index(drop=True)


def new_topics(
    sizes: Mapping[str, int], earlier_keys: set[str], has_earlier_run: bool, params: MonitorParams
) -> list[str]:
    """Live topics whose key no earlier run of the product had, with at least ``min_count`` items.

    Args:
        sizes: Items per live topic key of the newest run.
        earlier_keys: Every topic key of the product's earlier runs.
        has_earlier_run: Whether there was an earlier run; on a first analysis nothing is "new".
        params: min_count.

    Returns:
        The new keys, largest topic first.
    """
    if not has_earlier_run:
        return []
    found = [k for k, n in sizes.items() if k not in earlier_keys and n >= params.min_count]
    return sorted(found, key=lambda k: (-sizes[k], k))


@dataclass(frozen=True)
class RatingControl:
    """The EWMA chart of the daily mean in-app rating over the recent window.

    Attributes:
        status: "ok", or "too_few" (fewer than min_ratings in the baseline: no chart).
        alert: Whether the EWMA fell below its lower control limit on some day.
        baseline_mean: Centre line (mean rating of the baseline).
        baseline_sd: Standard deviation of one rating in the baseline (at least SIGMA_FLOOR).
        baseline_n: Ratings in the baseline.
        recent_mean: Mean rating of the recent window (NaN without ratings).
        recent_n: Ratings in the recent window.
        days: One record per day of the recent window with ratings: day, n, mean, ewma, lcl, ucl.
        worst_day: The day the EWMA was furthest below its lower limit (or None).
    """

    status: str
    alert: bool
    baseline_mean: float
    baseline_sd: float
    baseline_n: int
    recent_mean: float
    recent_n: int
    days: list[dict[str, Any]]
    worst_day: str | None


def ewma_control(
    baseline_ratings: Sequence[float], recent: pd.DataFrame, params: MonitorParams
) -> RatingControl:
    """An EWMA control chart of daily mean ratings against the baseline's mean and spread.

    z_0 is the baseline mean mu; each day with ratings z_t = lambda * mean_t + (1 - lambda) * z_(t-1),
    and Var(z_t) = lambda^2 sigma^2 / n_t + (1 - lambda)^2 Var(z_(t-1)) (exact for independent daily
    means of n_t ratings). The limits are mu -/+ L * sqrt(Var(z_t)); a drop below the lower limit is
    an alert (a rise is good news and raises none).

    Args:
        baseline_ratings: Every in-app rating of the baseline window.
        recent: Columns day (a date or its ISO text) and rating, one row per rating of the recent window.
        params: ewma_lambda, ewma_l and min_ratings.

    Returns:
        The chart and its verdict.
    """
    base = np.asarray([r for r in baseline_ratings if r is not None and not math.isnan(r)], dtype=float)
    ratings = recent.dropna(subset=["rating"])
    recent_mean = float(ratings["rating"].mean()) if len(ratings) else math.nan
    if len(base) < params.min_ratings:
        mean = float(base.mean()) if len(base) else math.nan
        return RatingControl("too_few", False, mean, math.nan, len(base), recent_mean, len(ratings), [], None)
    mu = float(base.mean())
    sigma = max(float(base.std(ddof=1)), SIGMA_FLOOR)
    lam, width = params.ewma_lambda, params.ewma_l
    z, var = mu, 0.0
    days: list[dict[str, Any]] = []
    worst, worst_gap = None, 0.0
    for day, group in ratings.groupby(ratings["day"].astype(str), sort=True):
        n = len(group)
        mean = float(group["rating"].mean())
        z = lam * mean + (1 - lam) * z
        var = lam**2 * sigma**2 / n + (1 - lam) ** 2 * var
        half = width * math.sqrt(var)
        days.append({"day": str(day), "n": n, "mean": mean, "ewma": z, "lcl": mu - half, "ucl": mu + half})
        gap = (mu - half) - z
        if gap > worst_gap:
            worst, worst_gap = str(day), gap
    return RatingControl(
        "ok", worst is not None, mu, sigma, len(base), recent_mean, len(ratings), days, worst
    )


def rising_again(
    recent: int, recent_total: int, baseline: int, baseline_total: int, params: MonitorParams
) -> dict[str, Any]:
    """Whether a verified item's topic rose again: its share in the recent window vs the baseline.

    Returns:
        recent_count, baseline_count, recent_share, baseline_share, tested (at least min_count recent
        items), p_val (NaN when not tested) and alert (p_val < alpha and the share rose).
    """
    r_share = recent / recent_total if recent_total > 0 else math.nan
    b_share = baseline / baseline_total if baseline_total > 0 else math.nan
    tested = recent >= params.min_count and recent_total > 0 and baseline_total > 0
    p_val = rate_increase(recent, recent_total, baseline, baseline_total) if tested else math.nan
    rose = bool(tested and (b_share == 0 or r_share > b_share))
    return {
        "recent_count": recent,
        "baseline_count": baseline,
        "recent_share": r_share,
        "baseline_share": b_share,
        "tested": tested,
        "p_val": p_val,
        "alert": bool(tested and rose and p_val < params.alpha),
    }
