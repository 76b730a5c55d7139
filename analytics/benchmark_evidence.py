"""Whether a benchmark measurement verifies a rectification item's model target, and how it is kept.

An item may name a model metric (``analytics.benchmark``: accuracy, macro-F1, a class's precision,
recall, specificity or F1, AUC, median or p95 latency), optionally of one slice, with a baseline, a
target and which way is better (higher, or lower for latency). Proportions are given in percent,
latencies in ms. A benchmark measurement verifies the target only when, as for the survey and
feedback evidence (:mod:`analytics.evidence`, the same judgement words):

1. it is a completed test (the metric was computed before and after and has a p-value);
2. the metric moved the right way;
3. the change is significant: its p-value (Holm-adjusted across slices for a slice) is below alpha;
4. the item has a target, and
5. the value after the fix reaches it (at or above a "higher" target, at or below a "lower" one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from analytics.evidence import DEFAULT_ALPHA, VERIFIES

# One row of a benchmark comparison: what analytics.benchmark computes and db.benchmarks stores.
RESULT_COLUMNS = (
    "metric",
    "class",
    "slice_column",
    "slice",
    "n",
    "before",
    "before_ci_low",
    "before_ci_high",
    "after",
    "after_ci_low",
    "after_ci_high",
    "diff",
    "ci_low",
    "ci_high",
    "test",
    "statistic",
    "p_val",
    "p_adj",
    "right_to_wrong",
    "wrong_to_right",
)

DIRECTIONS = ("higher", "lower")
# The metrics analytics.benchmark computes: proportions (0-1) and latencies (ms).
PROPORTION_METRICS = ("accuracy", "macro_f1", "precision", "recall", "specificity", "f1", "auc")
LATENCY_METRICS = ("latency_median_ms", "latency_p95_ms")
METRICS = PROPORTION_METRICS + LATENCY_METRICS
CLASS_METRICS = ("precision", "recall", "specificity", "f1", "auc")  # of one class (AUC: the positive one)


def default_direction(metric: str) -> str:
    """Which way is better for `metric`: lower for latency, higher for everything else."""
    return "lower" if metric in LATENCY_METRICS else "higher"


def in_target_units(metric: str, value: float) -> float:
    """A metric's value (proportion 0-1, or ms) in the unit targets are given in: percent, or ms."""
    return value if metric in LATENCY_METRICS else 100 * value


@dataclass(frozen=True)
class BenchmarkEvidence:
    """One benchmark measurement of an item's model metric, as kept (JSON) and shown.

    Attributes:
        run_id: The benchmark run it came from.
        run_name: The run's name.
        metric: The metric (``analytics.benchmark.METRICS``).
        klass: The class of a per-class metric ("" otherwise).
        slice_column: The slice's column ("" for all cases).
        slice: The slice ("" for all cases).
        n: Cases measured.
        before: The metric before the fix (proportion 0-1, or ms).
        after: After the fix.
        diff: after - before.
        ci_low: Lower end of the paired interval of ``diff``.
        ci_high: Upper end.
        test: The test's name.
        p_val: Its p-value.
        p_adj: Holm-adjusted across slices (the p-value itself for all cases); the one judged.
        alpha: The level it is judged at.
        right_to_wrong: Cases right before and wrong after (McNemar rows), or None.
        wrong_to_right: The reverse.
        regressions: Cases right before and wrong after in the whole run.
        direction: Which way is better when it was judged ("higher" or "lower").
        baseline: The item's baseline when it was judged (target units).
        target: The item's target when it was judged (target units).
        judgement: The judgement (``analytics.evidence.JUDGEMENTS``).
        attached_at: When it was recorded.
        attached_by: Who recorded it.
    """

    run_id: int | None = None
    run_name: str = ""
    metric: str = ""
    klass: str = ""
    slice_column: str = ""
    slice: str = ""
    n: int = 0
    before: float = math.nan
    after: float = math.nan
    diff: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    test: str = ""
    p_val: float = math.nan
    p_adj: float = math.nan
    alpha: float = DEFAULT_ALPHA
    right_to_wrong: int | None = None
    wrong_to_right: int | None = None
    regressions: int = 0
    direction: str = "higher"
    baseline: float | None = None
    target: float | None = None
    judgement: str | None = None
    attached_at: datetime | None = None
    attached_by: str | None = None

    @property
    def significant(self) -> bool:
        """Whether the change is significant at its level (adjusted p below alpha)."""
        return _finite(self.p_adj) and self.p_adj < self.alpha

    @property
    def after_in_target_units(self) -> float:
        """The value after the fix in percent (or ms), as the target is given."""
        return in_target_units(self.metric, self.after)

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> BenchmarkEvidence:
        """Read a stored measurement; missing keys take their defaults, nulls become NaN."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in stored:
                continue
            value = stored[f.name]
            if f.type in ("float",):
                value = float(value) if _finite(value) else math.nan
            elif f.name == "attached_at" and value is not None and not isinstance(value, datetime):
                value = datetime.fromisoformat(str(value))
            values[f.name] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (NaN stays NaN: the database layer stores it as null)."""
        out = asdict(self)
        if self.attached_at is not None:
            out["attached_at"] = self.attached_at.isoformat(timespec="seconds")
        return out


