"""Staff account use cases that need more than one transaction's worth of care."""

from __future__ import annotations

from sqlalchemy import Engine

from db.engine import retrying
from db.models import User
from db.users import create_first_admin


def set_up_first_admin(engine: Engine, username: str, password: str) -> User:
    """Create the installation's first admin, exactly once even when two browsers press at once.

    The loser of a race is retried, sees the winner's account and is refused.

    Raises:
        db.users.AccountError: already_set_up when an account exists, or a refused name or password.
    """
    return retrying(engine, lambda session: create_first_admin(session, username, password))
