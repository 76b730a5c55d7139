"""Whether a measurement verifies a rectification item, and the record each measurement is kept as.

Whether a measurement verifies a rectification item: the rule the items page, the overview and the
deck all apply, so "verified" means the same everywhere; and the record every such measurement is
kept and read as (:class:`TopicEvidence`).

An item linked to a topic is measured by the topic's share of the analysed feedback before vs after
the fix (:func:`analytics.topic_outcome.topic_share`); its target is read as that share in percent. A
measurement verifies the item only when all of these hold:

1. the item has a target (without one, nothing says what "fixed" means);
2. it is a completed test (feedback in both periods, and some of it about the topic);
3. the share fell: a topic is a complaint, so fewer of them is the only right direction;
4. the change is significant at the chosen level (p < alpha);
5. the share after the fix is at or below the target.

Anything else is a judgement that says why not; "not tested" is never evidence.

A measurement is stored as JSON (``item_evidence.result`` and the item's newest one); every reader
goes through :meth:`TopicEvidence.from_dict`, which reads every row stored so far (missing keys take
their defaults, JSON nulls become NaN), and every writer through :meth:`TopicEvidence.to_dict`, which
writes the same keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

DEFAULT_ALPHA = 0.05
ALPHAS = (0.10, 0.05, 0.01)  # the levels a user may choose between

# Judgements, from best to worst. Only "verifies" lets an item be (or stay) verified.
VERIFIES = "verifies"
JUDGEMENTS = (VERIFIES, "target_missed", "not_significant", "wrong_direction", "not_tested", "no_target")


NAN = math.nan


@dataclass(frozen=True)
class JudgedAgainst:
    """The item's baseline and target (percent of feedback) when a measurement was judged."""

    baseline: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class TopicEvidence:
    """One measurement of a topic's share of feedback before vs after a fix, as kept and shown.

    The fields are :func:`analytics.topic_outcome.topic_share`'s result, what measuring an item adds
    (the topic and run, the periods, the level) and what recording it adds (when, by whom, the
    judgement and what it was judged against). Figures that do not apply are NaN.

    Attributes:
        status: "ok" when the share was tested; "no_data", "no_variation" say why not ("" unknown).
        topic: The topic's display name.
        topic_key: The topic's key in the run measured on (None for the demo's planted topics).
        run_id: The topic run measured on.
        n_before: Feedback items in the period before the fix.
        k_before: Of them, about the topic.
        share_before: k_before / n_before.
        rate_before: The share per 1,000 items.
        n_after: Feedback items in the period after the fix.
        k_after: Of them, about the topic.
        share_after: k_after / n_after.
        rate_after: The share per 1,000 items.
        diff: share_after - share_before.
        diff_ci_low: Lower bound of the Newcombe CI of ``diff``.
        diff_ci_high: Upper bound.
        rate_ratio: share_after / share_before.
        test: The test's name as ``analytics.stats`` reports it.
        statistic: Its statistic.
        statistic_name: The statistic's name.
        p_val: The p-value.
        significant: p_val < alpha.
        alpha: The level the measurement is judged at.
        warnings: Caveats in English.
        warnings_zh: The same in Chinese.
        verdict_en: The result in an English sentence.
        verdict_zh: The same in Chinese.
        verdict: The sentence in the language it was measured in.
        period_start: First day of the period before the fix.
        fix_date: The day of the fix (the period after starts there).
        period_end: Last day of the period after the fix, as picked.
        not_analysed: Feedback of the periods the topic run did not analyse (not counted).
        attached_at: When the measurement was recorded.
        attached_by: Who recorded it.
        judgement: Its judgement when recorded (:data:`JUDGEMENTS`).
        judged_against: The baseline and target it was judged against.
        extra: Any other stored keys, kept as they are.
    """

    status: str = ""
    topic: str = ""
    topic_key: str | None = None
    run_id: int | None = None
    n_before: int = 0
    k_before: int = 0
    share_before: float = NAN
    rate_before: float = NAN
    n_after: int = 0
    k_after: int = 0
    share_after: float = NAN
    rate_after: float = NAN
    diff: float = NAN
    diff_ci_low: float = NAN
    diff_ci_high: float = NAN
    rate_ratio: float = NAN
    test: str = ""
    statistic: float = NAN
    statistic_name: str = ""
    p_val: float = NAN
    significant: bool = False
    alpha: float = DEFAULT_ALPHA
    warnings: tuple[str, ...] = ()
    warnings_zh: tuple[str, ...] = ()
    verdict_en: str = ""
    verdict_zh: str = ""
    verdict: str = ""
    period_start: date | None = None
    fix_date: date | None = None
    period_end: date | None = None
    not_analysed: int = 0
    attached_at: datetime | None = None
    attached_by: str | None = None
    judgement: str | None = None
    judged_against: JudgedAgainst | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> TopicEvidence:
        """Read a measurement as stored (JSON) or as ``topic_share`` returned it.

        Args:
            stored: The mapping; missing keys take their defaults, nulls and values that are not
                numbers become NaN (or 0 for counts), ISO dates and times are parsed.

        Returns:
            The record; keys it does not know are kept in ``extra``.
        """
        known = {f.name for f in fields(cls)} - {"extra"}
        against = stored.get("judged_against")
        alpha = _float(stored.get("alpha"))
        return cls(
            status=_text(stored.get("status")),
            topic=_text(stored.get("topic")),
            topic_key=_optional_text(stored.get("topic_key")),
            run_id=_optional_int(stored.get("run_id")),
            n_before=_count(stored.get("n_before")),
            k_before=_count(stored.get("k_before")),
            share_before=_float(stored.get("share_before")),
            rate_before=_float(stored.get("rate_before")),
            n_after=_count(stored.get("n_after")),
            k_after=_count(stored.get("k_after")),
            share_after=_float(stored.get("share_after")),
            rate_after=_float(stored.get("rate_after")),
            diff=_float(stored.get("diff")),
            diff_ci_low=_float(stored.get("diff_ci_low")),
            diff_ci_high=_float(stored.get("diff_ci_high")),
            rate_ratio=_float(stored.get("rate_ratio")),
            test=_text(stored.get("test")),
            statistic=_float(stored.get("statistic")),
            statistic_name=_text(stored.get("statistic_name")),
            p_val=_float(stored.get("p_val")),
            significant=bool(stored.get("significant")),
            alpha=alpha if alpha > 0 else DEFAULT_ALPHA,  # NaN (missing) is not > 0 either
            warnings=_texts(stored.get("warnings")),
            warnings_zh=_texts(stored.get("warnings_zh")),
            verdict_en=_text(stored.get("verdict_en")),
            verdict_zh=_text(stored.get("verdict_zh")),
            verdict=_text(stored.get("verdict")),
            period_start=_day(stored.get("period_start")),
            fix_date=_day(stored.get("fix_date")),
            period_end=_day(stored.get("period_end")),
            not_analysed=_count(stored.get("not_analysed")),
            attached_at=_moment(stored.get("attached_at")),
            attached_by=_optional_text(stored.get("attached_by")),
            judgement=_optional_text(stored.get("judgement")),
            judged_against=(
                JudgedAgainst(
                    _optional_float(against.get("baseline")), _optional_float(against.get("target"))
                )
                if isinstance(against, Mapping)
                else None
            ),
            extra={str(k): v for k, v in stored.items() if k not in known},
        )

    @classmethod
    def load(cls, stored: Any) -> TopicEvidence | None:
        """:meth:`from_dict` of a stored value; None for no measurement (None, an empty or no mapping).

        Args:
            stored: A JSON column's value.

        Returns:
            The record, or None.
        """
        return cls.from_dict(stored) if isinstance(stored, Mapping) and stored else None

    def to_dict(self) -> dict[str, Any]:
        """The record as stored JSON.

        The record as the JSON it is stored as: the keys :meth:`from_dict` reads, dates and times in
        ISO 8601, then the ``extra`` keys. NaN stays NaN (the database layer stores it as null).

        Returns:
            A new dict.
        """
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        for key in ("period_start", "fix_date", "period_end"):
            out[key] = out[key].isoformat() if out[key] is not None else None
        if self.attached_at is not None:
            out["attached_at"] = self.attached_at.isoformat(timespec="seconds")
        out["warnings"], out["warnings_zh"] = list(self.warnings), list(self.warnings_zh)
        out["judged_against"] = asdict(self.judged_against) if self.judged_against is not None else None
        out.update(self.extra)
        return out

    def sentence(self, lang: str) -> str:
        """The result in a sentence in ``lang`` ("zh" or "en")."""
        return self.verdict_zh if lang == "zh" else self.verdict_en

    def caveats(self, lang: str) -> tuple[str, ...]:
        """The caveats in ``lang`` ("zh" or "en")."""
        return self.warnings_zh if lang == "zh" else self.warnings


