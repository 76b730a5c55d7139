"""Ranking pain points: what a product manager sees at the top, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from analytics.ranking import COLUMNS, MIN_TREND_ITEMS, RankingWeights, rank_pain_points, trend_periods
from analytics.severity import negative_tone, praise_words, severity_hits, severity_level

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


def background() -> list[dict[str, object]]:
    """Unclustered items (topic -1) in both trend periods: enough data for a trend, no topic of their own."""
    return feedback("-1", 2 * MIN_TREND_ITEMS, days_ago=[3] * MIN_TREND_ITEMS + [40] * MIN_TREND_ITEMS)


def order(result: pd.DataFrame) -> list[str]:
    return result["topic_key"].tolist()


def voices(topic: str, quotes: list[tuple[str, float | None]], **kwargs: object) -> list[dict[str, object]]:
    """A topic of different quotes, each ``(text, rating)`` from its own respondent."""
    rows = feedback(topic, len(quotes), **kwargs)  # type: ignore[arg-type]
    for row, (text, rating) in zip(rows, quotes, strict=True):
        row["text"], row["rating"] = text, rating
    return rows


PRAISE = [
    ("方便 · 挺好用", 5),
    ("great assistant, thanks", 5),
    ("挺好用的，查布洛芬的注意事项很方便👍", 4),
    ("Love it! really useful for preparing questions before my appointments", 5),
    ("谢谢，解释得很清楚，比说明书好懂", 4),
    ("happy overall, it saves me a lot of time", 4),
    ("回答很耐心，态度好，给个五星", 5),
    ("Five stars, explains my lab results more clearly than the doctor's printout", 5),
]
COMPLAINTS = [
    ("回复太慢了，等了快一分钟还在转圈", 1),
    ("It keeps timing out when I ask about my blood test", 2),
    ("高峰期老是超时，垃圾", 1),
    ("so slow at lunch time, I gave up waiting", 2),
]


# ---- the shape a page can rely on ---------------------------------------------------------------


def test_result_has_every_component_column_and_is_sorted_by_priority() -> None:
    result = rank(feedback("a", 5), feedback("b", 3), feedback("c", 8), background())
    assert list(result.columns) == list(COLUMNS)
    assert result["trend_known"].all() and (result["trend_note"] == "").all()
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
        background(),
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


# ---- praise is not a pain point ----------------------------------------------------------------


def test_a_big_topic_of_praise_sinks_below_smaller_complaints() -> None:
    result = rank(
        voices("praise", PRAISE * 5, channel="community"),
        voices("slow", COMPLAINTS * 2),
        feedback("long answers", 6, "回答有点长，要翻好几屏", rating=3),
    ).set_index("topic_key")
    # The praise is the biggest topic by far, and the table still says so ...
    assert result.loc["praise", "count"] == 40
    assert result.loc["praise", "frequency_score"] == pytest.approx(1.0)
    # ... but none of it is a complaint, so its size does not make it a pain point.
    assert result.loc["praise", "complaint_rate"] == 0.0
    assert result.loc["praise", "frequency_contribution"] == 0.0
    assert result.loc["slow", "complaint_rate"] == 1.0
    assert result.loc["long answers", "complaint_rate"] == 1.0
    assert result["rank"].sort_values().index.tolist() == ["slow", "long answers", "praise"]
    assert result.loc["praise", "priority"] < 0.05


def test_a_topic_half_praise_half_complaint_ranks_between_and_counts_half() -> None:
    result = rank(
        voices("complaints", COMPLAINTS * 3),
        voices("mixed", (PRAISE[:4] + COMPLAINTS) * 3),
        voices("praise", PRAISE * 4),
        background(),
    )
    assert order(result) == ["complaints", "mixed", "praise"]
    assert result["count"].tolist() == [12, 24, 32]  # the order is the reverse of the size
    assert result["complaint_rate"].tolist() == pytest.approx([1.0, 0.5, 0.0])
    # The complaint rate is shown, and the contributions still add up to the priority.
    w = RankingWeights()
    np.testing.assert_allclose(
        result["frequency_contribution"], w.frequency * result["complaint_rate"] * result["frequency_score"]
    )
    np.testing.assert_allclose(result["severity_contribution"], w.severity * result["severity_score"])
    np.testing.assert_allclose(
        result["trend_contribution"], w.trend * result["complaint_rate"] * result["trend_score"]
    )
    parts = result[["frequency_contribution", "severity_contribution", "trend_contribution"]].sum(axis=1)
    np.testing.assert_allclose(parts, result["priority"])


@pytest.mark.parametrize(
    ("text", "rating", "complaint"),
    [
        ("挺好用的，谢谢", 5, 0.0),
        ("great assistant, thanks", None, 0.0),
        ("用了三个月了，基本每天都用", 5, 0.0),  # five stars say it without praise words
        ("不好用，经常答非所问", 4, 1.0),  # negated praise is a complaint
        ("not very helpful for my questions", 3, 1.0),
        ("回答有点长", 4, 1.0),  # a four-star complaint is still a complaint
        ("please add medication reminders", None, 1.0),  # a feature request names something missing
        ("Great app, but it crashed when I uploaded my blood test", 4, 0.5),
        ("谢谢，不过今天一直登录不上", None, 0.5),
        ("有用户反映登录不上", None, 1.0),  # "有用户" (some users), not "有用" (useful)
    ],
)
def test_what_counts_as_a_complaint(text: str, rating: float | None, complaint: float) -> None:
    result = rank(feedback("t", 3, text, rating=rating))
    assert result.loc[0, "complaint_rate"] == complaint


def test_a_new_wave_of_praise_is_not_flagged_as_a_growing_pain_point() -> None:
    loved = voices("new feature loved", PRAISE * 3, days_ago=[i % 20 for i in range(24)])
    steady = voices("slow", COMPLAINTS * 2, days_ago=[i * 7 for i in range(8)])
    result = rank(loved, steady, background()).set_index("topic_key")
    assert bool(result.loc["new feature loved", "is_new"])
    assert result.loc["new feature loved", "trend_score"] > 0.9  # the growth is shown ...
    assert result.loc["new feature loved", "trend_contribution"] == 0.0  # ... but it is not a pain
    assert result.loc["slow", "rank"] == 1


def test_praise_words_in_both_languages_and_negated_praise() -> None:
    assert praise_words("方便 · 挺好用") == ["方便", "好用"]
    assert praise_words("great assistant, thanks") == ["great", "thanks"]
    assert praise_words("看病前用它整理问题，节省了不少时间") != []
    assert praise_words("不好用") == praise_words("不太方便") == praise_words("没有用") == []
    assert praise_words("not very helpful") == praise_words("Not a great experience") == []
    assert praise_words("the recommended dose was wrong") == []
    assert praise_words("希望有个简洁模式") == []  # a request, not praise
    assert negative_tone("Not a great experience - so frustrating") == 1.0
    assert negative_tone("方便 · 挺好用") == 0.0


def test_on_the_demo_every_planted_pain_point_ranks_above_praise() -> None:
    """The demo's feedback grouped by what it was planted about: the ten complaints come first."""
    from services import demo

    rng = np.random.default_rng(7)
    writer = demo._Writer(rng)
    pool = demo._make_pool(rng)
    planned = demo._plan_feedback(rng, writer, pool)
    items = pd.DataFrame(
        {
            "topic_key": [p.key for p in planned],
            "text": [p.text for p in planned],
            "rating": [p.rating for p in planned],
            "channel": [p.channel for p in planned],
            "created_at": [p.created_at for p in planned],
            "severity": [p.severity for p in planned],
        }
    )
    result = rank_pain_points(items)
    planted = {p.key for p in demo.PAIN_POINTS}
    assert set(order(result)[: len(planted)]) == planted
    assert order(result)[-1] == "praise"
    by_topic = result.set_index("topic_key")
    assert (by_topic.loc[sorted(planted), "complaint_rate"] > 0.9).all()
    assert by_topic.loc["praise", "complaint_rate"] < 0.2


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
    # Unknown, not 0: the trend is left out and frequency and severity make up the priority.
    assert result["trend_score"].isna().all() and result["trend_contribution"].isna().all()
    assert not result["trend_known"].any() and (result["trend_note"] == "no_dates").all()
    assert (result["recent_count"] == 0).all()
    parts = result[["frequency_contribution", "severity_contribution"]].sum(axis=1)
    np.testing.assert_allclose(parts, result["priority"])
    assert result["priority"].max() <= 1


