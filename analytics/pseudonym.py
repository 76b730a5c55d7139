"""Pseudonymous respondent keys: a keyed hash, so waves can be paired without storing who it was."""

import hashlib
import hmac

from analytics.hashing import normalise


def pseudonymise(raw_key: str, secret: bytes) -> str:
    """HMAC-SHA256 of the trimmed key (hex, 64 chars). The same key and secret give the same result.

    Raises:
        ValueError: an empty key or secret.
    """
    key = normalise(raw_key)
    if not key:
        raise ValueError("empty respondent key")
    if not secret:
        raise ValueError("empty secret")
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()
