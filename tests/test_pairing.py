"""One primary analysis per comparison (analytics.pairing): the documented rule, the answers the charts
show, and the sensitivity check beside each result (analytics.wave_compare.compare_primary)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.pairing import choose_analysis
from analytics.wave_compare import compare_primary
from analytics.wave_summaries import wave_summary


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
    analysis = choose_analysis(_answers(shared, only_each), baseline=1, follow_up=2, dimensions=["nps"])
    assert (analysis.paired, analysis.n_paired, analysis.n_baseline) == (paired, shared, shared + only_each)
    comparison = compare_primary(_answers(shared, only_each), baseline=1, follow_up=2, dimensions=["nps"])
    row = comparison.results.iloc[0]
    assert row["analysis"] == ("paired" if paired else "independent")
    assert "as asked" not in row["pairing_en"]  # the rule decided, nobody asked
    # The charts' answers are the tested ones: their NPS is the verdict's.
    summary = wave_summary(comparison.answers, waves=[1, 2], dimensions=["nps"])
    assert list(summary["mean"]) == pytest.approx([row["mean_before"], row["mean_after"]])
    assert list(summary["n"]) == ([shared] * 2 if paired else [shared + only_each] * 2)
    other = "all answers as independent groups" if paired else f"paired, the {shared} respondents"
    assert row["sensitivity_en"].startswith(f"Sensitivity, {other}")
