"""Model benchmarks compared before and after a fix, and the model targets of rectification items.

A run keeps the summary rows (one per metric, class and slice) and the ids of the cases that went from
right to wrong; nothing else of a test case is stored. An item's model target (``bench_*`` fields)
and every benchmark measurement it was judged on (``item_benchmark_evidence``) live here too; whether
a measurement verifies the item is :func:`analytics.benchmark_evidence.judge_benchmark`'s call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analytics import benchmark_evidence as judging
from db.items import ItemError, item_row, json_safe
from db.models import (
    BenchmarkRegression,
    BenchmarkResult,
    BenchmarkRun,
    ItemBenchmarkEvidence,
    RectificationItem,
    Round,
)
from db.users import audit


@dataclass(frozen=True)
class ModelTarget:
    """An item's model metric: which metric of which class and slice, baseline, target, direction.

    Baseline and target are in percent for proportions, in ms for latency.
    """

    metric: str
    klass: str = ""
    slice_column: str = ""
    slice: str = ""
    baseline: float | None = None
    target: float | None = None
    direction: str | None = None  # None: lower for latency, higher otherwise


def _none_if_nan(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def store_run(
    session: Session,
    *,
    product_id: int,
    round_id: int | None,
    name: str,
    file_name: str | None,
    columns: Mapping[str, Any],
    rows: pd.DataFrame,
    regressions: pd.DataFrame,
    n_cases: int,
    classes: Sequence[str],
    resamples: int,
    seed: int,
    fixed: int,
    actor: str,
) -> BenchmarkRun:
    """Store a compared benchmark: its summary rows and its regressions' ids, and audit it.

    Args:
        session: The unit of work.
        product_id: The product whose model was benchmarked.
        round_id: The round of the fix, or None.
        name: What the team calls the run (up to 200 characters).
        file_name: The results file's name.
        columns: Which of the file's columns held what.
        rows: ``analytics.benchmark.Comparison.rows``.
        regressions: ``analytics.benchmark.Comparison.regressions``.
        n_cases: Cases compared.
        classes: The labels.
        resamples: Bootstrap resamples.
        seed: The bootstrap's seed.
        fixed: Cases wrong before and right after.
        actor: Who stored it.

    Returns:
        The stored run.

    Raises:
        ItemError: "benchmark_name_empty", "too_long".
    """
    cleaned = (name or "").strip()
    if not cleaned:
        raise ItemError("benchmark_name_empty")
    if len(cleaned) > 200:
        raise ItemError("too_long")
    run = BenchmarkRun(
        product_id=product_id,
        round_id=round_id,
        name=cleaned,
        file_name=(file_name or "")[:200] or None,
        columns=json_safe(dict(columns)),
        n_cases=int(n_cases),
        classes=[str(c)[:200] for c in classes],
        resamples=int(resamples),
        seed=int(seed),
        fixed=int(fixed),
        created_by=actor,
        created_at=datetime.now(UTC),
    )
    session.add(run)
    session.flush()
    result_rows = [
        {
            **{k: _none_if_nan(r.get(k)) for k in judging.RESULT_COLUMNS if k != "class"},
            "class_label": str(r.get("class") or "")[:200],
            "slice_column": str(r.get("slice_column") or "")[:200],
            "slice": str(r.get("slice") or "")[:200],
            "test": str(r.get("test") or "")[:120],
            "run_id": run.id,
        }
        for r in rows.to_dict("records")
    ]
    if result_rows:
        session.execute(insert(BenchmarkResult), result_rows)
    slice_columns = [
        c for c in regressions.columns if c not in ("case_id", "row", "label", "before", "after")
    ]
    regression_rows = [
        {
            "run_id": run.id,
            "case_id": str(r["case_id"])[:200],
            "label": str(r["label"])[:200],
            "before": str(r["before"])[:200],
            "after": str(r["after"])[:200],
            "slices": {c: str(r[c])[:200] for c in slice_columns} or None,
        }
        for r in regressions.to_dict("records")
    ]
    if regression_rows:
        session.execute(insert(BenchmarkRegression), regression_rows)
    audit(
        session,
        actor,
        "benchmark.store",
        "benchmark_run",
        run.id,
        {"product_id": product_id, "cases": int(n_cases), "regressions": len(regression_rows)},
    )
    return run


def list_runs(session: Session, product_id: int) -> pd.DataFrame:
    """The product's benchmark runs, newest first.

    Returns:
        Columns id, name, round_id, round_name, file_name, n_cases, created_by, created_at.
    """
    query = (
        select(
            BenchmarkRun.id,
            BenchmarkRun.name,
            BenchmarkRun.round_id,
            Round.name,
            BenchmarkRun.file_name,
            BenchmarkRun.n_cases,
            BenchmarkRun.created_by,
            BenchmarkRun.created_at,
        )
        .outerjoin(Round, Round.id == BenchmarkRun.round_id)
        .where(BenchmarkRun.product_id == product_id)
        .order_by(BenchmarkRun.created_at.desc(), BenchmarkRun.id.desc())
    )
    columns = ["id", "name", "round_id", "round_name", "file_name", "n_cases", "created_by", "created_at"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def run_row(session: Session, run_id: int) -> BenchmarkRun:
    """The run, or ItemError("benchmark_no_run")."""
    run = session.get(BenchmarkRun, run_id)
    if run is None:
        raise ItemError("benchmark_no_run")
    return run


def run_results(session: Session, run_id: int) -> pd.DataFrame:
    """A run's summary rows, as ``analytics.benchmark.Comparison.rows`` (missing figures NaN)."""
    query = select(BenchmarkResult).where(BenchmarkResult.run_id == run_id).order_by(BenchmarkResult.id)
    records = [
        {k: getattr(r, "class_label" if k == "class" else k) for k in judging.RESULT_COLUMNS}
        for r in session.scalars(query)
    ]
    frame = pd.DataFrame(records, columns=list(judging.RESULT_COLUMNS))
    numeric = [
        c for c in judging.RESULT_COLUMNS if c not in ("metric", "class", "slice_column", "slice", "test")
    ]
    for column in numeric:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def run_regressions(session: Session, run_id: int) -> pd.DataFrame:
    """The cases right before the fix and wrong after it: case_id, label, before, after, then slices."""
    query = (
        select(BenchmarkRegression)
        .where(BenchmarkRegression.run_id == run_id)
        .order_by(BenchmarkRegression.id)
    )
    records = [
        {"case_id": r.case_id, "label": r.label, "before": r.before, "after": r.after, **(r.slices or {})}
        for r in session.scalars(query)
    ]
    return pd.DataFrame(records, columns=None if records else ["case_id", "label", "before", "after"])


