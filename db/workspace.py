"""Repository functions for products and rectification rounds."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AppSetting, Product, Round
from db.users import audit

DOMAINS = ("medical", "finance", "education", "manufacturing", "other")
DEFAULT_TIME_ZONE = "Asia/Shanghai"  # where the teams this was built for work


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


def _time_zone_key(product_id: int) -> str:
    # A settings row per product: no schema change, and removed with nothing else to migrate.
    return f"time_zone:product:{product_id}"


def time_zones() -> list[str]:
    """Every IANA time zone name this system knows, sorted."""
    return sorted(available_timezones())


def time_zone(session: Session, product_id: int) -> str:
    """The product's time zone name (IANA, e.g. "Asia/Shanghai"); DEFAULT_TIME_ZONE when never set."""
    stored = session.scalar(select(AppSetting.value).where(AppSetting.key == _time_zone_key(product_id)))
    return stored or DEFAULT_TIME_ZONE


def set_time_zone(session: Session, product_id: int, name: str, actor: str) -> str:
    """Store the product's time zone, in which every page shows its times and dates.

    Args:
        session: The database session.
        product_id: The product.
        name: An IANA time zone name.
        actor: Who changed it, for the audit log.

    Returns:
        The zone stored.

    Raises:
        WorkspaceError: "time_zone_unknown" when `name` is no time zone; "product_missing" when the
            product does not exist.
    """
    name = name.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise WorkspaceError("time_zone_unknown") from err
    if session.get(Product, product_id) is None:
        raise WorkspaceError("product_missing")
    key = _time_zone_key(product_id)
    row = session.get(AppSetting, key)
    before = row.value if row is not None else DEFAULT_TIME_ZONE
    if row is None:
        session.add(AppSetting(key=key, value=name))
    else:
        row.value = name
    audit(session, actor, "product.time_zone", "product", product_id, {"from": before, "to": name})
    return name


def forget_time_zone(session: Session, product_id: int) -> None:
    """Drop the product's time zone setting, with the product (a later product may get its id)."""
    row = session.get(AppSetting, _time_zone_key(product_id))
    if row is not None:
        session.delete(row)
