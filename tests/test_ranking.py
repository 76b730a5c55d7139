"""Ranking pain points: what a product manager sees at the top, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from analytics.ranking import COLUMNS, RankingWeights, rank_pain_points
from analytics.severity import negative_tone, severity_hits, severity_level

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


def feedback(
    topic: str,
    n: int,
    text: str = "the answer was not what I expected",
    *,
    rating: float | None = 3,
    channel: str = "in_app",
    days_ago: float | list[float] = 3,
    severity: int | None = None,
    respondent: str | None = None,
    category: str | None = None,
) -> list[dict[str, object]]:
    """`n` feedback rows of one topic, each from its own respondent unless `respondent` is given."""
    ages = days_ago if isinstance(days_ago, list) else [days_ago] * n
    return [
        {
            "topic_key": topic,
            "text": text,
            "rating": rating,
            "channel": channel,
            "respondent_key": respondent or f"{topic}-user-{i}",
            "created_at": NOW - timedelta(days=ages[i]),
            "severity": severity,
            "category": category,
        }
        for i in range(n)
    ]


def rank(*groups: list[dict[str, object]], **kwargs: object) -> pd.DataFrame:
    items = pd.DataFrame([row for group in groups for row in group])
    return rank_pain_points(items, now=NOW, **kwargs)  # type: ignore[arg-type]


def order(result: pd.DataFrame) -> list[str]:
    return result["topic_key"].tolist()


# ---- the shape a page can rely on ---------------------------------------------------------------


def test_result_has_every_component_column_and_is_sorted_by_priority() -> None:
    result = rank(feedback("a", 5), feedback("b", 3), feedback("c", 8))
    assert list(result.columns) == list(COLUMNS)
    assert result["rank"].tolist() == [1, 2, 3]
    assert result["priority"].is_monotonic_decreasing
    assert result["priority"].between(0, 1).all()
    for column in ("frequency_score", "severity_score", "trend_score", "lexicon_severity", "negative_tone"):
        assert result[column].between(0, 1).all(), column


def test_the_contributions_add_up_to_the_priority() -> None:
    result = rank(
        feedback("dosage", 4, "剂量说错了，太危险!!", rating=1, severity=4, days_ago=1),
        feedback("slow", 12, "回复太慢了", rating=2, days_ago=[i * 4 for i in range(12)]),
        feedback("ui", 6, "confusing menu", rating=None),
    )
    parts = result[["frequency_contribution", "severity_contribution", "trend_contribution"]].sum(axis=1)
    np.testing.assert_allclose(parts, result["priority"])
    w = RankingWeights()
    np.testing.assert_allclose(result["frequency_contribution"], w.frequency * result["frequency_score"])
    np.testing.assert_allclose(result["severity_contribution"], w.severity * result["severity_score"])
    np.testing.assert_allclose(result["trend_contribution"], w.trend * result["trend_score"])


def test_empty_input_gives_an_empty_table_with_the_columns() -> None:
    empty = rank_pain_points(pd.DataFrame(columns=["topic_key", "text"]))
    assert empty.empty
    assert list(empty.columns) == list(COLUMNS)
    assert empty["priority"].dtype == "float64"
    only_outliers = rank_pain_points(pd.DataFrame({"topic_key": [-1, None], "text": ["hi", "hello"]}))
    assert only_outliers.empty
    assert list(only_outliers.columns) == list(COLUMNS)


def test_a_single_topic_is_ranked_first_without_errors() -> None:
    result = rank(feedback("only", 3))
    assert order(result) == ["only"]
    assert result.loc[0, "rank"] == 1
    assert result.loc[0, "frequency_score"] == pytest.approx(1.0)
    assert result.loc[0, "share"] == pytest.approx(1.0)


def test_labels_come_from_the_topic_table_and_outliers_only_count_in_the_share() -> None:
    items = pd.DataFrame(feedback("7", 3) + feedback("-1", 1) + feedback("8", 1))
    topics = pd.DataFrame({"topic_key": [7, 8], "label": ["Slow answers / 回复慢", "Login"]})
    result = rank_pain_points(items, topics, now=NOW)
    assert order(result) == ["7", "8"]
    assert result["label"].tolist() == ["Slow answers / 回复慢", "Login"]
    assert result["share"].tolist() == pytest.approx([3 / 5, 1 / 5])


# ---- frequency --------------------------------------------------------------------------------


def test_a_topic_with_more_feedback_ranks_higher_all_else_equal() -> None:
    result = rank(feedback("small", 4), feedback("big", 12), feedback("medium", 8))
    assert order(result) == ["big", "medium", "small"]
    assert result["count"].tolist() == [12, 8, 4]


def test_many_users_outrank_one_user_posting_many_times() -> None:
    result = rank(feedback("one loud user", 10, respondent="same-person"), feedback("many users", 6))
    assert order(result) == ["many users", "one loud user"]
    assert result.set_index("topic_key").loc["one loud user", "respondents"] == 1


def test_a_topic_raised_through_more_channels_ranks_higher() -> None:
    everywhere = [
        row for ch in ("in_app", "customer_service", "community") for row in feedback("wide", 2, channel=ch)
    ]
    for i, row in enumerate(everywhere):
        row["respondent_key"] = f"wide-{i}"
    result = rank(everywhere, feedback("narrow", 6))
    assert order(result) == ["wide", "narrow"]
    assert result["channels"].tolist() == [3, 1]


# ---- severity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severe", "mild"),
    [
        (
            "The assistant told my mother to double her insulin dose, that's dangerous",
            "The answer was a bit long",
        ),
        ("AI给的儿童退烧药剂量太大了，差点吃出事", "回答有点长"),
        ("I can see someone else's medical records in my account", "the colours are a bit dull"),
        ("我的账户信息被泄露了，还被盗刷了两笔", "字体有点小"),
    ],
)
def test_severe_words_raise_severity_in_chinese_and_english(severe: str, mild: str) -> None:
    result = rank(feedback("severe", 5, severe), feedback("mild", 5, mild)).set_index("topic_key")
    assert result.loc["severe", "lexicon_severity"] == pytest.approx(1.0)
    assert result.loc["mild", "lexicon_severity"] < 0.5
    assert result.loc["severe", "severity_score"] > result.loc["mild", "severity_score"]
    assert result.loc["severe", "rank"] == 1
    assert result.loc["severe", "severity_terms"] != ""


def test_a_few_severe_complaints_outrank_a_bigger_harmless_topic() -> None:
    result = rank(
        feedback("wrong dosage", 5, "It told me the wrong dosage for my child", rating=1, severity=4),
        feedback("colour", 8, "I don't like the colour of the buttons", rating=4),
    )
    assert order(result) == ["wrong dosage", "colour"]
    assert "wrong dosage x5" in result.loc[0, "severity_terms"]


def test_the_lexicon_levels_read_like_a_triage_list() -> None:
    assert severity_level("剂量错了，孩子吃了过量") == 4
    assert severity_level("The app shows another user's account balance") == 4
    assert severity_level("我的信息被泄露了") == 4
    assert severity_level("App crashes when I open the chat") == 3
    assert severity_level("登录不上") == 3
    assert severity_level("它说的利率是错的") == 3
    assert severity_level("It refused to answer my question about side effects") == 2
    assert severity_level("作为AI我不能回答这个问题") == 2
    assert severity_level("回复太慢了") == 1
    assert severity_level("不错，挺好用") == 0
    assert severity_level("") == 0
    assert [t.label for t in severity_hits("overdose and it crashed")][:2] == [
        "wrong dosage",
        "crash / data loss",
    ]


def test_negative_tone_reads_anger_not_topic() -> None:
    assert negative_tone("垃圾，太慢了!!!") > negative_tone("垃圾，太慢了") > negative_tone("回复太慢了")
    assert negative_tone("useless, not helpful at all") == 1.0
    assert negative_tone("回复太慢了") == 0.0
    assert negative_tone("Great app, thanks!") == 0.0
    assert negative_tone("不好用") > 0


def test_low_ratings_and_customer_service_severity_raise_severity() -> None:
    result = rank(
        feedback("hurts", 5, rating=1, channel="customer_service", severity=4),
        feedback("fine", 5, rating=5, channel="customer_service", severity=1),
    ).set_index("topic_key")
    assert result.loc["hurts", "low_rating_share"] == 1.0
    assert result.loc["fine", "low_rating_share"] == 0.0
    assert result.loc["hurts", "cs_severity"] == 4.0
    assert result.loc["hurts", "severity_score"] > result.loc["fine", "severity_score"]
    assert result.loc["hurts", "rank"] == 1


def test_missing_ratings_and_severity_are_shown_as_unknown_not_as_zero() -> None:
    items = pd.DataFrame(
        feedback("a", 3, "app crashed", rating=None) + feedback("b", 3, "too slow", rating=None)
    )
    items = items.drop(columns=["severity", "rating"])
    result = rank_pain_points(items, now=NOW).set_index("topic_key")
    assert result["low_rating_share"].isna().all()
    assert result["cs_severity"].isna().all()
    assert result["mean_rating"].isna().all()
    # Crashes are still more severe than slowness from the text alone.
    assert result.loc["a", "severity_score"] > result.loc["b", "severity_score"] > 0


def test_bad_ratings_are_refused_with_a_clear_message() -> None:
    items = pd.DataFrame(feedback("a", 2))
    items.loc[0, "rating"] = 9
    with pytest.raises(ValueError, match="rating must lie between 1 and 5"):
        rank_pain_points(items, now=NOW)


# ---- trend ------------------------------------------------------------------------------------


def test_a_growing_topic_is_detected_and_ranks_above_a_shrinking_one() -> None:
    growing = feedback("growing", 12, days_ago=[35, 40, 1, 2, 3, 5, 8, 10, 12, 15, 20, 25])
    shrinking = feedback("shrinking", 12, days_ago=[1, 2, 30, 31, 33, 35, 38, 40, 42, 45, 50, 55])
    result = rank(growing, shrinking).set_index("topic_key")
    assert result.loc["growing", "recent_count"] == 10
    assert result.loc["growing", "previous_count"] == 2
    assert result.loc["growing", "growth"] == pytest.approx(4.0)
    assert result.loc["shrinking", "growth"] == pytest.approx(-0.8)
    assert result.loc["shrinking", "trend_score"] == 0.0
    assert result.loc["growing", "trend_score"] > 0.3
    assert result.loc["growing", "rank"] == 1


def test_a_new_topic_is_flagged_new_and_tiny_noise_barely_counts() -> None:
    result = rank(
        feedback("new", 20, days_ago=[i % 27 for i in range(20)]),
        feedback("noise", 3, days_ago=[1, 2, 40]),
        feedback("steady", 20, days_ago=[i * 2.8 for i in range(20)]),
        feedback("doubling", 30, days_ago=[1] * 20 + [40] * 10),
    ).set_index("topic_key")
    assert bool(result.loc["new", "is_new"])
    assert np.isnan(result.loc["new", "growth"])
    assert result.loc["new", "trend_score"] > 0.9
    assert result.loc["noise", "growth"] == pytest.approx(1.0)  # 1 -> 2, +100 %
    assert result.loc["doubling", "growth"] == pytest.approx(1.0)  # 10 -> 20, +100 % too
    assert result.loc["noise", "trend_score"] < 0.15 < result.loc["doubling", "trend_score"]
    assert result.loc["steady", "growth"] == 0.0
    assert result.loc["steady", "trend_score"] == 0.0


def test_period_length_and_now_are_respected() -> None:
    rows = feedback("t", 4, days_ago=[1, 5, 9, 20])
    weekly = rank(rows, period_days=7).iloc[0]
    assert (weekly["recent_count"], weekly["previous_count"]) == (2, 1)
    # As of ten days ago: the three newer items lie in the future and are left out of the trend.
    earlier = rank_pain_points(pd.DataFrame(rows), now=NOW - timedelta(days=10), period_days=7).iloc[0]
    assert (earlier["recent_count"], earlier["previous_count"], earlier["count"]) == (0, 1, 4)


def test_naive_and_timezone_aware_timestamps_give_the_same_ranking() -> None:
    rows = feedback("a", 6, days_ago=[1, 2, 3, 30, 31, 32]) + feedback("b", 4, days_ago=[1, 2, 40, 41])
    aware = pd.DataFrame(rows)
    shanghai = aware.copy()
    shanghai["created_at"] = [t.astimezone(timezone(timedelta(hours=8))) for t in aware["created_at"]]
    naive = aware.copy()
    naive["created_at"] = [t.replace(tzinfo=None) for t in aware["created_at"]]
    mixed = aware.copy()
    mixed["created_at"] = pd.Series(
        list(shanghai["created_at"][:5]) + list(naive["created_at"][5:]), dtype=object
    )
    text = aware.copy()
    text["created_at"] = [t.isoformat() for t in shanghai["created_at"]]
    expected = rank_pain_points(aware, now=NOW)
    for frame, now in ((shanghai, NOW), (naive, NOW.replace(tzinfo=None)), (mixed, NOW), (text, None)):
        pd.testing.assert_frame_equal(rank_pain_points(frame, now=now), expected)


def test_without_timestamps_there_is_no_trend_but_still_a_ranking() -> None:
    items = pd.DataFrame(feedback("a", 3) + feedback("b", 5)).drop(columns=["created_at"])
    result = rank_pain_points(items)
    assert order(result) == ["b", "a"]
    assert (result["trend_score"] == 0).all()
    assert (result["recent_count"] == 0).all()


# ---- weights ----------------------------------------------------------------------------------


def test_weights_change_the_order_as_expected() -> None:
    frequent = feedback("frequent but mild", 15, "回答有点长", rating=4)
    severe = feedback(
        "rare but severe", 4, "It leaked my personal data to another user!!", rating=1, severity=4
    )
    by_frequency = rank(frequent, severe, weights=RankingWeights(frequency=1, severity=0, trend=0))
    by_severity = rank(frequent, severe, weights=RankingWeights(frequency=0, severity=1, trend=0))
    assert order(by_frequency) == ["frequent but mild", "rare but severe"]
    assert order(by_severity) == ["rare but severe", "frequent but mild"]


def test_weights_default_to_one_and_are_rescaled_and_checked() -> None:
    w = RankingWeights()
    assert w.frequency + w.severity + w.trend == pytest.approx(1.0)
    assert RankingWeights(2, 1, 1).normalised() == RankingWeights(0.5, 0.25, 0.25)
    doubled = rank(feedback("a", 3), feedback("b", 5), weights=RankingWeights(0.9, 0.8, 0.3))
    assert doubled["priority"].max() <= 1
    with pytest.raises(ValueError, match=">= 0"):
        RankingWeights(-1, 1, 1).normalised()
    with pytest.raises(ValueError, match="> 0"):
        RankingWeights(0, 0, 0).normalised()


# ---- categories ---------------------------------------------------------------------------------


def test_each_topic_shows_its_dominant_category() -> None:
    rows = feedback("t", 3, category="performance") + feedback("t", 1, category="accuracy")
    for i, row in enumerate(rows):
        row["respondent_key"] = f"u{i}"
    result = rank(rows, feedback("u", 2))
    by_topic = result.set_index("topic_key")
    assert by_topic.loc["t", "category"] == "performance"
    assert by_topic.loc["t", "category_share"] == pytest.approx(0.75)
    assert pd.isna(by_topic.loc["u", "category"])
