"""The benchmark comparison's statistics against statsmodels, scipy, sklearn and R's printed values.

Differential: the same random data through analytics.benchmark and through the reference library.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from analytics import benchmark as bench
from tests.benchmark_support import CLASSES, results_frame

COLUMNS = bench.Columns(
    label="label",
    before="before",
    after="after",
    case_id="case_id",
    slices=("edge_case", "language"),
    latency_before="latency_before",
    latency_after="latency_after",
)


def _compare(frame: pd.DataFrame, columns: bench.Columns = COLUMNS, **kwargs: object) -> bench.Comparison:
    return bench.compare(bench.prepare(frame, columns), **kwargs)  # type: ignore[arg-type]


# --- McNemar: statsmodels on random data, R's printed values ---------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=120))
def test_mcnemar_matches_statsmodels_exact_below_25_discordant_else_corrected(pairs):
    before = np.array([p[0] for p in pairs])
    after = np.array([p[1] for p in pairs])
    name, statistic, p_val, b, c = bench.mcnemar_right_wrong(before, after)
    assert (b, c) == (int(np.sum(before & ~after)), int(np.sum(~before & after)))
    if b + c == 0:
        assert p_val == 1.0 and "no discordant" in name
        return
    table = [[np.sum(before & after), b], [c, np.sum(~before & ~after)]]
    reference = sm_mcnemar(table, exact=b + c < 25, correction=True)
    assert p_val == pytest.approx(reference.pvalue, rel=1e-9)
    assert ("exact binomial" in name) == (b + c < 25)
    assert ("continuity correction" in name) == (b + c >= 25)
    if b + c >= 25:
        assert statistic == pytest.approx(reference.statistic, rel=1e-9)


def _pairs(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Cases from a 2x2 table: rows right/wrong before, columns right/wrong after."""
    before, after = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            before += [i == 0] * count
            after += [j == 0] * count
    return np.array(before), np.array(after)


def test_mcnemar_matches_r_mcnemar_test_on_its_documented_example():
    # R: Performance <- matrix(c(794, 86, 150, 570), nrow = 2); mcnemar.test(Performance)
    # prints "McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05" (stats-Ex.Rout.save).
    # Column-major: first survey approve -> second disapprove is 150, the reverse 86.
    before, after = _pairs([[794, 150], [86, 570]])
    name, statistic, p_val, b, c = bench.mcnemar_right_wrong(before, after)
    assert (b, c) == (150, 86) and name == "McNemar's test with continuity correction"
    assert statistic == pytest.approx(16.818, rel=5e-4)
    assert p_val == pytest.approx(4.115e-05, rel=5e-4)


def test_exact_mcnemar_is_r_binom_test_of_the_discordant_cases():
    # R: binom.test(3, 14) prints "p-value = 0.05737" (number of successes = 3, number of trials = 14).
    before, after = _pairs([[40, 3], [11, 6]])
    name, _, p_val, b, c = bench.mcnemar_right_wrong(before, after)
    assert (b, c) == (3, 11) and name == "McNemar's test (exact binomial)"
    assert p_val == pytest.approx(0.05737, rel=5e-4)
    assert p_val == pytest.approx(sps.binomtest(3, 14).pvalue, rel=1e-12)


def test_clopper_pearson_and_binomial_machinery_match_r_binom_test():
    # R: binom.test(c(682, 243), p = 3/4) prints p-value = 0.3825,
    # 95 percent confidence interval 0.7076683 0.7654066 (stats-Ex.Rout.save).
    assert sps.binomtest(682, 925, p=0.75).pvalue == pytest.approx(0.3825, rel=5e-4)
    low, high = proportion_confint(682, 925, method="beta")
    assert (low, high) == pytest.approx((0.7076683, 0.7654066), rel=1e-6)


