"""API keys of the HTTP API: made and shown once, stored hashed, listed, revoked, checked on each request.

A key reads ``rfy_`` followed by a random secret (``secrets.token_urlsafe``). The database keeps its
SHA-256 hash and its first characters (the prefix shown in lists). Making and revoking a key is
recorded in the audit log; every accepted use updates the key's last-used time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from db import api_keys
from db.models import API_SCOPES, ApiKey
from db.users import audit
from db.workspace import find_product

KEY_PREFIX = "rfy_"
PREFIX_SHOWN = 12  # characters of a key kept and shown in lists: "rfy_" and 8 of the secret


class ApiKeyError(ValueError):
    """A refused key operation; `code`: product_unknown, scopes_empty, scope_unknown, key_unknown."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class KeyInfo:
    """A key as lists show it (never the secret)."""

    id: int
    product_id: int
    product: str
    name: str | None
    prefix: str
    scopes: tuple[str, ...]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """True unless revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is the whole key, shown this once and never again."""

    info: KeyInfo
    secret: str


def hash_key(secret: str) -> str:
    """The SHA-256 hex digest a key is stored and looked up by."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: ApiKey, product: str) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        product_id=row.product_id,
        product=product,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(row.scopes),
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def checked_scopes(scopes: Sequence[str]) -> list[str]:
    """The scopes in API_SCOPES order, each once.

    Raises:
        ApiKeyError: scopes_empty, or scope_unknown naming the scope.
    """
    wanted = {s.strip() for s in scopes if s.strip()}
    if not wanted:
        raise ApiKeyError("scopes_empty")
    unknown = sorted(wanted - set(API_SCOPES))
    if unknown:
        raise ApiKeyError("scope_unknown", ", ".join(unknown))
    return [s for s in API_SCOPES if s in wanted]


def create_key(
    session: Session, product: str, scopes: Sequence[str], *, actor: str, name: str | None = None
) -> NewKey:
    """Make a key for a product (by id or name) with the given scopes, and audit it.

    Raises:
        ApiKeyError: product_unknown, scopes_empty, scope_unknown.
    """
    found = find_product(session, product)
    if found is None:
        raise ApiKeyError("product_unknown", product)
    wanted = checked_scopes(scopes)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    label = (name or "").strip()[:120] or None
    row = api_keys.add_key(
        session,
        product_id=found.id,
        key_hash=hash_key(secret),
        prefix=secret[:PREFIX_SHOWN],
        scopes=wanted,
        created_by=actor,
        name=label,
    )
    audit(
        session,
        actor,
        "api_key.create",
        "api_key",
        row.id,
        {"product": found.name, "prefix": row.prefix, "scopes": wanted},
    )
    return NewKey(_info(row, found.name), secret)


def list_keys(session: Session, product_id: int | None = None) -> list[KeyInfo]:
    """Every key (of one product when given), newest first, revoked ones included."""
    return [_info(row, product) for row, product in api_keys.list_keys(session, product_id)]


def revoke_key(session: Session, key: int | str, *, actor: str) -> KeyInfo:
    """Revoke a key by its id or its visible prefix, and audit it; revoking it again changes nothing.

    Raises:
        ApiKeyError: key_unknown (no such key, or a prefix shared by several keys).
    """
    matches = [
        info
        for info in list_keys(session)
        if (isinstance(key, int) and info.id == key) or (isinstance(key, str) and info.prefix == key)
    ]
    if len(matches) != 1:
        raise ApiKeyError("key_unknown", str(key))
    target = matches[0]
    if target.revoked_at is not None:
        return target
    now = datetime.now(UTC)
    api_keys.revoke_key(session, target.id, now)
    audit(
        session,
        actor,
        "api_key.revoke",
        "api_key",
        target.id,
        {"product": target.product, "prefix": target.prefix},
    )
    return KeyInfo(**{**target.__dict__, "revoked_at": now})


@dataclass(frozen=True)
class Caller:
    """Who sent an API request: the key's id, its product and its scopes."""

    key_id: int
    product_id: int
    scopes: tuple[str, ...]


def authenticate(session: Session, secret: str) -> Caller | None:
    """The caller behind a key, its last use recorded (to the second); None for an unknown or revoked key."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    row = api_keys.key_by_hash(session, hash_key(secret))
    if row is None or row.revoked_at is not None:
        return None
    api_keys.touch_key(session, row, datetime.now(UTC))
    return Caller(row.id, row.product_id, tuple(row.scopes))
