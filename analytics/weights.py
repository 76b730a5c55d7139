"""Survey weights: respondents weighted to the product's user list by raking or post-stratification.

The weighting itself is weightipy's (RIM raking, the algorithm of R's ``anesrake``, with its weight cap);
nothing here iterates over margins. Post-stratification is raking on one variable, the cross of the
chosen attributes, which weightipy fits in one pass, so each cell's weighted share equals its share of
the population.

Trimming: weights are capped at ``trim`` times the mean weight (default 5) and re-normalised; weightipy
applies the cap inside the raking iterations, so the margins stay as close to the population's as the cap
allows (without a binding cap they are exact to rounding).

Design effect (Kish): ``deff = n * sum(w**2) / sum(w)**2``; effective sample size ``n / deff``.

Command line (files in, weights out; no database)::

    python -m analytics.weights --population POP.csv --sample SAMPLE.csv --by region,plan \
        [--method rake|poststratify] [--trim 5] [--scale sample|population] --output WEIGHTS.csv

writes SAMPLE.csv with a ``weight`` column (summing to the respondents, or to the population size with
``--scale population``) and prints the design effect and the effective n. A bad input prints one line on
stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import weightipy

METHODS = ("rake", "poststratify")
SCALES = ("sample", "population")
DEFAULT_TRIM = 5.0
BLANK = "(blank)"  # an attribute left empty is a value of its own, on both sides
_CELL = "__cell__"


class WeightingError(ValueError):
    """Respondents that cannot be weighted to the population; `code` names why, `values` fill the message.

    Codes: missing_column (column), empty_sample, sample_larger (n, population), unknown_value
    (column, value), empty_stratum (column, value), bad_trim (trim), bad_method (method).
    """

    MESSAGES = {
        "missing_column": "column '{column}' is missing from the {side}",
        "empty_sample": "the sample has no respondents",
        "sample_larger": "the sample ({n} rows) is larger than the population ({population} rows)",
        "unknown_value": "value '{value}' of '{column}' in the sample does not occur in the population",
        "empty_stratum": "stratum {column} = '{value}' has no respondents in the sample: it cannot be weighted",
        "bad_trim": "--trim must be above 1 (a cap in multiples of the mean weight), not {trim}",
        "bad_method": "method must be rake or poststratify, not {method}",
    }

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.values = values
        super().__init__(self.MESSAGES[code].format(**values))


@dataclass(frozen=True)
class Weights:
    """Weights of a sample and what they cost.

    Attributes:
        weights: One weight per sample row, aligned with the sample's index.
        method: rake or poststratify.
        by: The attributes weighted on.
        trim: The cap in multiples of the mean weight, or None.
        design_effect: Kish's design effect of the weights.
        effective_n: Respondents over the design effect.
        trimmed: How many weights the cap touched.
        max_margin_error: The largest difference between a weighted share and its population share,
            over every attribute value (0 up to rounding without a binding cap).
    """

    weights: pd.Series
    method: str
    by: tuple[str, ...]
    trim: float | None
    design_effect: float
    effective_n: float
    trimmed: int
    max_margin_error: float

    @property
    def n(self) -> int:
        """Respondents weighted."""
        return len(self.weights)


def kish_design_effect(weights: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kish's design effect of unequal weights: n * sum(w^2) / sum(w)^2 (1 for equal weights)."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0 or w.sum() <= 0:
        return float("nan")
    return float(w.size * np.sum(w**2) / np.sum(w) ** 2)


def effective_n(weights: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kish's effective sample size: n over the design effect, (sum w)^2 / sum(w^2)."""
    w = np.asarray(weights, dtype=float)
    return float(w.size / kish_design_effect(w)) if w.size else 0.0


