"""The monitoring job: alerts for topic spikes, new topics, rating drops and fixes that stop holding.

Usage: ``python -m jobs.monitor [--product NAME] [--database-url URL] [--no-webhooks]``. Without
--product every product is watched. Cron-friendly: a rerun with nothing new opens no alert twice
(see services.monitoring); pending webhook events are sent (with retries) at the end.
Exit status 0 on success, 2 for an unknown product, bad settings or a database problem.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy import select

from analytics.detectors import MonitorParams
from db import migrate
from db.engine import DatabaseProblem, make_engine, unit_of_work
from db.models import Product
from services import monitoring, webhook_delivery


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: watch one product or all of them; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m jobs.monitor",
        description="Look for topic spikes, new topics, in-app rating drops and verified fixes whose topic "
        "rises again; store each alert once and send it to the product's webhooks.",
    )
    parser.add_argument("--product", help="watch only this product (default: every product)")
    parser.add_argument("--database-url", help="the database (default: DATABASE_URL)")
    parser.add_argument("--no-webhooks", action="store_true", help="store alerts but send no webhook")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        params = MonitorParams.from_env(os.environ)
        policy = webhook_delivery.RetryPolicy.from_env()
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    engine = None
    try:
        engine = make_engine(args.database_url)
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            products = {p.name: p.id for p in session.scalars(select(Product).order_by(Product.name))}
        if args.product is not None:
            if args.product not in products:
                names = ", ".join(products) or "none"
                print(f"error: no product named {args.product!r}; there are: {names}", file=sys.stderr)
                return 2
            products = {args.product: products[args.product]}
        for name, product_id in products.items():
            summary = monitoring.monitor_product(
                engine, product_id, params=params, deliver=not args.no_webhooks, policy=policy
            )
            line = f"{name}: {summary.findings} conditions, {len(summary.opened)} new alerts"
            if summary.cleared:
                line += f", {summary.cleared} no longer found"
            if summary.note == "no_run":
                line += " (no topic analysis yet: only the rating was watched)"
            if summary.webhooks is not None and summary.webhooks.attempts:
                report = summary.webhooks
                line += f"; webhooks: {report.delivered} delivered, {report.failed} failed"
            print(line)
    except DatabaseProblem as err:
        print(f"error: the database cannot be used ({err.kind}): {err.where}", file=sys.stderr)
        return 2
    finally:
        if engine is not None:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