def set_model_target(session: Session, item_id: int, target: ModelTarget | None, actor: str) -> bool:
    """Give an item a model metric with baseline and target (None removes it), and audit it.

    Returns:
        Whether anything changed.

    Raises:
        ItemError: "no_item", "carried", "benchmark_bad_metric", "benchmark_bad_direction",
            "bad_number", "too_long".
    """
    row = item_row(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    values: dict[str, Any] = dict.fromkeys(
        (
            "bench_metric",
            "bench_class",
            "bench_slice_column",
            "bench_slice",
            "bench_baseline",
            "bench_target",
            "bench_direction",
        )
    )
    if target is not None:
        if target.metric not in judging.METRICS:
            raise ItemError("benchmark_bad_metric")
        direction = target.direction or judging.default_direction(target.metric)
        if direction not in judging.DIRECTIONS:
            raise ItemError("benchmark_bad_direction")
        for number in (target.baseline, target.target):
            if number is not None and not math.isfinite(float(number)):
                raise ItemError("bad_number")
        texts = (target.klass, target.slice_column, target.slice)
        if any(len(t or "") > 200 for t in texts):
            raise ItemError("too_long")
        values.update(
            bench_metric=target.metric,
            bench_class=target.klass or None,
            bench_slice_column=target.slice_column or None,
            bench_slice=target.slice or None,
            bench_baseline=None if target.baseline is None else float(target.baseline),
            bench_target=None if target.target is None else float(target.target),
            bench_direction=direction,
        )
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(row, name, values[name])
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit(session, actor, "item.model_target", "rectification_item", row.id, {"fields": changed})
    return True


def attach_benchmark_evidence(
    session: Session, item_id: int, evidence: judging.BenchmarkEvidence, actor: str
) -> judging.BenchmarkEvidence:
    """Record a benchmark measurement on an item, judged against its model target, and audit it.

    Returns:
        The stored record (with its judgement, what it was judged against, when and by whom).

    Raises:
        ItemError: "no_item", "carried", "benchmark_no_target_metric" (the item has no model metric).
    """
    row = item_row(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    if not row.bench_metric:
        raise ItemError("benchmark_no_target_metric")
    now = datetime.now(UTC)
    direction = row.bench_direction or judging.default_direction(row.bench_metric)
    record = replace(
        evidence,
        direction=direction,
        baseline=row.bench_baseline,
        target=row.bench_target,
        attached_at=now.replace(microsecond=0),
        attached_by=actor,
    )
    record = replace(
        record, judgement=judging.judge_benchmark(record, target=row.bench_target, direction=direction)
    )
    stored = json_safe(record.to_dict())
    session.add(
        ItemBenchmarkEvidence(
            item_id=row.id,
            run_id=record.run_id,
            measured_at=now,
            measured_by=actor,
            judgement=str(record.judgement),
            result=stored,
        )
    )
    row.updated_at = now
    session.flush()
    keys = ("run_id", "metric", "klass", "slice", "diff", "p_adj", "judgement")
    audit(
        session,
        actor,
        "item.benchmark_evidence",
        "rectification_item",
        row.id,
        {k: stored.get(k) for k in keys},
    )
    return record


def benchmark_history(session: Session, item_id: int) -> list[judging.BenchmarkEvidence]:
    """Every benchmark measurement of an item, oldest first, each as judged when recorded."""
    query = (
        select(ItemBenchmarkEvidence.result)
        .where(ItemBenchmarkEvidence.item_id == item_id)
        .order_by(ItemBenchmarkEvidence.measured_at, ItemBenchmarkEvidence.id)
    )
    return [judging.BenchmarkEvidence.from_dict(r) for r in session.scalars(query)]


def items_with_model_targets(session: Session, product_id: int) -> list[RectificationItem]:
    """The product's items that are not carried over, in the order they were opened."""
    query = (
        select(RectificationItem)
        .join(Round, Round.id == RectificationItem.round_id)
        .where(Round.product_id == product_id, RectificationItem.status != "carried_over")
        .order_by(RectificationItem.id)
    )
    return list(session.scalars(query))
