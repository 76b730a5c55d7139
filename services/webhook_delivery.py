"""Webhooks out: a product's endpoints receive its alert events, signed as Standard Webhooks.

Each event is a JSON body ``{"type", "timestamp", "data"}`` sent by POST with the headers
``webhook-id`` (the same on every retry, so a receiver can drop duplicates), ``webhook-timestamp``
(Unix seconds) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``,
made by the ``standardwebhooks`` package with the endpoint's ``whsec_`` secret).

Events are queued in the database (:func:`queue_event`) and sent by :func:`deliver_pending`, which the
monitoring job calls: a 2xx answer delivers; anything else (another status, a timeout, a refused
connection, a redirect) is tried again after ``backoff_s * 2**(attempt - 1)`` seconds, up to
``attempts`` tries in all (across runs too), then the delivery is marked failed. Every try is logged.
Pages never send: a test send is queued and delivered on a background thread.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from db import webhooks as repo
from db.engine import unit_of_work
from db.webhooks import PendingDelivery, WebhookError

USER_AGENT = "Rectify-Webhooks/1"
TIMEOUT_S = 5.0
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_S = 2.0
MAX_URL = 500


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a delivery is tried.

    Attributes:
        attempts: Tries in all before a delivery is marked failed (RECTIFY_WEBHOOK_ATTEMPTS).
        backoff_s: Wait before the second try; doubled before each further one (RECTIFY_WEBHOOK_BACKOFF_S).
        timeout_s: How long one try waits for the receiver.
    """

    attempts: int = DEFAULT_ATTEMPTS
    backoff_s: float = DEFAULT_BACKOFF_S
    timeout_s: float = TIMEOUT_S

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """The defaults, overridden by RECTIFY_WEBHOOK_ATTEMPTS and RECTIFY_WEBHOOK_BACKOFF_S."""
        attempts = int(os.environ.get("RECTIFY_WEBHOOK_ATTEMPTS") or DEFAULT_ATTEMPTS)
        backoff = float(os.environ.get("RECTIFY_WEBHOOK_BACKOFF_S") or DEFAULT_BACKOFF_S)
        return cls(attempts=max(attempts, 1), backoff_s=max(backoff, 0.0))

    def delay(self, attempt: int) -> float:
        """Seconds to wait after try number `attempt` (1-based) before the next one."""
        return float(self.backoff_s * 2 ** (attempt - 1))


def new_secret() -> str:
    """A fresh endpoint secret, ``whsec_`` and 32 random bytes in base64 (shown to the admin once)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str) -> str:
    """The URL, stripped, if it can receive webhooks.

    Raises:
        WebhookError: "bad_url" for anything but an http(s) URL with a host (no file:, ftp:, ...).
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise WebhookError("bad_url")
    if any(c.isspace() for c in url):
        raise WebhookError("bad_url")
    return url


def add_endpoint(session: Session, product_id: int, url: str, actor: str) -> tuple[int, str]:
    """Check and store an endpoint with a new secret.

    Returns:
        The endpoint's id and its secret (to show once; the receiver needs it to check signatures).

    Raises:
        WebhookError: "bad_url".
    """
    secret = new_secret()
    endpoint = repo.add_endpoint(session, product_id, check_url(url), secret, actor)
    return endpoint.id, secret


