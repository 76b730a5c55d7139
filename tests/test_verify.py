"""Before/after comparison: the demo's story, pairing, verdicts, properties, planner, topic outcome, bad input.

Expected values come from the demo's design (db/demo.py: accuracy +0.5, ease of use flat), from
scipy/statsmodels directly, or from hand counts; never from this module's own output.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.power import TTestIndPower

from analytics import stats, verify
from analytics.verify import COLUMNS, compare_waves
from db import verify as repo
from db.engine import make_engine, unit_of_work
from db.items import list_items
from tests.verify_support import demo_database_url, likert_rows, small_workspace

QUESTIONS = ("accuracy", "nps")


def frame(
    before: list[float | None],
    after: list[float | None],
    *,
    question: str = "accuracy",
    keys_before: list[str | None] | None = None,
    keys_after: list[str | None] | None = None,
    kinds: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """An answers frame for one question; respondents are distinct unless keys are given."""
    rows = []
    for wave, values, keys in ((1, before, keys_before), (2, after, keys_after)):
        for i, value in enumerate(values):
            row = {
                "wave": wave,
                "respondent_key": keys[i] if keys is not None else f"w{wave}-{i}",
                "question": question,
                "value": value,
            }
            if kinds:
                row["kind"] = kinds[wave - 1]
            rows.append(row)
    columns = ["wave", "respondent_key", "question", "value", *(["kind"] if kinds else [])]
    return pd.DataFrame(rows, columns=columns)


def row_of(result: pd.DataFrame, measure: str, kind: str = "likert") -> pd.Series:
    found = result[(result["measure"] == measure) & (result["kind"] == kind)]
    assert len(found) == 1, result[["measure", "kind"]]
    return found.iloc[0]


# --- the demo workspace ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_answers() -> pd.DataFrame:
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        waves = repo.list_waves(session, 1, 1)
        answers = repo.wave_answers(session, [w.id for w in waves])
    engine.dispose()
    return answers


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


def test_the_planner_on_the_demo_uses_the_baseline_spread(demo_answers):
    plan = verify.plan_next_wave(demo_answers, baseline=1, follow_up=2, dimensions=["accuracy", "nps"])
    accuracy = plan.set_index("measure").loc["accuracy"]
    sd = demo_answers.query("wave == 1 and question == 'accuracy'")["value"].std()
    assert accuracy["sd"] == pytest.approx(sd)
    assert accuracy["n_per_wave"] == verify.responses_needed(0.3, sd=sd, n_tests=1)
    assert 0 < accuracy["correlation"] < 1 and accuracy["n_pairs"] < accuracy["n_per_wave"]
    assert plan.set_index("measure").loc["nps", "n_per_wave"] > 300  # NPS is noisy


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
            "different scales (likert5 vs nps)",
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
    low, high = verify.newcombe_paired_ci([[40, 30], [10, 20]])
    assert -1 <= low < 0.2 < high <= 1
    # Large samples: close to the Wald interval of the paired difference.
    n, b, c = 10_000, 1_500, 1_200
    d, se = (b - c) / n, math.sqrt((b + c) - (b - c) ** 2 / n) / n
    low, high = verify.newcombe_paired_ci([[4_000, b], [c, n - 4_000 - b - c]])
    assert low == pytest.approx(d - 1.96 * se, abs=2e-3) and high == pytest.approx(d + 1.96 * se, abs=2e-3)
    # Swapping the two measurements mirrors the interval.
    assert verify.newcombe_paired_ci([[5, 2], [9, 4]]) == pytest.approx(
        tuple(-v for v in reversed(verify.newcombe_paired_ci([[5, 9], [2, 4]])))
    )


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


# --- planner -------------------------------------------------------------------------------------------


def test_responses_needed_follows_statsmodels_and_the_rank_test_efficiency():
    t_n = TTestIndPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8)
    assert verify.responses_needed(0.5, sd=1.0, kind="nps") == math.ceil(t_n)
    assert verify.responses_needed(0.5, sd=1.0) == math.ceil(t_n * math.pi / 3)
    assert verify.responses_needed(0.2, sd=1.0) > verify.responses_needed(0.4, sd=1.0)
    assert verify.responses_needed(0.3, sd=1.0, n_tests=5) > verify.responses_needed(0.3, sd=1.0)
    paired = verify.responses_needed(0.3, sd=1.0, paired=True, correlation=0.5)
    assert paired < verify.responses_needed(0.3, sd=1.0)
    # A ten-point rise from a 50 % share needs about 385-390 answers per wave (Cohen's h = 0.20).
    assert 380 <= verify.responses_needed(0.10, kind="top2box", baseline_share=0.5) <= 395


@pytest.mark.parametrize(
    "kwargs",
    [
        {"change": 0, "sd": 1.0},
        {"change": 0.3},
        {"change": 0.3, "sd": -1.0},
        {"change": 0.3, "sd": 1.0, "power": 1.5},
        {"change": 0.6, "kind": "top2box", "baseline_share": 0.7},
        {"change": 0.1, "kind": "top2box", "baseline_share": 0.5, "paired": True},
    ],
)
def test_responses_needed_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        verify.responses_needed(**kwargs)


def test_detectable_change_shrinks_as_the_waves_grow():
    rng = np.random.default_rng(1)
    small = compare_waves(
        frame(list(rng.integers(1, 6, 30)), list(rng.integers(1, 6, 30))), baseline=1, follow_up=2
    )
    big = compare_waves(
        frame(list(rng.integers(1, 6, 300)), list(rng.integers(1, 6, 300))), baseline=1, follow_up=2
    )
    assert 0 < row_of(big, "accuracy")["detectable_change"] < row_of(small, "accuracy")["detectable_change"]


# --- topic outcome -------------------------------------------------------------------------------------


def _feedback(before: tuple[int, int], after: tuple[int, int]) -> pd.DataFrame:
    rows = []
    for day, (k, n) in ((date(2026, 3, 1), before), (date(2026, 5, 1), after)):
        for i in range(n):
            rows.append(
                {"created_at": datetime(day.year, day.month, 1 + i % 28, 9, tzinfo=UTC), "hit": i < k}
            )
    return pd.DataFrame(rows)


PERIODS = {"before": (date(2026, 3, 1), date(2026, 4, 1)), "after": (date(2026, 5, 1), date(2026, 6, 1))}


def test_topic_share_falls_with_a_proportion_test_and_newcombe_interval():
    out = verify.topic_share(_feedback((60, 400), (20, 380)), "hit", topic="dosage", **PERIODS)
    assert (out["k_before"], out["n_before"], out["k_after"], out["n_after"]) == (60, 400, 20, 380)
    assert out["rate_before"] == pytest.approx(150) and out["rate_after"] == pytest.approx(1000 * 20 / 380)
    expected = stats.two_proportions([20, 60], [380, 400], correct=False)
    assert out["p_val"] == pytest.approx(expected.p_val) and out["significant"]
    assert out["diff_ci_low"] == pytest.approx(expected.ci_low) and out["diff_ci_high"] == pytest.approx(
        expected.ci_high
    )
    assert out["verdict_en"].startswith("Feedback about dosage fell significantly from 15.0% to 5.3%")
    assert "关于dosage的反馈占比显著下降" in out["verdict_zh"]


def test_topic_share_handles_small_empty_and_absent_topics():
    small = verify.topic_share(_feedback((3, 20), (0, 25)), "hit", **PERIODS)
    assert small["test"] == "Fisher's exact test" and small["warnings"]
    empty = verify.topic_share(_feedback((3, 20), (0, 0)), "hit", **PERIODS)
    assert (
        empty["status"] == "no_data" and math.isnan(empty["p_val"]) and "period after" in empty["verdict_en"]
    )
    absent = verify.topic_share(_feedback((0, 20), (0, 25)), "hit", **PERIODS)
    assert absent["status"] == "no_variation" and math.isnan(absent["p_val"])


def test_keywords_match_chinese_and_english_ignoring_case():
    texts = pd.Series(["Dosage was WRONG", "剂量给错了", "slow", None, "guideline outdated"])
    assert verify.parse_keywords(" dosage，剂量;  ,guideline\n") == ["dosage", "剂量", "guideline"]
    assert verify.keyword_mask(texts, "dosage，剂量").tolist() == [True, True, False, False, False]
    assert not verify.keyword_mask(texts, " , ").any()


def test_topic_satisfaction_splits_mentioners_from_everyone_else():
    keys = [f"r{i}" for i in range(24)]
    before = [2, 2, 3, 2, 2, 3] + [4] * 18
    after = [4, 5, 4, 4, 5, 4] + [4] * 17 + [5]
    answers = frame(before, after, question="csat", keys_before=keys, keys_after=keys)
    out = verify.topic_satisfaction(answers, keys[:6], baseline=1, follow_up=2, paired=True)
    assert list(out["group"]) == ["mentioned", "others"]
    mentioned, others = out.iloc[0], out.iloc[1]
    assert mentioned["n_paired"] == 6 and mentioned["diff"] == pytest.approx(2.0)
    assert others["n_paired"] == 18 and others["diff"] == pytest.approx(1 / 18)


# --- repository queries (SQLite and PostgreSQL) --------------------------------------------------------


def test_repository_reads_waves_answers_topics_feedback_and_items(engine):
    ws = small_workspace(
        engine, likert_rows([3, 4, 2, 5]), likert_rows([4, 4, 5]), shared=2, with_topics=True
    )
    with unit_of_work(engine) as session:
        waves = repo.list_waves(session, ws.product_id, ws.round_id)
        assert [(w.kind, w.responses) for w in waves] == [("baseline", 4), ("follow_up", 3)]
        assert repo.list_waves(session, ws.product_id, ws.round_id + 999) == []
        answers = repo.wave_answers(session, [ws.baseline_id, ws.follow_up_id])
        segments = repo.wave_segments(session, [ws.baseline_id, ws.follow_up_id])
        run = repo.latest_topic_run(session, ws.product_id, ws.round_id)
        assert run is not None and run.id == ws.run_id
        topics = repo.run_topics(session, run.id)
        feedback = repo.feedback_frame(
            session, ws.product_id, date(2026, 2, 1), date(2026, 2, 3), run_id=run.id, with_text=True
        )
        plain = repo.feedback_frame(session, ws.product_id, date(2026, 1, 1), date(2026, 12, 31))
        items = list_items(session, ws.round_id)
        assert repo.has_categories(session, ws.product_id)
        assert repo.round_info(session, ws.round_id).starts_on == date(2026, 1, 1)
    assert tuple(answers.columns) == repo.ANSWER_COLUMNS and len(answers) == 7 * 6  # text answers left out
    assert set(answers["question"]) == {
        "accuracy",
        "ease_of_use",
        "response_speed",
        "problem_resolution",
        "csat",
        "nps",
    }
    assert sorted(answers.query("question == 'accuracy' and wave == @ws.baseline_id")["value"]) == [
        2,
        3,
        4,
        5,
    ]
    assert segments == ["doctor", "patient"]
    assert list(topics["key"]) == ["dosage", "speed"] and topics.loc[0, "keywords"] == ["dosage"]
    assert topics.loc[0, "label"] == "Dosage errors"  # the analyst's name; the merged topic is left out
    assert list(feedback["topic_key"]) == ["dosage", "speed"]  # the third item is on Feb 3: outside
    assert feedback.loc[0, "text"] == "The dosage was wrong" and str(feedback["created_at"].dt.tz) == "UTC"
    assert (
        tuple(plain.columns) == repo.FEEDBACK_COLUMNS and plain["topic_key"].isna().all() and len(plain) == 3
    )
    assert items.loc[0, "title"] == "Fix dosage" and items.loc[0, "status"] == "verified"
    result = compare_waves(answers, baseline=ws.baseline_id, follow_up=ws.follow_up_id)
    assert set(result["status"]) == {"too_few"}


def test_demo_waves_in_the_repository():
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        waves = repo.list_waves(session, 1)
        assert repo.latest_topic_run(session, 1) is None
        assert not repo.has_categories(session, 1)
    engine.dispose()
    assert [(w.kind, w.responses) for w in waves] == [
        ("baseline", 222),
        ("follow_up", 203),
        ("baseline", 181),
    ]


def test_the_command_line_prints_one_verdict_per_measure(demo_answers, tmp_path, capsys):
    source, output = tmp_path / "answers.csv", tmp_path / "result.csv"
    demo_answers.to_csv(source, index=False)
    assert verify.main([str(source), "--baseline", "1", "--follow-up", "2", "--output", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11 and lines[0].startswith("Accuracy improved significantly")
    assert len(pd.read_csv(output)) == 11
    assert verify.main([str(tmp_path / "missing.csv"), "--baseline", "1", "--follow-up", "2"]) == 2
    assert "error:" in capsys.readouterr().err


# --- one primary analysis per comparison -------------------------------------------------------------


def _answers(shared: int, only_each: int) -> pd.DataFrame:
    rows = []
    for wave, prefix in ((1, "b"), (2, "f")):
        keys = [f"s{i}" for i in range(shared)] + [f"{prefix}{i}" for i in range(only_each)]
        for i, key in enumerate(keys):
            rows.append(
                {"wave": wave, "respondent_key": key, "question": "nps", "value": float((i + wave) % 11)}
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("shared", "only_each", "paired"),
    [(20, 20, True), (19, 0, False), (20, 21, False), (124, 98, True)],
)
def test_the_primary_analysis_follows_the_documented_rule(shared, only_each, paired):
    analysis = verify.choose_analysis(
        _answers(shared, only_each), baseline=1, follow_up=2, dimensions=["nps"]
    )
    assert (analysis.paired, analysis.n_paired, analysis.n_baseline) == (paired, shared, shared + only_each)
    comparison = verify.compare_primary(
        _answers(shared, only_each), baseline=1, follow_up=2, dimensions=["nps"]
    )
    row = comparison.results.iloc[0]
    assert row["analysis"] == ("paired" if paired else "independent")
    assert "as asked" not in row["pairing_en"]  # the rule decided, nobody asked
    # The charts' answers are the tested ones: their NPS is the verdict's.
    summary = verify.wave_summary(comparison.answers, waves=[1, 2], dimensions=["nps"])
    assert list(summary["mean"]) == pytest.approx([row["mean_before"], row["mean_after"]])
    assert list(summary["n"]) == ([shared] * 2 if paired else [shared + only_each] * 2)
    other = "all answers as independent groups" if paired else f"paired, the {shared} respondents"
    assert row["sensitivity_en"].startswith(f"Sensitivity, {other}")
