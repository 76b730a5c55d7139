"""A pain point before and after its fix (analytics.topic_outcome): its share of the feedback, tested,
keywords, and the satisfaction of those who wrote about it."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from analytics import stats, topic_outcome
from tests.verify_support import answers_frame as frame


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
    out = topic_outcome.topic_share(_feedback((60, 400), (20, 380)), "hit", topic="dosage", **PERIODS)
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
    small = topic_outcome.topic_share(_feedback((3, 20), (0, 25)), "hit", **PERIODS)
    assert small["test"] == "Fisher's exact test" and small["warnings"]
    empty = topic_outcome.topic_share(_feedback((3, 20), (0, 0)), "hit", **PERIODS)
    assert (
        empty["status"] == "no_data" and math.isnan(empty["p_val"]) and "period after" in empty["verdict_en"]
    )
    absent = topic_outcome.topic_share(_feedback((0, 20), (0, 25)), "hit", **PERIODS)
    assert absent["status"] == "no_variation" and math.isnan(absent["p_val"])


def test_keywords_match_chinese_and_english_ignoring_case():
    texts = pd.Series(["Dosage was WRONG", "剂量给错了", "slow", None, "guideline outdated"])
    assert topic_outcome.parse_keywords(" dosage，剂量;  ,guideline\n") == ["dosage", "剂量", "guideline"]
    assert topic_outcome.keyword_mask(texts, "dosage，剂量").tolist() == [True, True, False, False, False]
    assert not topic_outcome.keyword_mask(texts, " , ").any()


def test_topic_satisfaction_splits_mentioners_from_everyone_else():
    keys = [f"r{i}" for i in range(24)]
    before = [2, 2, 3, 2, 2, 3] + [4] * 18
    after = [4, 5, 4, 4, 5, 4] + [4] * 17 + [5]
    answers = frame(before, after, question="csat", keys_before=keys, keys_after=keys)
    out = topic_outcome.topic_satisfaction(answers, keys[:6], baseline=1, follow_up=2, paired=True)
    assert list(out["group"]) == ["mentioned", "others"]
    mentioned, others = out.iloc[0], out.iloc[1]
    assert mentioned["n_paired"] == 6 and mentioned["diff"] == pytest.approx(2.0)
    assert others["n_paired"] == 18 and others["diff"] == pytest.approx(1 / 18)
