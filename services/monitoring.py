"""Monitoring: a complaint topic spiking, a new one, satisfaction dropping, a verified fix not holding.

Between rectification rounds the team should hear of these.

:func:`monitor_product` reads the product's newest topic run and in-app ratings, runs the detectors of
analytics.detectors, stores each finding once per (product, kind, subject) (db.alerts), queues an
``alert.opened`` webhook event for each new alert and sends pending webhooks (services.webhook_delivery).
Running it again with nothing new changes nothing but the alerts' "last seen" time: cron-friendly.
``python -m jobs.monitor`` runs it; so does the end of every stored analysis (services.pain_points
through :func:`monitor_after_analysis`).

Only feedback the newest run analysed counts in the topic windows (shares, not counts, are compared,
so a run made a few days ago still compares like with like); feedback that came later counts once it
is analysed or placed in the run's topics.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from analytics import detectors as detect
from analytics.detectors import MonitorParams
from db import alerts as repo
from db.alerts import Finding
from db.engine import unit_of_work
from db.models import Product
from db.topic_runs import latest_topic_run, run_topics, surviving_key
from services import webhook_delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitorSummary:
    """What one monitoring run of a product found and did."""

    product_id: int
    findings: int  # conditions found now (new or still holding)
    opened: list[int]  # ids of alerts opened by this run
    cleared: int  # alerts whose condition no longer holds
    webhooks: webhook_delivery.DeliveryReport | None
    note: str | None  # why a detector could not run ("no_run": no analysis yet)


def _windows(now: datetime, params: MonitorParams) -> tuple[datetime, datetime, datetime]:
    recent_start = now - timedelta(days=params.recent_days)
    return recent_start - timedelta(days=params.baseline_days), recent_start, now


def _clean(value: Any) -> Any:
    """JSON-safe evidence: NaN and infinity become None, numpy numbers plain ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def find_conditions(
    session: Session, product_id: int, now: datetime, params: MonitorParams
) -> tuple[list[Finding], str | None]:
    """Everything the detectors find for the product at `now`, not yet stored.

    Returns:
        The findings and a note ("no_run" when the product has no topic run, so only the rating
        chart ran).
    """
    base_start, recent_start, end = _windows(now, params)
    window = {
        "baseline_start": base_start.isoformat(),
        "recent_start": recent_start.isoformat(),
        "end": end.isoformat(),
        "params": params.as_dict(),
    }
    findings: list[Finding] = []
    note = None
    run = latest_topic_run(session, product_id)
    if run is None:
        note = "no_run"
    else:
        topics = run_topics(session, run.id, "en")
        labels = dict(zip(topics["key"].astype(str), topics["label"].astype(str), strict=True))
        sizes = dict(zip(topics["key"].astype(str), topics["size"].astype(int), strict=True))
        recent, recent_total = repo.topic_counts(session, run.id, recent_start, end)
        baseline, baseline_total = repo.topic_counts(session, run.id, base_start, recent_start)
        recent = {k: n for k, n in recent.items() if k in labels}
        baseline = {k: n for k, n in baseline.items() if k in labels}
        spikes = detect.topic_spikes(recent, baseline, recent_total, baseline_total, params)
        for row in spikes[spikes["alert"]].itertuples():
            key = str(row.topic_key)
            evidence = {
                **window,
                "run_id": run.id,
                "topic_label": labels[key],
                "recent_count": row.recent_count,
                "baseline_count": row.baseline_count,
                "recent_total": recent_total,
                "baseline_total": baseline_total,
                "recent_share": row.recent_share,
                "baseline_share": row.baseline_share,
                "ratio": row.ratio,
                "p_val": row.p_val,
                "p_adj": row.p_adj,
                "topics_tested": int(spikes["tested"].sum()),
                "test": "Poisson rate ratio, score test (statsmodels test_poisson_2indep), one-sided; Holm",
                "quote_ids": repo.topic_quote_ids(session, run.id, key, recent_start, end),
            }
            findings.append(Finding("spike", key, labels[key], _clean(evidence)))
        earlier, has_earlier = repo.earlier_topic_keys(session, product_id, run.id)
        for key in detect.new_topics(sizes, earlier, has_earlier, params):
            evidence = {
                **window,
                "run_id": run.id,
                "topic_label": labels[key],
                "size": sizes[key],
                "recent_count": recent.get(key, 0),
                "quote_ids": repo.topic_quote_ids(session, run.id, key, None, end),
            }
            findings.append(Finding("new_topic", key, labels[key], _clean(evidence)))
        by_key: dict[str, list[tuple[int, str]]] = {}
        for item_id, title, topic_key in repo.verified_topic_items(session, product_id):
            survivor = surviving_key(session, run.id, topic_key)
            if survivor is not None and survivor in labels:
                by_key.setdefault(survivor, []).append((item_id, title))
        for key, items in by_key.items():
            result = detect.rising_again(
                recent.get(key, 0), recent_total, baseline.get(key, 0), baseline_total, params
            )
            if result["alert"]:
                evidence = {
                    **window,
                    **result,
                    "run_id": run.id,
                    "topic_label": labels[key],
                    "recent_total": recent_total,
                    "baseline_total": baseline_total,
                    "items": [{"id": i, "title": t} for i, t in items],
                    "test": "Poisson rate ratio, score test (statsmodels test_poisson_2indep), one-sided",
                    "quote_ids": repo.topic_quote_ids(session, run.id, key, recent_start, end),
                }
                findings.append(Finding("rising_again", key, labels[key], _clean(evidence)))
    ratings = repo.in_app_ratings(session, product_id, base_start, end)
    base_ratings = ratings.loc[ratings["created_at"] < pd.Timestamp(recent_start), "rating"].tolist()
    recent_ratings = ratings[ratings["created_at"] >= pd.Timestamp(recent_start)]
    chart = detect.ewma_control(
        base_ratings,
        pd.DataFrame(
            {"day": recent_ratings["created_at"].dt.strftime("%Y-%m-%d"), "rating": recent_ratings["rating"]}
        ),
        params,
    )
    if chart.alert:
        evidence = {
            **window,
            "baseline_mean": chart.baseline_mean,
            "baseline_sd": chart.baseline_sd,
            "baseline_n": chart.baseline_n,
            "recent_mean": chart.recent_mean,
            "recent_n": chart.recent_n,
            "worst_day": chart.worst_day,
            "days": chart.days,
            "test": f"EWMA chart, lambda {params.ewma_lambda}, L {params.ewma_l}",
        }
        findings.append(Finding("rating_drop", detect.RATING_SUBJECT, "in-app rating", _clean(evidence)))
    return findings, note