LATE = datetime(2025, 5, 12, 9, 30, tzinfo=UTC)  # six weeks after NOW, the analysis date


def test_one_late_item_does_not_zero_the_trends_when_anchored_on_the_analysis_date() -> None:
    growing = feedback("growing", 24, days_ago=[40, 45, 50, 55] + [i % 25 for i in range(20)])
    steady = feedback("steady", 20, days_ago=[i * 2.8 for i in range(20)])
    late = feedback("steady", 1)[0] | {"created_at": LATE, "respondent_key": "late-user"}
    items = pd.DataFrame([*growing, *steady, late])

    # Anchored on the analysis date (a calendar day, as the page passes it): the late item lies
    # after it and leaves the trend alone.
    as_analysed = rank_pain_points(items, now=NOW.date()).set_index("topic_key")
    assert as_analysed["trend_known"].all()
    assert as_analysed.loc["growing", "recent_count"] == 20
    assert as_analysed.loc["growing", "previous_count"] == 4
    assert as_analysed.loc["growing", "trend_score"] > 0.3
    assert as_analysed.loc["growing", "trend_contribution"] > 0
    assert as_analysed.loc["steady", "count"] == 21  # the late item still counts as feedback
    # Without an anchor the newest item sets it: its period holds that one item alone, which
    # says so instead of scoring every trend 0.
    by_newest = rank_pain_points(items).set_index("topic_key")
    assert not by_newest["trend_known"].any()
    assert (by_newest["trend_note"] == "too_little_recent").all()
    assert by_newest["trend_score"].isna().all() and by_newest["trend_contribution"].isna().all()
    assert (by_newest["trend_score"] != 0).all()


