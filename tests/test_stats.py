"""Tests of analytics.stats: R reference values, properties, and bad input.

Reference values come from R (tests/data/stats_reference.json) and scipy, never from
this module's own output.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import SquareTable

from analytics import stats

REFERENCE = Path(__file__).resolve().parent / "data" / "stats_reference.json"
R_PRINTED_RTOL = 5e-4  # R prints about 4 significant digits
FULL_PRECISION_RTOL = 1e-6  # values copied from statsmodels' test-suite carry full precision
ADJUST_METHODS = {
    "holm_adjust": "holm",
    "hochberg_adjust": "hochberg",
    "bonferroni_adjust": "bonferroni",
    "benjamini_hochberg_adjust": "bh",
    "benjamini_yekutieli_adjust": "by",
}


def _reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def _case_params() -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in _reference()["cases"]]


def _number(value: Any) -> float:
    return float("inf") if value == "Inf" else float("-inf") if value == "-Inf" else float(value)


def _run_case(case: dict[str, Any]) -> stats.TestResult:
    kind, inputs = case["test"], case["inputs"]
    alternative = inputs.get("alternative", "two-sided")
    if kind == "mann_whitney_u":
        correct = inputs.get("continuity_correction", True)
        return stats.mann_whitney(
            inputs["x"], inputs["y"], alternative, exact=inputs.get("exact"), correct=correct
        )
    if kind == "wilcoxon_signed_rank":
        assert inputs["paired"]
        return stats.wilcoxon_signed_rank(inputs["x"], inputs["y"], alternative, exact=inputs.get("exact"))
    if kind == "welch_t_test":
        return stats.welch_t(inputs["x"], inputs["y"], alternative)
    if kind == "paired_t_test":
        return stats.paired_t(inputs["x"], inputs["y"], alternative)
    if kind == "one_sample_t_test":
        return stats.one_sample_t(inputs["x"], mu=inputs["mu"], alternative=alternative)
    if kind in ("fisher_exact_2x2", "fisher_exact_rxc"):
        return stats.fisher_exact(inputs["table"], alternative)
    if kind == "chi_square_independence_2x2":
        return stats.chi_square(inputs["table"], correct=inputs["correction"])
    if kind == "chi_square_goodness_of_fit":
        return stats.chi_square(inputs["observed"], expected_probs=inputs["expected_probs"])
    if kind in ("chi_square_equal_proportions", "two_proportion_z_test", "one_proportion_test"):
        return stats.two_proportions(
            inputs["successes"],
            inputs["trials"],
            alternative,
            correct=inputs["correction"],
            p0=inputs.get("p0"),
        )
    raise AssertionError(f"reference case type {kind!r} is not handled by this test")


@pytest.mark.parametrize("case", _case_params())
def test_matches_r_reference(case: dict[str, Any]) -> None:
    expected = case["expected"]
    rtol = FULL_PRECISION_RTOL if "statsmodels" in case["source"] else R_PRINTED_RTOL
    if case["test"] in ADJUST_METHODS:
        adjusted = stats.adjust_pvalues(case["inputs"]["pvalues"], ADJUST_METHODS[case["test"]])
        np.testing.assert_allclose(adjusted, expected["adjusted"], rtol=rtol)
        return
    result = _run_case(case)
    assert result.p_val == pytest.approx(expected["pvalue"], rel=rtol)
    if expected.get("statistic") is not None:
        assert result.statistic == pytest.approx(expected["statistic"], rel=rtol)
    if "df" in expected:
        assert result.dof == pytest.approx(expected["df"], rel=rtol)
    if "odds_ratio_conditional_mle" in expected:
        assert result.effect_size == pytest.approx(expected["odds_ratio_conditional_mle"], rel=rtol)
        low, high = map(_number, expected["conf_int_95"])
        assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=rtol)
    elif "conf_int_95" in expected or "conf_int_95_wilson" in expected:
        low, high = map(_number, expected.get("conf_int_95") or expected["conf_int_95_wilson"])
        assert (result.estimate_ci_low, result.estimate_ci_high) == pytest.approx((low, high), rel=rtol)
    for key in ("mean", "mean_difference"):
        if key in expected:
            assert result.estimate == pytest.approx(expected[key], rel=rtol)
    if "mean_x" in expected:
        assert result.group_estimates == pytest.approx((expected["mean_x"], expected["mean_y"]), rel=rtol)
    if "estimates" in expected:
        assert result.group_estimates == pytest.approx(expected["estimates"], rel=rtol)
    if case["test"] == "mann_whitney_u":
        assert result.statistic_name == "W"
    if case["test"] == "wilcoxon_signed_rank":
        assert result.statistic_name == "V"


def test_reference_file_is_complete() -> None:
    data = _reference()
    assert len(data["cases"]) == data["n_cases"] == 31


# --- properties ------------------------------------------------------------------------

likert = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=40)
scores = st.lists(st.integers(min_value=-500, max_value=500).map(lambda v: v / 10), min_size=2, max_size=30)
counts = st.integers(min_value=0, max_value=40)
table_2x2 = st.lists(st.lists(counts, min_size=2, max_size=2), min_size=2, max_size=2).filter(
    lambda t: sum(map(sum, t)) > 0
)


def _valid_p(p: float) -> bool:
    return 0.0 <= p <= 1.0


@settings(max_examples=60, deadline=None)
@given(x=likert, y=likert)
def test_rank_tests_give_valid_p_and_flip_sign_when_swapped(x: list[int], y: list[int]) -> None:
    forward, backward = stats.mann_whitney(x, y), stats.mann_whitney(y, x)
    assert _valid_p(forward.p_val)
    assert forward.p_val == pytest.approx(backward.p_val)
    assert forward.effect_size == pytest.approx(-backward.effect_size, abs=1e-12)
    if not math.isnan(forward.ci_low or math.nan):
        assert (forward.ci_low, forward.ci_high) == pytest.approx((-backward.ci_high, -backward.ci_low))
    assert forward.statistic + backward.statistic == pytest.approx(len(x) * len(y))  # U1 + U2 = n1 n2


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=40))
def test_signed_rank_gives_valid_p_and_flips_sign_when_swapped(pairs: list[tuple[int, int]]) -> None:
    x, y = [a for a, _ in pairs], [b for _, b in pairs]
    forward, backward = stats.wilcoxon_signed_rank(x, y), stats.wilcoxon_signed_rank(y, x)
    assert _valid_p(forward.p_val)
    assert forward.p_val == pytest.approx(backward.p_val)
    assert forward.effect_size == pytest.approx(-backward.effect_size, abs=1e-12)


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")  # scipy, constant group
@settings(max_examples=60, deadline=None)
@given(x=scores, y=scores)
def test_welch_gives_valid_p_and_flips_sign_when_swapped(x: list[float], y: list[float]) -> None:
    forward, backward = stats.welch_t(x, y), stats.welch_t(y, x)
    if math.isnan(forward.p_val):  # documented: no spread within groups but different values
        assert any("undefined" in w for w in forward.warnings)
        return
    assert _valid_p(forward.p_val)
    assert forward.p_val == pytest.approx(backward.p_val)
    assert forward.effect_size == pytest.approx(-backward.effect_size, abs=1e-12)
    assert forward.estimate == pytest.approx(-(backward.estimate or 0.0), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20)), min_size=2, max_size=30))
def test_paired_t_flips_sign_when_swapped(pairs: list[tuple[int, int]]) -> None:
    x, y = [a for a, _ in pairs], [b for _, b in pairs]
    forward, backward = stats.paired_t(x, y), stats.paired_t(y, x)
    if math.isnan(forward.p_val):
        return  # every difference identical but non-zero: documented NaN, tested separately
    assert _valid_p(forward.p_val)
    assert forward.effect_size == pytest.approx(-backward.effect_size, abs=1e-12)
    expected = (-(backward.ci_high or 0.0), -(backward.ci_low or 0.0))
    assert (forward.ci_low, forward.ci_high) == pytest.approx(expected, rel=1e-6, nan_ok=True)


@st.composite
def strongly_shifted_pairs(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    """Ratings before, and after a shift of 0.5 to 1000 with noise down to 1e-8: t up to about 1e12."""
    n = draw(st.integers(2, 40))
    before = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    shift, scale = draw(st.floats(0.5, 1000)), 10.0 ** -draw(st.integers(0, 8))
    noise = draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n).filter(lambda e: len(set(e)) > 1))
    after = [b + shift + scale * e / 1000 for b, e in zip(before, noise, strict=True)]
    return after, [float(b) for b in before]


@settings(max_examples=80, deadline=None)
@given(data=strongly_shifted_pairs())
def test_effect_size_ci_of_a_strong_shift_is_finite_and_holds_the_estimate(
    data: tuple[list[float], list[float]],
) -> None:
    after, before = data
    two, greater, less = (
        stats.paired_t(after, before, alternative=a) for a in ("two-sided", "greater", "less")
    )
    assert not any("could not be computed" in w for w in two.warnings)
    assert math.isfinite(two.ci_low or math.nan) and math.isfinite(two.ci_high or math.nan)
    assert (two.ci_low or 0.0) <= two.effect_size <= (two.ci_high or 0.0)
    # a one-sided 95% bound puts all 5% in one tail, so it lies inside the two-sided 95% interval
    assert (two.ci_low or 0.0) <= (greater.ci_low or 0.0) <= two.effect_size and greater.ci_high == math.inf
    assert two.effect_size <= (less.ci_high or 0.0) <= (two.ci_high or 0.0) and less.ci_low == -math.inf
    t, n = two.statistic or 0.0, len(after)
    if abs(t) <= 100:  # where scipy's noncentral t is reliable, the bounds are its 97.5% and 2.5% points
        at_bounds = scipy.stats.nct.cdf(t, n - 1, np.array([two.ci_low, two.ci_high]) * np.sqrt(n))
        assert at_bounds == pytest.approx([0.975, 0.025], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(s1=counts, s2=counts, extra1=st.integers(1, 40), extra2=st.integers(1, 40))
def test_two_proportions_valid_p_and_sign(s1: int, s2: int, extra1: int, extra2: int) -> None:
    n1, n2 = s1 + extra1, s2 + extra2
    forward, backward = stats.two_proportions([s1, s2], [n1, n2]), stats.two_proportions([s2, s1], [n2, n1])
    assert _valid_p(forward.p_val)
    assert forward.effect_size == pytest.approx(-backward.effect_size, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(table=table_2x2)
def test_fisher_2x2_odds_ratio_inverts_when_rows_swap(table: list[list[int]]) -> None:
    forward, backward = stats.fisher_exact(table), stats.fisher_exact(table[::-1])
    assert _valid_p(forward.p_val)
    assert forward.p_val == pytest.approx(backward.p_val)
    if 0 < forward.effect_size < math.inf:
        assert forward.effect_size * backward.effect_size == pytest.approx(1.0, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(table=table_2x2)
def test_exact_rxc_enumeration_agrees_with_scipy_on_2x2(table: list[list[int]]) -> None:
    t = np.array(table, dtype=np.int64)
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return
    expected = scipy.stats.fisher_exact(t).pvalue
    assert stats._fisher_rxc_pvalue(t) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def _tables_with_margins(rows: list[int], cols: list[int]) -> list[np.ndarray]:
    """Every table with the given margins, by brute force (small tables only)."""
    if len(rows) == 1:
        return [np.array([cols])]
    found = []
    for first in itertools.product(*(range(c + 1) for c in cols)):
        if sum(first) == rows[0]:
            rest = [c - f for c, f in zip(cols, first, strict=True)]
            found += [np.vstack([first, t]) for t in _tables_with_margins(rows[1:], rest)]
    return found


small_tables = st.integers(2, 3).flatmap(
    lambda r: st.integers(2, 4).flatmap(
        lambda c: st.lists(st.lists(st.integers(0, 4), min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


@settings(max_examples=25, deadline=None)
@given(table=small_tables)
def test_exact_rxc_fisher_matches_brute_force(table: list[list[int]]) -> None:
    t = np.array(table)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return
    rows, cols = t.sum(axis=1).tolist(), t.sum(axis=0).tolist()
    law = scipy.stats.random_table(rows, cols)
    pmf = law.pmf(np.stack(_tables_with_margins(rows, cols)))
    expected = pmf[pmf <= law.pmf(t) * (1 + 1e-7)].sum()  # R's relative tolerance
    result = stats.fisher_exact(t)
    assert result.p_val == pytest.approx(min(expected, 1.0), rel=1e-6)
    assert _valid_p(stats.chi_square(t).p_val)


@settings(max_examples=30, deadline=None)
@given(table=table_2x2)
def test_mcnemar_odds_ratio_inverts_when_transposed(table: list[list[int]]) -> None:
    forward, backward = stats.mcnemar(table), stats.mcnemar(np.array(table).T)
    assert _valid_p(forward.p_val)
    assert forward.p_val == pytest.approx(backward.p_val)
    if 0 < forward.effect_size < math.inf:
        assert forward.effect_size * backward.effect_size == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(x=st.lists(st.integers(1, 5), min_size=2, max_size=40))
def test_identical_samples_show_no_change(x: list[int]) -> None:
    for result in (
        stats.mann_whitney(x, x),
        stats.wilcoxon_signed_rank(x, x),
        stats.welch_t(x, x),
        stats.paired_t(x, x),
        stats.two_proportions([sum(v >= 4 for v in x)] * 2, [len(x)] * 2),
    ):
        assert result.p_val > 0.5, result.test
        assert result.effect_size == pytest.approx(0.0, abs=1e-12), result.test


@settings(max_examples=40, deadline=None)
@given(p=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=20))
def test_adjusted_pvalues_are_valid_and_not_smaller(p: list[float]) -> None:
    for method in ("holm", "hochberg", "bonferroni", "bh", "by"):
        adjusted = stats.adjust_pvalues(p, method)
        assert ((adjusted >= 0) & (adjusted <= 1)).all()
        assert (adjusted >= np.array(p) - 1e-12).all()


# --- documented behaviour and bad input ------------------------------------------------


def test_record_is_tidy_and_frozen() -> None:
    result = stats.mann_whitney([1, 2, 3, 4, 5] * 3, [2, 3, 4, 5, 5] * 3)
    frame = pd.DataFrame([result.to_dict(), stats.welch_t([1, 2, 3], [2, 3, 5]).to_dict()])
    assert {"test", "statistic", "dof", "alternative", "p_val", "ci_low", "ci_high", "effect_size"} <= set(
        frame
    )
    assert {"effect_size_kind", "n", "warnings"} <= set(frame)
    assert result.n == (15, 15)
    with pytest.raises(AttributeError):
        result.p_val = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.mann_whitney([], [1, 2]), "x is empty"),
        (lambda: stats.welch_t([1.0], [1.0, 2.0, 3.0]), "at least 2"),
        (lambda: stats.one_sample_t([2.0]), "at least 2"),
        (lambda: stats.paired_t([1, 2, 3], [1, 2]), "equal lengths"),
        (lambda: stats.mann_whitney([np.nan, np.nan], [1, 2]), "no non-missing"),
        (lambda: stats.wilcoxon_signed_rank([1, np.nan], [np.nan, 2]), "no complete pairs"),
        (lambda: stats.mann_whitney([1, 2, np.inf], [1, 2]), "infinite"),
        (lambda: stats.mann_whitney(["a", "b"], [1, 2]), "numbers only"),
        (lambda: stats.mann_whitney([[1, 2], [3, 4]], [1, 2]), "one-dimensional"),
        (lambda: stats.mann_whitney([1, 2], [3, 4], alternative="bigger"), "alternative"),
        (lambda: stats.welch_t([1, 2], [3, 4], confidence_level=95), "confidence_level"),
        (lambda: stats.fisher_exact([1, 2, 3]), "2-dimensional"),
        (lambda: stats.fisher_exact([[1, 2, 3]]), "at least 2 rows"),
        (lambda: stats.fisher_exact([[1, 2], [3, 4], [5, 6]], alternative="less"), "two-sided only"),
        (lambda: stats.fisher_exact([[0, 0], [0, 0]]), "all counts are zero"),
        (lambda: stats.mcnemar([[1, 2, 3], [4, 5, 6]]), "2x2"),
        (lambda: stats.chi_square([[1, -2], [3, 4]]), "negative"),
        (lambda: stats.chi_square([[1.5, 2], [3, 4]]), "whole-number"),
        (lambda: stats.chi_square([[1, np.nan], [3, 4]]), "missing"),
        (lambda: stats.chi_square([5]), "at least 2 categories"),
        (lambda: stats.chi_square([[1, 2], [3]]), "rectangular"),
        (lambda: stats.chi_square([10, 20], expected_probs=[0.5, 0.6]), "rescale=True"),
        (lambda: stats.chi_square([10, 20], expected_probs=[1.0]), "as long as observed"),
        (lambda: stats.chi_square([[10, 20], [5, 5]], expected_probs=[0.5, 0.5]), "goodness-of-fit"),
        (lambda: stats.two_proportions([5, 6], [10]), "same length"),
        (lambda: stats.two_proportions([11, 3], [10, 10]), "at least as large"),
        (lambda: stats.two_proportions([1, 2, 3], [9, 9, 9], alternative="less"), "two-sided"),
        (lambda: stats.two_proportions(5, 10, p0=1.5), "p0"),
        (lambda: stats.two_proportions([5, 6], [10, 10], p0=0.5), "single proportion"),
        (lambda: stats.adjust_pvalues([0.1, 0.2], "sidak-ish"), "method must be one of"),
        (lambda: stats.adjust_pvalues([0.1, 1.2], "holm"), "between 0 and 1"),
        (lambda: stats.adjust_pvalues([], "holm"), "empty"),
    ],
)
def test_bad_input_raises_clear_error(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_missing_values_are_dropped_and_reported() -> None:
    result = stats.mann_whitney([1, 2, np.nan, 4, None], [2, 3, 4, np.nan])
    assert result.n == (3, 3)
    assert any("Dropped 3 missing value(s) (x: 2, y: 1)" in w for w in result.warnings)
    paired = stats.paired_t(pd.Series([1.0, 2.0, pd.NA, 4.0], dtype="Float64"), [1.5, np.nan, 3.0, 4.5])
    assert paired.n == (2,)
    assert any("2 incomplete pair(s)" in w for w in paired.warnings)


def test_all_equal_values_give_p_one_with_warning() -> None:
    for result in (
        stats.mann_whitney([3] * 12, [3] * 12),
        stats.wilcoxon_signed_rank([4] * 12, [4] * 12),
        stats.welch_t([2.0] * 12, [2.0] * 12),
        stats.paired_t([5.0] * 12, [5.0] * 12),
        stats.one_sample_t([0.0] * 12),
        stats.two_proportions([0, 0], [12, 15]),
        stats.chi_square([[12, 0], [15, 0]]),
        stats.fisher_exact([[12, 0], [15, 0]]),
        stats.mcnemar([[12, 0], [0, 15]]),
    ):
        assert result.p_val == 1.0, result.test
        assert any("no difference to test" in w for w in result.warnings), result.test


def test_constant_but_different_groups_give_nan_t_with_warning() -> None:
    result = stats.welch_t([4.0] * 12, [5.0] * 12)
    assert math.isnan(result.p_val) and math.isnan(result.statistic or math.nan)
    assert any("undefined" in w for w in result.warnings)
    assert result.estimate == -1.0
    paired = stats.paired_t([5, 6, 7, 8], [4, 5, 6, 7])  # every user improved by exactly 1
    assert math.isnan(paired.p_val) and any("undefined" in w for w in paired.warnings)
    # the rank test is still well defined: the groups do not overlap at all
    assert stats.mann_whitney([4] * 12, [5] * 12).p_val < 0.001


RATINGS_10 = [3.0, 4.0, 5.0, 4.0, 3.0, 4.0, 5.0, 4.0, 3.0, 4.0]


# Expected: the noncentral-t inversion done independently with mpmath (40 digits; P(T <= t) =
# E[Phi(t S - ncp)] by quadrature over S = sqrt(chi2_df / df), root by findroot), divided by sqrt(n).
# Before the large-t limit, the second and third raised ValueError from brentq (scipy's nct.cdf is
# NaN there) and the fourth returned NaN bounds without a warning.
@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param(
            lambda: stats.paired_t(
                RATINGS_10, [v + 1 + (0.01 if i == 0 else 0) for i, v in enumerate(RATINGS_10)]
            ),
            (-460.204442029281, -173.389262880128),
            id="one-pair-differs-by-0.01-t-1001",
        ),
        pytest.param(
            lambda: stats.paired_t(RATINGS_10, [v - 1 - 1e-6 * k for k, v in enumerate(RATINGS_10)]),
            (180920.669154804, 480188.586742777),
            id="spread-1e-6-t-1e6",
        ),
        pytest.param(
            lambda: stats.paired_t([1.0, 2.0], [0.0, 1.0 - 1e-6]),
            (44318.6213452161, 3169823.72058735),
            id="two-pairs-t-2e6",
        ),
        pytest.param(
            lambda: stats.one_sample_t([1.0, 1.0 + 1e-8, 1.0 + 2e-8]),
            (15911570.706946, 192064559.219552),
            id="three-values-t-1.7e8",
        ),
    ],
)
def test_effect_size_ci_at_extreme_t_matches_exact_inversion(run: Any, expected: tuple[float, float]) -> None:
    result = run()
    assert (result.ci_low, result.ci_high) == pytest.approx(expected, rel=1e-9)
    assert (result.ci_low or 0.0) <= result.effect_size <= (result.ci_high or 0.0)


def test_differences_equal_up_to_rounding_count_as_constant() -> None:
    # 3.1 - 3.0, 4.1 - 4.0 and 5.1 - 5.0 differ in the 16th digit, which made t about 7e14 and
    # p about 2e-30; R's t.test(paired = TRUE) stops here: "data are essentially constant".
    result = stats.paired_t([3.1, 4.1, 5.1], [3.0, 4.0, 5.0])
    assert math.isnan(result.statistic or 0.0) and math.isnan(result.p_val)
    assert any("identical up to rounding" in w and "undefined" in w for w in result.warnings)
    no_change = stats.paired_t([3.1, 4.1, 5.1], [3.0, 4.0, 5.0], mu=0.1)
    assert no_change.p_val == 1.0 and any("no difference to test" in w for w in no_change.warnings)


def test_effect_size_ci_where_scipy_cannot_invert_is_nan_with_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # scipy's nct.cdf returns NaN in parts of its range (e.g. t and ncp near 1e5); here it always does
    monkeypatch.setattr(scipy.stats.nct, "cdf", lambda *args: math.nan)
    result = stats.one_sample_t([1.0, 2.0, 3.0, 4.0, 6.0])
    assert math.isnan(result.ci_low or 0.0) and math.isnan(result.ci_high or 0.0)
    assert any("could not be computed" in w for w in result.warnings)
    assert 0 < result.p_val < 1 and math.isfinite(result.effect_size)  # the rest of the record stands
    # at t = 133 with 9 dof the large-t limit stands in instead (mpmath inversion, as above)
    stand_in = stats.one_sample_t([3.0, 3.1, 2.9, 3.05, 2.95, 3.0, 3.1, 2.9, 3.02, 2.98])
    assert (stand_in.ci_low, stand_in.ci_high) == pytest.approx((23.0242174185046, 61.149003457823), rel=1e-6)
    assert not any("could not be computed" in w for w in stand_in.warnings)


def test_single_values_work_for_rank_tests_with_small_sample_warning() -> None:
    result = stats.mann_whitney([1.0], [2.0])
    assert result.p_val == 1.0  # exact: the only two orderings are equally likely
    assert any("Small sample" in w for w in result.warnings)


def test_likert_data_warns_about_ties_and_unequal_groups() -> None:
    result = stats.mann_whitney(
        [4, 5, 4, 5, 5, 4, 3, 5, 4, 4, 5, 4] * 4, [3, 4, 2, 3, 4, 3, 3, 2, 4, 3, 5, 3]
    )
    assert result.method == "normal approximation with continuity correction"
    assert any("tied" in w and "Likert" in w for w in result.warnings)
    assert any("Unequal group sizes (48 vs 12" in w for w in result.warnings)
    assert result.effect_size > 0  # x (first sample) is rated higher


def test_explicit_exact_request_with_ties_falls_back_with_warning() -> None:
    result = stats.mann_whitney([1, 2, 2, 3], [2, 3, 3, 4, 5], exact=True)
    assert result.method.startswith("normal approximation")
    assert any("Exact p-value unavailable" in w for w in result.warnings)


def test_zero_differences_are_dropped_as_in_r() -> None:
    result = stats.wilcoxon_signed_rank([1, 2, 3, 4, 5, 6], [1, 2, 2, 3, 3, 9])
    assert result.n == (6,)
    assert any("Dropped 2 zero difference(s)" in w for w in result.warnings)
    # R: wilcox.test(c(1,2,3,4,5,6), c(1,2,2,3,3,9), paired = TRUE) -> V = 6 (ranks of |d| = 1.5, 1.5, 3, 4)
    assert result.statistic == 6


def test_small_expected_counts_suggest_fisher() -> None:
    result = stats.chi_square([[3, 1], [1, 3]])
    assert any("fisher_exact" in w for w in result.warnings)
    assert result.test.endswith("with Yates' correction")


def test_goodness_of_fit_rescale() -> None:
    # R: chisq.test(c(89, 37, 30, 28, 2), p = c(40, 20, 20, 15, 5), rescale.p = TRUE) -> X-squared = 9.9901
    result = stats.chi_square([89, 37, 30, 28, 2], expected_probs=[40, 20, 20, 15, 5], rescale=True)
    assert result.statistic == pytest.approx(9.9901, rel=R_PRINTED_RTOL)


def test_one_sided_intervals_are_open_on_one_side() -> None:
    x, y = [5, 6, 7, 8, 9, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 3, 4, 5, 6, 2]
    greater = stats.welch_t(x, y, alternative="greater")
    assert greater.ci_high == math.inf and greater.estimate_ci_high == math.inf
    less = stats.mann_whitney(x, y, alternative="less")
    assert less.ci_low == -1.0
    assert less.p_val > 0.99


def test_large_rxc_table_falls_back_to_seeded_monte_carlo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "FISHER_RXC_MAX_WORK", 10)
    table = [[10, 12, 30, 25, 8], [14, 20, 25, 12, 4]]
    first, second = stats.fisher_exact(table), stats.fisher_exact(table)
    assert first.method.startswith("Monte Carlo")
    assert first.p_val == second.p_val  # fixed seed: reproducible
    assert any("too large for the exact test" in w for w in first.warnings)
    monkeypatch.undo()
    assert stats.fisher_exact(table).p_val == pytest.approx(first.p_val, abs=0.01)


def test_adjust_pvalues_keeps_nan_like_r() -> None:
    # R: p.adjust(c(0.01, NA, 0.04), "bonferroni") -> 0.02 NA 0.08
    adjusted = stats.adjust_pvalues([0.01, np.nan, 0.04], "Bonferroni")
    np.testing.assert_allclose(adjusted, [0.02, np.nan, 0.08])


# --- Stuart-Maxwell ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "statistic", "dof", "p_val"),
    [
        # R, DescTools::StuartMaxwellTest's example (J. Uebersax's hypothetical ratings): 13.76, df 2, p 0.001026.
        ([[20, 10, 5], [3, 30, 15], [0, 5, 40]], 13.76, 2, 0.001026),
        # Agresti, Categorical Data Analysis (2002), coffee brand purchases: Stuart's 12.29, df 4, p 0.015.
        (
            [
                [93, 17, 44, 7, 10],
                [9, 46, 11, 0, 9],
                [17, 11, 155, 9, 12],
                [6, 4, 9, 15, 2],
                [10, 4, 12, 2, 27],
            ],
            12.29,
            4,
            0.0153,
        ),
    ],
)
def test_stuart_maxwell_matches_published_values(table, statistic, dof, p_val) -> None:
    result = stats.stuart_maxwell(table)
    assert result.statistic == pytest.approx(statistic, abs=0.006)
    assert result.dof == dof and result.p_val == pytest.approx(p_val, rel=2e-3)
    assert result.test == "Stuart-Maxwell test of marginal homogeneity"


square_tables = st.integers(2, 4).flatmap(
    lambda k: st.lists(st.lists(st.integers(1, 30), min_size=k, max_size=k), min_size=k, max_size=k)
)


@settings(max_examples=40, deadline=None)
@given(table=square_tables)
def test_stuart_maxwell_agrees_with_statsmodels_and_ignores_transposition(table: list[list[int]]) -> None:
    expected = SquareTable(np.array(table), shift_zeros=False).homogeneity()
    result = stats.stuart_maxwell(table)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-9, abs=1e-12)
    assert result.p_val == pytest.approx(float(expected.pvalue), rel=1e-9, abs=1e-12)
    assert stats.stuart_maxwell(np.array(table).T).p_val == pytest.approx(result.p_val)


def test_stuart_maxwell_with_separate_groups_of_changes_adds_their_mcnemar_statistics() -> None:
    # Only 1 <-> 2 (3 vs 1 pairs) and 3 <-> 4 (4 vs 0) changed: statsmodels cannot invert, the sum is
    # McNemar's (b - c)^2 / (b + c) of each group: 1 + 4 on 2 degrees of freedom.
    result = stats.stuart_maxwell([[5, 3, 0, 0], [1, 5, 0, 0], [0, 0, 5, 4], [0, 0, 0, 5]])
    assert result.statistic == pytest.approx(5.0) and result.dof == 2
    assert result.p_val == pytest.approx(scipy.stats.chi2.sf(5.0, 2))
    assert any("separate groups" in w for w in result.warnings)
    unused = stats.stuart_maxwell([[10, 2, 0], [6, 8, 0], [0, 0, 7]])  # option 3 never changed: dropped
    assert (unused.statistic, unused.dof) == pytest.approx(((6 - 2) ** 2 / 8, 1))
    still = stats.stuart_maxwell([[5, 0], [0, 5]])
    assert still.p_val == 1.0 and any("No pair changed" in w for w in still.warnings)
    with pytest.raises(ValueError, match="square"):
        stats.stuart_maxwell([[1, 2, 3], [4, 5, 6]])
