"""Rank pain points (topics of feedback) by frequency, severity and trend, with every component visible.

A product manager must be able to see why a topic ranks where it does, so :func:`rank_pain_points`
returns each ingredient next to the priority, and the three weighted contributions that add up to it.

    priority = w_frequency * complaint_rate * frequency_score      (frequency_contribution)
             + w_severity * severity_score                         (severity_contribution)
             + w_trend * complaint_rate * trend_score              (trend_contribution)

All scores and the complaint rate lie in 0..1 and the weights (:class:`RankingWeights`) sum to 1, so
the priority does too. How each is built:

* ``complaint_rate``: the share of the topic's items that complain rather than praise. An item is
  praise (0) when it has praise words (:func:`analytics.severity.praise_words`: "挺好用", "thanks") or
  a 5-star rating, and no complaint signal (a rating of 1-2, a severity-lexicon hit, a negative tone);
  half a complaint (0.5) when it has both ("great app, but it crashed"); otherwise a complaint (1), as
  a neutral remark or a feature request still names something users miss. It scales the two volume
  scores, so a big topic of praise is frequent yet sinks to the bottom and a topic that is half praise
  counts half its size; severity is already a mean over the items and is not scaled.
* ``frequency_score``: 0.5 x distinct respondents + 0.3 x items + 0.2 x distinct channels, each
  relative to the largest topic in the set (1 = as big as the biggest). Respondents weigh most, so one
  user posting twenty times does not outrank twenty users posting once.
* ``severity_score``: a weighted mean of what is known about the topic: the domain severity lexicon
  (0.35, :mod:`analytics.severity`), the share of low ratings (0.25), the customer-service severity
  (0.25) and the negative tone (0.15). A part that cannot be measured (no ratings, no customer-service
  records) is left out and the others are re-weighted, so a topic is not penalised for missing data.
* ``trend_score``: log2 of the growth ratio with 3 items of smoothing,
  ``log2((recent + 3) / (previous + 3))``, clipped to 0..3 and divided by 3. An eightfold rise scores 1,
  a flat or shrinking topic 0, and 1 -> 3 items (noise) scores much less than 100 -> 300.

The two trend periods end on an anchor date the caller passes (``now``; the page passes the analysis
date, which the user sees and can change), never silently on the newest item: one answer that arrives
weeks after the rest would otherwise leave every other item outside the recent period and score every
trend 0. When either period holds fewer than ``MIN_TREND_ITEMS`` items (all topics together), or no
item has a date, the trend is unknown rather than 0: ``trend_known`` is False, ``trend_note`` says why,
``trend_score`` and ``trend_contribution`` are NaN, and the priority is built from frequency and
severity alone, their weights rescaled to sum to 1 (as a missing severity part is left out).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from analytics.severity import MAX_LEVEL, SeverityTerm, negative_tone, praise_words, severity_hits

FREQUENCY_PARTS = {"respondents": 0.5, "count": 0.3, "channels": 0.2}
SEVERITY_PARTS = {
    "lexicon_severity": 0.35,
    "low_rating_share": 0.25,
    "cs_severity": 0.25,
    "negative_tone": 0.15,
}
LOW_RATING = 2  # ratings 1-2 of 5 are "low"
PRAISE_RATING = 5  # a 5-star rating reads as praise; a 4 ("a bit long, 4 stars") is left to the text
TREND_SMOOTHING = 3  # items added to both periods before comparing them
TREND_CAP = 3.0  # log2 growth at which trend_score saturates (an eightfold rise)
OUTLIER_KEYS = {"-1", "-1.0"}  # topic-model outliers are not a pain point of their own
# Fewest items (all topics together) each trend period needs for a trend at all. Below it a period
# says more about when feedback was collected than about any topic: a single late answer in the
# recent period made every topic "shrink" to 0, an empty previous period makes every topic "new".
MIN_TREND_ITEMS = 10
# trend_note codes (empty when the trend is known); a page translates them.
TREND_NOTES = ("no_dates", "too_little_recent", "too_little_previous")

COLUMNS: tuple[str, ...] = (
    "rank",
    "topic_key",
    "label",
    "priority",
    "frequency_contribution",
    "severity_contribution",
    "trend_contribution",
    "complaint_rate",
    "count",
    "share",
    "respondents",
    "channels",
    "frequency_score",
    "mean_rating",
    "low_rating_share",
    "negative_tone",
    "lexicon_severity",
    "severity_terms",
    "cs_severity",
    "severity_score",
    "recent_count",
    "previous_count",
    "growth",
    "is_new",
    "trend_score",
    "trend_known",
    "trend_note",
    "category",
    "category_share",
)
_INT_COLUMNS = ("rank", "count", "respondents", "channels", "recent_count", "previous_count")
_STRING_COLUMNS = ("topic_key", "label", "severity_terms", "trend_note", "category")


@dataclass(frozen=True)
class RankingWeights:
    """How much frequency, severity and trend count towards the priority (defaults sum to 1).

    Weights that do not sum to 1 are rescaled so that they do; all must be >= 0 and one > 0.
    """

    frequency: float = 0.45
    severity: float = 0.40
    trend: float = 0.15

    def normalised(self) -> RankingWeights:
        """The same weights rescaled to sum to 1."""
        values = [getattr(self, f.name) for f in fields(self)]
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"ranking weights must be finite and >= 0, got {self}")
        total = sum(values)
        if total <= 0:
            raise ValueError("at least one ranking weight must be > 0")
        return RankingWeights(*(v / total for v in values))


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    for c in _INT_COLUMNS:
        frame[c] = frame[c].astype("int64")
    for c in _STRING_COLUMNS:
        frame[c] = frame[c].astype("string")
    frame["is_new"] = frame["is_new"].astype("bool")
    frame["trend_known"] = frame["trend_known"].astype("bool")
    return frame


def _utc(value: datetime | date) -> pd.Timestamp:
    if not isinstance(value, datetime):  # a calendar day: the periods end with that whole day
        return (
            pd.Timestamp(datetime.combine(value, datetime.min.time())).tz_localize("UTC")
            + pd.Timedelta(days=1)
            - pd.Timedelta(microseconds=1)
        )
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def trend_periods(anchor: datetime | date, period_days: int) -> tuple[date, date, date, date]:
    """The calendar days of the two periods the trend compares, as a page shows them.

    Returns:
        (previous_first, previous_last, recent_first, recent_last); a date anchor is the recent
        period's last day.
    """
    end = _utc(anchor)
    period = pd.Timedelta(days=period_days)
    recent_first = (end - period + pd.Timedelta(microseconds=1)).date()
    previous_first = (end - 2 * period + pd.Timedelta(microseconds=1)).date()
    return previous_first, recent_first - timedelta(days=1), recent_first, end.date()


def _topic_keys(items: pd.DataFrame) -> pd.Series:
    column = "topic_key" if "topic_key" in items else "topic" if "topic" in items else None
    if column is None:
        raise ValueError("items need a topic_key (or topic) column: one topic per feedback row")
    keys = _key_strings(items[column]).str.strip()
    return keys.mask(keys.isin(OUTLIER_KEYS) | (keys == ""))


def _key_strings(keys: pd.Series) -> pd.Series:
    """Topic keys as strings; integral floats (3.0, from a column with gaps) become "3"."""
    if pd.api.types.is_float_dtype(keys) and bool((keys.dropna() % 1 == 0).all()):
        keys = keys.astype("Int64")
    return keys.astype("string")


def _optional(items: pd.DataFrame, column: str) -> pd.Series:
    if column in items:
        return items[column]
    return pd.Series([None] * len(items), index=items.index, dtype="object")


def _numeric(items: pd.DataFrame, column: str, low: float, high: float) -> pd.Series:
    values = pd.to_numeric(_optional(items, column), errors="coerce").astype("float64")
    bad = values.notna() & ((values < low) | (values > high))
    if bad.any():
        raise ValueError(
            f"{column} must lie between {low:g} and {high:g}; {int(bad.sum())} rows do not "
            f"(first: {values[bad].iloc[0]:g})"
        )
    return values


def _severity_terms(hits: list[list[SeverityTerm]]) -> str:
    """A topic's lexicon hits as '<label> x<n>', most severe and most frequent first (at most 3)."""
    counts: Counter[tuple[int, str]] = Counter()
    for item_hits in hits:
        for term in item_hits:
            if term.level >= 2:
                counts[(term.level, term.label)] += 1
    top = sorted(counts.items(), key=lambda kv: (-kv[0][0], -kv[1], kv[0][1]))[:3]
    return "; ".join(f"{label} x{n}" for (_, label), n in top)


