"""The product's user list and who answered: import the list, show its margins, weight a wave's answers.

The list is read with the same checks as every import (``analytics.importing.read_table``: size and row
limits, XLSX zip checks, charset detection), its user keys pseudonymised with the respondents' keyed
hash (``services.collect.respondent_pseudonym``) so members and responses match, and stored whole in
one unit of work (``db.population.replace_population``): a refused file leaves the previous list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy.orm import Session

from analytics import importing
from analytics.representativeness import compare_shares, goodness_of_fit
from analytics.weighted_compare import weighted_rows
from analytics.weights import Weights, as_strata, compute_weights
from db import population as repo
from db import waves as waves_repo
from db.users import audit
from services.collect import respondent_pseudonym

MAX_LEVELS = 20  # an attribute with more distinct values (ids, dates) is not offered for weighting
_KEY_NAMES = ("user_key", "userkey", "user_id", "userid", "uid", "key", "customer_id", "id", "用户id", "用户")


class UserListProblem(ValueError):
    """A user list that cannot be stored; `code`: no_key_column, no_keys, no_attributes, key_too_long."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class UserListImport:
    """What an import stored: users, rows without a key and repeated keys skipped, the attributes."""

    stored: int
    blank_keys: int
    repeated_keys: int
    attributes: tuple[str, ...]


def read_user_list(data: bytes, filename: str) -> importing.Table:
    """Read an uploaded CSV or XLSX user list with the import's file checks.

    Raises:
        ImportProblem: as ``analytics.importing.read_table`` (JSON lines count as unsupported here).
    """
    if importing.file_kind(data, filename) not in ("csv", "xlsx"):
        raise importing.ImportProblem("unsupported_type")
    return importing.read_table(data, filename)


def guess_key_column(columns: Sequence[str]) -> str | None:
    """The column that most likely holds the user key (by its name), or None."""
    squashed = {c.strip().lower().replace(" ", "").replace("-", "_"): c for c in columns}
    return next((squashed[name] for name in _KEY_NAMES if name in squashed), None)


def _text(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return importing.cell_text(value).strip() if value is not None else ""


def store_user_list(
    session: Session, product_id: int, table: importing.Table, key_column: str, actor: str
) -> UserListImport:
    """Replace the product's user list with the table's rows, keys pseudonymised; audit the import.

    Rows without a key are skipped and counted; a repeated key keeps its first row. Nothing is stored
    unless the whole list is (the caller's unit of work).

    Raises:
        UserListProblem: no_key_column, no_attributes (only a key column), no_keys (no row has a key).
    """
    if key_column not in table.columns:
        raise UserListProblem("no_key_column")
    key_at = table.columns.index(key_column)
    attributes = [(i, c) for i, c in enumerate(table.columns) if i != key_at and c.strip()]
    if not attributes:
        raise UserListProblem("no_attributes")
    members: dict[str, dict[str, str]] = {}
    blank = repeated = 0
    for cells in table.rows:
        raw = _text(cells[key_at]) if key_at < len(cells) else ""
        if not raw:
            blank += 1
            continue
        key = respondent_pseudonym(session, raw)
        if key is None:
            blank += 1
            continue
        if key in members:
            repeated += 1
            continue
        members[key] = {name: _text(cells[i]) if i < len(cells) else "" for i, name in attributes}
    if not members:
        raise UserListProblem("no_keys")
    stored = repo.replace_population(session, product_id, members.items())
    audit(
        session,
        actor,
        "population.import",
        "product",
        product_id,
        {
            "users": stored,
            "blank_keys": blank,
            "repeated_keys": repeated,
            "attributes": [c for _, c in attributes],
        },
    )
    return UserListImport(stored, blank, repeated, tuple(c for _, c in attributes))


def weighting_attributes(population: pd.DataFrame) -> list[str]:
    """The list's attributes fit to weight on: 2 to :data:`MAX_LEVELS` distinct values."""
    return [
        c
        for c in population.columns
        if c != "user_key" and 2 <= population[c].nunique(dropna=False) <= MAX_LEVELS
    ]


def margins(population: pd.DataFrame, attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """Users per value of each attribute and their share.

    Returns:
        Columns attribute, value, users, share; values by size within an attribute.
    """
    chosen = (
        list(attributes) if attributes is not None else [c for c in population.columns if c != "user_key"]
    )
    strata = as_strata(population, chosen)
    parts = [
        pd.DataFrame({"attribute": c, "value": counts.index.astype(str), "users": counts.to_numpy()})
        for c in chosen
        for counts in [strata[c].value_counts()]
    ]
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["attribute", "value", "users"])
    )
    return frame.assign(share=frame["users"] / max(len(population), 1))


