"""The pain-point analysis of a product's feedback as a batch job on Dask workers.

Usage: ``python -m jobs.topics --product NAME [--round NAME] [--workers N] [--database-url URL]``.

Texts not yet cached are encoded by the workers (a local cluster of N processes, or the scheduler at
RECTIFY_DASK_SCHEDULER). A scope of RECTIFY_SCALE_THRESHOLD items or more is then fitted on a
stratified sample and the rest placed by the workers (services.scale); a smaller one is fitted whole,
exactly as the page fits it (services.pain_points.analyse_scope). The run is stored; the page opens it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import replace

from analytics.progress import StagedProgress
from db import feedback as feedback_repo
from db.engine import DatabaseProblem, make_engine, unit_of_work
from jobs.analyse import BatchProblem, find_scope
from services import pain_points, scale

log = logging.getLogger(__name__)


def _progress() -> StagedProgress:
    last: dict[str, float] = {}

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last.get(stage, 0.0) >= 5:
            last[stage] = now
            log.info("%s %d/%d", stage, done, total)

    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: analyse a product's (or round's) feedback on Dask workers; returns the exit status.

    Exit status 0 when the run is stored, 2 for an unknown product or round, no feedback, or a
    database that cannot be used (one line on stderr).
    """
    parser = argparse.ArgumentParser(
        prog="python -m jobs.topics",
        description="Analyse a product's feedback into pain-point topics on Dask workers and store the run "
        "the pain-points page opens (DATABASE_URL or --database-url says which database).",
    )
    parser.add_argument("--product", required=True, help="the product whose feedback is analysed")
    parser.add_argument("--round", help="only this round (default: every round)")
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes of the local cluster (default 2)"
    )
    parser.add_argument("--database-url", help="the database (default: DATABASE_URL)")
    parser.add_argument("--model", help="encoder name (default: chosen from the texts' languages)")
    parser.add_argument(
        "--sample", type=int, help="items to fit on above the threshold (RECTIFY_SCALE_SAMPLE)"
    )
    parser.add_argument("--min-topic-size", type=int, help="smallest topic (default: 0.5%% of items)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr
    )
    for noisy in ("numba", "jieba", "sentence_transformers", "transformers", "onnxruntime"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    try:
        scope = find_scope(args.database_url, args.product, args.round)
        summary = run(
            args.database_url,
            scope.product_id,
            scope.round_id,
            workers=args.workers,
            model=args.model,
            sample=args.sample,
            seed=args.seed,
            min_topic_size=args.min_topic_size,
        )
    except BatchProblem as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except pain_points.NoFeedback:
        print(f"error: there is no feedback to analyse in {args.product}", file=sys.stderr)
        return 2
    except DatabaseProblem as err:
        print(f"error: the database cannot be used ({err.kind}): {err.where}", file=sys.stderr)
        return 2
    log.info(
        "stored run %d for %s: %d items, %d topics, %.1f%% unclustered, %d newly embedded, %s, in %.0fs",
        summary.run_id,
        scope.described,
        summary.items,
        summary.topics,
        100 * summary.outlier_share,
        summary.embedded,
        summary.method,
        summary.seconds,
    )
    return 0


def run(
    url: str | None,
    product_id: int,
    round_id: int | None,
    *,
    workers: int = 2,
    model: str | None = None,
    sample: int | None = None,
    seed: int = 42,
    min_topic_size: int | None = None,
    processes: bool = True,
    actor: str = "batch",
) -> pain_points.AnalysisSummary:
    """Analyse a scope on Dask workers and store the run (see the module docstring).

    Args:
        url: The database URL (None: DATABASE_URL).
        product_id: The product.
        round_id: Its round, or None for every round.
        workers: Worker processes of the local cluster.
        model: Encoder name; None picks it from the texts' languages.
        sample: Items to fit on above the threshold (default RECTIFY_SCALE_SAMPLE).
        seed: Seeds the sample and the topic model.
        min_topic_size: Passed to the topic model.
        processes: False runs the local workers as threads (tests).
        actor: Who the audit log names.

    Raises:
        pain_points.NoFeedback: the scope has no feedback.
    """
    from analytics.embeddings import choose_model, load_encoder
    from analytics.topics import warm_up

    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            frame = feedback_repo.scope_feedback(session, product_id, round_id)
        if frame.empty:
            raise pain_points.NoFeedback(f"product {product_id} has no feedback")
        model = model or choose_model(frame["text"].astype(str).tolist())
        progress = _progress()
        large = len(frame) >= scale.threshold()
        log.info(
            "%d items: %s",
            len(frame),
            "sample fit and placement" if large else "full fit (under the threshold)",
        )
        with scale.dask_client(workers, processes=processes) as client:
            if large:
                return scale.analyse_at_scale(
                    engine,
                    product_id,
                    round_id,
                    model,
                    client,
                    progress=progress,
                    sample=sample,
                    seed=seed,
                    min_topic_size=min_topic_size,
                    actor=actor,
                    audit_detail={"batch": True, "workers": workers},
                )
            encoder = load_encoder(model)
            render = engine.url.render_as_string(hide_password=False)
            embedded = scale.embed_missing(client, render, model, encoder.model_id, frame, progress)
        summary = pain_points.analyse_scope(
            engine,
            product_id,
            round_id,
            encoder,
            progress=progress,
            warm_up=warm_up,
            min_topic_size=min_topic_size,
            seed=seed,
            actor=actor,
            audit_detail={"batch": True, "workers": workers},
        )
        return replace(summary, embedded=embedded)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
