"""Load or remove the demo workspace from a shell.

Usage: `python -m jobs.demo [--remove [--yes]] [--database-url URL] [--seed N] [--no-analysis]`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from db.engine import DatabaseProblem, make_engine, unit_of_work
from db.migrate import upgrade
from db.settings import secret_warning
from services.demo import demo_product_id, demo_removal_preview, load_demo, removal_summary, remove_demo


def _remove_from_shell(engine: Engine, yes: bool) -> int:
    """`--remove`: show what goes, ask before deleting (unless --yes); refuse without a terminal."""
    with unit_of_work(engine) as session:
        product_id = demo_product_id(session)
        preview = None if product_id is None else demo_removal_preview(session, product_id)
    if preview is None:
        print("No demo workspace to remove.")
        return 0
    print(removal_summary(preview))
    if not yes:
        if not sys.stdin.isatty():
            print(
                "error: not removed: confirm in a terminal, or pass --yes to remove without asking",
                file=sys.stderr,
            )
            return 1
        if input("Delete all of it? Type yes to confirm: ").strip().lower() not in ("y", "yes"):
            print("Not removed.")
            return 1
    removed = remove_demo(engine, actor="cli")
    print(f"Removed {removed} demo product(s).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: load (or remove) the demo workspace after bringing the schema to head."""
    parser = argparse.ArgumentParser(
        prog="python -m jobs.demo", description="Load or remove the demo workspace."
    )
    parser.add_argument("--remove", action="store_true", help="remove the demo product and everything of it")
    parser.add_argument("--yes", action="store_true", help="with --remove: do not ask for confirmation")
    parser.add_argument("--database-url", default=None, help="database URL (default: DATABASE_URL or SQLite)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generated content")
    parser.add_argument(
        "--no-analysis",
        action="store_true",
        help="skip the pain-point analysis (about a minute): the items then have no topic",
    )
    args = parser.parse_args(argv)
    try:
        engine = make_engine(args.database_url)
        try:
            upgrade(engine)
            if warning := secret_warning(engine):
                print(warning, file=sys.stderr)
            if args.remove:
                return _remove_from_shell(engine, args.yes)
            else:
                analysis: dict[str, Any] = {}
                if not args.no_analysis:
                    from analytics.embeddings import load_encoder
                    from analytics.topics import warm_up

                    analysis = {"encoder": load_encoder(), "warm_up": warm_up}
                summary = load_demo(engine, actor="cli", seed=args.seed, **analysis)
                print(summary.one_line())
        finally:
            engine.dispose()
    except (ValueError, OSError, DatabaseProblem) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