@dataclass(frozen=True)
class WhoAnswered:
    """A wave's respondents against the user list.

    Attributes:
        shares: ``analytics.representativeness.compare_shares``.
        fit: ``analytics.representativeness.goodness_of_fit``.
        matched: Respondents found in the list.
        not_in_list: Respondents not in it (anonymous links, unknown keys): unweighted, left out.
        weights: The matched respondents' weights (index: respondent key), or None when weighting failed.
        problem: The weighting's error message when it failed ("" otherwise).
    """

    shares: pd.DataFrame
    fit: pd.DataFrame
    matched: int
    not_in_list: int
    weights: Weights | None
    problem: str = ""


def who_answered(
    population: pd.DataFrame,
    respondent_keys: Sequence[str | None],
    by: Sequence[str],
    trim: float | None = 5.0,
) -> WhoAnswered:
    """Respondents (by key) against the population, with their weights (raking, capped at `trim`)."""
    keys = pd.Series([k for k in respondent_keys if k is not None], dtype="string").drop_duplicates()
    listed = population.drop_duplicates("user_key").set_index("user_key")
    found = keys[keys.isin(listed.index)]
    matched = listed.loc[found.to_numpy()]
    shares = compare_shares(matched, population, by)
    fit = goodness_of_fit(matched, population, by)
    weights: Weights | None = None
    problem = ""
    try:
        weights = compute_weights(matched, population, by, method="rake", trim=trim)
    except ValueError as err:
        problem = str(err)
    not_in = len(respondent_keys) - len(found)
    return WhoAnswered(shares, fit, len(found), not_in, weights, problem)


def wave_respondent_keys(session: Session, wave_id: int) -> list[str | None]:
    """Every respondent of the wave, by key (None for anonymous answers)."""
    answers = waves_repo.wave_answers(session, [wave_id])
    if answers.empty:
        return []
    firsts = answers.drop_duplicates(subset=["respondent_key", "submitted_at"])
    return [k if isinstance(k, str) else None for k in firsts["respondent_key"]]


def population(session: Session, product_id: int) -> pd.DataFrame:
    """The product's user list (``db.population.population_frame``)."""
    return repo.population_frame(session, product_id)


@dataclass(frozen=True)
class WeightedComparison:
    """The weighted view of a before/after comparison.

    Attributes:
        rows: ``analytics.weighted_compare.weighted_rows`` (empty when no weights).
        before: Who answered the baseline.
        after: Who answered the follow-up.
        by: The attributes weighted on.
    """

    rows: pd.DataFrame
    before: WhoAnswered
    after: WhoAnswered
    by: tuple[str, ...]


def weighted_comparison(
    session: Session,
    product_id: int,
    results: pd.DataFrame,
    answers: pd.DataFrame,
    baseline: int,
    follow_up: int,
    by: Sequence[str] | None = None,
) -> WeightedComparison | None:
    """Weight both waves to the product's user list and test the comparison's rows weighted.

    Args:
        session: The database session.
        product_id: The product.
        results: The unweighted comparison's results.
        answers: The two waves' answers (``services.verification.wave_answers``).
        baseline: The baseline wave id.
        follow_up: The follow-up wave id.
        by: Attributes to weight on; None: every attribute fit for it (:func:`weighting_attributes`).

    Returns:
        The weighted view, or None when the product has no user list (nothing changes then).
    """
    pop = repo.population_frame(session, product_id)
    if pop.empty or len(pop.columns) < 2:
        return None
    chosen = tuple(by) if by is not None else tuple(weighting_attributes(pop))
    if not chosen:
        return None
    sides = []
    for wave in (baseline, follow_up):
        of_wave = answers[answers["wave"] == wave].drop_duplicates(subset=["respondent_key", "submitted_at"])
        keys = [k if isinstance(k, str) else None for k in of_wave["respondent_key"]]
        sides.append(who_answered(pop, keys, chosen))
    before, after = sides
    if before.weights is None or after.weights is None:
        return WeightedComparison(pd.DataFrame(), before, after, chosen)
    listed_before = _keyed(before)
    listed_after = _keyed(after)
    rows = weighted_rows(
        results,
        answers,
        baseline=baseline,
        follow_up=follow_up,
        weights_before=listed_before,
        weights_after=listed_after,
    )
    return WeightedComparison(rows, before, after, chosen)


def _keyed(side: WhoAnswered) -> pd.Series:
    assert side.weights is not None
    return side.weights.weights.copy()
