"""Make, list and revoke API keys from a shell.

Usage:
    python -m jobs.apikeys create --product NAME --scopes feedback:write[,responses:write,read] [--name LABEL]
    python -m jobs.apikeys list [--product NAME]
    python -m jobs.apikeys revoke KEY_ID_OR_PREFIX

`create` prints the key, and nothing else, on stdout (it is shown this once; only its hash is kept).
Every command takes `--database-url URL` (default: DATABASE_URL or SQLite). Creating and revoking are
audited as `cli:<user>`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from db.engine import DatabaseProblem, make_engine, unit_of_work
from db.migrate import upgrade
from db.models import API_SCOPES
from db.workspace import find_product
from services.api_keys import ApiKeyError, create_key, list_keys, revoke_key


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:60]
    except (KeyError, OSError):
        return "cli"


def _when(value: object) -> str:
    return "-" if value is None else str(value)[:19]


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: create, list or revoke API keys; returns the exit status (2 for a refused request)."""
    parser = argparse.ArgumentParser(prog="python -m jobs.apikeys", description="Manage the HTTP API's keys.")
    parser.add_argument("--database-url", default=None, help="database URL (default: DATABASE_URL or SQLite)")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="make a key and print it (only this once)")
    create.add_argument("--product", required=True, help="the product's name or id")
    create.add_argument("--scopes", required=True, help=f"comma-separated, of {', '.join(API_SCOPES)}")
    create.add_argument("--name", default=None, help="a label to tell keys apart (optional)")
    listing = commands.add_parser("list", help="list keys (never the secret)")
    listing.add_argument("--product", default=None, help="only this product's keys")
    revoke = commands.add_parser("revoke", help="revoke a key by its id or its prefix")
    revoke.add_argument("key", help="the key's id or prefix, as `list` shows them")
    args = parser.parse_args(argv)
    try:
        engine = make_engine(args.database_url)
        try:
            upgrade(engine)
            with unit_of_work(engine) as session:
                if args.command == "create":
                    made = create_key(
                        session, args.product, args.scopes.split(","), actor=_actor(), name=args.name
                    )
                    print(made.secret)
                elif args.command == "list":
                    product_id = None
                    if args.product:
                        product = find_product(session, args.product)
                        if product is None:
                            raise ApiKeyError("product_unknown", args.product)
                        product_id = product.id
                    print("id\tproduct\tprefix\tscopes\tcreated\tlast used\trevoked\tname")
                    for key in list_keys(session, product_id):
                        print(
                            f"{key.id}\t{key.product}\t{key.prefix}\t{','.join(key.scopes)}\t{_when(key.created_at)}"
                            f"\t{_when(key.last_used_at)}\t{_when(key.revoked_at)}\t{key.name or ''}"
                        )
                else:
                    ref: int | str = int(args.key) if args.key.isdigit() else args.key
                    revoked = revoke_key(session, ref, actor=_actor())
                    print(f"revoked {revoked.prefix}… ({revoked.product})", file=sys.stderr)
        finally:
            engine.dispose()
    except ApiKeyError as err:
        messages = {
            "product_unknown": f"no product named {err.detail!r}",
            "scopes_empty": "give at least one scope",
            "scope_unknown": f"unknown scope {err.detail} (scopes: {', '.join(API_SCOPES)})",
            "key_unknown": f"no single key with id or prefix {err.detail!r}",
        }
        print(f"error: {messages.get(err.code, err.code)}", file=sys.stderr)
        return 2
    except (ValueError, OSError, DatabaseProblem) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