def _event_data(alert_id: int, product: str, finding: Finding) -> dict[str, Any]:
    ev = finding.evidence
    return {
        "alert_id": alert_id,
        "product": product,
        "kind": finding.kind,
        "subject": finding.subject,
        "title": finding.title,
        "status": "open",
        # no quotes: a stored payload would outlive a respondent's deletion
        "evidence": {k: v for k, v in ev.items() if k not in ("days", "params", "quote_ids")},
    }


def monitor_product(
    engine: Engine,
    product_id: int,
    *,
    now: datetime | None = None,
    params: MonitorParams | None = None,
    deliver: bool = True,
    policy: webhook_delivery.RetryPolicy | None = None,
) -> MonitorSummary:
    """One monitoring run of a product: detect, store alerts once, queue and send webhook events.

    Args:
        engine: The database.
        product_id: The product watched.
        now: The end of the recent window (default: now, UTC).
        params: Windows and detector settings (default: MonitorParams.from_env(os.environ)).
        deliver: Whether to send pending webhook deliveries after storing the alerts.
        policy: Webhook retries (default: services.webhook_delivery.RetryPolicy.from_env()).

    Raises:
        LookupError: no such product.
    """
    now = now or datetime.now(UTC)
    params = params or MonitorParams.from_env(os.environ)
    opened: list[int] = []
    with unit_of_work(engine) as session:
        product = session.get(Product, product_id)
        if product is None:
            raise LookupError(f"product {product_id} not found")
        findings, note = find_conditions(session, product_id, now, params)
        for finding in findings:
            alert = repo.record_finding(session, product_id, finding, now)
            if alert is not None:
                opened.append(alert.id)
                webhook_delivery.queue_event(
                    session,
                    product_id,
                    "alert.opened",
                    _event_data(alert.id, product.name, finding),
                    now,
                    alert_id=alert.id,
                )
        kinds = detect.KINDS if note is None else ("rating_drop",)
        cleared = repo.clear_unseen(session, product_id, {(f.kind, f.subject) for f in findings}, kinds)
    report = (
        webhook_delivery.deliver_pending(engine, product_id=product_id, policy=policy) if deliver else None
    )
    log.info(
        "monitor product %d: %d findings, %d new alerts, %d cleared",
        product_id,
        len(findings),
        len(opened),
        cleared,
    )
    return MonitorSummary(product_id, len(findings), opened, cleared, report, note)


def monitor_after_analysis(engine: Engine, product_id: int) -> MonitorSummary | None:
    """The monitoring run that ends every stored analysis; never lets a failure spoil the analysis.

    Webhooks are queued but not sent here (a page must not wait on a receiver); the next
    ``python -m jobs.monitor`` sends them.
    """
    try:
        return monitor_product(engine, product_id, deliver=False)
    except Exception:  # noqa: BLE001 - the analysis is stored; monitoring runs again from cron
        log.exception("monitoring after the analysis of product %d failed", product_id)
        return None
