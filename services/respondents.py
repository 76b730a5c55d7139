"""A respondent's data on request: find what is stored under the key they give, to show or forget it."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from analytics.pseudonym import pseudonymise
from db.settings import respondent_key_secret

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")


def respondent_keys(session: Session, entered: str) -> tuple[str, ...]:
    """The stored keys that `entered` may mean: its pseudonym, and itself when it is one already.

    Raises:
        ValueError: an empty entry.
    """
    value = entered.strip()
    if not value:
        raise ValueError("empty respondent key")
    keys = [pseudonymise(value, respondent_key_secret(session))]
    if _PSEUDONYM.fullmatch(value.lower()):
        keys.append(value.lower())
    return tuple(keys)
