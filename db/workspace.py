"""Repository functions for products and rectification rounds."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Product, Round

DOMAINS = ("medical", "finance", "education", "manufacturing", "other")


class WorkspaceError(ValueError):
    """A refused product or round; `code` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def list_products(session: Session) -> list[Product]:
    """Every product by name, demo products last."""
    return list(session.scalars(select(Product).order_by(Product.is_demo, Product.name)))


def list_rounds(session: Session, product_id: int) -> list[Round]:
    """Rounds of a product, newest first."""
    query = select(Round).where(Round.product_id == product_id)
    return list(session.scalars(query.order_by(Round.starts_on.desc().nulls_last(), Round.id.desc())))


def create_product(session: Session, name: str, domain: str = "other", is_demo: bool = False) -> Product:
    """Create a product.

    Raises:
        WorkspaceError: "name_empty", "domain_unknown" (not one of DOMAINS), "name_taken".
    """
    name = name.strip()
    if not name:
        raise WorkspaceError("name_empty")
    if domain not in DOMAINS:
        raise WorkspaceError("domain_unknown")
    if session.scalar(select(Product.id).where(Product.name == name)) is not None:
        raise WorkspaceError("name_taken")
    product = Product(name=name, domain=domain, is_demo=is_demo)
    session.add(product)
    session.flush()
    return product


def create_round(
    session: Session,
    product_id: int,
    name: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    status: str = "active",
) -> Round:
    """Create a round of a product; `starts_on` and `ends_on` are inclusive, None leaves that end open.

    Raises:
        WorkspaceError: "round_name_empty".
    """
    name = name.strip()
    if not name:
        raise WorkspaceError("round_name_empty")
    rnd = Round(product_id=product_id, name=name, starts_on=starts_on, ends_on=ends_on, status=status)
    session.add(rnd)
    session.flush()
    return rnd


def create_next_round(
    session: Session, after_round_id: int, name: str, starts_on: date | None, ends_on: date | None = None
) -> Round:
    """Open the round that follows `after_round_id` in the same product (where unfinished items go).

    Raises:
        WorkspaceError: "no_round", "round_name_empty", "not_later" (it would start on or before the
            round it follows), "bad_dates" (it would end before it starts).
    """
    source = session.get(Round, after_round_id)
    if source is None:
        raise WorkspaceError("no_round")
    if starts_on is not None and source.starts_on is not None and starts_on <= source.starts_on:
        raise WorkspaceError("not_later")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise WorkspaceError("bad_dates")
    return create_round(session, source.product_id, name, starts_on=starts_on, ends_on=ends_on)


def find_product(session: Session, ref: str) -> Product | None:
    """The product named by a link's `?product=`: its id, else its name (case and spaces ignored)."""
    ref = ref.strip()
    if not ref:
        return None
    if ref.isdigit():
        product = session.get(Product, int(ref))
        if product is not None:
            return product
    return session.scalars(select(Product).where(func.lower(Product.name) == ref.lower())).first()


def current_round_id(session: Session, product_id: int) -> int | None:
    """The round new feedback belongs to: the newest active round, else the newest round, else None."""
    newest_first = select(Round.id).where(Round.product_id == product_id)
    newest_first = newest_first.order_by(Round.starts_on.desc().nulls_last(), Round.id.desc())
    active = session.scalars(newest_first.where(Round.status == "active").limit(1)).first()
    return active if active is not None else session.scalars(newest_first.limit(1)).first()
