"""The sampling maths on plain data: allocation, invite counts, a reproducible stratified draw, RR1."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics import sampling


def _members(n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "user_key": [f"k{i:05d}" for i in range(n)],
            "region": rng.choice(["north", "south", "east"], size=n, p=[0.5, 0.3, 0.2]),
            "plan": rng.choice(["free", "pro"], size=n, p=[0.8, 0.2]),
        }
    )


def test_proportional_quotas_add_up_to_the_target_and_invites_are_ceil_of_quota_over_rate():
    table = sampling.allocate({"a": 600, "b": 300, "c": 100}, 101, {"a": 0.2, "b": 0.5, "c": 0.25})
    assert table["quota"].tolist() == [61, 30, 10]  # 60.6, 30.3, 10.1: the largest remainder goes to a
    assert table["quota"].sum() == 101
    assert table["invite"].tolist() == [math.ceil(61 / 0.2), 60, 40]


def test_a_minimum_per_stratum_raises_small_strata_and_nothing_exceeds_a_stratum():
    table = sampling.allocate(
        {"big": 9800, "small": 190, "tiny": 10},
        100,
        {"big": 0.2, "small": 0.2, "tiny": 0.2},
        allocation="minimum",
        minimum=20,
    )
    assert dict(zip(table["stratum"], table["quota"], strict=True)) == {"big": 98, "small": 20, "tiny": 10}
    assert dict(zip(table["stratum"], table["invite"], strict=True)) == {"big": 490, "small": 100, "tiny": 10}


@pytest.mark.parametrize(("target", "rate"), [(0, 0.2), (10, 0.0), (10, 1.5)])
def test_bad_targets_and_rates_are_refused(target, rate):
    with pytest.raises(ValueError):
        sampling.allocate({"a": 10}, target, {"a": rate})


def test_strata_labels_join_values_and_name_missing_ones():
    frame = pd.DataFrame({"region": ["north", None], "plan": ["pro", "free"]})
    assert sampling.stratum_labels(frame, ["region", "plan"]).tolist() == ["north / pro", "(missing) / free"]
    assert sampling.stratum_labels(frame, []).tolist() == ["all", "all"]


def _draw(frame: pd.DataFrame, seed: int, first: np.ndarray | None = None) -> set[str]:
    strata = sampling.stratum_labels(frame, ["region", "plan"]).to_numpy(dtype=object)
    invite = {s: 25 for s in set(strata)}
    positions = sampling.draw(frame["user_key"].to_numpy(dtype=object), strata, invite, seed, first=first)
    return set(frame["user_key"].iloc[positions])


def test_the_same_seed_and_list_give_the_same_sample_whatever_the_list_order():
    frame = _members()
    shuffled = frame.sample(frac=1, random_state=3).reset_index(drop=True)
    first, again, reordered = _draw(frame, 42), _draw(frame, 42), _draw(shuffled, 42)
    assert first == again == reordered
    assert len(first) == 6 * 25
    assert _draw(frame, 43) != first


def test_each_stratum_gets_its_count_and_the_sample_is_spread_uniformly():
    frame = _members()
    strata = sampling.stratum_labels(frame, ["region"]).to_numpy(dtype=object)
    invite = {"north": 100, "south": 60, "east": 40}
    picked = sampling.draw(frame["user_key"].to_numpy(dtype=object), strata, invite, 1)
    assert pd.Series(strata[picked]).value_counts().to_dict() == invite
    # over many seeds every member of a stratum is about equally likely (100 of ~1000 north members)
    hits = np.zeros(len(frame))
    for seed in range(200):
        hits[sampling.draw(frame["user_key"].to_numpy(dtype=object), strata, invite, seed)] += 1
    north = strata == "north"
    expected = 200 * 100 / north.sum()
    assert abs(hits[north].mean() - expected) < 0.01 and hits[north].std() < 3 * math.sqrt(expected)


def test_panel_members_are_all_invited_first():
    frame = _members(500)
    first = np.zeros(len(frame), dtype=bool)
    first[:40] = True  # 40 baseline respondents, some strata get more than 25 of them? never mind: all in
    picked = _draw(frame, 5, first)
    assert set(frame["user_key"][:40]) <= picked


def test_response_rate_rr1_is_completes_over_invited():
    assert sampling.response_rate(200, 37) == pytest.approx(0.185)
    assert math.isnan(sampling.response_rate(0, 0))


def test_the_baseline_simple_random_sample_is_reproducible():
    assert (
        sampling.simple_random_sample(1000, 10, 3).tolist()
        == sampling.simple_random_sample(1000, 10, 3).tolist()
    )