# --- point estimates and intervals ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_count_metric_matches_sklearn_and_wilson_intervals_statsmodels(seed):
    frame = results_frame(400, seed=seed)
    result = _compare(frame, resamples=200)
    y = frame["label"].to_numpy()
    for side in ("before", "after"):
        pred = frame[side].to_numpy()
        precision, recall, f1, _ = precision_recall_fscore_support(
            y, pred, labels=list(CLASSES), zero_division=0
        )
        accuracy = result.row("accuracy")
        assert accuracy is not None
        assert accuracy[side] == pytest.approx(np.mean(y == pred))
        hits = int(np.sum(y == pred))
        low, high = proportion_confint(hits, len(y), method="wilson")
        assert (accuracy[f"{side}_ci_low"], accuracy[f"{side}_ci_high"]) == pytest.approx((low, high))
        macro = result.row("macro_f1")
        assert macro is not None and macro[side] == pytest.approx(
            f1_score(y, pred, labels=list(CLASSES), average="macro", zero_division=0)
        )
        for i, klass in enumerate(CLASSES):
            rows = {m: result.row(m, klass) for m in ("precision", "recall", "f1", "specificity")}
            assert rows["precision"][side] == pytest.approx(precision[i])  # type: ignore[index]
            assert rows["recall"][side] == pytest.approx(recall[i])  # type: ignore[index]
            assert rows["f1"][side] == pytest.approx(f1[i])  # type: ignore[index]
            negatives = y != klass
            specificity = np.mean(pred[negatives] != klass)
            assert rows["specificity"][side] == pytest.approx(specificity)  # type: ignore[index]


def test_paired_bootstrap_interval_of_accuracy_matches_scipy_paired_bootstrap():
    frame = results_frame(300, seed=11)
    result = _compare(frame, resamples=4000, seed=5)
    right_b = (frame["label"] == frame["before"]).to_numpy(dtype=float)
    right_a = (frame["label"] == frame["after"]).to_numpy(dtype=float)
    reference = sps.bootstrap(
        (right_b, right_a),
        lambda b, a, axis: np.mean(a, axis=axis) - np.mean(b, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=4000,
        method="percentile",
        random_state=np.random.default_rng(9),
    ).confidence_interval
    accuracy = result.row("accuracy")
    assert accuracy is not None
    # Two independent Monte Carlo runs of the same bootstrap: endpoints agree within ~1 pp.
    assert accuracy["ci_low"] == pytest.approx(reference.low, abs=0.01)
    assert accuracy["ci_high"] == pytest.approx(reference.high, abs=0.01)


def test_multinomial_cell_resampling_is_the_case_bootstrap():
    rng = np.random.default_rng(3)
    cells = rng.integers(0, 5, size=200)
    values = np.array([0.0, 1.0, 1.0, -1.0, 0.0])  # a statistic that depends on the cell only
    unique, draws = bench.multinomial_resamples(cells, 20000, np.random.default_rng(4))
    by_cells = draws @ values[unique] / len(cells)
    by_cases = values[cells][rng.integers(0, len(cells), size=(20000, len(cells)))].mean(axis=1)
    assert draws.sum(axis=1).tolist() == [len(cells)] * 20000
    assert by_cells.mean() == pytest.approx(by_cases.mean(), abs=0.005)
    assert by_cells.std() == pytest.approx(by_cases.std(), rel=0.03)


def test_latency_quantiles_match_numpy_and_their_interval_scipy_bootstrap():
    frame = results_frame(250, seed=4)
    result = _compare(frame, resamples=3000, seed=2)
    before, after = frame["latency_before"].to_numpy(), frame["latency_after"].to_numpy()
    median = result.row("latency_median_ms")
    p95 = result.row("latency_p95_ms")
    assert median is not None and p95 is not None
    assert median["before"] == pytest.approx(np.median(before)) and p95["after"] == pytest.approx(
        np.quantile(after, 0.95)
    )
    reference = sps.bootstrap(
        (before, after),
        lambda b, a, axis: np.median(a, axis=axis) - np.median(b, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=3000,
        method="percentile",
        random_state=np.random.default_rng(1),
    ).confidence_interval
    width = reference.high - reference.low
    assert median["ci_low"] == pytest.approx(reference.low, abs=0.1 * width)
    assert median["ci_high"] == pytest.approx(reference.high, abs=0.1 * width)
    assert median["test"] == "paired bootstrap (3000 resamples, seed 2)"


def _structural_components(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's V10 and V01 by their definition, every positive against every negative (ties 1/2)."""
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000))
def test_delong_auc_and_covariance_match_sklearn_and_the_definition(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 60))
    positive = rng.random(n) < 0.4
    positive[:4] = (True, False, True, False)  # DeLong's variances need two of each
    s1 = rng.integers(0, 6, size=n) + positive  # coarse scores: ties on purpose
    s2 = rng.normal(size=n) + 1.5 * positive
    aucs, cov = bench.delong(positive, [s1.astype(float), s2])
    assert aucs == pytest.approx([roc_auc_score(positive, s1), roc_auc_score(positive, s2)])
    parts = [_structural_components(s[positive], s[~positive]) for s in (s1, s2)]
    m, k = positive.sum(), (~positive).sum()
    v10, v01 = np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])
    expected = np.cov(v10) / m + np.cov(v01) / k
    assert cov == pytest.approx(expected, abs=1e-12)