def test_a_period_with_too_little_data_is_flagged_not_scored_zero() -> None:
    items = pd.DataFrame(
        feedback("crash", 15, "上传化验单就闪退", days_ago=[i % 20 for i in range(15)])
        + feedback("slow", 12, "回复太慢了", days_ago=[i % 25 for i in range(12)])
    )
    # Every item in the recent period, none in the previous: no topic is "new" for that reason.
    first_month = rank_pain_points(items, now=NOW).set_index("topic_key")
    assert (first_month["trend_note"] == "too_little_previous").all()
    assert not first_month["trend_known"].any() and first_month["trend_score"].isna().all()
    assert (first_month["recent_count"] > 0).all()  # the counts are still shown
    # An anchor two months on: the recent period is empty.
    later = rank_pain_points(items, now=NOW + timedelta(days=70)).set_index("topic_key")
    assert (later["trend_note"] == "too_little_recent").all()
    assert (later["recent_count"] == 0).all() and later["trend_score"].isna().all()
    # The ranking still stands on frequency and severity, their weights rescaled to sum to 1.
    w = RankingWeights()
    rest = w.frequency + w.severity
    np.testing.assert_allclose(
        later["severity_contribution"], w.severity / rest * later["severity_score"], rtol=1e-12
    )
    np.testing.assert_allclose(
        later["frequency_contribution"] + later["severity_contribution"], later["priority"]
    )


def test_trend_periods_are_whole_days_ending_on_the_anchor_day() -> None:
    assert trend_periods(NOW.date(), 28) == (
        datetime(2025, 2, 4).date(),  # 28 days: February 4 to March 3
        datetime(2025, 3, 3).date(),
        datetime(2025, 3, 4).date(),
        datetime(2025, 3, 31).date(),
    )
    items = pd.DataFrame(feedback("t", 2, days_ago=[0, -0.4]))  # 12:00 and 21:36 on the anchor day
    assert rank_pain_points(items, now=NOW.date()).loc[0, "recent_count"] == 2


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
