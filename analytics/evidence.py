"""Whether a measurement verifies a rectification item: the rule the items page, the overview and the
deck all apply, so "verified" means the same everywhere.

An item linked to a topic is measured by the topic's share of the analysed feedback before vs after
the fix (:func:`analytics.topic_outcome.topic_share`); its target is read as that share in percent. A
measurement verifies the item only when all of these hold:

1. the item has a target (without one, nothing says what "fixed" means);
2. it is a completed test (feedback in both periods, and some of it about the topic);
3. the share fell: a topic is a complaint, so fewer of them is the only right direction;
4. the change is significant at the chosen level (p < alpha);
5. the share after the fix is at or below the target.

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
JUDGEMENTS = (VERIFIES, "target_missed", "not_significant", "wrong_direction", "not_tested", "no_target")


def judge(result: Mapping[str, Any], *, target: float | None) -> str:
    """The judgement of one topic-share measurement against the item's target (percent of feedback).

    Args:
        result: What :func:`analytics.topic_outcome.topic_share` returned, with ``alpha`` (the chosen level;
            :data:`DEFAULT_ALPHA` when missing).
        target: The item's, in percent of feedback; None when not set.

    Returns:
        One of :data:`JUDGEMENTS`.
    """
    measured = ("p_val", "diff", "share_before", "share_after")
    if result.get("status") != "ok" or not all(_finite(result.get(k)) for k in measured):
        return "not_tested"
    if float(result["diff"]) >= 0:
        return "wrong_direction"
    alpha = float(result.get("alpha") or DEFAULT_ALPHA)
    if not float(result["p_val"]) < alpha:
        return "not_significant"
    if not _finite(target):
        return "no_target"
    if 100 * float(result["share_after"]) > float(target):  # type: ignore[arg-type]
        return "target_missed"
    return VERIFIES


def is_completed_test(result: Mapping[str, Any] | None) -> bool:
    """Whether a measurement is a completed test (it counts as evidence, for or against the fix)."""
    return bool(result) and judge(result or {}, target=None) != "not_tested"


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
