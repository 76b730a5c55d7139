"""Installation-wide settings stored in the database (shared by every app replica)."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import AppSetting

SECRET_ENV = "RECTIFY_SECRET_KEY"
_SECRET_SETTING = "respondent_key_secret"


def get_setting(session: Session, key: str) -> str | None:
    """The stored value of setting `key`, or None when it was never set."""
    return session.scalar(select(AppSetting.value).where(AppSetting.key == key))


def respondent_key_secret(session: Session) -> bytes:
    """The secret for pseudonymising respondent keys.

    RECTIFY_SECRET_KEY wins when set; otherwise a random secret is made once and kept in the
    database, so pairing across waves keeps working after restarts and across replicas.
    """
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        return configured.encode("utf-8")
    stored = get_setting(session, _SECRET_SETTING)
    if stored is None:
        candidate = secrets.token_hex(32)
        try:
            with session.begin_nested():  # another replica may create it at the same moment
                session.add(AppSetting(key=_SECRET_SETTING, value=candidate))
        except IntegrityError:
            pass
        stored = get_setting(session, _SECRET_SETTING)
    assert stored is not None
    return stored.encode("utf-8")