def _weighted_mean(parts: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    w = pd.Series(weights)
    present = parts[list(weights)].notna()
    numerator = parts[list(weights)].fillna(0).mul(w, axis=1).sum(axis=1)
    denominator = present.mul(w, axis=1).sum(axis=1)
    return (numerator / denominator.where(denominator > 0)).fillna(0.0)


def rank_pain_points(
    items: pd.DataFrame,
    topics: pd.DataFrame | None = None,
    *,
    weights: RankingWeights | None = None,
    now: datetime | date | None = None,
    period_days: int = 28,
) -> pd.DataFrame:
    """Rank topics of feedback by priority, with every ingredient of the priority shown.

    Args:
        items: one row per feedback. Required: ``topic_key`` (or ``topic``) and ``text``. Optional:
            ``rating`` (1-5), ``channel``, ``respondent_key``, ``created_at`` (naive timestamps are
            taken as UTC), ``severity`` (1-4, from customer-service records), ``category``. Rows whose
            topic is missing or -1 (topic-model outliers) count towards ``share`` but are not ranked.
        topics: optional ``topic_key`` + ``label`` (e.g. a stored topic run) to name the topics.
        weights: the mix of frequency, severity and trend; :class:`RankingWeights` by default.
        now: the anchor, the end of the recent period: a datetime, or a date (the period ends with
            that whole day, UTC). Pass the date the user sees (the page passes the analysis date);
            None falls back to the newest ``created_at`` in `items`, which one late item can move
            weeks past the rest. Items after the anchor count everywhere except in the trend.
        period_days: length of the recent and the previous period compared by the trend.

    Returns:
        One row per topic, sorted by ``priority`` (highest first), with columns:

        - ``rank``: 1 for the topic to fix first.
        - ``topic_key``, ``label``: the topic and its readable name (the key when `topics` has none).
        - ``priority``: 0..1, the sum of the three contributions below.
        - ``frequency_contribution``, ``severity_contribution``, ``trend_contribution``: weight x score
          for each of the three scores, the frequency and trend ones times ``complaint_rate``; they add
          up to ``priority`` (the trend one is NaN, and left out, when the trend is unknown).
        - ``complaint_rate``: 0..1, share of the items that complain rather than praise (module
          docstring); 0 for a topic of pure praise.
        - ``count``: feedback items in the topic.
        - ``share``: ``count`` over all rows of `items`, outliers included.
        - ``respondents``: distinct ``respondent_key`` values; an item without a key counts as one.
        - ``channels``: distinct channels the topic was raised through.
        - ``frequency_score``: 0..1, see the module docstring.
        - ``mean_rating``: mean of the given ratings (NaN when none).
        - ``low_rating_share``: share of rated items rated 1 or 2 (NaN when none is rated).
        - ``negative_tone``: mean lexicon tone of the texts, 0 neutral .. 1 angry
          (:func:`analytics.severity.negative_tone`; a word list, not a sentiment model).
        - ``lexicon_severity``: mean severity-lexicon level of the texts over 4, 0..1 (1 = every item
          names something critical such as a wrong dosage or a data leak).
        - ``severity_terms``: the severe lexicon hits behind it, e.g. ``"wrong dosage x3; crash / data
          loss x1"`` (empty when none).
        - ``cs_severity``: mean customer-service severity, 1..4 (NaN when no item carries one).
        - ``severity_score``: 0..1, weighted mean of the available severity parts (module docstring).
        - ``recent_count``: items in the last `period_days` up to `now`.
        - ``previous_count``: items in the `period_days` before that.
        - ``growth``: ``(recent - previous) / previous``, e.g. 0.5 = +50 %; NaN when previous is 0.
        - ``is_new``: no item in the previous period, some in the recent one.
        - ``trend_score``: 0..1, smoothed log growth (module docstring); 0 when flat or shrinking;
          NaN when the trend is unknown.
        - ``trend_known``: False when a period holds fewer than ``MIN_TREND_ITEMS`` items or no item
          has a date; then ``trend_score`` and ``trend_contribution`` are NaN and the priority comes
          from frequency and severity alone (their weights rescaled to sum to 1).
        - ``trend_note``: why the trend is unknown (one of ``TREND_NOTES``), empty when it is known.
        - ``category``: the most common ``category`` of the topic's items (NA without categories).
        - ``category_share``: share of the topic's categorised items in that category.
    """
    if period_days <= 0:
        raise ValueError(f"period_days must be > 0, got {period_days}")
    w = (weights or RankingWeights()).normalised()
    if items is None or len(items) == 0:
        return _empty()
    if "text" not in items:
        raise ValueError("items need a text column")

    frame = pd.DataFrame(
        {
            "topic_key": _topic_keys(items),
            "text": items["text"].astype("string").fillna(""),
            "rating": _numeric(items, "rating", 1, 5),
            "severity": _numeric(items, "severity", 1, 4),
            "channel": _optional(items, "channel").astype("string"),
            "respondent_key": _optional(items, "respondent_key").astype("string"),
            "created_at": pd.to_datetime(
                _optional(items, "created_at"), utc=True, errors="coerce", format="mixed"
            ),
            "category": _optional(items, "category").astype("string"),
        }
    ).reset_index(drop=True)
    total = len(frame)
    end = _utc(now) if now is not None else frame["created_at"].max()
    period = pd.Timedelta(timedelta(days=period_days))
    if pd.isna(end):  # no timestamps at all: no trend
        frame["recent"] = False
        frame["previous"] = False
    else:
        stamp = frame["created_at"]
        frame["recent"] = ((stamp > end - period) & (stamp <= end)).fillna(False)
        frame["previous"] = ((stamp > end - 2 * period) & (stamp <= end - period)).fillna(False)
    # Every item counts towards how much a period holds, unclustered ones too.
    if pd.isna(end) or not frame["created_at"].notna().any():
        trend_note = "no_dates"
    elif int(frame["recent"].sum()) < MIN_TREND_ITEMS:
        trend_note = "too_little_recent"
    elif int(frame["previous"].sum()) < MIN_TREND_ITEMS:
        trend_note = "too_little_previous"
    else:
        trend_note = ""
    trend_known = not trend_note
    frame = frame[frame["topic_key"].notna()].copy()
    if frame.empty:
        return _empty()

    texts = frame["text"].tolist()
    distinct = set(texts)  # the same text (a template, a copy-paste) is read once
    hits_of = {t: severity_hits(t) for t in distinct}
    tone_of = {t: negative_tone(t) for t in distinct}
    praised = {t for t in distinct if praise_words(t)}
    frame["hits"] = [hits_of[t] for t in texts]
    frame["level"] = [max((term.level for term in hits_of[t]), default=0) for t in texts]
    frame["tone"] = [tone_of[t] for t in texts]
    frame["low"] = (frame["rating"] <= LOW_RATING).astype("float64").where(frame["rating"].notna())
    complains = (frame["level"] > 0) | (frame["tone"] > 0) | (frame["rating"] <= LOW_RATING)
    praises = frame["text"].isin(praised) | (frame["rating"] >= PRAISE_RATING)
    frame["complaint"] = np.where(praises, np.where(complains, 0.5, 0.0), 1.0)
    # An item without a respondent key is its own respondent.
    frame["who"] = frame["respondent_key"].fillna(
        pd.Series("item:" + frame.index.astype(str), index=frame.index)
    )

    grouped = frame.groupby("topic_key", sort=False)
    out = pd.DataFrame(
        {
            "count": grouped.size(),
            "respondents": grouped["who"].nunique(),
            "channels": grouped["channel"].nunique(),
            "mean_rating": grouped["rating"].mean(),
            "low_rating_share": grouped["low"].mean(),
            "negative_tone": grouped["tone"].mean(),
            "complaint_rate": grouped["complaint"].mean(),
            "lexicon_severity": grouped["level"].mean() / MAX_LEVEL,
            "cs_severity": grouped["severity"].mean(),
            "recent_count": grouped["recent"].sum(),
            "previous_count": grouped["previous"].sum(),
        }
    )
    out["severity_terms"] = grouped["hits"].agg(lambda s: _severity_terms(s.tolist()))
    out.index = out.index.astype("string")
    out.index.name = "topic_key"
    out["share"] = out["count"] / total

    relative = pd.DataFrame(
        {
            "respondents": out["respondents"] / out["respondents"].max(),
            "count": out["count"] / out["count"].max(),
            "channels": out["channels"] / max(int(out["channels"].max()), 1),
        }
    )
    out["frequency_score"] = _weighted_mean(relative, FREQUENCY_PARTS)

    parts = out[["lexicon_severity", "low_rating_share", "negative_tone"]].copy()
    parts["cs_severity"] = (out["cs_severity"] - 1) / 3
    out["severity_score"] = _weighted_mean(parts, SEVERITY_PARTS)

    recent = out["recent_count"].astype("float64")
    previous = out["previous_count"].astype("float64")
    out["growth"] = ((recent - previous) / previous.where(previous > 0)).astype("float64")
    out["is_new"] = (previous == 0) & (recent > 0)
    log_growth = np.log2((recent + TREND_SMOOTHING) / (previous + TREND_SMOOTHING))
    out["trend_score"] = log_growth.clip(0, TREND_CAP) / TREND_CAP

    out["trend_known"] = trend_known
    out["trend_note"] = trend_note
    if trend_known:
        out["frequency_contribution"] = w.frequency * out["complaint_rate"] * out["frequency_score"]
        out["severity_contribution"] = w.severity * out["severity_score"]
        out["trend_contribution"] = w.trend * out["complaint_rate"] * out["trend_score"]
        out["priority"] = (
            out["frequency_contribution"] + out["severity_contribution"] + out["trend_contribution"]
        )
    else:
        # Unknown is not 0: the trend is left out and the other two weights rescaled to sum to 1.
        rest = w.frequency + w.severity
        out["trend_score"] = np.nan
        out["trend_contribution"] = np.nan
        out["frequency_contribution"] = (w.frequency / rest if rest else 0.0) * (
            out["complaint_rate"] * out["frequency_score"]
        )
        out["severity_contribution"] = (w.severity / rest if rest else 0.0) * out["severity_score"]
        out["priority"] = out["frequency_contribution"] + out["severity_contribution"]

    categorised = frame[frame["category"].notna()]
    if categorised.empty:
        out["category"] = pd.NA
        out["category_share"] = np.nan
    else:
        shares = categorised.groupby("topic_key")["category"].value_counts(normalize=True)
        top = shares.sort_index(level=1).groupby(level=0).idxmax()  # ties: alphabetical
        out["category"] = top.map(lambda index: index[1])
        out["category_share"] = top.map(lambda index: shares[index])

    labels = _topic_labels(topics)
    out["label"] = [labels.get(str(key), str(key)) for key in out.index]

    out = out.reset_index()
    out = out.sort_values(["priority", "count", "topic_key"], ascending=[False, False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    out = out.reset_index(drop=True)[list(COLUMNS)]
    for c in _INT_COLUMNS:
        out[c] = out[c].astype("int64")
    for c in _STRING_COLUMNS:
        out[c] = out[c].astype("string")
    out["is_new"] = out["is_new"].astype("bool")
    out["trend_known"] = out["trend_known"].astype("bool")
    out["trend_note"] = out["trend_note"].astype("string")
    return out


def _topic_labels(topics: pd.DataFrame | None) -> dict[str, str]:
    if topics is None or len(topics) == 0:
        return {}
    key = "topic_key" if "topic_key" in topics else "key" if "key" in topics else None
    label = next((c for c in ("label", "name") if c in topics), None)
    if key is None or label is None:
        raise ValueError("topics need a topic_key (or key) column and a label (or name) column")
    return {
        str(k): str(v)
        for k, v in zip(topics[key].tolist(), topics[label].tolist(), strict=True)
        if pd.notna(v)
    }