def test_auc_row_is_delongs_paired_test():
    frame = results_frame(300, seed=6, with_scores=True)
    columns = bench.Columns(
        "binary",
        "binary",
        "binary",
        score_before="score_before",
        score_after="score_after",
        positive="lesion",
    )
    result = _compare(frame, columns, resamples=200)
    auc = result.row("auc", "lesion")
    assert auc is not None and auc["test"] == bench.DELONG
    positive = frame["binary"] == "lesion"
    assert auc["before"] == pytest.approx(roc_auc_score(positive, frame["score_before"]))
    assert auc["after"] > auc["before"] and auc["p_val"] < 0.05 and auc["ci_low"] > 0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=15))
def test_holm_matches_statsmodels(p_values):
    assert bench.holm(p_values) == pytest.approx(multipletests(p_values, method="holm")[1])


def test_slices_are_compared_alike_and_holm_adjusted_across_slices():
    frame = results_frame(600, seed=12)
    result = _compare(frame, resamples=300)
    rows = result.rows
    sliced = rows[(rows["metric"] == "accuracy") & (rows["slice_column"] != "")]
    assert sorted(sliced["slice"]) == ["blurred", "en", "plain", "small lesion", "zh"]
    assert sliced["p_adj"].tolist() == pytest.approx(bench.holm(sliced["p_val"].tolist()).tolist())
    zh = frame[frame["language"] == "zh"]
    row = result.row("accuracy", slice_value="zh")
    assert row is not None and row["n"] == len(zh)
    assert row["before"] == pytest.approx(np.mean(zh["label"] == zh["before"]))
    overall = result.row("accuracy")
    assert overall is not None and overall["p_adj"] == overall["p_val"]


def test_regressions_are_listed_by_id_not_only_the_net_change():
    frame = results_frame(200, seed=5)
    result = _compare(frame, resamples=100)
    expected = frame[(frame["label"] == frame["before"]) & (frame["label"] != frame["after"])]
    assert result.regressions["case_id"].tolist() == expected["case_id"].tolist()
    accuracy = result.row("accuracy")
    assert accuracy is not None and accuracy["right_to_wrong"] == len(expected)
    assert accuracy["wrong_to_right"] == result.fixed


def test_the_same_seed_gives_the_same_figures_and_another_seed_other_intervals():
    frame = results_frame(200, seed=5)
    first, again = _compare(frame, resamples=200, seed=1), _compare(frame, resamples=200, seed=1)
    pd.testing.assert_frame_equal(first.rows, again.rows)
    other = _compare(frame, resamples=200, seed=2)
    assert not np.allclose(first.rows["ci_low"].fillna(0), other.rows["ci_low"].fillna(0))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda f: f.drop(columns=["after"]), "missing_column"),
        (lambda f: f.assign(after=[*f["after"][:-1], ""]), "mismatched_lengths"),
        (lambda f: f.assign(before=["lesoin", *f["before"][1:]]), "unseen_label"),
        (lambda f: f.assign(label="lesion", before="lesion", after="lesion"), "constant_column"),
        (lambda f: f.assign(edge_case=""), "empty_slice"),
        (lambda f: f.assign(latency_after=["fast", *f["latency_after"][1:]]), "not_a_number"),
    ],
)
def test_bad_input_is_one_clear_error(change, code):
    frame = change(results_frame(50, seed=1).astype(str))
    with pytest.raises(bench.BenchmarkError) as err:
        bench.prepare(frame, COLUMNS)
    assert err.value.code == code
    assert "\n" not in err.value.message("en") and "\n" not in err.value.message("zh")
    assert err.value.message("zh") != err.value.message("en")


def test_latency_resamples_by_counts_equal_numpy_quantiles_of_the_resampled_cases():
    before = np.random.default_rng(0).gamma(4, 60, 500).round(0)  # ties on purpose
    after = np.random.default_rng(5).gamma(4, 45, 500).round(0)
    boot_b, boot_a = bench.latency_resamples(before, after, 200, np.random.default_rng(1))
    # The same draws, made explicit: case indices in the order of the before latencies.
    order = np.argsort(before, kind="stable")
    picks = np.random.default_rng(1).integers(0, 500, size=(200, 500), dtype=np.int32)
    assert boot_b == pytest.approx(np.quantile(before[order][picks], [0.5, 0.95], axis=1).T)
    assert boot_a == pytest.approx(np.quantile(after[order][picks], [0.5, 0.95], axis=1).T)