def as_strata(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The attribute columns as text, blanks as :data:`BLANK` (the form both sides are compared in)."""
    out = pd.DataFrame(index=frame.index)
    for column in by:
        values = frame[column].astype("string").str.strip()
        out[column] = values.fillna(BLANK).replace("", BLANK).astype(str)
    return out


def population_shares(population: pd.DataFrame, by: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each attribute's values and their shares of the population (summing to 1 per attribute)."""
    strata = as_strata(population, by)
    return {c: {str(k): float(v) for k, v in strata[c].value_counts(normalize=True).items()} for c in by}


def _cells(strata: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """The cross of the attributes as one value per row ("north × pro"), built column-wise."""
    cells = strata[by[0]].astype(str)
    for column in by[1:]:
        cells = cells + " × " + strata[column].astype(str)
    return cells


def _check(sample: pd.DataFrame, population: pd.DataFrame, by: Sequence[str]) -> None:
    for side, frame in (("population", population), ("sample", sample)):
        for column in by:
            if column not in frame.columns:
                raise WeightingError("missing_column", column=column, side=side)
    if sample.empty:
        raise WeightingError("empty_sample")
    if len(sample) > len(population):
        raise WeightingError("sample_larger", n=len(sample), population=len(population))


def _check_strata(sample: pd.Series, population: pd.Series, column: str) -> None:
    known = set(population.unique())
    seen = set(sample.unique())
    for value in sorted(seen - known):
        raise WeightingError("unknown_value", column=column, value=value)
    for value in sorted(known - seen):
        raise WeightingError("empty_stratum", column=column, value=value)


def compute_weights(
    sample: pd.DataFrame,
    population: pd.DataFrame,
    by: Sequence[str],
    *,
    method: str = "rake",
    trim: float | None = DEFAULT_TRIM,
    scale: str = "sample",
) -> Weights:
    """Weight the sample's rows so that their attribute shares match the population's.

    Args:
        sample: One row per respondent, with the `by` columns.
        population: One row per user, with the `by` columns.
        by: The attributes to weight on.
        method: "rake" matches each attribute's margin; "poststratify" matches every cell of their cross.
        trim: Cap on a weight in multiples of the mean weight (re-normalised after capping); None: no cap.
        scale: "sample": weights sum to the respondents; "population": to the population size.

    Returns:
        The weights, their design effect and effective n.

    Raises:
        WeightingError: a column missing, an empty sample, a sample larger than the population, a sample
            value the population lacks, a population stratum without respondents, a cap of 1 or less.
    """
    by = tuple(by)
    if method not in METHODS:
        raise WeightingError("bad_method", method=method)
    if trim is not None and not trim > 1:
        raise WeightingError("bad_trim", trim=trim)
    _check(sample, population, by)
    pop = as_strata(population, by)
    smp = as_strata(sample, by)
    if method == "poststratify":
        pop = pd.DataFrame({_CELL: _cells(pop, by)})
        smp = pd.DataFrame({_CELL: _cells(smp, by)}, index=smp.index)
        columns: tuple[str, ...] = (_CELL,)
    else:
        columns = by
    for column in columns:
        _check_strata(smp[column], pop[column], column if column != _CELL else " × ".join(by))
    targets = {c: {k: v * 100 for k, v in population_shares(pop, [c])[c].items()} for c in columns}
    rim = {"convcrit": 0.0, "max_iterations": 1000, "cap": trim or 0}
    scheme = weightipy.scheme_from_dict(targets, rim_params=rim)
    with contextlib.redirect_stdout(io.StringIO()):  # weightipy prints convergence notes
        raw = weightipy.weight(smp.reset_index(drop=True), scheme)
    w = np.asarray(raw, dtype=float)
    w = w / w.mean()
    trimmed = int(np.sum(w >= (trim - 1e-3))) if trim is not None else 0
    error = max(
        abs(float(w[(smp[c] == value).to_numpy()].sum() / w.sum()) - share / 100)
        for c in columns
        for value, share in targets[c].items()
    )
    if scale == "population":
        w = w * len(population) / len(w)
    return Weights(
        weights=pd.Series(w, index=sample.index, name="weight"),
        method=method,
        by=by,
        trim=trim,
        design_effect=kish_design_effect(w),
        effective_n=effective_n(w),
        trimmed=trimmed,
        max_margin_error=error,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics.weights",
        description="Weight respondents to a user list (raking or post-stratification, weightipy).",
    )
    parser.add_argument(
        "--population", required=True, help="CSV, one row per user, with the attribute columns"
    )
    parser.add_argument(
        "--sample", required=True, help="CSV, one row per respondent, with the attribute columns"
    )
    parser.add_argument("--by", required=True, help="attribute columns, comma-separated: region,plan")
    parser.add_argument("--method", choices=METHODS, default="rake")
    parser.add_argument(
        "--trim",
        type=float,
        default=DEFAULT_TRIM,
        help="cap weights at this multiple of the mean weight, then re-normalise (default 5; 0: no cap)",
    )
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="sample",
        help="weights sum to the respondents (sample) or the users",
    )
    parser.add_argument("--output", required=True, help="SAMPLE.csv with a weight column added")
    return parser


def _read(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise SystemExit(_fail(f"cannot read {path}: {err}")) from None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 for bad input)."""
    args = _parser().parse_args(argv)
    by = [c.strip() for c in args.by.split(",") if c.strip()]
    if not by:
        return _fail("--by names no column")
    try:
        population = _read(args.population)
        sample = _read(args.sample)
    except SystemExit as stop:
        return int(stop.code or 2)
    trim = args.trim if args.trim else None
    try:
        result = compute_weights(sample, population, by, method=args.method, trim=trim, scale=args.scale)
    except WeightingError as err:
        return _fail(str(err))
    sample.assign(weight=result.weights.round(10)).to_csv(args.output, index=False)
    cap = f"capped at {trim:g}x the mean ({result.trimmed} capped)" if trim else "not capped"
    print(
        f"{result.n} respondents weighted to {len(population)} users by {args.method} on {', '.join(by)}; "
        f"weights {cap}, summing to {result.weights.sum():.6g}."
    )
    print(f"design effect (Kish): {result.design_effect:.4f}")
    print(f"effective n: {result.effective_n:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
