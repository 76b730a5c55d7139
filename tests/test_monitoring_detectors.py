"""The monitoring detectors on plain data: spikes with Holm and a minimum count, new topics, EWMA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import rates

from analytics.detectors import MonitorParams, ewma_control, new_topics, rising_again, topic_spikes

PARAMS = MonitorParams()


def test_a_tripled_topic_is_a_spike_and_stable_ones_are_not():
    baseline = {"login": 40, "slow": 80, "wrong_dose": 40}  # 160 of 400 items in 28 days
    recent = {"login": 30, "slow": 20, "wrong_dose": 10}  # login: 10 % -> 30 % of 100 items
    frame = topic_spikes(recent, baseline, 100, 400, PARAMS).set_index("topic_key")
    assert frame.loc["login", "alert"]
    assert not frame.loc["slow", "alert"] and not frame.loc["wrong_dose", "alert"]
    assert frame.loc["login", "ratio"] == pytest.approx(3.0)
    # the p-value is statsmodels' one-sided score test, not a hand-made one
    expected = rates.test_poisson_2indep(30, 100, 40, 400, alternative="larger").pvalue
    assert frame.loc["login", "p_val"] == pytest.approx(expected)


def test_holm_adjusts_across_the_topics_tested():
    recent = {f"t{i}": 8 for i in range(10)} | {"hot": 14}
    baseline = {f"t{i}": 30 for i in range(10)} | {"hot": 30}
    frame = topic_spikes(recent, baseline, 100, 400, PARAMS).set_index("topic_key")
    raw = frame.loc["hot", "p_val"]
    # Holm's first step multiplies the smallest p-value by the number of tests (11 here)
    assert frame.loc["hot", "p_adj"] == pytest.approx(min(1.0, raw * 11))
    assert raw < 0.05, "unadjusted it would have alerted"
    assert not frame.loc["hot", "alert"], "after Holm across 11 topics it does not"


def test_the_minimum_count_keeps_a_rare_topic_out_of_the_test():
    frame = topic_spikes({"rare": 4}, {"rare": 0}, 100, 400, PARAMS).set_index("topic_key")
    assert not frame.loc["rare", "tested"] and np.isnan(frame.loc["rare", "p_val"])
    assert not frame.loc["rare", "alert"]
    tested = topic_spikes({"rare": 4}, {"rare": 0}, 100, 400, MonitorParams(min_count=3))
    assert tested.loc[0, "alert"], "with a lower minimum the same counts alert"


def test_a_falling_topic_never_alerts():
    frame = topic_spikes({"t": 5}, {"t": 200}, 100, 400, PARAMS)
    assert not frame.loc[0, "alert"] and frame.loc[0, "p_val"] > 0.9


def test_new_topics_need_an_earlier_run_and_the_minimum_count():
    sizes = {"old": 50, "fresh": 12, "tiny": 2}
    assert new_topics(sizes, {"old"}, True, PARAMS) == ["fresh"]
    assert new_topics(sizes, set(), False, PARAMS) == [], "a first analysis finds nothing 'new'"


def _days(values_per_day: list[list[float]]) -> pd.DataFrame:
    rows = [(f"2026-11-{d + 1:02d}", v) for d, values in enumerate(values_per_day) for v in values]
    return pd.DataFrame(rows, columns=["day", "rating"])


def test_ewma_finds_a_rating_drop_and_not_a_stable_week():
    rng = np.random.default_rng(3)
    baseline = rng.choice([3, 4, 5], size=200, p=[0.2, 0.4, 0.4]).astype(float).tolist()
    stable = [rng.choice([3, 4, 5], size=8, p=[0.2, 0.4, 0.4]).astype(float).tolist() for _ in range(7)]
    dropped = [rng.choice([1, 2, 3], size=8).astype(float).tolist() for _ in range(7)]
    calm = ewma_control(baseline, _days(stable), PARAMS)
    assert calm.status == "ok" and not calm.alert
    drop = ewma_control(baseline, _days(dropped), PARAMS)
    assert drop.alert and drop.worst_day is not None
    assert drop.days[-1]["ewma"] < drop.days[-1]["lcl"] < drop.baseline_mean
    # the first day's limit is exact for its count: mu - L * lambda * sigma / sqrt(n)
    first = drop.days[0]
    expected = drop.baseline_mean - 3.0 * 0.2 * drop.baseline_sd / np.sqrt(first["n"])
    assert first["lcl"] == pytest.approx(expected)


def test_ewma_needs_enough_baseline_ratings():
    chart = ewma_control([5.0] * 10, _days([[1.0] * 20]), PARAMS)
    assert chart.status == "too_few" and not chart.alert


def test_a_verified_topic_rising_again_is_tested_alone():
    assert rising_again(20, 100, 20, 400, PARAMS)["alert"]  # 5 % -> 20 %
    assert not rising_again(6, 100, 20, 400, PARAMS)["alert"]
    assert not rising_again(4, 100, 0, 400, PARAMS)["tested"]


def test_parameters_come_from_the_environment_and_bad_ones_are_refused():
    params = MonitorParams.from_env({"RECTIFY_MONITOR_RECENT_DAYS": "14", "RECTIFY_MONITOR_EWMA_L": "2.7"})
    assert params.recent_days == 14 and params.ewma_l == 2.7 and params.baseline_days == 28
    with pytest.raises(ValueError, match="RECTIFY_MONITOR_ALPHA"):
        MonitorParams.from_env({"RECTIFY_MONITOR_ALPHA": "five percent"})
    with pytest.raises(ValueError, match="alpha"):
        MonitorParams.from_env({"RECTIFY_MONITOR_ALPHA": "5"})
