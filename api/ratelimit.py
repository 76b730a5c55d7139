"""The per-key rate limit of the HTTP API: a moving window per minute, counted in this process.

Each replica counts on its own (the `limits` package's memory storage), so N replicas let a key send
up to N times the limit.
"""

from __future__ import annotations

import math
import os
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

RATE_ENV = "RECTIFY_API_RATE_PER_MIN"
DEFAULT_RATE = 600


def rate_per_minute() -> int:
    """Requests a key may send per minute: RECTIFY_API_RATE_PER_MIN, else DEFAULT_RATE.

    Raises:
        ValueError: the variable is not a whole number from 1 to 1,000,000.
    """
    configured = os.environ.get(RATE_ENV, "").strip()
    if not configured:
        return DEFAULT_RATE
    if not configured.isdigit() or not 1 <= int(configured) <= 1_000_000:
        raise ValueError(
            f"{RATE_ENV}={configured} is not a whole number of requests per minute (1 to 1000000)"
        )
    return int(configured)


class KeyRateLimit:
    """Counts each key's requests in a moving one-minute window."""

    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, key_id: int) -> int | None:
        """Count one request of the key; None when allowed, else the seconds until one is allowed again."""
        name = str(key_id)
        if self.limiter.hit(self.item, name):
            return None
        reset = self.limiter.get_window_stats(self.item, name).reset_time
        return max(1, math.ceil(reset - time.time()))
