"""Sampling a wave's invitations from the user list: strata, allocation, invite counts, a seeded draw.

Pure and vectorised (numpy, pandas), so a list of 1,000,000 users is sampled in about a second
(`bench/sampling.py`). The same seed and the same population give the same invitations, whatever
order the list was imported in (members are ordered by their key before the draw).

Response rate: AAPOR RR1 is I / (I + P + R + NC + O + UH + UO). Here an invitation is either
completed (I) or not (every other case counts as non-response, since only invitations and completes
are known), so RR1 = completes / invited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

ALLOCATIONS = ("proportional", "minimum")
MISSING = "(missing)"
SEPARATOR = " / "
# Below this many earlier invitations a stratum's own rate is too noisy: the expected rate is used.
MIN_EARLIER_INVITED = 20


def stratum_labels(frame: pd.DataFrame, attributes: Sequence[str]) -> pd.Series:
    """Each member's stratum: the values of `attributes` joined by " / " (a missing value: "(missing)").

    No attributes: every member is in one stratum "all". Built from integer codes, so only one label
    per stratum is made as text (a million members take well under a second).
    """
    if not attributes:
        return pd.Series("all", index=frame.index, dtype=object)
    combined = np.zeros(len(frame), dtype=np.int64)
    names: list[list[str]] = []
    for attribute in attributes:
        codes, uniques = pd.factorize(frame[attribute], use_na_sentinel=True)
        values = [str(u) for u in uniques] + [MISSING]
        combined = combined * len(values) + np.where(codes < 0, len(uniques), codes)
        names.append(values)
    present, inverse = np.unique(combined, return_inverse=True)
    labels = []
    for code in present.tolist():
        parts = []
        for values in reversed(names):
            code, index = divmod(code, len(values))
            parts.append(values[index])
        labels.append(SEPARATOR.join(reversed(parts)))
    return pd.Series(np.array(labels, dtype=object)[inverse], index=frame.index, dtype=object)


def response_rate(invited: int, completed: int) -> float:
    """RR1 with only invitations and completes known: completes / invited (NaN without invitations)."""
    return completed / invited if invited else math.nan


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers proportional to `shares` that add up to `total` (Hamilton's method)."""
    exact = shares * total
    whole: np.ndarray = np.floor(exact).astype(np.int64)
    left = int(total - whole.sum())
    if left > 0:
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:left]] += 1
    return whole


def allocate(
    population: Mapping[str, int],
    target: int,
    rates: Mapping[str, float],
    *,
    allocation: str = "proportional",
    minimum: int = 0,
) -> pd.DataFrame:
    """How many completes each stratum should give (its quota) and how many to invite for them.

    Proportional: the target split by population share (largest remainders, so quotas add up to the
    target). Minimum: the same, then every stratum raised to at least `minimum` completes (the total
    then exceeds the target). A quota never exceeds the stratum's size; invitations are
    ceil(quota / rate), at most the stratum's size.

    Args:
        population: Members available per stratum (after the frequency cap).
        target: Completed answers wanted in all.
        rates: Expected response rate per stratum, in (0, 1].
        allocation: "proportional" or "minimum".
        minimum: Completes at least per stratum with allocation "minimum".

    Returns:
        Columns stratum, population, share, quota, rate, invite; one row per stratum, sorted by stratum.

    Raises:
        ValueError: an unknown allocation, a target below 1, a rate outside (0, 1].
    """
    if allocation not in ALLOCATIONS:
        raise ValueError(f"unknown allocation {allocation!r}")
    if target < 1:
        raise ValueError("the target must be at least 1")
    strata = sorted(population)
    sizes = np.array([int(population[s]) for s in strata], dtype=np.int64)
    rate = np.array([float(rates[s]) for s in strata], dtype=float)
    if np.any(~(rate > 0) | (rate > 1)):
        raise ValueError("a response rate must be above 0 and at most 1")
    total = int(sizes.sum())
    shares = sizes / total if total else np.zeros(len(strata))
    quota = _largest_remainder(shares, target) if total else np.zeros(len(strata), dtype=np.int64)
    if allocation == "minimum":
        quota = np.maximum(quota, minimum)
    quota = np.minimum(quota, sizes)
    invite = np.minimum(np.ceil(quota / rate - 1e-9).astype(np.int64), sizes)
    return pd.DataFrame(
        {
            "stratum": pd.Series(strata, dtype=object),
            "population": sizes,
            "share": shares,
            "quota": quota,
            "rate": rate,
            "invite": invite,
        }
    )


def draw(
    keys: np.ndarray,
    strata: np.ndarray,
    invite: Mapping[str, int],
    seed: int,
    *,
    first: np.ndarray | None = None,
) -> np.ndarray:
    """The positions of the members invited: a stratified simple random sample, seeded.

    Every member gets a uniform number from ``numpy.random.default_rng(seed)``, handed out in the
    order of their keys' 64-bit hashes (``pandas.util.hash_array``: sorting integers is much faster
    than sorting a million strings, and the order does not depend on the list's row order); within
    a stratum the smallest numbers are invited. Members marked in `first` (the panel) come before the
    others of their stratum and are all invited, even past the stratum's count.

    Args:
        keys: The members' keys (unique); fixes the order the random numbers are given in.
        strata: Each member's stratum label.
        invite: How many to invite per stratum (strata missing here: none).
        seed: The seed; the same seed and members give the same sample.
        first: Boolean mask of members invited first.

    Returns:
        Positions into `keys`, sorted.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    hashes = pd.util.hash_array(np.asarray(keys, dtype=object), categorize=False)
    order = np.argsort(hashes, kind="stable")
    u = np.empty(n)
    u[order] = np.random.default_rng(seed).random(n)
    if first is not None:
        u = u - first.astype(float)  # in [-1, 0): before every other member of the stratum
    codes, names = pd.factorize(pd.Series(strata, dtype=object), sort=True)
    # One float sort instead of lexsort((u, codes)): u lies in [-1, 1), so 2 * code + u orders by
    # stratum, then by u, and sorts a million members about three times faster.
    by = np.argsort(2.0 * codes + u)
    sorted_codes = codes[by]
    starts = np.searchsorted(sorted_codes, np.arange(len(names)))
    rank = np.arange(n) - starts[sorted_codes]
    counts = np.array([int(invite.get(str(s), 0)) for s in names], dtype=np.int64)
    take = rank < counts[sorted_codes]
    if first is not None:
        take |= first[by].astype(bool)
    return np.sort(by[take])


def simple_random_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Positions of a plain simple random sample without replacement (the benchmark's baseline)."""
    chosen: np.ndarray = np.random.default_rng(seed).choice(n, size=min(size, n), replace=False)
    return np.sort(chosen)
