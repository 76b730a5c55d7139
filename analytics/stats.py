"""Significance tests for before/after comparisons, each returning one tidy record.

Conventions (DESIGN.md, "Statistics conventions"; STYLE.md, "Statistics"):

* Statistics follow R, because users cross-check with R: Mann-Whitney ``W`` is U of the
  first sample, signed-rank ``V`` is the sum of ranks of the positive differences
  ``x - y``, Fisher's 2x2 odds ratio is the conditional MLE, ``prop.test`` is a
  chi-square test with Yates' correction for one or two groups, and rank tests are
  exact below 50 observations per group unless there are ties or zero differences.
* Directional effect sizes read "x relative to y": positive means x is larger or more
  frequent. Swapping x and y flips their sign; odds ratios become their reciprocal.
* Confidence intervals follow the alternative, as in R: a one-sided test gets a
  one-sided interval whose open end is the parameter's limit (+-1, +-inf or 0).
* Missing values (NaN, None, pd.NA) are dropped and counted in ``warnings``. Other bad
  input (empty samples, wrong shapes, negative or fractional counts, unknown options)
  raises ``ValueError`` before anything is computed.
* Degenerate data: when there is no variation at all (every value identical, every
  paired difference zero, every response in one category) there is no difference to
  test, so ``p_val`` is 1.0, the effect size takes its no-effect value (0; NaN for odds
  ratios, which are undefined there), CIs are NaN and a warning says so. When groups
  have no spread but differ (t-tests only), t is undefined: ``statistic``, ``p_val``
  and the effect size are NaN, with a warning. One-sample and paired t-tests count spread
  at rounding level (below ``ROUNDING_RTOL`` times the values' size) as none, where R's
  t.test stops with "data are essentially constant": 3.1 - 3.0 and 4.1 - 4.0 differ in
  the 16th digit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats
from scipy.stats.contingency import association, odds_ratio
from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar
from statsmodels.stats.meta_analysis import effectsize_smd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

Alternative = Literal["two-sided", "less", "greater"]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SMALL_N = 10  # per group; below this p-values are fragile and power is low
HEAVY_TIES = 0.5  # share of tied observations above which rank tests warn (Likert data)
UNEQUAL_RATIO = 3.0  # largest / smallest group size
MIN_EXPECTED = 5.0  # Cochran's rule for chi-square approximations
EXACT_MAX_N = 50  # R's default: exact rank tests below 50 observations per group
FISHER_RXC_MAX_WORK = 2_000_000  # partial tables the exact r x c enumeration may visit
MONTE_CARLO_RESAMPLES = 100_000  # fallback for r x c tables too large to enumerate
SEED = 20240601  # fixed, so that a Monte Carlo p-value is reproducible
ROUNDING_RTOL = 10 * np.finfo(float).eps  # relative spread that is rounding noise (R's t.test)
LARGE_T_RATIO = 0.01  # noncentral t: below this the large-t limit is as exact as scipy (see _nct_ncp)
LARGE_T_FALLBACK_RATIO = 0.1  # ... and still within about 3e-5 where scipy's nct.cdf gives up

NAN, INF = float("nan"), float("inf")
NO_VARIATION = "there is no difference to test, so p_val is 1 and the effect size takes its no-effect value"
_ADJUST_METHODS = {
    "holm": "holm",
    "hochberg": "simes-hochberg",
    "bonferroni": "bonferroni",
    "bh": "fdr_bh",
    "fdr": "fdr_bh",
    "by": "fdr_by",
}


@dataclass(frozen=True)
class TestResult:
    """One tidy record per significance test.

    Numbers that do not apply to a test are ``None``; numbers that apply but are
    undefined for the data at hand are NaN.

    Attributes:
        test: Human-readable name, e.g. "Mann-Whitney U (Wilcoxon rank-sum)".
        statistic: Test statistic in R's convention; None for Fisher's exact test.
        statistic_name: "W", "V", "t", "X-squared", ...
        dof: Degrees of freedom, or None when the statistic has none.
        alternative: "two-sided", "less" or "greater" (x relative to y).
        p_val: p-value, unadjusted (see ``adjust_pvalues``).
        effect_size: Effect size (see ``effect_size_kind``), directional where possible.
        effect_size_kind: e.g. "rank-biserial r", "Hedges' g", "odds ratio".
        ci_low: Lower confidence bound of the effect size (None if not provided).
        ci_high: Upper confidence bound of the effect size (None if not provided).
        n: Observations per group after dropping missing values (row totals of
            tables; a single entry for paired tests and goodness of fit).
        warnings: Plain-English caveats (dropped values, small n, ties, ...).
        method: How the p-value was computed, e.g. "exact" or "normal approximation".
        estimate: R's raw-scale estimate where it differs from the effect size (mean or
            mean difference of t-tests, proportion of a one-sample test), else None.
        estimate_kind: What ``estimate`` is.
        estimate_ci_low: Lower confidence bound of ``estimate`` (R's conf.int).
        estimate_ci_high: Upper confidence bound of ``estimate``.
        group_estimates: Per-group summaries: medians (rank tests), means (t-tests),
            proportions (proportion tests; first-column share of 2-column tables).
        confidence_level: Level of both confidence intervals.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class despite its name

    test: str
    statistic: float | None = None
    statistic_name: str = ""
    dof: float | None = None
    alternative: str = "two-sided"
    p_val: float = NAN
    effect_size: float = NAN
    effect_size_kind: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    n: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    method: str = ""
    estimate: float | None = None
    estimate_kind: str | None = None
    estimate_ci_low: float | None = None
    estimate_ci_high: float | None = None
    group_estimates: tuple[float, ...] = ()
    confidence_level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a flat dict, e.g. for ``pandas.DataFrame([...])``."""
        return asdict(self)


# --- argument checks -------------------------------------------------------------------


def _alternative(alternative: str) -> Alternative:
    alt = alternative.replace(".", "-") if isinstance(alternative, str) else alternative  # R's "two.sided"
    if alt not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', got {alternative!r}")
    return cast(Alternative, alt)


def _level(confidence_level: float) -> float:
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be between 0 and 1, got {confidence_level!r}")
    return float(confidence_level)


def _sample(values: ArrayLike, name: str) -> FloatArray:
    """Return a 1-D float array; missing values stay NaN so that they can be counted."""
    try:
        to_numpy = getattr(values, "to_numpy", None)  # pandas: turns pd.NA into NaN
        arr = to_numpy(dtype=float, na_value=np.nan) if to_numpy else np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    return arr


def _drop_missing(samples: dict[str, ArrayLike], notes: list[str]) -> list[FloatArray]:
    """Drop NaN from independent samples, say how many, and refuse samples left empty."""
    arrays = {name: _sample(values, name) for name, values in samples.items()}
    missing = {name: int(np.isnan(a).sum()) for name, a in arrays.items()}
    if any(missing.values()):
        detail = ", ".join(f"{name}: {k}" for name, k in missing.items())
        notes.append(f"Dropped {sum(missing.values())} missing value(s) ({detail}).")
    kept = {name: a[~np.isnan(a)] for name, a in arrays.items()}
    for name, a in kept.items():
        if a.size == 0:
            raise ValueError(f"{name} has no non-missing values")
    return list(kept.values())


def _pairs(x: ArrayLike, y: ArrayLike, notes: list[str]) -> tuple[FloatArray, FloatArray]:
    """Keep complete pairs only: a pair with one side missing carries no paired information."""
    xs, ys = _sample(x, "x"), _sample(y, "y")
    if xs.size != ys.size:
        raise ValueError(f"paired samples need equal lengths, got {xs.size} and {ys.size}")
    keep = ~(np.isnan(xs) | np.isnan(ys))
    if not keep.any():
        raise ValueError("no complete pairs: every pair has a missing value")
    if not keep.all():
        notes.append(f"Dropped {int((~keep).sum())} incomplete pair(s) with a missing value.")
    return xs[keep], ys[keep]


def _counts(values: ArrayLike, name: str, ndim: int) -> IntArray:
    """Return non-negative whole-number counts with ``ndim`` dimensions."""
    try:
        arr = np.asarray(getattr(values, "to_numpy", lambda: values)(), dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain counts only ({exc})") from None
    if arr.ndim == 0 and ndim == 1:
        arr = arr.reshape(1)  # a scalar count is a single group
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains missing or infinite counts")
    if (arr < 0).any():
        raise ValueError(f"{name} contains negative counts")
    if (arr != np.round(arr)).any():
        raise ValueError(f"{name} must contain whole-number counts")
    return arr.astype(np.int64)


def _table(table: ArrayLike, *, shape_2x2: bool = False) -> IntArray:
    t = _counts(table, "table", 2)
    if shape_2x2 and t.shape != (2, 2):
        raise ValueError(f"table must be 2x2 ([[a, b], [c, d]]), got shape {t.shape}")
    if min(t.shape) < 2:
        raise ValueError(f"table needs at least 2 rows and 2 columns, got shape {t.shape}")
    if t.sum() == 0:
        raise ValueError("table is empty: all counts are zero")
    return t


# --- warnings and interval helpers -----------------------------------------------------


def _size_notes(sizes: dict[str, int], notes: list[str]) -> None:
    small = [f"n = {k} in {name}" for name, k in sizes.items() if k < SMALL_N]
    if small:
        notes.append(
            f"Small sample ({', '.join(small)}; fewer than {SMALL_N} per group): "
            "the p-value is fragile and the test has little power."
        )
    big, little = max(sizes.values()), min(sizes.values())
    if len(sizes) >= 2 and little > 0 and big / little > UNEQUAL_RATIO:
        notes.append(
            f"Unequal group sizes ({big} vs {little}, ratio {big / little:.1f}): "
            "the smaller group dominates the uncertainty."
        )


def _tie_share(values: FloatArray) -> float:
    """Share of observations that share their value with at least one other."""
    _, counts = np.unique(values, return_counts=True)
    return float(counts[counts > 1].sum() / values.size)


def _tie_note(share: float, notes: list[str]) -> None:
    if share > HEAVY_TIES:
        notes.append(
            f"{share:.0%} of the values are tied (typical of Likert data): the p-value uses "
            "the normal approximation with tie correction."
        )


def _expected_note(expected: FloatArray, notes: list[str], advice: str) -> None:
    low = int((expected < MIN_EXPECTED).sum())
    if low:
        notes.append(
            f"{low} of {expected.size} expected counts are below {MIN_EXPECTED:g}: the chi-square "
            f"approximation may be inaccurate; {advice}."
        )


def _no_variation(notes: list[str], what: str, **fields: Any) -> TestResult:
    """The documented result for data without variation: p_val 1, no-effect effect size."""
    notes.append(f"{what}: {NO_VARIATION}.")
    base: dict[str, Any] = {"statistic": NAN, "p_val": 1.0, "effect_size": 0.0, "ci_low": NAN, "ci_high": NAN}
    return TestResult(**{**base, **fields, "warnings": tuple(notes), "method": "no variation"})


def _undefined_t(notes: list[str], what: str, common: dict[str, Any]) -> TestResult:
    """The documented result when values differ but nothing varies: t is 0/0, so NaN."""
    notes.append(f"{what}: t is undefined, so p_val and the effect size are NaN.")
    nan_cis: dict[str, Any] = {"ci_low": NAN, "ci_high": NAN, "estimate_ci_low": NAN, "estimate_ci_high": NAN}
    return TestResult(**common, **nan_cis, statistic=NAN, warnings=tuple(notes))


def _approximation(correct: bool) -> str:
    return "normal approximation" + (" with continuity correction" if correct else "")


def _crit(level: float, alt: Alternative) -> float:
    # A one-sided interval puts all of alpha in one tail, as R does.
    return float(stats.norm.ppf(level if alt != "two-sided" else (1 + level) / 2))


def _bounds(low: float, high: float, alt: Alternative, floor: float, ceiling: float) -> tuple[float, float]:
    """Open the side of an interval that a one-sided alternative leaves unbounded."""
    if alt == "greater":
        return float(low), ceiling
    if alt == "less":
        return floor, float(high)
    return float(low), float(high)


def _rank_biserial_ci(r: float, se: float, level: float, alt: Alternative) -> tuple[float, float]:
    """Fisher-z interval of a rank-biserial r, with the SEs of R's effectsize package."""
    if abs(r) >= 1:  # atanh is infinite at complete separation
        return NAN, NAN
    z, half = float(np.arctanh(r)), _crit(level, alt) * se
    return _bounds(np.tanh(z - half), np.tanh(z + half), alt, -1.0, 1.0)


def _nct_ci(
    t: float, df: float, scale: float, level: float, alt: Alternative, notes: list[str]
) -> tuple[float, float]:
    """CI of a standardized mean by inverting the noncentral t (exact under normality).

    Both bounds are NaN, with a note, where the noncentrality cannot be found (see ``_nct_ncp``).
    """
    tail = (1 - level) / (2 if alt == "two-sided" else 1)
    low = _nct_ncp(t, df, 1 - tail) * scale if alt != "less" else -INF
    high = _nct_ncp(t, df, tail) * scale if alt != "greater" else INF
    if np.isnan(low) or np.isnan(high):
        notes.append(
            f"The CI of the effect size could not be computed: scipy's noncentral t cannot be inverted "
            f"at t = {t:.4g} with {df:g} dof, so ci_low and ci_high are NaN."
        )
        return NAN, NAN
    return float(low), float(high)


def _nct_ncp(t: float, df: float, q: float) -> float:
    """Noncentrality at which ``t`` is the q-quantile of the noncentral t; NaN if it cannot be found.

    T = (Z + ncp) / S with S = sqrt(chi2_df / df), so P(T <= t) = P(t S - Z >= ncp) for t >= 0.
    scipy's ``nct.cdf`` returns NaN (or takes seconds) once t and ncp near 1e5, so large t uses
    the limit where Z (sd 1) is small next to t S: ``ratio`` compares it with the spread of t S,
    about t / sqrt(2 df), and with its quantile t s. The limit's relative error is at most about
    0.03 ratio^3 (checked against mpmath's integral): 3e-8 at LARGE_T_RATIO.
    """
    if not (np.isfinite(t) and 0 < q < 1):  # q rounds to 1 at a confidence level of 1 - 1e-16
        return NAN
    if t < 0:  # T with ncp is distributed as -T with -ncp
        return -_nct_ncp(-t, df, 1 - q)
    s = _chi_ratio_isf(q, df)  # P(S >= s) = q
    ratio = max(np.sqrt(2 * df), 1 / s) / t if t > 0 and s > 0 else INF
    # t S alone has its q-quantile at t s; adding -Z moves it by -f'/(2f), f the density of t S.
    large_t = t * s - ((df - 1) / s - df * s) / (2 * t) if ratio <= LARGE_T_FALLBACK_RATIO else NAN
    if ratio <= LARGE_T_RATIO:
        return large_t

    def gap(ncp: float) -> float:  # falls as ncp grows
        p = float(stats.nct.cdf(t, df, ncp))
        if np.isnan(p):
            raise FloatingPointError("scipy's noncentral t cdf returned NaN")
        return p - q

    # P(tS >= x + c) P(Z <= c) <= P(tS - Z >= x) <= P(tS >= x - c) + P(Z > c) for any c > 0;
    # choosing c per side makes the outer terms q, so these two points bracket the root.
    low = t * _chi_ratio_isf(2 * q / (1 + q), df) - float(stats.norm.ppf((1 + q) / 2))
    high = t * _chi_ratio_isf(q / 2, df) + float(stats.norm.isf(q / 2))
    try:
        return float(optimize.brentq(gap, low, high))
    except (FloatingPointError, ValueError, RuntimeError):  # NaN, a bracket rounding broke, no convergence
        return large_t  # NaN unless the large-t limit is still close


def _chi_ratio_isf(p: float, df: float) -> float:
    """The s with P(sqrt(chi2_df / df) >= s) = p."""
    return float(np.sqrt(stats.chi2.isf(p, df) / df))


def _share_per_row(t: IntArray) -> tuple[float, ...]:
    """Share of the first column per row, for 2-column tables (e.g. complaint share per group)."""
    if t.shape[1] != 2:
        return ()
    return tuple(float(a / n) if n else NAN for a, n in zip(t[:, 0], t.sum(axis=1), strict=True))


# --- rank tests ------------------------------------------------------------------------


def mann_whitney(
    x: ArrayLike,
    y: ArrayLike,
    alternative: str = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
    confidence_level: float = 0.95,
) -> TestResult:
    """Mann-Whitney U test (Wilcoxon rank-sum) of two independent samples, as R's wilcox.test.

    Args:
        x: First sample (e.g. ratings after a fix).
        y: Second sample (e.g. ratings before).
        alternative: "two-sided", "less" or "greater": x stochastically smaller/larger.
        exact: Exact p-value; None means exact when both n < 50 and there are no ties.
            With ties the normal approximation with tie correction is used, as in R.
        correct: Continuity correction of the normal approximation.
        confidence_level: Level of the effect-size CI.

    Returns:
        TestResult with W (= U of x, R's convention) and the rank-biserial correlation
        r = 2W / (n_x n_y) - 1 (positive when x tends to be larger), whose CI is the
        Fisher-z interval with SE sqrt((n_x + n_y + 1) / (3 n_x n_y)) (R effectsize).
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    xs, ys = _drop_missing({"x": x, "y": y}, notes)
    n1, n2 = xs.size, ys.size
    _size_notes({"x": n1, "y": n2}, notes)
    common: dict[str, Any] = {
        "test": "Mann-Whitney U (Wilcoxon rank-sum)",
        "statistic_name": "W",
        "alternative": alt,
        "effect_size_kind": "rank-biserial r",
        "n": (n1, n2),
        "group_estimates": (float(np.median(xs)), float(np.median(ys))),
        "confidence_level": level,
    }
    pooled = np.concatenate([xs, ys])
    if np.ptp(pooled) == 0:
        return _no_variation(notes, "All values are identical", **common, statistic=n1 * n2 / 2)
    ties = _tie_share(pooled)
    _tie_note(ties, notes)
    use_exact = (n1 < EXACT_MAX_N and n2 < EXACT_MAX_N) if exact is None else exact
    if use_exact and ties > 0:
        if exact:
            notes.append("Exact p-value unavailable with ties: used the normal approximation.")
        use_exact = False
    method = "exact" if use_exact else "asymptotic"
    res = stats.mannwhitneyu(xs, ys, use_continuity=correct, alternative=alt, method=method)
    w = float(res.statistic)  # scipy's U1 is U of the first sample, i.e. R's W
    r = 2 * w / (n1 * n2) - 1
    low, high = _rank_biserial_ci(r, np.sqrt((n1 + n2 + 1) / (3 * n1 * n2)), level, alt)
    if abs(r) == 1:
        notes.append("The groups do not overlap at all: the CI of r is undefined.")
    return TestResult(
        **common,
        statistic=w,
        p_val=float(res.pvalue),
        effect_size=r,
        ci_low=low,
        ci_high=high,
        warnings=tuple(notes),
        method="exact" if use_exact else _approximation(correct),
    )


def wilcoxon_signed_rank(
    x: ArrayLike,
    y: ArrayLike | None = None,
    alternative: str = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
    mu: float = 0.0,
    confidence_level: float = 0.95,
) -> TestResult:
    """Wilcoxon signed-rank test of paired samples (or one sample against ``mu``), as R.

    Zero differences are dropped before ranking (R's convention) and counted in the
    warnings.

    Args:
        x: First measurement per unit (e.g. after), or the only sample.
        y: Second measurement per unit (e.g. before); None for a one-sample test.
        alternative: "two-sided", "less" or "greater" for the location of x - y - mu.
        exact: Exact p-value; None means exact when there are fewer than 50 non-zero
            differences and neither ties nor zeros (else the normal approximation, as R).
        correct: Continuity correction of the normal approximation.
        mu: Hypothesised location of the differences.
        confidence_level: Level of the effect-size CI.

    Returns:
        TestResult with V (sum of ranks of the positive differences, R's convention) and
        the matched-pairs rank-biserial r = (V+ - V-) / (V+ + V-), positive when x > y,
        whose CI is the Fisher-z interval with SE sqrt((2n^3 + 3n^2 + n) / 6) /
        (n(n + 1) / 2) (R effectsize), n = number of non-zero differences.
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    medians: tuple[float, ...]
    if y is None:
        (xs,) = _drop_missing({"x": x}, notes)
        diffs, medians = xs - mu, (float(np.median(xs)),)
    else:
        xs, ys = _pairs(x, y, notes)
        diffs, medians = xs - ys - mu, (float(np.median(xs)), float(np.median(ys)))
    _size_notes({"x" if y is None else "pairs": diffs.size}, notes)
    common: dict[str, Any] = {
        "test": "Wilcoxon signed-rank" + (" (one-sample)" if y is None else " (paired)"),
        "statistic_name": "V",
        "alternative": alt,
        "effect_size_kind": "rank-biserial r (matched pairs)",
        "n": (diffs.size,),
        "group_estimates": medians,
        "confidence_level": level,
    }
    nonzero = diffs[diffs != 0]
    zeros, n = diffs.size - nonzero.size, nonzero.size
    if n == 0:
        return _no_variation(notes, "All differences are zero", **common, statistic=0.0)
    if zeros:
        notes.append(f"Dropped {zeros} zero difference(s) before ranking (R's convention).")
    ties = _tie_share(np.abs(nonzero))
    _tie_note(ties, notes)
    use_exact = n < EXACT_MAX_N if exact is None else exact
    if use_exact and (ties > 0 or zeros):
        if exact:
            notes.append("Exact p-value unavailable with ties or zeros: used the normal approximation.")
        use_exact = False
    method = "exact" if use_exact else "asymptotic"
    res = stats.wilcoxon(nonzero, correction=correct, alternative=alt, method=method)
    # scipy's two-sided statistic is min(V+, V-); R reports V+, so take it from the ranks.
    v = float(stats.rankdata(np.abs(nonzero))[nonzero > 0].sum())
    total = n * (n + 1) / 2
    r = 2 * v / total - 1
    low, high = _rank_biserial_ci(r, np.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / total, level, alt)
    if abs(r) == 1:
        notes.append("All non-zero differences have the same sign: the CI of r is undefined.")
    return TestResult(
        **common,
        statistic=v,
        p_val=float(res.pvalue),
        effect_size=r,
        ci_low=low,
        ci_high=high,
        warnings=tuple(notes),
        method="exact" if use_exact else _approximation(correct),
    )


# --- t-tests ---------------------------------------------------------------------------


def _at_least_two(samples: dict[str, FloatArray]) -> None:
    for name, a in samples.items():
        if a.size < 2:
            raise ValueError(f"{name} needs at least 2 non-missing values for a t-test, got {a.size}")


def welch_t(
    x: ArrayLike, y: ArrayLike, alternative: str = "two-sided", confidence_level: float = 0.95
) -> TestResult:
    """Welch's two-sample t-test (unequal variances), as R's t.test default.

    Args:
        x: First sample.
        y: Second sample.
        alternative: "two-sided", "less" or "greater" for mean(x) - mean(y).
        confidence_level: Level of both CIs.

    Returns:
        TestResult with t, Welch's dof, the difference in means (x - y) with R's t-based
        CI as ``estimate``, and Hedges' g (pooled SD, small-sample corrected, statsmodels)
        with a normal-approximation CI from its variance as the effect size.
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    xs, ys = _drop_missing({"x": x, "y": y}, notes)
    _at_least_two({"x": xs, "y": ys})
    _size_notes({"x": xs.size, "y": ys.size}, notes)
    common: dict[str, Any] = {
        "test": "Welch two-sample t-test",
        "statistic_name": "t",
        "alternative": alt,
        "effect_size_kind": "Hedges' g",
        "n": (xs.size, ys.size),
        "estimate": float(xs.mean() - ys.mean()),
        "estimate_kind": "difference in means (x - y)",
        "group_estimates": (float(xs.mean()), float(ys.mean())),
        "confidence_level": level,
    }
    if np.ptp(np.concatenate([xs, ys])) == 0:
        return _no_variation(
            notes, "All values are identical", **common, estimate_ci_low=NAN, estimate_ci_high=NAN
        )
    if np.ptp(xs) == 0 and np.ptp(ys) == 0:
        return _undefined_t(notes, "Neither group varies but their values differ", common)
    res = stats.ttest_ind(xs, ys, equal_var=False, alternative=alt)
    ci = res.confidence_interval(level)
    g, var_g = effectsize_smd(xs.mean(), xs.std(ddof=1), xs.size, ys.mean(), ys.std(ddof=1), ys.size)
    half = _crit(level, alt) * np.sqrt(var_g)
    low, high = _bounds(g - half, g + half, alt, -INF, INF)
    return TestResult(
        **common,
        statistic=float(res.statistic),
        dof=float(res.df),
        p_val=float(res.pvalue),
        effect_size=float(g),
        ci_low=low,
        ci_high=high,
        estimate_ci_low=float(ci.low),
        estimate_ci_high=float(ci.high),
        warnings=tuple(notes),
        method="t distribution, Welch-Satterthwaite dof",
    )


def _t_on_differences(
    d: FloatArray, mu: float, size: float, notes: list[str], common: dict[str, Any]
) -> TestResult:
    """One-sample t-test of ``d`` against ``mu``, with Cohen's d and a noncentral-t CI.

    ``size`` is the largest magnitude that ``d`` was computed from: spread below
    ``ROUNDING_RTOL * size`` is rounding noise, which would make t huge and meaningless.
    """
    alt, level = common["alternative"], common["confidence_level"]
    noise = ROUNDING_RTOL * max(size, abs(mu))
    if np.ptp(d) <= noise:
        identical = "All values are identical" + ("" if np.ptp(d) == 0 else " up to rounding")
        if np.abs(d - mu).max() <= noise:
            return _no_variation(notes, identical, **common, estimate_ci_low=NAN, estimate_ci_high=NAN)
        return _undefined_t(notes, f"{identical} but differ from mu", common)
    res = stats.ttest_1samp(d, popmean=mu, alternative=alt)
    ci = res.confidence_interval(level)  # CI of mean(d): R's conf.int
    t, df = float(res.statistic), float(res.df)
    low, high = _nct_ci(t, df, 1 / np.sqrt(d.size), level, alt, notes)
    return TestResult(
        **common,
        statistic=t,
        dof=df,
        p_val=float(res.pvalue),
        effect_size=t / np.sqrt(d.size),  # = (mean(d) - mu) / sd(d)
        ci_low=low,
        ci_high=high,
        estimate_ci_low=float(ci.low),
        estimate_ci_high=float(ci.high),
        warnings=tuple(notes),
        method="t distribution",
    )


def paired_t(
    x: ArrayLike,
    y: ArrayLike,
    alternative: str = "two-sided",
    mu: float = 0.0,
    confidence_level: float = 0.95,
) -> TestResult:
    """Paired t-test of x - y against ``mu``, as R's t.test(paired = TRUE).

    Args:
        x: First measurement per unit (e.g. after).
        y: Second measurement per unit (e.g. before).
        alternative: "two-sided", "less" or "greater" for mean(x - y) - mu.
        mu: Hypothesised mean difference.
        confidence_level: Level of both CIs.

    Returns:
        TestResult with t, dof = n - 1, the mean difference (x - y) with R's t-based CI as
        ``estimate``, and Cohen's d_z = (mean(x - y) - mu) / sd(x - y) with an exact
        noncentral-t CI as the effect size.
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    xs, ys = _pairs(x, y, notes)
    _at_least_two({"pairs": xs})
    _size_notes({"pairs": xs.size}, notes)
    d = xs - ys  # off by up to eps * max(|x|, |y|): 3.1 - 3.0 != 4.1 - 4.0
    common: dict[str, Any] = {
        "test": "Paired t-test",
        "statistic_name": "t",
        "alternative": alt,
        "effect_size_kind": "Cohen's d_z",
        "n": (d.size,),
        "estimate": float(d.mean()),
        "estimate_kind": "mean difference (x - y)",
        "group_estimates": (float(xs.mean()), float(ys.mean())),
        "confidence_level": level,
    }
    return _t_on_differences(d, mu, float(np.abs(np.concatenate([xs, ys])).max()), notes, common)


def one_sample_t(
    x: ArrayLike, mu: float = 0.0, alternative: str = "two-sided", confidence_level: float = 0.95
) -> TestResult:
    """One-sample t-test of mean(x) against ``mu``, as R's t.test(x, mu = mu).

    Args:
        x: The sample.
        mu: Hypothesised mean.
        alternative: "two-sided", "less" or "greater" for mean(x) - mu.
        confidence_level: Level of both CIs.

    Returns:
        TestResult with t, dof = n - 1, the mean with R's t-based CI as ``estimate``, and
        Cohen's d = (mean(x) - mu) / sd(x) with an exact noncentral-t CI.
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    (xs,) = _drop_missing({"x": x}, notes)
    _at_least_two({"x": xs})
    _size_notes({"x": xs.size}, notes)
    common: dict[str, Any] = {
        "test": "One-sample t-test",
        "statistic_name": "t",
        "alternative": alt,
        "effect_size_kind": "Cohen's d",
        "n": (xs.size,),
        "estimate": float(xs.mean()),
        "estimate_kind": "mean",
        "group_estimates": (float(xs.mean()),),
        "confidence_level": level,
    }
    return _t_on_differences(xs, mu, float(np.abs(xs).max()), notes, common)


# --- tables ----------------------------------------------------------------------------


def _compositions(total: int, caps: IntArray) -> IntArray | None:
    """All integer vectors 0 <= v <= caps with sum(v) == total; None if too many to list."""
    out = np.zeros((1, 0), dtype=np.int64)
    room_after = np.cumsum(caps[::-1])[::-1][1:]  # capacity of the parts after each one
    for cap, room in zip(caps[:-1], room_after, strict=True):
        if out.shape[0] * (cap + 1) > FISHER_RXC_MAX_WORK:
            return None
        grown = np.column_stack([np.repeat(out, cap + 1, axis=0), np.tile(np.arange(cap + 1), out.shape[0])])
        used = grown.sum(axis=1)
        out = grown[(used <= total) & (used + room >= total)]
    return np.column_stack([out, total - out.sum(axis=1)])  # the last part is forced


def _fisher_rxc_pvalue(table: IntArray) -> float | None:
    """Exact p-value of Fisher's test on an r x c table, as R's fisher.test.

    scipy offers only Monte Carlo or permutation p-values for r x c tables, so the tables
    with the observed margins are enumerated here; the p-value sums the probabilities of
    those no more likely than the observed one (relative tolerance 1e-7, as R). Columns
    are filled one at a time; partial tables that leave the same multiset of row totals
    are merged, and a branch is settled early when bounds show that all or none of its
    completions count (the idea of Mehta and Patel's network algorithm).

    Returns:
        The p-value, or None when the enumeration would exceed ``FISHER_RXC_MAX_WORK``.
    """
    if table.shape[0] > table.shape[1]:
        table = table.T  # fewer rows means fewer ways to fill each column
    rows, cols = table.sum(axis=1), sorted(table.sum(axis=0).tolist())  # largest column last
    lf = special.gammaln(np.arange(int(table.sum()) + 2) + 1)  # log k!
    # log P(table) = log_const - sum(log x_ij!); a table counts when its sum >= threshold.
    log_const = lf[rows].sum() + lf[cols].sum() - lf[int(table.sum())]
    threshold = lf[table].sum() - 1e-7

    def spread(total: int, parts: int) -> float:  # min of sum(log v!) over parts summing to total
        q, rem = divmod(total, parts)
        return float(rem * lf[q + 1] + (parts - rem) * lf[q])

    # Each state (remaining row totals) maps to the distinct partial sums and their multiplicity.
    states = {tuple(sorted(rows.tolist())): (np.zeros(1), np.ones(1))}
    log_terms, work = [-INF], 0
    for k, col in enumerate(cols[:-1]):
        rest, last = cols[k:], k == len(cols) - 2
        ids: dict[tuple[int, ...], int] = {}
        chunks: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        for state, (s, cnt) in states.items():
            caps = np.array(state, dtype=np.int64)
            # Bounds on sum(log x!) over the unfilled sub-table: spreading every margin
            # evenly gives a lower bound, piling it into one cell an upper bound.
            low = max(sum(spread(c, caps.size) for c in rest), sum(spread(int(r), len(rest)) for r in caps))
            high = min(float(lf[rest].sum()), float(lf[caps].sum()))
            settled = s + low >= threshold
            if settled.any():  # every completion counts: add the sub-table's mass in closed form
                sub = lf[caps.sum()] - lf[caps].sum() - lf[rest].sum()
                log_terms.append(special.logsumexp(np.log(cnt[settled]) + log_const - s[settled] + sub))
            keep = ~settled & (s + high >= threshold)
            s, cnt = s[keep], cnt[keep]
            if s.size == 0:
                continue
            fills = _compositions(col, caps)
            work += FISHER_RXC_MAX_WORK if fills is None else fills.shape[0] * (1 if last else s.size)
            if fills is None or work > FISHER_RXC_MAX_WORK:
                return None
            add = lf[fills].sum(axis=1)
            if last:  # the last column is forced: sum the matching partial masses by bisection
                add = add + lf[caps - fills].sum(axis=1)
                order = np.argsort(s)
                s, weight = s[order], np.log(cnt[order]) + log_const - s[order]
                tail = np.logaddexp.accumulate(weight[::-1])[::-1]
                idx = np.searchsorted(s, threshold - add)
                hit = idx < s.size
                if hit.any():
                    log_terms.append(special.logsumexp(tail[idx[hit]] - add[hit]))
                continue
            left = map(tuple, np.sort(caps - fills, axis=1).tolist())
            key_ids = np.array([ids.setdefault(key, len(ids)) for key in left], dtype=float)
            chunks.append((np.repeat(key_ids, s.size), (add[:, None] + s).ravel(), np.tile(cnt, add.size)))
        if not chunks:
            break
        # Merge partial tables with the same remaining totals and the same sum (rounded,
        # since equal sums of logs can differ in the last bits).
        key_col, sums, counts = (np.concatenate(parts) for parts in zip(*chunks, strict=True))
        sums = sums.round(9)
        order = np.lexsort((sums, key_col))
        key_col, sums, counts = key_col[order], sums[order], counts[order]
        starts = np.flatnonzero(np.r_[True, (np.diff(key_col) != 0) | (np.diff(sums) != 0)])
        key_col, sums, counts = key_col[starts], sums[starts], np.add.reduceat(counts, starts)
        cuts = np.flatnonzero(np.diff(key_col)) + 1
        keys = list(ids)
        states = {
            keys[int(block[0])]: (s_block, c_block)
            for block, s_block, c_block in zip(
                np.split(key_col, cuts), np.split(sums, cuts), np.split(counts, cuts), strict=True
            )
        }
    return min(1.0, float(np.exp(special.logsumexp(log_terms))))


def _drop_empty_lines(t: IntArray, notes: list[str]) -> IntArray:
    """Drop all-zero rows and columns: they carry no information but break chi-square."""
    rows, cols = t.sum(axis=1) > 0, t.sum(axis=0) > 0
    if not (rows.all() and cols.all()):
        notes.append(f"Dropped {int((~rows).sum())} empty row(s) and {int((~cols).sum())} empty column(s).")
    kept: np.ndarray = t[rows][:, cols]
    return kept


def fisher_exact(
    table: ArrayLike, alternative: str = "two-sided", confidence_level: float = 0.95
) -> TestResult:
    """Fisher's exact test of a 2x2 or r x c contingency table, as R's fisher.test.

    Args:
        table: Counts, rows = groups (x first), columns = outcomes, e.g. [[a, b], [c, d]].
        alternative: For 2x2 tables "two-sided", "less" or "greater" for the odds ratio
            (odds of column 1 in row 1 relative to row 2); r x c tables are two-sided only.
        confidence_level: Level of the odds-ratio CI.

    Returns:
        For 2x2: the conditional-MLE odds ratio with its exact conditional CI (R's
        estimate and conf.int, via scipy). For r x c: the exact p-value (Monte Carlo with
        a fixed seed, and a warning, when the table is too large to enumerate) and
        Cramér's V without a CI.
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    t = _table(table)
    n = tuple(int(v) for v in t.sum(axis=1))
    _size_notes({f"row {i + 1}": k for i, k in enumerate(n)}, notes)
    common: dict[str, Any] = {
        "test": "Fisher's exact test",
        "statistic_name": "none (exact test)",
        "alternative": alt,
        "n": n,
        "group_estimates": _share_per_row(t),
        "confidence_level": level,
    }
    if t.shape == (2, 2):
        common["effect_size_kind"] = "odds ratio (conditional MLE)"
        if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
            return _no_variation(
                notes, "A row or column is all zeros", **common, statistic=None, effect_size=NAN
            )
        p = float(stats.fisher_exact(t, alternative=alt).pvalue)
        res = odds_ratio(t, kind="conditional")
        ci = res.confidence_interval(confidence_level=level, alternative=alt)
        return TestResult(
            **common,
            p_val=p,
            effect_size=float(res.statistic),
            ci_low=float(ci.low),
            ci_high=float(ci.high),
            warnings=tuple(notes),
            method="exact",
        )
    if alt != "two-sided":
        raise ValueError("Fisher's test of an r x c table is two-sided only")
    common["effect_size_kind"] = "Cramér's V"
    t = _drop_empty_lines(t, notes)
    if min(t.shape) < 2:
        return _no_variation(
            notes, "Only one row or column has data", **common, statistic=None, ci_low=None, ci_high=None
        )
    p_val, method = _fisher_rxc_pvalue(t), "exact"
    if p_val is None:
        mc = stats.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(SEED))
        p_val = float(stats.fisher_exact(t, method=mc).pvalue)
        method = f"Monte Carlo ({MONTE_CARLO_RESAMPLES:,} tables, seed {SEED})"
        notes.append(f"The table is too large for the exact test: p_val is a {method} estimate.")
    return TestResult(
        **common,
        p_val=p_val,
        effect_size=float(association(t, method="cramer")),
        warnings=tuple(notes),
        method=method,
    )


def chi_square(
    table_or_observed: ArrayLike,
    expected_probs: ArrayLike | None = None,
    correct: bool = True,
    rescale: bool = False,
) -> TestResult:
    """Pearson's chi-square test of independence (2-D table) or goodness of fit (1-D counts).

    Args:
        table_or_observed: A contingency table (rows = groups) or 1-D category counts.
        expected_probs: Goodness of fit only: expected category probabilities (default
            uniform); they must sum to 1 unless ``rescale`` is True.
        correct: Yates' continuity correction, applied to 2x2 tables only (as R).
        rescale: Goodness of fit only: divide ``expected_probs`` by their sum (R's rescale.p).

    Returns:
        TestResult with X-squared and dof; the effect size is Cramér's V (independence)
        or Cohen's w = sqrt(X-squared / N) (goodness of fit), without a CI.
    """
    try:
        arr = np.asarray(getattr(table_or_observed, "to_numpy", lambda: table_or_observed)(), dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"table_or_observed must be a rectangular table or 1-D counts ({exc})") from None
    notes: list[str] = []
    if arr.ndim == 2:
        return _chi_square_independence(arr, expected_probs, correct, rescale, notes)
    obs = _counts(arr, "observed", 1)
    if obs.size < 2 or obs.sum() == 0:
        raise ValueError("goodness of fit needs at least 2 categories and at least one observation")
    probs = np.full(obs.size, 1 / obs.size)
    if expected_probs is not None:
        probs = _sample(expected_probs, "expected_probs")
        if probs.shape != obs.shape or np.isnan(probs).any() or (probs <= 0).any():
            raise ValueError("expected_probs must be positive and as long as observed")
        if rescale:
            probs = probs / probs.sum()
        elif abs(probs.sum() - 1) > np.sqrt(np.finfo(float).eps):  # R's tolerance
            raise ValueError(f"expected_probs sum to {probs.sum():g}, not 1; pass rescale=True to normalise")
    total = int(obs.sum())
    _expected_note(total * probs, notes, "merge sparse categories or use an exact multinomial test")
    _size_notes({"observed": total}, notes)
    res = stats.chisquare(obs, f_exp=total * probs)
    return TestResult(
        test="Chi-square goodness-of-fit test",
        statistic=float(res.statistic),
        statistic_name="X-squared",
        dof=float(obs.size - 1),
        p_val=float(res.pvalue),
        effect_size=float(np.sqrt(res.statistic / total)),
        effect_size_kind="Cohen's w",
        n=(total,),
        warnings=tuple(notes),
        method="chi-square approximation",
        group_estimates=tuple(float(v) for v in obs / total),
    )


def _chi_square_independence(
    arr: ArrayLike, expected_probs: ArrayLike | None, correct: bool, rescale: bool, notes: list[str]
) -> TestResult:
    if expected_probs is not None or rescale:
        raise ValueError("expected_probs and rescale apply to 1-D goodness-of-fit counts only")
    t = _table(arr)
    n = tuple(int(v) for v in t.sum(axis=1))
    _size_notes({f"row {i + 1}": k for i, k in enumerate(n) if k}, notes)
    t = _drop_empty_lines(t, notes)
    common: dict[str, Any] = {"statistic_name": "X-squared", "effect_size_kind": "Cramér's V", "n": n}
    name = "Pearson's chi-square test of independence"
    if min(t.shape) < 2:
        return _no_variation(
            notes, "Only one row or column has data", **common, test=name, ci_low=None, ci_high=None
        )
    res = stats.chi2_contingency(t, correction=correct)
    _expected_note(res.expected_freq, notes, "use Fisher's exact test (fisher_exact) instead")
    return TestResult(
        **common,
        test=name + (" with Yates' correction" if correct and res.dof == 1 else ""),  # R and scipy: 2x2 only
        statistic=float(res.statistic),
        dof=float(res.dof),
        p_val=float(res.pvalue),
        effect_size=float(association(t, method="cramer")),
        warnings=tuple(notes),
        method="chi-square approximation",
        group_estimates=_share_per_row(t),
    )


def mcnemar(
    table: ArrayLike, correct: bool = True, exact: bool = False, confidence_level: float = 0.95
) -> TestResult:
    """McNemar's test of paired binary outcomes, as R's mcnemar.test.

    Args:
        table: 2x2 counts of pairs, rows = outcome in x (yes, no), columns = outcome in y
            (yes, no); b = table[0][1] (yes in x only), c = table[1][0] (yes in y only).
        correct: Continuity correction, X-squared = (|b - c| - 1)^2 / (b + c), as R.
        exact: Use the exact binomial test of b out of b + c instead (statistic = b).
        confidence_level: Level of the odds-ratio CI.

    Returns:
        TestResult with the paired odds ratio b / c (> 1 when "yes" is more frequent in
        x) and its exact Clopper-Pearson CI mapped from b / (b + c); ``group_estimates``
        holds the share of "yes" in x and in y.
    """
    level, notes = _level(confidence_level), list[str]()
    t = _table(table, shape_2x2=True)
    total, b, c = int(t.sum()), int(t[0, 1]), int(t[1, 0])
    _size_notes({"pairs": total}, notes)
    common: dict[str, Any] = {
        "test": "McNemar's test" + (" (exact binomial)" if exact else ""),
        "statistic_name": "b" if exact else "X-squared",
        "dof": None if exact else 1.0,
        "effect_size_kind": "odds ratio (paired, b/c)",
        "n": (total,),
        "group_estimates": (float(t[0].sum() / total), float(t[:, 0].sum() / total)),
        "confidence_level": level,
    }
    if b + c == 0:
        return _no_variation(notes, "No discordant pairs", **common, effect_size=NAN)
    if not exact and b + c < 25:
        notes.append(
            f"Only {b + c} discordant pairs: the exact binomial version (exact=True) is more reliable."
        )
    res = _sm_mcnemar(t, exact=exact, correction=correct)
    p_low, p_high = proportion_confint(b, b + c, alpha=1 - level, method="beta")
    return TestResult(
        **common,
        statistic=float(b) if exact else float(res.statistic),
        p_val=float(res.pvalue),
        effect_size=b / c if c else INF,
        ci_low=float(p_low / (1 - p_low)),
        ci_high=float(p_high / (1 - p_high)) if p_high < 1 else INF,
        warnings=tuple(notes),
        method="exact binomial"
        if exact
        else "chi-square" + (" with continuity correction" if correct else ""),
    )


def stuart_maxwell(table: ArrayLike) -> TestResult:
    """Stuart-Maxwell test of marginal homogeneity of paired categories (McNemar for k categories).

    The statistic is Stuart's Wald statistic d' V^-1 d, d the differences of the row and column
    margins and V their covariance under homogeneity, as statsmodels'
    ``SquareTable(table).homogeneity()`` and R's ``DescTools::StuartMaxwellTest`` compute it.
    Categories no pair moved into or out of carry no information and are left out. When the pairs that
    moved form separate groups of categories (e.g. only 1 <-> 2 and 3 <-> 4), V is singular: its
    Moore-Penrose inverse is used and the degrees of freedom are its rank (the sum of the groups'
    tests), where statsmodels gives NaN.

    Args:
        table: k x k counts of pairs, rows = category in x (first occasion), columns = category in y.

    Returns:
        TestResult with X-squared, its dof and ``group_estimates`` holding the share of each category
        in x then in y; no effect size (``effect_size`` NaN), since the test has none of its own.
    """
    notes: list[str] = []
    t = _table(table)
    if t.shape[0] != t.shape[1]:
        raise ValueError(f"table must be square (k x k categories), got shape {t.shape}")
    total = int(t.sum())
    _size_notes({"pairs": total}, notes)
    common: dict[str, Any] = {
        "test": "Stuart-Maxwell test of marginal homogeneity",
        "statistic_name": "X-squared",
        "n": (total,),
        "group_estimates": tuple(float(v) for v in np.r_[t.sum(axis=1), t.sum(axis=0)] / total),
    }
    off = t - np.diag(np.diag(t))
    moved = (off.sum(axis=0) + off.sum(axis=1)) > 0
    if moved.sum() < 2:
        return _no_variation(notes, "No pair changed category", **common, effect_size=NAN, dof=0.0)
    kept = t[moved][:, moved].astype(float)
    d = kept.sum(axis=1) - kept.sum(axis=0)
    cov = -(kept + kept.T)
    np.fill_diagonal(cov, kept.sum(axis=1) + kept.sum(axis=0) - 2 * np.diag(kept))
    dof = int(np.linalg.matrix_rank(cov))
    if dof < kept.shape[0] - 1:
        notes.append(
            "The categories that changed fall into separate groups: the statistic uses the generalised "
            f"inverse of the covariance, on {dof} degrees of freedom."
        )
    statistic = float(d @ np.linalg.pinv(cov) @ d)
    discordant = int(off.sum())
    if discordant < 2 * MIN_EXPECTED * (kept.shape[0] - 1):
        notes.append(
            f"Only {discordant} pairs changed category: the chi-square approximation may be inaccurate."
        )
    return TestResult(
        **common,
        statistic=statistic,
        dof=float(dof),
        p_val=float(stats.chi2.sf(statistic, dof)),
        warnings=tuple(notes),
        method="chi-square approximation",
    )


def _wilson_interval(
    x: int, n: int, p0: float, correct: bool, level: float, alt: Alternative
) -> tuple[float, float]:
    """Wilson score interval as R's one-sample prop.test prints it, continuity correction included.

    statsmodels' Wilson interval has no continuity correction, so R's formula is used.
    """
    z = _crit(level, alt)
    yates = min(0.5, abs(x - n * p0)) if correct else 0.0
    z22n, phat = z**2 / (2 * n), x / n

    def bound(pc: float, sign: int) -> float:
        return float((pc + z22n + sign * z * np.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n))

    high = 1.0 if phat + yates / n >= 1 else min(1.0, bound(phat + yates / n, 1))
    low = 0.0 if phat - yates / n <= 0 else max(0.0, bound(phat - yates / n, -1))
    return _bounds(low, high, alt, 0.0, 1.0)


def two_proportions(
    successes: ArrayLike,
    totals: ArrayLike,
    alternative: str = "two-sided",
    correct: bool = True,
    p0: float | None = None,
    confidence_level: float = 0.95,
) -> TestResult:
    """Test of equal proportions across groups, or of one proportion against p0, as R's prop.test.

    Args:
        successes: Successes per group (a scalar or one value for a one-sample test).
        totals: Trials per group, same shape as ``successes``.
        alternative: "two-sided", "less" or "greater" for p_x - p_y (or p - p0); more
            than two groups allow "two-sided" only.
        correct: Yates' continuity correction, for one or two groups only (as R).
        p0: Null proportion of a one-sample test (default 0.5); not allowed otherwise.
        confidence_level: Level of the CIs.

    Returns:
        Two groups: X-squared (= z^2 of the pooled z-test when uncorrected) and the
        difference in proportions with Newcombe's hybrid-score CI (statsmodels). One
        group: X-squared, the proportion with R's Wilson CI as ``estimate`` and p - p0 as
        the effect size. More groups: X-squared and Cramér's V without a CI.
    """
    alt, level, notes = _alternative(alternative), _level(confidence_level), list[str]()
    s, n = _counts(successes, "successes", 1), _counts(totals, "totals", 1)
    if s.shape != n.shape:
        raise ValueError(f"successes and totals must have the same length, got {s.size} and {n.size}")
    if (n == 0).any() or (s > n).any():
        raise ValueError("totals must be positive and at least as large as successes")
    k, props, sizes = s.size, s / n, tuple(int(v) for v in n)
    _size_notes({f"group {i + 1}": v for i, v in enumerate(sizes)}, notes)
    common: dict[str, Any] = {
        "statistic_name": "X-squared",
        "dof": float(max(k - 1, 1)),
        "alternative": alt,
        "n": sizes,
        "group_estimates": tuple(float(p) for p in props),
        "confidence_level": level,
        "method": "chi-square approximation",
    }
    if k == 1:
        return _one_proportion(int(s[0]), int(n[0]), 0.5 if p0 is None else p0, correct, notes, common)
    if p0 is not None:
        raise ValueError("p0 applies to a single proportion only")
    if k > 2 and alt != "two-sided":
        raise ValueError("more than two groups allow alternative='two-sided' only")
    common["test"] = f"{k}-sample test for equality of proportions" + (
        " with continuity correction" if correct and k == 2 else ""
    )
    common["effect_size_kind"] = "difference in proportions" if k == 2 else "Cramér's V"
    if s.sum() == 0 or (s == n).all():
        return _no_variation(
            notes,
            "All outcomes are identical",
            **common,
            ci_low=NAN if k == 2 else None,
            ci_high=NAN if k == 2 else None,
        )
    table = np.column_stack([s, n - s])
    res = stats.chi2_contingency(table, correction=correct)  # corrects 2x2 only, like R
    _expected_note(res.expected_freq, notes, "use Fisher's exact test (fisher_exact) instead")
    p = float(res.pvalue)
    if alt != "two-sided":  # R: a signed z = sqrt(X-squared) for one-sided alternatives
        z = np.sign(props[0] - props[1]) * np.sqrt(res.statistic)
        p = float(stats.norm.cdf(z) if alt == "less" else stats.norm.sf(z))
    if k > 2:
        effect, low, high = float(association(table, method="cramer")), None, None
    else:
        alpha = (1 - level) * (1 if alt == "two-sided" else 2)
        ci = confint_proportions_2indep(s[0], n[0], s[1], n[1], method="newcomb", compare="diff", alpha=alpha)
        effect, (low, high) = float(props[0] - props[1]), _bounds(ci[0], ci[1], alt, -1.0, 1.0)
    return TestResult(
        **common,
        statistic=float(res.statistic),
        p_val=p,
        effect_size=effect,
        ci_low=low,
        ci_high=high,
        warnings=tuple(notes),
    )


def _one_proportion(
    x: int, n: int, p0: float, correct: bool, notes: list[str], common: dict[str, Any]
) -> TestResult:
    """R's one-sample prop.test: chi-square on 1 dof, Yates' correction capped at |x - n p0|."""
    if not 0 < p0 < 1:
        raise ValueError(f"p0 must be strictly between 0 and 1, got {p0!r}")
    alt, level, phat = common["alternative"], common["confidence_level"], x / n
    yates = min(0.5, abs(x - n * p0)) if correct else 0.0
    stat = (abs(x - n * p0) - yates) ** 2 / (n * p0 * (1 - p0))
    z = np.sign(phat - p0) * np.sqrt(stat)
    p = {"two-sided": stats.chi2.sf(stat, 1), "less": stats.norm.cdf(z), "greater": stats.norm.sf(z)}[alt]
    _expected_note(np.array([n * p0, n * (1 - p0)]), notes, "an exact binomial test is more reliable")
    low, high = _wilson_interval(x, n, p0, correct, level, alt)
    return TestResult(
        **common,
        test="One-sample proportion test" + (" with continuity correction" if correct else ""),
        statistic=float(stat),
        p_val=float(p),
        effect_size=phat - p0,
        effect_size_kind="difference from p0",
        ci_low=low - p0,
        ci_high=high - p0,
        warnings=tuple(notes),
        estimate=phat,
        estimate_kind="proportion",
        estimate_ci_low=low,
        estimate_ci_high=high,
    )


# --- multiple comparisons --------------------------------------------------------------


def adjust_pvalues(pvalues: ArrayLike, method: str = "holm") -> FloatArray:
    """Adjust p-values for multiple comparisons, as R's p.adjust (statsmodels, except Holm).

    Args:
        pvalues: Raw p-values; NaN entries stay NaN and do not count as tests (as R).
        method: "holm", "hochberg", "bonferroni", "bh" (alias "fdr"; Benjamini-Hochberg)
            or "by" (Benjamini-Yekutieli); case-insensitive.

    Returns:
        Adjusted p-values in the input order.
    """
    key = method.lower() if isinstance(method, str) else method
    if key not in _ADJUST_METHODS:
        raise ValueError(f"method must be one of {sorted(_ADJUST_METHODS)}, got {method!r}")
    p = _sample(pvalues, "pvalues")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p-values must lie between 0 and 1")
    adjusted, present = np.full(p.shape, np.nan), ~np.isnan(p)
    q = p[present]
    if q.size and key == "holm":
        # statsmodels' Holm branch calls gc.collect() on every call (0.1 s and more in a
        # large process), so use R's p.adjust formula: cummax((m - i + 1) p_(i)), capped at 1.
        order = np.argsort(q)
        q[order] = np.minimum(1.0, np.maximum.accumulate(q[order] * np.arange(q.size, 0, -1)))
        adjusted[present] = q
    elif q.size:
        adjusted[present] = multipletests(q, method=_ADJUST_METHODS[key])[1]
    return adjusted
