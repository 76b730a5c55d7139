"""A stratified sample of a large corpus, for fitting topics on part of it and placing the rest.

Strata are the combinations of channel, language and month that occur. Each stratum gets its
proportional share of the sample (largest remainders), and every stratum at least one item, so a
channel, language or month that is rare in the corpus is still seen by the fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STRATA = ("channel", "language", "month")


def strata_of(channel: pd.Series, language: pd.Series, created_at: pd.Series) -> pd.DataFrame:
    """The stratum columns of a corpus: channel, language ("" when unknown) and month ("YYYY-MM").

    Args:
        channel: Each item's channel.
        language: Each item's language code (None or NaN when not detected).
        created_at: Each item's time (datetimes, any time zone; the month is read as given).

    Returns:
        Columns channel, language, month, one row per item, in order.
    """
    months = pd.to_datetime(created_at, utc=True).dt.strftime("%Y-%m")
    return pd.DataFrame(
        {
            "channel": channel.fillna("").astype(str).to_numpy(),
            "language": language.fillna("").astype(str).to_numpy(),
            "month": months.fillna("").astype(str).to_numpy(),
        }
    )


def stratified_sample(strata: pd.DataFrame, size: int, seed: int = 42) -> np.ndarray:
    """Row positions of a sample of `size` items, proportional per stratum, each stratum at least once.

    Args:
        strata: One row per item; every column is a stratum dimension (e.g. :func:`strata_of`).
        size: How many items to draw; at least the number of strata is drawn when there are more
            strata than that, and every item when `size` covers the corpus.
        seed: Seeds the draw; same corpus and seed give the same sample.

    Returns:
        Sorted row positions (int64).
    """
    n = len(strata)
    if size >= n:
        return np.arange(n, dtype=np.int64)
    groups = strata.groupby(list(strata.columns), sort=True, dropna=False).indices
    members = [np.asarray(rows, dtype=np.int64) for rows in groups.values()]
    counts = np.asarray([len(m) for m in members], dtype=np.float64)
    exact = counts * size / n
    take = np.maximum(1, np.floor(exact)).astype(np.int64)
    take = np.minimum(take, counts.astype(np.int64))
    short = size - int(take.sum())
    if short > 0:
        # Largest remainders first, among strata that still have items left to give.
        room = counts.astype(np.int64) - take
        order = np.argsort(-(exact - np.floor(exact)), kind="stable")
        for i in order:
            if short <= 0:
                break
            if room[i] > 0:
                take[i] += 1
                short -= 1
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(m, size=int(k), replace=False) for m, k in zip(members, take, strict=True)]
    return np.sort(np.concatenate(chosen)).astype(np.int64)
