"""An item's model benchmark evidence as the items page shows it, beside the users' feedback evidence."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from analytics.benchmark_evidence import (
    LATENCY_METRICS,
    BenchmarkEvidence,
    evidence_text,
    figure,
    metric_name,
)
from analytics.evidence import VERIFIES
from ui.i18n import t
from ui.plain_text import plain


def _target(metric: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):g} ms" if metric in LATENCY_METRICS else f"{float(value):g}%"  # type: ignore[arg-type]


def _p(value: float) -> str:
    return "–" if not math.isfinite(value) else ("< 0.001" if value < 0.001 else f"{value:.3f}")


def render_model_evidence(item: pd.Series, lang: str) -> None:
    """The item's model metric and target, its newest benchmark measurement and the judgement now.

    Args:
        item: A row of ``db.items.list_items`` (bench_* fields, benchmark_evidence, benchmark_judgement).
        lang: "zh" or "en".
    """
    st.markdown(f"##### {t('items.model_heading')}")
    metric = item["bench_metric"] if isinstance(item["bench_metric"], str) else None
    if metric:
        slice_value = item["bench_slice"] if isinstance(item["bench_slice"], str) else ""
        klass = item["bench_class"] if isinstance(item["bench_class"], str) else ""
        direction = item["bench_direction"] if isinstance(item["bench_direction"], str) else "higher"
        st.caption(
            plain(
                t(
                    "items.model_target",
                    metric=metric_name(metric, klass, slice_value, lang),
                    baseline=_target(metric, item["bench_baseline"]),
                    target=_target(metric, item["bench_target"]),
                    direction=t(f"bench.direction.{direction}"),
                )
            )
        )
    evidence = (
        item["benchmark_evidence"] if isinstance(item["benchmark_evidence"], BenchmarkEvidence) else None
    )
    if evidence is None:
        st.caption(t("items.model_none"))
        return
    left, right = st.columns(2)
    left.metric(t("bench.reg.before"), figure(evidence.metric, evidence.before))
    right.metric(t("bench.reg.after"), figure(evidence.metric, evidence.after))
    st.markdown(plain(evidence_text(evidence, lang)))
    judgement = item["benchmark_judgement"] or evidence.judgement or "not_tested"
    message = t(
        f"items.model_judgement.{judgement}",
        target=_target(evidence.metric, item["bench_target"]),
        alpha=evidence.alpha,
    )
    (st.success if judgement == VERIFIES else st.info)(message)
    scale, unit = (1.0, " ms") if evidence.metric in LATENCY_METRICS else (100.0, " pp")
    finite = math.isfinite(evidence.ci_low) and math.isfinite(evidence.ci_high)
    st.caption(
        plain(
            t(
                "items.model_measured",
                run=evidence.run_name,
                test=evidence.test,
                p=_p(evidence.p_val),
                p_adj=_p(evidence.p_adj),
                diff=f"{scale * evidence.diff:+.1f}{unit}",
                low=f"{scale * evidence.ci_low:+.1f}" if finite else "–",
                high=f"{scale * evidence.ci_high:+.1f}" if finite else "–",
                regressions=evidence.regressions,
                by=evidence.attached_by or "?",
                at=f"{evidence.attached_at:%Y-%m-%d %H:%M}" if evidence.attached_at else "?",
            )
        )
    )
