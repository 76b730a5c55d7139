"""The pain-point analysis as a batch job on the database, for corpora too big to wait for in a browser.

It does what "Find pain points" does on the page (embeddings from the cache, model categories where no
person set one, topics stored as a new run with stable keys) and records it in the audit log; the page
then opens the stored run. Started by ``python -m analytics.topics --product NAME``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from analytics.embeddings import choose_model, load_encoder
from analytics.topics import warm_up
from db import migrate, painpoints
from db.engine import make_engine, unit_of_work
from db.models import Product, Round
from db.users import audit

log = logging.getLogger(__name__)


class BatchProblem(ValueError):
    """Input the batch job cannot work with; the message says what, in plain words."""


@dataclass(frozen=True)
class Scope:
    product_id: int
    round_id: int | None
    described: str  # "MediAssist, Round 2"


def find_scope(url: str | None, product: str, round_name: str | None) -> Scope:
    """The product (and round) named on the command line.

    Raises:
        BatchProblem: no such product or round (the message lists the names there are).
        DatabaseProblem: the database cannot be used.
    """
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            products = {p.name: p.id for p in session.scalars(select(Product).order_by(Product.name))}
            if product not in products:
                raise BatchProblem(
                    f"no product named {product!r}; there are: {', '.join(products) or 'none'}"
                )
            if round_name is None:
                return Scope(products[product], None, f"{product}, all rounds")
            rounds = {
                r.name: r.id
                for r in session.scalars(select(Round).where(Round.product_id == products[product]))
            }
            if round_name not in rounds:
                names = ", ".join(sorted(rounds)) or "none"
                raise BatchProblem(f"{product} has no round named {round_name!r}; there are: {names}")
            return Scope(products[product], rounds[round_name], f"{product}, {round_name}")
    finally:
        engine.dispose()


def analyse(
    url: str | None,
    scope: Scope,
    *,
    model: str | None = None,
    min_topic_size: int | None = None,
    seed: int = 42,
    actor: str = "batch",
) -> painpoints.AnalysisSummary:
    """Analyse the scope's feedback and store the run, as the page does.

    Args:
        url: Database URL (None: DATABASE_URL).
        scope: From :func:`find_scope`.
        model: Encoder name (see analytics.embeddings); None picks it from the texts' languages.
        min_topic_size, seed: Passed to the topic model.
        actor: Who the audit log names.

    Raises:
        painpoints.NoFeedback: the scope has no feedback.
    """
    engine = make_engine(url)
    try:
        if model is None:
            with unit_of_work(engine) as session:
                texts = painpoints.scope_feedback(session, scope.product_id, scope.round_id)["text"]
            if texts.empty:
                raise painpoints.NoFeedback(scope.described)
            model = choose_model(texts.astype(str).tolist())
        encoder = load_encoder(model)
        log.info("%s: encoder %s", scope.described, encoder.model_id)

        def progress(stage: str, done: int, total: int) -> None:
            if done == 0 or done == total:
                log.info("%s %s %d/%d", stage, "started" if done == 0 else "done", done, total)

        summary = painpoints.analyse_scope(
            engine,
            scope.product_id,
            scope.round_id,
            encoder,
            progress=progress,
            warm_up=warm_up,
            min_topic_size=min_topic_size,
            seed=seed,
        )
        with unit_of_work(engine) as session:
            detail = {"items": summary.items, "topics": summary.topics, "seconds": round(summary.seconds, 1)}
            audit(session, actor, "topics.analyse", "topic_run", summary.run_id, {**detail, "batch": True})
        return summary
    finally:
        engine.dispose()