def signed_headers(secret: str, msg_id: str, payload: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one try (signed over id, Unix timestamp and body)."""
    signature = Webhook(secret).sign(msg_id, at, payload)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def event_body(event_type: str, data: dict[str, Any], at: datetime) -> str:
    """The JSON body of an event, as signed and sent."""
    return json.dumps(
        {"type": event_type, "timestamp": at.isoformat(), "data": data}, ensure_ascii=False, default=str
    )


def queue_event(
    session: Session,
    product_id: int,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
    *,
    alert_id: int | None = None,
    endpoint_ids: Iterable[int] | None = None,
) -> list[int]:
    """Queue an event for the product's active endpoints (or the given ones).

    Returns:
        The ids of the deliveries queued.
    """
    if endpoint_ids is None:
        endpoint_ids = [e.id for e in repo.active_endpoints(session, product_id)]
    body = event_body(event_type, data, now)
    return [
        repo.queue_delivery(
            session, eid, f"msg_{secrets.token_urlsafe(18)}", event_type, body, now, alert_id
        ).id
        for eid in endpoint_ids
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer other than 2xx: logged, retried


_OPENER = urllib.request.build_opener(_NoRedirect)


def send_once(pending: PendingDelivery, timeout_s: float) -> tuple[int | None, str | None]:
    """POST one delivery, freshly signed.

    Returns:
        (status code or None, error text or None); a 2xx status with no error means delivered.
    """
    now = datetime.now(UTC)
    request = urllib.request.Request(
        pending.url,
        data=pending.payload.encode("utf-8"),
        headers=signed_headers(pending.secret, pending.msg_id, pending.payload, now),
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            response.read(1024)
            return int(response.status), None
    except urllib.error.HTTPError as err:
        return int(err.code), f"HTTP {err.code} {err.reason}"
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return None, f"{type(err).__name__}: {reason}"


@dataclass(frozen=True)
class DeliveryReport:
    """What one call of :func:`deliver_pending` did."""

    delivered: int
    failed: int  # out of attempts now
    still_pending: int  # a later run tries again
    attempts: int


def deliver_pending(
    engine: Engine,
    *,
    product_id: int | None = None,
    delivery_ids: Iterable[int] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send pending deliveries, retrying each with exponential backoff; every try is logged.

    No transaction is open while a request is in flight.

    Args:
        engine: The database.
        product_id: Only this product's deliveries (None: all).
        delivery_ids: Only these deliveries (None: all pending).
        policy: Tries and backoff (default: RetryPolicy.from_env()).
        sleep: How to wait between tries.
    """
    policy = policy or RetryPolicy.from_env()
    with unit_of_work(engine) as session:
        todo = repo.pending_deliveries(session, product_id)
    if delivery_ids is not None:
        wanted = set(delivery_ids)
        todo = [p for p in todo if p.delivery_id in wanted]
    delivered = failed = pending = tries = 0
    for item in todo:
        attempt = item.attempts
        outcome = "pending"
        while outcome == "pending" and attempt < policy.attempts:
            if attempt > item.attempts:
                sleep(policy.delay(attempt))
            attempt += 1
            started = time.perf_counter()
            at = datetime.now(UTC)
            code, error = send_once(item, policy.timeout_s)
            ms = int((time.perf_counter() - started) * 1000)
            ok = error is None and code is not None and 200 <= code < 300
            if ok:
                outcome = "delivered"
            elif attempt >= policy.attempts:
                outcome = "failed"
            tries += 1
            with unit_of_work(engine) as session:
                repo.record_attempt(session, item.delivery_id, at, code, error, ms, outcome)
        delivered += outcome == "delivered"
        failed += outcome == "failed"
        pending += outcome == "pending"
    return DeliveryReport(delivered, failed, pending, tries)


def send_test(engine: Engine, endpoint_id: int, actor: str) -> int:
    """Queue a "webhook.test" event for one endpoint and deliver it on a background thread.

    Returns:
        The delivery's id (its tries appear in the delivery log).

    Raises:
        WebhookError: "no_endpoint".
    """
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        endpoint = repo.endpoint_row(session, endpoint_id)
        data = {"message": "Test event from Rectify", "endpoint_id": endpoint_id, "sent_by": actor}
        (delivery_id,) = queue_event(
            session, endpoint.product_id, "webhook.test", data, now, endpoint_ids=[endpoint_id]
        )
    threading.Thread(
        target=deliver_pending, args=(engine,), kwargs={"delivery_ids": [delivery_id]}, daemon=True
    ).start()
    return delivery_id