def judge(evidence: TopicEvidence, *, target: float | None) -> str:
    """The judgement of one topic-share measurement against the item's target (percent of feedback).

    Args:
        evidence: The measurement (its ``alpha`` is the chosen level).
        target: The item's, in percent of feedback; None when not set.

    Returns:
        One of :data:`JUDGEMENTS`.
    """
    measured = (evidence.p_val, evidence.diff, evidence.share_before, evidence.share_after)
    if evidence.status != "ok" or not all(math.isfinite(v) for v in measured):
        return "not_tested"
    if evidence.diff >= 0:
        return "wrong_direction"
    if not evidence.p_val < evidence.alpha:
        return "not_significant"
    if target is None or not _finite(target):
        return "no_target"
    if 100 * evidence.share_after > float(target):
        return "target_missed"
    return VERIFIES


def is_completed_test(evidence: TopicEvidence | None) -> bool:
    """Whether a measurement is a completed test (it counts as evidence, for or against the fix).

    Args:
        evidence: The measurement, or None.

    Returns:
        True when it was tested, whatever the judgement.
    """
    return evidence is not None and judge(evidence, target=None) != "not_tested"


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _float(value: Any) -> float:
    return float(value) if _finite(value) else NAN


def _optional_float(value: Any) -> float | None:
    return float(value) if _finite(value) else None


def _count(value: Any) -> int:
    return int(value) if _finite(value) else 0


def _optional_int(value: Any) -> int | None:
    return int(value) if _finite(value) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None or isinstance(value, str):
        return (value,) if value else ()
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        return ()


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
