"""Model benchmarks as evidence: compare a results file, keep the run, judge an item's model target on it.

The statistics are :mod:`analytics.benchmark`'s; the judgement :mod:`analytics.benchmark_evidence`'s;
db.benchmarks stores both. The page, a job and the coming API call these.
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
from sqlalchemy.orm import Session

from analytics import benchmark as bench
from analytics.benchmark_evidence import BenchmarkEvidence
from analytics.evidence import DEFAULT_ALPHA
from db import benchmarks as repo
from db.items import ItemError, item_row
from db.models import Round


def compare_file(
    data: bytes,
    filename: str,
    columns: bench.Columns,
    *,
    resamples: int = bench.RESAMPLES,
    seed: int = bench.SEED,
) -> bench.Comparison:
    """Read a results file and compare before vs after.

    Raises:
        analytics.benchmark.BenchmarkError: the file or its columns cannot be compared.
    """
    frame = bench.read_results(data, filename)
    return bench.compare(bench.prepare(frame, columns), resamples=resamples, seed=seed)


def save_run(
    session: Session,
    *,
    product_id: int,
    round_id: int | None,
    name: str,
    file_name: str | None,
    columns: bench.Columns,
    result: bench.Comparison,
    actor: str,
) -> int:
    """Store a comparison as a benchmark run of the product.

    Returns:
        The run's id.

    Raises:
        ItemError: "benchmark_name_empty", "too_long".
    """
    run = repo.store_run(
        session,
        product_id=product_id,
        round_id=round_id,
        name=name,
        file_name=file_name,
        columns=asdict(columns),
        rows=result.rows,
        regressions=result.regressions,
        n_cases=result.n,
        classes=result.classes,
        resamples=result.resamples,
        seed=result.seed,
        fixed=result.fixed,
        actor=actor,
    )
    return run.id


def record_evidence(
    session: Session,
    item_id: int,
    run_id: int,
    actor: str,
    *,
    target: repo.ModelTarget | None = None,
    alpha: float = DEFAULT_ALPHA,
) -> BenchmarkEvidence:
    """Record a benchmark run as evidence on an item, judged against the item's model target.

    Args:
        session: The unit of work.
        item_id: The item.
        run_id: The stored benchmark run.
        actor: Who records it.
        target: When given, the item's model target is set to it first (in the same transaction).
        alpha: The level significance is judged at.

    Returns:
        The stored measurement, judged.

    Raises:
        ItemError: "no_item", "carried", "benchmark_no_run", "benchmark_other_product" (the run is of
            another product), "benchmark_no_target_metric" (the item has no model metric),
            "benchmark_metric_missing" (the run has no such metric, class or slice), and the codes of
            :func:`db.benchmarks.set_model_target`.
    """
    run = repo.run_row(session, run_id)
    row = item_row(session, item_id)
    rnd = session.get(Round, row.round_id)
    if rnd is None or rnd.product_id != run.product_id:
        raise ItemError("benchmark_other_product")
    if target is not None:
        repo.set_model_target(session, item_id, target, actor)
    if not row.bench_metric:
        raise ItemError("benchmark_no_target_metric")
    results = repo.run_results(session, run_id)
    match = results[
        (results["metric"] == row.bench_metric)
        & (results["class"] == (row.bench_class or ""))
        & (results["slice_column"] == (row.bench_slice_column or ""))
        & (results["slice"] == (row.bench_slice or ""))
    ]
    if match.empty:
        raise ItemError("benchmark_metric_missing")
    found = match.iloc[0]
    regressions = len(repo.run_regressions(session, run_id))

    def count(value: object) -> int | None:
        return None if pd.isna(value) else int(float(str(value)))

    evidence = BenchmarkEvidence(
        run_id=run.id,
        run_name=run.name,
        metric=str(found["metric"]),
        klass=str(found["class"]),
        slice_column=str(found["slice_column"]),
        slice=str(found["slice"]),
        n=int(found["n"]),
        before=float(found["before"]),
        after=float(found["after"]),
        diff=float(found["diff"]),
        ci_low=float(found["ci_low"]),
        ci_high=float(found["ci_high"]),
        test=str(found["test"]),
        p_val=float(found["p_val"]),
        p_adj=float(found["p_adj"]),
        alpha=alpha,
        right_to_wrong=count(found["right_to_wrong"]),
        wrong_to_right=count(found["wrong_to_right"]),
        regressions=regressions,
    )
    return repo.attach_benchmark_evidence(session, item_id, evidence, actor)