def judge_benchmark(evidence: BenchmarkEvidence, *, target: float | None, direction: str) -> str:
    """The judgement of a benchmark measurement against the item's target.

    Args:
        evidence: The measurement (its ``alpha`` is the level).
        target: The item's target in percent (ms for latency); None when not set.
        direction: "higher" or "lower" (which way is better).

    Returns:
        One of ``analytics.evidence.JUDGEMENTS``.
    """
    measured = (evidence.before, evidence.after, evidence.diff, evidence.p_adj)
    if not evidence.metric or not all(_finite(v) for v in measured):
        return "not_tested"
    better = evidence.diff < 0 if direction == "lower" else evidence.diff > 0
    if not better:
        return "wrong_direction"
    if not evidence.significant:
        return "not_significant"
    if target is None or not _finite(target):
        return "no_target"
    after = evidence.after_in_target_units
    met = after <= float(target) if direction == "lower" else after >= float(target)
    return VERIFIES if met else "target_missed"


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


_NAMES: dict[str, tuple[str, str]] = {  # metric: (en, zh)
    "accuracy": ("accuracy", "准确率"),
    "macro_f1": ("macro-F1", "宏平均 F1"),
    "precision": ("precision", "精确率"),
    "recall": ("recall", "召回率"),
    "specificity": ("specificity", "特异度"),
    "f1": ("F1", "F1"),
    "auc": ("AUC", "AUC"),
    "latency_median_ms": ("median latency", "延迟中位数"),
    "latency_p95_ms": ("p95 latency", "P95 延迟"),
}


def metric_name(metric: str, klass: str = "", slice_value: str = "", lang: str = "en") -> str:
    """A metric as people say it: "recall of lesion (slice: blurred)", "召回率（lesion）（切片：blurred）"."""
    en, zh = _NAMES.get(metric, (metric, metric))
    name = zh if lang == "zh" else en
    if klass and metric in CLASS_METRICS:
        name = f"{name}（{klass}）" if lang == "zh" else f"{name} of {klass}"
    if slice_value:
        name += f"（切片：{slice_value}）" if lang == "zh" else f" (slice: {slice_value})"
    return name


def figure(metric: str, value: float | None) -> str:
    """A metric's figure: proportions in percent with one decimal, latencies in whole ms."""
    if value is None or not _finite(value):
        return "–"
    if metric in LATENCY_METRICS:
        return f"{value:,.0f} ms"
    return f"{100 * value:.1f}%"


def evidence_text(evidence: BenchmarkEvidence | None, lang: str = "en") -> str:
    """A benchmark measurement in a few words; the items page and the deck show it alike.

    Returns:
        "recall of lesion: 70.1% → 86.0% (significant)", "–" without a measurement, "not tested" when
        it was not a completed test.
    """
    if evidence is None:
        return "–"
    name = metric_name(evidence.metric, evidence.klass, evidence.slice, lang)
    if judge_benchmark(evidence, target=None, direction=evidence.direction) == "not_tested":
        return f"{name}：未检验" if lang == "zh" else f"{name}: not tested"
    moved = f"{figure(evidence.metric, evidence.before)} → {figure(evidence.metric, evidence.after)}"
    if lang == "zh":
        return f"{name}：{moved}（{'显著' if evidence.significant else '不显著'}）"
    return f"{name}: {moved} ({'significant' if evidence.significant else 'not significant'})"
