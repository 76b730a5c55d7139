"""Staff accounts (argon2-hashed passwords) and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import staff_sessions
from db.models import ROLES, AppSetting, AuditEvent, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
FIRST_ADMIN_SETTING = "first_admin"  # written once, by the setup that created the first admin


class AccountError(ValueError):
    """A refused account change; `code` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def count_users(session: Session) -> int:
    """How many staff accounts exist, disabled ones included."""
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def create_user(
    session: Session, username: str, password: str, role: str, actor: str, email: str | None = None
) -> User:
    """Create a staff account.

    Args:
        session: The unit of work.
        username: The login name; case and surrounding spaces do not matter.
        password: At least MIN_PASSWORD_LENGTH characters.
        role: One of ROLES.
        actor: Who creates it, for the audit log.
        email: For single sign-on (optional); stored lowercased.

    Raises:
        AccountError: codes username_empty, username_taken, password_short, role_unknown,
            email_invalid, email_taken.
    """
    email = _checked_email(session, email)
    username = username.strip()
    if not username:
        raise AccountError("username_empty")
    if role not in ROLES:
        raise AccountError("role_unknown")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_short")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise AccountError("username_taken")
    user = User(username=username, email=email, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", "user", user.id, {"username": username, "role": role})
    return user


def _checked_email(session: Session, email: str | None) -> str | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in email) or len(email) > 254:
        raise AccountError("email_invalid")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("email_taken")
    return email


def user_for_sso(session: Session, email: str | None, verified: bool) -> User:
    """The active account whose e-mail an identity provider vouches for (single sign-on).

    Only a verified e-mail counts: an unverified one could be anybody's. The sign-in is audited.

    Raises:
        AccountError: sso_unverified (no e-mail, or not verified), sso_unknown (no account has
            it), sso_disabled (the account is disabled).
    """
    address = (email or "").strip().lower()
    if not address or not verified:
        raise AccountError("sso_unverified")
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        raise AccountError("sso_unknown")
    if not user.is_active:
        raise AccountError("sso_disabled")
    user.last_login_at = datetime.now(UTC)
    audit(session, user.username, "login.sso", "user", user.id)
    return user


def create_first_admin(session: Session, username: str, password: str) -> User:
    """The first account of a new installation; refused once any account exists.

    Two first-run screens pressed at once both see no account, so the count alone is not enough:
    the setup also writes one fixed settings row, whose primary key lets only one transaction
    commit. The other fails (IntegrityError, or SQLite's stale-snapshot lock), and run again through
    `db.engine.retrying` it sees the account and is refused with "already_set_up".

    Raises:
        AccountError: already_set_up, or any code of `create_user`.
    """
    if count_users(session) > 0:
        raise AccountError("already_set_up")
    session.add(AppSetting(key=FIRST_ADMIN_SETTING, value=username.strip()))
    session.flush()  # claim the setup now: a concurrent first run waits here, then fails
    return create_user(session, username, password, "admin", actor=username.strip())


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (the same answer for both mistakes)."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or not user.is_active:
        _hasher.hash(password)  # spend the same time, so timing does not reveal which usernames exist
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        audit(session, user.username, "login.failed", "user", user.id)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = datetime.now(UTC)
    audit(session, user.username, "login", "user", user.id)
    return user


def set_password(session: Session, user_id: int, password: str, actor: str) -> User:
    """Give `user_id` a new password and end all of that user's sign-ins, on every device.

    Raises:
        AccountError: user_unknown, password_short.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("user_unknown")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_short")
    user.password_hash = _hasher.hash(password)
    ended = staff_sessions.end_all(session, user.id)
    audit(session, actor, "user.password", "user", user.id, {"sessions_ended": ended})
    return user


def password_matches(session: Session, user_id: int, password: str) -> bool:
    """Whether `password` is the current password of `user_id` (before a user changes their own)."""
    user = session.get(User, user_id)
    if user is None:
        return False
    try:
        return bool(_hasher.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def list_users(session: Session) -> list[User]:
    """Every staff account, disabled ones included, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def update_user(
    session: Session,
    user_id: int,
    actor: str,
    role: str | None = None,
    is_active: bool | None = None,
    password: str = "",
) -> User:
    """Change a user's role or active flag, and their password when one is given (set_password).

    The last active admin cannot be demoted or disabled.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("user_unknown")
    if role is not None and role not in ROLES:
        raise AccountError("role_unknown")
    losing_admin = (
        user.role == "admin"
        and user.is_active
        and ((role is not None and role != "admin") or is_active is False)
    )
    if losing_admin:
        admins = session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True))
        )
        if (admins or 0) <= 1:
            raise AccountError("last_admin")
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    if is_active is False:
        staff_sessions.end_all(session, user.id)  # a disabled account is signed out everywhere
    audit(session, actor, "user.update", "user", user.id, {"role": user.role, "active": user.is_active})
    if password:  # ends every sign-in of that user
        set_password(session, user.id, password, actor)
    return user


def audit(
    session: Session,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record who did what; part of the caller's transaction, so it lands only if the change does."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            detail=detail,
        )
    )


def recent_audit(session: Session, limit: int = 200) -> list[AuditEvent]:
    """The newest `limit` audit events, newest first."""
    return list(
        session.scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    )


def get_user(session: Session, user_id: int) -> User | None:
    """The account with this id, or None when there is none."""
    return session.get(User, user_id)
