"""Survey weights (analytics.weights) and the respondents-vs-population check (analytics.representativeness).

Expected values come from the population's own counts (what weighting must reproduce) and from the Kish
formula written out here, not from the code's own output.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.representativeness import compare_shares, goodness_of_fit
from analytics.weights import WeightingError, compute_weights
from tests.conftest import ROOT


def _population(n: int = 6000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user_key": [f"u{i}" for i in range(n)],
            "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
            "plan": rng.choice(["free", "pro"], n, p=[0.7, 0.3]),
            "usage": rng.choice(["light", "heavy"], n, p=[0.8, 0.2]),
        }
    )


def _biased_sample(pop: pd.DataFrame, n: int = 600, seed: int = 4) -> pd.DataFrame:
    """Heavy users and pro users answer four times as often."""
    odds = np.where(pop["usage"] == "heavy", 4.0, 1.0) * np.where(pop["plan"] == "pro", 2.0, 1.0)
    return pop.sample(n, weights=odds, random_state=seed)


def _weighted_shares(sample: pd.DataFrame, weights: pd.Series, column: str) -> pd.Series:
    return weights.groupby(sample[column]).sum() / weights.sum()


@pytest.mark.parametrize("trim", [None, 5.0])
def test_raked_margins_equal_the_population_margins(trim):
    pop = _population()
    sample = _biased_sample(pop)
    result = compute_weights(sample, pop, ["region", "plan", "usage"], method="rake", trim=trim)
    for column in ("region", "plan", "usage"):
        expected = pop[column].value_counts(normalize=True)
        got = _weighted_shares(sample, result.weights, column).reindex(expected.index)
        assert np.allclose(got.to_numpy(), expected.to_numpy(), atol=1e-6, rtol=0), column
    assert result.weights.sum() == pytest.approx(len(sample))
    assert result.max_margin_error < 1e-6


def test_post_stratified_cells_equal_the_population_cells():
    pop = _population()
    sample = _biased_sample(pop)
    result = compute_weights(sample, pop, ["region", "usage"], method="poststratify", trim=None)
    cells_pop = pop.groupby(["region", "usage"]).size() / len(pop)
    cells_w = result.weights.groupby([sample["region"], sample["usage"]]).sum() / result.weights.sum()
    assert np.allclose(cells_w.reindex(cells_pop.index).to_numpy(), cells_pop.to_numpy(), atol=1e-9, rtol=0)
    # each cell's respondents share one weight: population share over sample share
    one_cell = (sample["region"] == "east") & (sample["usage"] == "heavy")
    expected = cells_pop[("east", "heavy")] / one_cell.mean()
    assert np.allclose(result.weights[one_cell].to_numpy(), expected)


def test_trimming_caps_weights_at_the_stated_multiple_of_the_mean():
    pop = _population()
    sample = _biased_sample(pop)
    free = compute_weights(sample, pop, ["region", "plan", "usage"], trim=None)
    capped = compute_weights(sample, pop, ["region", "plan", "usage"], trim=1.5)
    assert free.weights.max() / free.weights.mean() > 1.5  # the cap binds
    assert capped.weights.max() / capped.weights.mean() <= 1.5 + 1e-3
    assert capped.weights.sum() == pytest.approx(len(sample))  # re-normalised
    assert capped.trimmed > 0


def test_design_effect_and_effective_n_follow_kish():
    pop = _population()
    sample = _biased_sample(pop)
    result = compute_weights(sample, pop, ["region", "usage"], trim=None)
    w = result.weights.to_numpy()
    deff = len(w) * np.sum(w**2) / np.sum(w) ** 2
    assert result.design_effect == pytest.approx(deff)
    assert result.effective_n == pytest.approx(len(w) / deff)
    assert result.design_effect > 1.05  # the bias makes weights unequal


def test_weights_scaled_to_the_population_sum_to_its_size():
    pop = _population()
    sample = _biased_sample(pop)
    result = compute_weights(sample, pop, ["region"], scale="population")
    assert result.weights.sum() == pytest.approx(len(pop))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda s, p: (s.assign(region=["west", *s["region"].iloc[1:]]), p), "unknown_value"),
        (lambda s, p: (s[s["region"] != "east"], p), "empty_stratum"),
        (lambda s, p: (s, p.head(100)), "sample_larger"),
        (lambda s, p: (s.drop(columns="plan"), p), "missing_column"),
    ],
)
def test_bad_samples_are_refused_with_their_reason(change, code):
    pop = _population()
    sample, pop = change(_biased_sample(pop), pop)
    with pytest.raises(WeightingError) as err:
        compute_weights(sample, pop, ["region", "plan"])
    assert err.value.code == code


def test_shares_flags_and_goodness_of_fit():
    pop = _population()
    sample = _biased_sample(pop)
    shares = compare_shares(sample, pop, ["usage"])
    heavy = shares[shares["value"] == "heavy"].iloc[0]
    light = shares[shares["value"] == "light"].iloc[0]
    assert heavy["population_share"] == pytest.approx((pop["usage"] == "heavy").mean())
    assert heavy["respondent_share"] == pytest.approx((sample["usage"] == "heavy").mean())
    p_r, p_p = light["respondent_share"], light["population_share"]
    assert light["std_diff"] == pytest.approx((p_r - p_p) / np.sqrt((p_r * (1 - p_r) + p_p * (1 - p_p)) / 2))
    assert bool(light["under_represented"]) and not bool(heavy["under_represented"])
    fit = goodness_of_fit(sample, pop, ["usage"]).iloc[0]
    observed = sample["usage"].value_counts().reindex(["light", "heavy"]).to_numpy()
    expected = pop["usage"].value_counts(normalize=True).reindex(["light", "heavy"]).to_numpy() * len(sample)
    assert fit["p_val"] == pytest.approx(stats.chisquare(observed, expected).pvalue)
    assert fit["p_val"] < 0.001


# --- the command line ------------------------------------------------------------------------------


def _cli(tmp_path, pop: pd.DataFrame, sample: pd.DataFrame, *extra: str) -> subprocess.CompletedProcess[str]:
    pop.to_csv(tmp_path / "pop.csv", index=False)
    sample.to_csv(tmp_path / "sample.csv", index=False)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.weights",
            "--population",
            str(tmp_path / "pop.csv"),
            "--sample",
            str(tmp_path / "sample.csv"),
            "--output",
            str(tmp_path / "weights.csv"),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_writes_the_sample_with_weights_and_prints_deff(tmp_path):
    pop = _population()
    sample = _biased_sample(pop)
    done = _cli(tmp_path, pop, sample, "--by", "region,usage", "--trim", "0")
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(tmp_path / "weights.csv")
    assert list(out.columns) == [*sample.columns, "weight"]
    assert out["weight"].sum() == pytest.approx(len(sample), abs=1e-6)
    shares = out.groupby("usage")["weight"].sum() / out["weight"].sum()
    assert shares["heavy"] == pytest.approx((pop["usage"] == "heavy").mean(), abs=1e-6)
    w = out["weight"].to_numpy()
    deff = len(w) * np.sum(w**2) / np.sum(w) ** 2
    assert f"design effect (Kish): {deff:.4f}" in done.stdout
    assert f"effective n: {len(w) / deff:.1f}" in done.stdout


def test_cli_poststratify_scaled_to_the_population(tmp_path):
    pop = _population()
    sample = _biased_sample(pop)
    done = _cli(tmp_path, pop, sample, "--by", "region", "--method", "poststratify", "--scale", "population")
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(tmp_path / "weights.csv")
    assert out["weight"].sum() == pytest.approx(len(pop), rel=1e-9)


@pytest.mark.parametrize(
    ("change", "by", "message"),
    [
        (
            lambda s, p: (s.assign(region="west"), p),
            "region",
            "value 'west' of 'region' in the sample does not occur",
        ),
        (lambda s, p: (s[s["region"] != "east"], p), "region", "stratum region = 'east' has no respondents"),
        (lambda s, p: (s, p.head(50)), "region", "is larger than the population"),
        (lambda s, p: (s, p), "region,segment", "column 'segment' is missing"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, change, by, message):
    pop = _population(800)
    sample, pop = change(_biased_sample(pop, n=120), pop)
    done = _cli(tmp_path, pop, sample, "--by", by)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert not (tmp_path / "weights.csv").exists()


def test_weighted_rows_equal_welch_with_equal_weights_and_weighted_means_otherwise():
    from analytics.weighted_compare import weighted_rows

    rng = np.random.default_rng(5)
    before = rng.integers(1, 6, 80).astype(float)
    after = rng.integers(2, 6, 90).astype(float)
    answers = pd.DataFrame(
        {
            "wave": [1] * 80 + [2] * 90,
            "respondent_key": [f"b{i}" for i in range(80)] + [f"f{i}" for i in range(90)],
            "question": "accuracy",
            "kind": "likert5",
            "value": np.concatenate([before, after]),
        }
    )
    results = pd.DataFrame(
        [
            {
                "measure": "accuracy",
                "question": "accuracy",
                "kind": "likert",
                "family": "likert",
                "status": "ok",
                "direction": 1,
                "higher_is_better": True,
                "result": "better",
                "label_en": "Accuracy",
                "label_zh": "准确性",
            }
        ]
    )
    equal = weighted_rows(
        results,
        answers,
        baseline=1,
        follow_up=2,
        weights_before=pd.Series(1.0, index=[f"b{i}" for i in range(80)]),
        weights_after=pd.Series(1.0, index=[f"f{i}" for i in range(90)]),
    ).iloc[0]
    assert equal["w_p_val"] == pytest.approx(stats.ttest_ind(after, before, equal_var=False).pvalue)
    assert equal["eff_n_before"] == pytest.approx(80)
    w_after = pd.Series(np.where(np.arange(90) < 45, 3.0, 1.0), index=[f"f{i}" for i in range(90)])
    weighted = weighted_rows(
        results,
        answers,
        baseline=1,
        follow_up=2,
        weights_before=pd.Series(1.0, index=[f"b{i}" for i in range(80)]),
        weights_after=w_after,
    ).iloc[0]
    assert weighted["w_mean_after"] == pytest.approx(np.average(after, weights=w_after.to_numpy()))
    assert weighted["eff_n_after"] == pytest.approx(w_after.sum() ** 2 / (w_after**2).sum())
    # fewer effective answers: a wider interval than the equal-weight one
    assert weighted["w_ci_high"] - weighted["w_ci_low"] > equal["w_ci_high"] - equal["w_ci_low"]
