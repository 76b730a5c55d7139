"""Whether a measurement verifies a rectification item: the rule the items page, the overview and the
deck all apply, so "verified" means the same everywhere.

An item linked to a topic is measured by the topic's share of the analysed feedback before vs after
the fix (:func:`analytics.verify.topic_share`); its baseline and target are read as that share in
percent. A measurement verifies the item only when all of these hold:

1. it is a completed test (feedback in both periods, and some of it about the topic);
2. the share moved in the item's direction: down, unless the target lies above the baseline;
3. the change is significant at the chosen level (p < alpha);
4. the share after the fix meets the target, when the item has one.

Anything else is a judgement that says why not; "not tested" is never evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DEFAULT_ALPHA = 0.05
ALPHAS = (0.10, 0.05, 0.01)  # the levels a user may choose between

# Judgements, from best to worst. Only "verifies" lets an item be (or stay) verified.
VERIFIES = "verifies"
JUDGEMENTS = (VERIFIES, "target_missed", "not_significant", "wrong_direction", "not_tested")


def judge(result: Mapping[str, Any], *, baseline: float | None, target: float | None) -> str:
    """The judgement of one topic-share measurement against the item's baseline and target (percent).

    Args:
        result: What :func:`analytics.verify.topic_share` returned, with ``alpha`` (the chosen level;
            :data:`DEFAULT_ALPHA` when missing).
        baseline, target: The item's, in percent of feedback; None when not set.

    Returns:
        One of :data:`JUDGEMENTS`.
    """
    measured = ("p_val", "diff", "share_before", "share_after")
    if result.get("status") != "ok" or not all(_finite(result.get(k)) for k in measured):
        return "not_tested"
    wants_rise = _finite(baseline) and _finite(target) and float(target) > float(baseline)  # type: ignore[arg-type]
    diff = float(result["diff"])
    if (diff <= 0) if wants_rise else (diff >= 0):
        return "wrong_direction"
    alpha = float(result.get("alpha") or DEFAULT_ALPHA)
    if not float(result["p_val"]) < alpha:
        return "not_significant"
    if _finite(target):
        after = 100 * float(result["share_after"])
        met = after >= float(target) if wants_rise else after <= float(target)  # type: ignore[arg-type]
        if not met:
            return "target_missed"
    return VERIFIES


def is_completed_test(result: Mapping[str, Any] | None) -> bool:
    """Whether a measurement is a completed test (it counts as evidence, for or against the fix)."""
    return bool(result) and judge(result or {}, baseline=None, target=None) != "not_tested"


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
