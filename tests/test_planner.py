"""How many responses the next wave needs (analytics.planner): statsmodels' power, the rank test's
efficiency, the demo's baseline spread."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import TTestIndPower

from analytics import planner
from tests.verify_support import demo_answers


def test_the_planner_on_the_demo_uses_the_baseline_spread():
    answers = demo_answers()
    plan = planner.plan_next_wave(answers, baseline=1, follow_up=2, dimensions=["accuracy", "nps"])
    accuracy = plan.set_index("measure").loc["accuracy"]
    sd = answers.query("wave == 1 and question == 'accuracy'")["value"].std()
    assert accuracy["sd"] == pytest.approx(sd)
    assert accuracy["n_per_wave"] == planner.responses_needed(0.3, sd=sd, n_tests=1)
    assert 0 < accuracy["correlation"] < 1 and accuracy["n_pairs"] < accuracy["n_per_wave"]
    assert plan.set_index("measure").loc["nps", "n_per_wave"] > 300  # NPS is noisy


def test_responses_needed_follows_statsmodels_and_the_rank_test_efficiency():
    t_n = TTestIndPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8)
    assert planner.responses_needed(0.5, sd=1.0, kind="nps") == math.ceil(t_n)
    assert planner.responses_needed(0.5, sd=1.0) == math.ceil(t_n * math.pi / 3)
    assert planner.responses_needed(0.2, sd=1.0) > planner.responses_needed(0.4, sd=1.0)
    assert planner.responses_needed(0.3, sd=1.0, n_tests=5) > planner.responses_needed(0.3, sd=1.0)
    paired = planner.responses_needed(0.3, sd=1.0, paired=True, correlation=0.5)
    assert paired < planner.responses_needed(0.3, sd=1.0)
    # A ten-point rise from a 50 % share needs about 385-390 answers per wave (Cohen's h = 0.20).
    assert 380 <= planner.responses_needed(0.10, kind="top2box", baseline_share=0.5) <= 395


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
        planner.responses_needed(**kwargs)
