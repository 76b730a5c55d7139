"""Comparing two survey waves (analytics.wave_compare, analytics.measure_compare): the demo's story,
pairing, verdicts, bad input, top-2-box and NPS, properties.

Expected values come from the demo's design (db/demo.py: accuracy +0.5, ease of use flat), from
scipy/statsmodels directly, or from hand counts; never from this module's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import stats
from analytics.measure_compare import newcombe_paired_ci
from analytics.wave_compare import COLUMNS, compare_waves
from tests.verify_support import answers_frame as frame
from tests.verify_support import demo_answers as load_demo_answers
from tests.verify_support import row_of

QUESTIONS = ("accuracy", "nps")


# --- the demo workspace ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_answers() -> pd.DataFrame:
    return load_demo_answers()


@pytest.fixture(scope="module")
def demo_result(demo_answers: pd.DataFrame) -> pd.DataFrame:
    return compare_waves(demo_answers, baseline=1, follow_up=2)


def test_demo_accuracy_improved_significantly_and_ease_of_use_did_not(demo_result):
    accuracy = row_of(demo_result, "accuracy")
    assert accuracy["status"] == "ok" and accuracy["significant"] and accuracy["direction"] == 1
    assert accuracy["test"] == "Wilcoxon signed-rank (paired)" and accuracy["statistic_name"] == "V"
    assert 0.3 < accuracy["diff"] < 0.7  # designed +0.52
    assert 0 < accuracy["diff_ci_low"] < accuracy["diff"] < accuracy["diff_ci_high"]
    assert accuracy["p_adj"] < 0.001
    assert accuracy["verdict_en"].startswith("Accuracy improved significantly")
    assert (
        "Wilcoxon signed-rank test" in accuracy["verdict_en"]
        and "Holm-adjusted p < 0.001" in accuracy["verdict_en"]
    )
    assert (
        accuracy["verdict_zh"].startswith("准确性显著提升")
        and "Holm 校正后 p < 0.001" in accuracy["verdict_zh"]
    )

    ease = row_of(demo_result, "ease_of_use")
    assert ease["status"] == "ok" and not ease["significant"] and ease["p_adj"] > 0.5
    assert ease["diff_ci_low"] < 0 < ease["diff_ci_high"]
    assert ease["verdict_en"].startswith("Ease of use: no significant change")
    assert ease["verdict_zh"].startswith("易用性无显著变化")

    speed = row_of(demo_result, "response_speed")
    assert not speed["significant"] and speed["diff"] < 0.05  # designed -0.07: no honest claim either way
    top2 = row_of(demo_result, "accuracy", "top2box")
    assert top2["significant"] and top2["test"].startswith("McNemar") and 0.1 < top2["diff"] < 0.35


def test_demo_pairing_is_detected_and_the_unmatched_are_reported(demo_result):
    accuracy = row_of(demo_result, "accuracy")
    assert (accuracy["n_before"], accuracy["n_after"], accuracy["n_paired"]) == (222, 203, 124)
    assert accuracy["analysis"] == "paired" and accuracy["n_used"] == 124
    assert "124 respondents answered both waves" in accuracy["pairing_en"]
    assert "98 baseline-only and 79 follow-up-only" in accuracy["pairing_en"]
    assert "124" in accuracy["pairing_zh"] and "98" in accuracy["pairing_zh"]
    # The independent test on every answer is reported beside the paired one.
    assert accuracy["sensitivity_test"].startswith("Mann-Whitney") and accuracy["sensitivity_p_val"] < 0.001
    assert accuracy["mean_after_all"] == pytest.approx(3.80, abs=0.01)  # every follow-up answer


def test_demo_nps_rises_and_the_verdict_says_how_sure_that_is(demo_answers, demo_result):
    nps = row_of(demo_result, "nps", "nps")
    assert nps["direction"] == 1 and nps["mean_after_all"] > nps["mean_before_all"] + 10
    assert nps["diff_ci_low"] < nps["diff"] < nps["diff_ci_high"]
    assert "bootstrap CI" in nps["verdict_en"] and "自助法" in nps["verdict_zh"]
    if not nps["significant"]:  # paired on 124: the all-answers test disagrees, and the row says so
        assert any("disagree" in w for w in nps["warnings"])
    independent = compare_waves(demo_answers, baseline=1, follow_up=2, paired=False, dimensions=["nps"])
    row = row_of(independent, "nps", "nps")
    assert row["analysis"] == "independent" and row["n_used"] == 425 and row["diff"] > 10


def test_demo_pairing_can_be_switched_off(demo_answers):
    result = compare_waves(demo_answers, baseline=1, follow_up=2, paired=False, dimensions=["accuracy"])
    accuracy = row_of(result, "accuracy")
    assert accuracy["analysis"] == "independent" and accuracy["test"].startswith("Mann-Whitney")
    assert accuracy["statistic_name"] == "W" and accuracy["n_used"] == 425
    assert "as asked" in accuracy["pairing_en"]
    assert row_of(result, "accuracy", "top2box")["test"].startswith("2-sample test")


def test_result_has_the_documented_columns_in_order(demo_result):
    assert tuple(demo_result.columns) == COLUMNS
    assert list(demo_result["kind"]) == ["likert"] * 5 + ["nps"] + ["top2box"] * 5


def test_holm_adjusts_within_each_kind_and_all_rows_on_request(demo_answers, demo_result):
    for kind in ("likert", "top2box"):
        rows = demo_result[demo_result["kind"] == kind]
        expected = stats.adjust_pvalues(rows["p_val"].to_numpy(), "holm")
        assert rows["p_adj"].to_numpy() == pytest.approx(expected)
    assert row_of(demo_result, "nps", "nps")["p_adj"] == row_of(demo_result, "nps", "nps")["p_val"]
    everything = compare_waves(demo_answers, baseline=1, follow_up=2, family="all")
    assert everything["p_adj"].to_numpy() == pytest.approx(stats.adjust_pvalues(everything["p_val"], "holm"))
    raw = compare_waves(demo_answers, baseline=1, follow_up=2, adjust=None)
    assert (raw["p_adj"] == raw["p_val"]).all() and "adjusted" not in raw.loc[0, "verdict_en"]


# --- pairing from keys ---------------------------------------------------------------------------------


def test_same_respondents_in_both_waves_get_the_paired_test():
    keys = [f"r{i}" for i in range(30)]
    before = [3, 4, 2, 3, 3, 4, 2, 3, 3, 4] * 3
    after = [min(5, v + 1) for v in before]
    result = compare_waves(frame(before, after, keys_before=keys, keys_after=keys), baseline=1, follow_up=2)
    row = row_of(result, "accuracy")
    assert row["analysis"] == "paired" and row["n_paired"] == 30 and row["test"].startswith("Wilcoxon")
    expected = scipy.stats.wilcoxon(np.array(after) - np.array(before), correction=True, method="asymptotic")
    assert row["p_val"] == pytest.approx(expected.pvalue)
    assert row_of(result, "accuracy", "top2box")["test"].startswith("McNemar")


def test_few_shared_respondents_mean_independent_samples_with_a_note():
    before, after = [3, 4, 2, 3, 3, 4, 2, 3] * 5, [4, 4, 3, 5, 3, 4, 2, 4] * 5
    keys_b = [f"r{i}" for i in range(40)]
    keys_a = [f"r{i}" for i in range(5)] + [f"new{i}" for i in range(35)]
    result = compare_waves(
        frame(before, after, keys_before=keys_b, keys_after=keys_a), baseline=1, follow_up=2
    )
    row = row_of(result, "accuracy")
    assert (
        row["analysis"] == "independent" and row["n_paired"] == 5 and row["test"].startswith("Mann-Whitney")
    )
    assert (
        "only 5 respondents answered both waves" in row["pairing_en"] and "conservative" in row["pairing_en"]
    )
    forced = compare_waves(
        frame(before, after, keys_before=keys_b, keys_after=keys_a), baseline=1, follow_up=2, paired=True
    )
    assert row_of(forced, "accuracy")["analysis"] == "paired" and row_of(forced, "accuracy")["n_used"] == 5


def test_forced_pairing_without_enough_pairs_is_refused_not_computed():
    result = compare_waves(frame([3, 4, 2, 3, 5], [4, 4, 3, 5, 3]), baseline=1, follow_up=2, paired=True)
    row = row_of(result, "accuracy")
    assert (
        row["status"] == "too_few" and math.isnan(row["p_val"]) and "answered both waves" in row["verdict_en"]
    )


def test_anonymous_answers_count_but_are_never_paired():
    none_keys: list[str | None] = [None] * 25
    result = compare_waves(
        frame([3, 4] * 12 + [5], [4, 5] * 12 + [3], keys_before=none_keys, keys_after=none_keys),
        baseline=1,
        follow_up=2,
    )
    row = row_of(result, "accuracy")
    assert row["n_before"] == 25 and row["n_paired"] == 0 and row["analysis"] == "independent"
    assert "no respondent answered both waves" in row["pairing_en"]


# --- verdicts ------------------------------------------------------------------------------------------


def test_a_clear_decline_is_called_a_decline_with_interval_test_and_adjusted_p():
    before, after = [4, 5, 4, 4, 5, 3, 4, 5] * 6, [2, 3, 2, 3, 3, 2, 4, 2] * 6
    row = row_of(
        compare_waves(frame(before, after), baseline=1, follow_up=2, dimensions=["accuracy"]), "accuracy"
    )
    assert row["significant"] and row["direction"] == -1 and row["effect_size"] < 0
    en = row["verdict_en"]
    assert en.startswith(
        "Accuracy declined significantly: mean 4.25 → 2.62 (−1.62 on the 1-5 scale, 95% CI −"
    )
    assert "Mann-Whitney U test, 48 vs 48 answers" in en and "p < 0.001" in en
    assert row["verdict_zh"].startswith("准确性显著下降：均值 4.25 → 2.62（−1.62，95% 置信区间")


def test_small_samples_lopsided_waves_and_ceilings_are_warned_about():
    row = row_of(
        compare_waves(frame([5] * 40 + [4] * 8, [5, 4, 5, 3, 5, 5, 4, 5]), baseline=1, follow_up=2),
        "accuracy",
    )
    warnings = " ".join(row["warnings"])
    assert "Small sample (48 vs 8 answers" in warnings
    assert "Lopsided waves (48 vs 8 answers)" in warnings
    assert "83% of the baseline wave answered 5 (ceiling effect)" in warnings
    assert len(row["warnings_zh"]) == len(row["warnings"]) and "天花板效应" in " ".join(row["warnings_zh"])
    assert any("tied" in note for note in row["notes"])  # the test's own tie note, kept as a note


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "status", "phrase"),
    [
        (frame([], []), "no_data", "neither wave has answers"),
        (frame([3, 4, 4, 5, 2], []), "no_data", "the follow-up wave has no answers"),
        (frame([3], [4]), "too_few", "only 1 answer(s)"),
        (frame([3, 4, 2, 5, 4, 3], [4, 5]), "too_few", "only 2 answer(s) in the follow-up wave"),
        (frame([4] * 10, [4] * 12), "no_variation", "every answer in both waves is 4"),
        (frame([1, 2, 3, 4, 5, 3], [1, 7, 9, 10, 8, 6]), "scale_mismatch", "outside the whole numbers 1-5"),
        (frame([1, 2, 3, 4, 3.5, 3], [1, 2, 3, 4, 5, 3]), "scale_mismatch", "outside the whole numbers 1-5"),
        (
            frame([1, 2, 3, 4, 5, 3], [1, 2, 3, 4, 5, 3], kinds=("likert5", "nps")),
            "scale_mismatch",
            "different scales (5-point scale vs NPS 0-10)",
        ),
        (frame(["good"] * 6, ["bad"] * 6), "not_numeric", "not numbers"),
        (frame([3, 4, 5, 3, 4], [2, 4, 5, 3, 4], kinds=("text", "text")), "not_numeric", "free-text"),
    ],
    ids=[
        "empty",
        "no_follow_up",
        "one_answer",
        "two_answers",
        "all_equal",
        "other_scale",
        "fractions",
        "kinds_differ",
        "words",
        "text_question",
    ],
)
def test_bad_input_gets_a_clear_row_and_never_a_p_value(answers, status, phrase):
    result = compare_waves(answers, baseline=1, follow_up=2, n_boot=200)
    row = row_of(result, "accuracy")
    assert row["status"] == status, row["verdict_en"]
    assert phrase in row["verdict_en"]
    assert math.isnan(row["p_val"]) and math.isnan(row["p_adj"]) and not row["significant"]
    assert row["verdict_zh"] and "：" in row["verdict_zh"]
    assert row_of(result, "accuracy", "top2box")["status"] == status
    assert row_of(result, "nps", "nps")["status"] == "no_data"


def test_missing_values_are_dropped_counted_and_said():
    result = compare_waves(
        frame([1, 2, None, 4, 5, 3, np.nan, 4], [2, 3, 4, 5, 5, pd.NA, 4, 4]), baseline=1, follow_up=2
    )
    row = row_of(result, "accuracy")
    assert (row["n_before"], row["n_after"]) == (6, 7) and row["status"] == "ok"
    assert "2 missing answer(s) in the baseline wave were left out." in row["warnings"]
    assert "1 missing answer(s) in the follow-up wave were left out." in row["warnings"]
    expected = scipy.stats.mannwhitneyu([2, 3, 4, 5, 5, 4, 4], [1, 2, 4, 5, 3, 4], method="asymptotic")
    assert row["p_val"] == pytest.approx(expected.pvalue)


def test_repeated_answers_of_one_respondent_count_once():
    keys = ["a", "a", "b", "c", "d", "e", "f"]
    row = row_of(
        compare_waves(frame([1, 5, 2, 3, 4, 2, 3], [3, 4, 4, 5, 4, 3]), baseline=1, follow_up=2), "accuracy"
    )
    assert row["n_before"] == 7
    row = row_of(
        compare_waves(
            frame([1, 5, 2, 3, 4, 2, 3], [3, 4, 4, 5, 4, 3], keys_before=keys), baseline=1, follow_up=2
        ),
        "accuracy",
    )
    assert row["n_before"] == 6 and any("repeated answer" in w for w in row["warnings"])


def test_wrong_arguments_raise_before_any_work():
    answers = frame([3, 4, 5, 3, 4], [4, 4, 5, 5, 4])
    with pytest.raises(ValueError, match="two different waves"):
        compare_waves(answers, baseline=1, follow_up=1)
    with pytest.raises(ValueError, match="lacks the column"):
        compare_waves(answers.drop(columns="respondent_key"), baseline=1, follow_up=2)
    with pytest.raises(ValueError, match="method must be one of"):
        compare_waves(answers, baseline=1, follow_up=2, adjust="magic")
    with pytest.raises(ValueError, match="paired"):
        compare_waves(answers, baseline=1, follow_up=2, paired="sometimes")  # type: ignore[arg-type]


def test_a_measure_missing_from_the_data_is_a_row_saying_so():
    result = compare_waves(
        frame([3, 4, 5, 3, 4], [4, 4, 5, 5, 4]), baseline=1, follow_up=2, dimensions=["csat"]
    )
    assert list(result["status"]) == ["no_data", "no_data"]


# --- top-2-box and NPS ---------------------------------------------------------------------------------


def test_top_box_uses_fisher_for_small_counts_and_newcombe_for_the_interval():
    before, after = [2, 3, 3, 2, 4, 3, 2, 3], [4, 5, 4, 3, 5, 4, 4, 2]
    row = row_of(compare_waves(frame(before, after), baseline=1, follow_up=2), "accuracy", "top2box")
    assert row["test"] == "Fisher's exact test"
    assert row["p_val"] == pytest.approx(scipy.stats.fisher_exact([[6, 2], [1, 7]]).pvalue)
    assert row["mean_before"] == pytest.approx(1 / 8) and row["mean_after"] == pytest.approx(6 / 8)
    assert row["effect_size_kind"] == "difference in proportions" and row["effect_size"] == pytest.approx(
        5 / 8
    )
    assert row["diff_ci_low"] < 5 / 8 < row["diff_ci_high"] <= 1


def test_newcombe_paired_interval_behaves():
    low, high = newcombe_paired_ci([[40, 30], [10, 20]])
    assert -1 <= low < 0.2 < high <= 1
    # Large samples: close to the Wald interval of the paired difference.
    n, b, c = 10_000, 1_500, 1_200
    d, se = (b - c) / n, math.sqrt((b + c) - (b - c) ** 2 / n) / n
    low, high = newcombe_paired_ci([[4_000, b], [c, n - 4_000 - b - c]])
    assert low == pytest.approx(d - 1.96 * se, abs=2e-3) and high == pytest.approx(d + 1.96 * se, abs=2e-3)
    # Swapping the two measurements mirrors the interval.
    assert newcombe_paired_ci([[5, 2], [9, 4]]) == pytest.approx(
        tuple(-v for v in reversed(newcombe_paired_ci([[5, 9], [2, 4]])))
    )


@pytest.mark.parametrize("paired", [False, True])
def test_the_mean_difference_and_the_nps_t_test_are_those_of_analytics_stats(paired):
    rng = np.random.default_rng(7)
    keys = [f"r{i}" for i in range(40)]
    likert = frame(
        list(rng.integers(1, 6, 40)), list(rng.integers(2, 6, 40)), keys_before=keys, keys_after=keys
    )
    nps = frame(
        list(rng.integers(0, 11, 40)),
        list(rng.integers(3, 11, 40)),
        question="nps",
        keys_before=keys,
        keys_after=keys,
    )
    result = compare_waves(pd.concat([likert, nps]), baseline=1, follow_up=2, paired=paired, n_boot=200)
    t_test = stats.paired_t if paired else stats.welch_t
    after, before = (likert.query(f"wave == {w}")["value"].to_numpy(dtype=float) for w in (2, 1))
    expected = t_test(after, before)
    row = row_of(result, "accuracy")
    assert (row["diff_ci_low"], row["diff_ci_high"]) == (expected.estimate_ci_low, expected.estimate_ci_high)
    scores = [
        np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0))
        for v in (nps.query("wave == 2")["value"], nps.query("wave == 1")["value"])
    ]
    expected = t_test(*scores)
    row = row_of(result, "nps", "nps")
    assert row["analysis"] == ("paired" if paired else "independent")
    assert (row["statistic"], row["p_val"], row["effect_size"]) == (
        expected.statistic,
        expected.p_val,
        expected.effect_size,
    )
    assert (row["es_ci_low"], row["es_ci_high"]) == (expected.ci_low, expected.ci_high)
    assert row["effect_size_kind"] == ("Cohen's d_z" if paired else "Hedges' g")


def test_nps_interval_is_reproducible_with_its_seed():
    rng = np.random.default_rng(3)
    answers = frame(
        list(rng.integers(0, 11, 80).astype(float)),
        list(rng.integers(3, 11, 90).astype(float)),
        question="nps",
    )
    first = row_of(compare_waves(answers, baseline=1, follow_up=2, dimensions=["nps"], seed=5), "nps", "nps")
    again = row_of(compare_waves(answers, baseline=1, follow_up=2, dimensions=["nps"], seed=5), "nps", "nps")
    other = row_of(compare_waves(answers, baseline=1, follow_up=2, dimensions=["nps"], seed=6), "nps", "nps")
    assert (first["diff_ci_low"], first["diff_ci_high"]) == (again["diff_ci_low"], again["diff_ci_high"])
    assert first["diff_ci_low"] != other["diff_ci_low"] and first["diff"] == other["diff"]
    scores = [
        np.where(v >= 9, 100, np.where(v <= 6, -100, 0))
        for v in (answers.query("wave == 2")["value"], answers.query("wave == 1")["value"])
    ]
    assert first["diff"] == pytest.approx(scores[0].mean() - scores[1].mean())
    assert first["p_val"] == pytest.approx(scipy.stats.ttest_ind(*scores, equal_var=False).pvalue)


# --- properties ----------------------------------------------------------------------------------------

likert_values = st.lists(st.integers(1, 5), min_size=5, max_size=40)
nps_values = st.lists(st.integers(0, 10), min_size=5, max_size=40)


def two_questions(b_likert, a_likert, b_nps, a_nps, paired: bool) -> pd.DataFrame:
    parts = []
    for question, before, after in (("accuracy", b_likert, a_likert), ("nps", b_nps, a_nps)):
        n = min(len(before), len(after)) if paired else None
        keys_b = [f"p{i}" for i in range(len(before))] if paired else None
        keys_a = [f"p{i}" if i < (n or 0) else f"q{i}" for i in range(len(after))] if paired else None
        parts.append(frame(before, after, question=question, keys_before=keys_b, keys_after=keys_a))
    return pd.concat(parts, ignore_index=True)


def _swap(answers: pd.DataFrame) -> pd.DataFrame:
    return answers.assign(wave=answers["wave"].map({1: 2, 2: 1}))


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(likert_values, likert_values, nps_values, nps_values, st.booleans())
def test_p_values_lie_in_0_1_and_intervals_hold_the_estimate(b, a, bn, an, paired):
    result = compare_waves(
        two_questions(b, a, bn, an, paired), baseline=1, follow_up=2, dimensions=QUESTIONS, n_boot=200
    )
    for _, row in result.iterrows():
        if row["status"] == "ok":
            assert 0 <= row["p_val"] <= 1 and row["p_val"] <= row["p_adj"] <= 1
            if row["kind"] != "nps" and np.isfinite(row["diff_ci_low"]):
                assert row["diff_ci_low"] - 1e-9 <= row["diff"] <= row["diff_ci_high"] + 1e-9
        else:
            assert math.isnan(row["p_val"]) and not row["significant"]


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(likert_values, likert_values, nps_values, nps_values, st.booleans())
def test_swapping_the_waves_flips_the_sign_and_keeps_the_p_value(b, a, bn, an, paired):
    answers = two_questions(b, a, bn, an, paired)
    forward = compare_waves(answers, baseline=1, follow_up=2, dimensions=QUESTIONS, n_boot=200)
    backward = compare_waves(_swap(answers), baseline=1, follow_up=2, dimensions=QUESTIONS, n_boot=200)
    for (_, f), (_, r) in zip(forward.iterrows(), backward.iterrows(), strict=True):
        assert f["status"] == r["status"]
        if f["status"] != "ok":
            continue
        assert r["diff"] == pytest.approx(-f["diff"], abs=1e-12)
        assert r["direction"] == -f["direction"]
        assert r["p_val"] == pytest.approx(f["p_val"], rel=1e-9, abs=1e-12)
        if np.isfinite(f["effect_size"]):
            assert r["effect_size"] == pytest.approx(-f["effect_size"], abs=1e-12)
        if f["kind"] != "nps" and np.isfinite(f["diff_ci_low"]):  # the bootstrap draws differ when swapped
            assert r["diff_ci_low"] == pytest.approx(-f["diff_ci_high"], abs=1e-9)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(likert_values, nps_values, st.booleans())
def test_identical_waves_show_no_significant_change(likert, nps, paired):
    answers = two_questions(likert, list(likert), nps, list(nps), paired)
    result = compare_waves(answers, baseline=1, follow_up=2, dimensions=QUESTIONS, n_boot=200)
    assert not result["significant"].any()
    assert (result["diff"].fillna(0).abs() < 1e-12).all()
    tested = result[result["status"] == "ok"]
    assert (tested["p_val"] > 0.9).all()
    assert result["verdict_en"].str.contains("no significant change|no change").all()


def test_detectable_change_shrinks_as_the_waves_grow():
    rng = np.random.default_rng(1)
    small = compare_waves(
        frame(list(rng.integers(1, 6, 30)), list(rng.integers(1, 6, 30))), baseline=1, follow_up=2
    )
    big = compare_waves(
        frame(list(rng.integers(1, 6, 300)), list(rng.integers(1, 6, 300))), baseline=1, follow_up=2
    )
    assert 0 < row_of(big, "accuracy")["detectable_change"] < row_of(small, "accuracy")["detectable_change"]
