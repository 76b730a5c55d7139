"""Who answered: respondents against the product's user list, attribute by attribute.

For every attribute value: its share of the population and of the respondents, the standardised
difference ``(p_resp - p_pop) / sqrt((p_resp (1 - p_resp) + p_pop (1 - p_pop)) / 2)`` (the balance
measure of Austin 2009, comparable across values of different size), and a flag. Per attribute, a
chi-square goodness-of-fit test of the respondents' counts against the population's shares
(``scipy.stats.chisquare``).

Flag rule (:data:`FLAG_BELOW`): a value is **under-represented** when its respondent share is below its
population share with a standardised difference of -0.1 or less (the usual threshold of a meaningful
imbalance); values of the population without a single respondent are always flagged. Respondents not
in the user list (anonymous links, keys the list lacks) are left out of every share and counted apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analytics.weights import as_strata

FLAG_BELOW = -0.1

SHARE_COLUMNS = (
    "attribute",
    "value",
    "population_n",
    "population_share",
    "respondent_n",
    "respondent_share",
    "std_diff",
    "under_represented",
)
FIT_COLUMNS = ("attribute", "chi2", "dof", "p_val", "n")


def standardised_difference(p_respondents: float, p_population: float) -> float:
    """(p_resp - p_pop) over the pooled standard deviation of the two shares; 0 when both are 0 or 1."""
    spread = math.sqrt((p_respondents * (1 - p_respondents) + p_population * (1 - p_population)) / 2)
    return (p_respondents - p_population) / spread if spread > 0 else 0.0


def compare_shares(respondents: pd.DataFrame, population: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Population and respondent shares of every attribute value, with the standardised difference and flag.

    Args:
        respondents: One row per respondent found in the user list, with the `by` columns.
        population: One row per user, with the `by` columns.
        by: The attributes compared.

    Returns:
        Columns attribute, value, population_n, population_share, respondent_n, respondent_share,
        std_diff, under_represented (bool, :data:`FLAG_BELOW`); the population's values first, by size,
        then values only respondents have.
    """
    pop = as_strata(population, by)
    resp = as_strata(respondents, by)
    rows: list[dict[str, object]] = []
    for column in by:
        pop_counts = pop[column].value_counts()
        resp_counts = resp[column].value_counts()
        values = [*pop_counts.index, *(v for v in resp_counts.index if v not in pop_counts.index)]
        for value in values:
            p_n = int(pop_counts.get(value, 0))
            r_n = int(resp_counts.get(value, 0))
            p_share = p_n / max(len(pop), 1)
            r_share = r_n / len(resp) if len(resp) else float("nan")
            diff = standardised_difference(r_share, p_share) if len(resp) else float("nan")
            flagged = bool(len(resp) and p_n and (r_n == 0 or diff <= FLAG_BELOW))
            rows.append(
                {
                    "attribute": column,
                    "value": value,
                    "population_n": p_n,
                    "population_share": p_share,
                    "respondent_n": r_n,
                    "respondent_share": r_share,
                    "std_diff": diff,
                    "under_represented": flagged,
                }
            )
    return pd.DataFrame(rows, columns=list(SHARE_COLUMNS))


def goodness_of_fit(respondents: pd.DataFrame, population: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Chi-square goodness of fit of the respondents' counts to the population's shares, per attribute.

    Respondent values the population lacks are left out of the test (they have no expected count).

    Returns:
        Columns attribute, chi2, dof, p_val, n (respondents tested); NaN where fewer than two values or no
        respondents.
    """
    pop = as_strata(population, by)
    resp = as_strata(respondents, by)
    rows: list[dict[str, object]] = []
    for column in by:
        shares = pop[column].value_counts(normalize=True)
        observed = resp[column].value_counts().reindex(shares.index, fill_value=0)
        n = int(observed.sum())
        if n == 0 or len(shares) < 2:
            rows.append(
                {"attribute": column, "chi2": np.nan, "dof": len(shares) - 1, "p_val": np.nan, "n": n}
            )
            continue
        result = stats.chisquare(observed.to_numpy(dtype=float), f_exp=shares.to_numpy() * n)
        rows.append(
            {
                "attribute": column,
                "chi2": float(result.statistic),
                "dof": len(shares) - 1,
                "p_val": float(result.pvalue),
                "n": n,
            }
        )
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))
