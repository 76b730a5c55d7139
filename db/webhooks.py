"""Stored webhook endpoints of a product, the events queued for them and every delivery attempt.

Signing and sending is services.webhook_delivery' job; this module stores what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from db.users import audit


class WebhookError(ValueError):
    """A refused change to an endpoint; `code` names why ("bad_url", "no_endpoint")."""

    def __init__(self, code: str) -> None:
        """Keep the reason's code."""
        super().__init__(code)
        self.code = code


def add_endpoint(session: Session, product_id: int, url: str, secret: str, actor: str) -> WebhookEndpoint:
    """Store an endpoint (its URL already checked by the caller) and audit it without the secret."""
    endpoint = WebhookEndpoint(product_id=product_id, url=url, secret=secret, active=True, created_by=actor)
    session.add(endpoint)
    session.flush()
    audit(session, actor, "webhook.add", "webhook_endpoint", endpoint.id, {"url": url})
    return endpoint


def set_endpoint_active(session: Session, endpoint_id: int, active: bool, actor: str) -> None:
    """Disable (or enable again) an endpoint; a disabled one gets no new events.

    Raises:
        WebhookError: "no_endpoint".
    """
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookError("no_endpoint")
    endpoint.active = active
    audit(session, actor, "webhook.enable" if active else "webhook.disable", "webhook_endpoint", endpoint_id)


def endpoint_row(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint.

    Raises:
        WebhookError: "no_endpoint".
    """
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookError("no_endpoint")
    return endpoint


def active_endpoints(session: Session, product_id: int) -> list[WebhookEndpoint]:
    """The product's endpoints that receive events, oldest first."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.product_id == product_id, WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id)
        )
    )


def list_endpoints(session: Session, product_id: int) -> pd.DataFrame:
    """The product's endpoints (never their secrets).

    Returns:
        Columns id, url, active, created_by, created_at.
    """
    rows = session.execute(
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.url,
            WebhookEndpoint.active,
            WebhookEndpoint.created_by,
            WebhookEndpoint.created_at,
        )
        .where(WebhookEndpoint.product_id == product_id)
        .order_by(WebhookEndpoint.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "url", "active", "created_by", "created_at"])


def queue_delivery(
    session: Session,
    endpoint_id: int,
    msg_id: str,
    event_type: str,
    payload: str,
    now: datetime,
    alert_id: int | None = None,
) -> WebhookDelivery:
    """Queue one event for one endpoint (pending until sent)."""
    delivery = WebhookDelivery(
        endpoint_id=endpoint_id,
        alert_id=alert_id,
        msg_id=msg_id,
        event_type=event_type,
        payload=payload,
        status="pending",
        attempts=0,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


@dataclass(frozen=True)
class PendingDelivery:
    """What sending one delivery needs, read in one short transaction."""

    delivery_id: int
    url: str
    secret: str
    msg_id: str
    payload: str
    attempts: int


def pending_deliveries(session: Session, product_id: int | None = None) -> list[PendingDelivery]:
    """Deliveries still to send (of one product, or all), oldest first; disabled endpoints' ones too."""
    query = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending")
        .order_by(WebhookDelivery.id)
    )
    if product_id is not None:
        query = query.where(WebhookEndpoint.product_id == product_id)
    return [
        PendingDelivery(d.id, e.url, e.secret, d.msg_id, d.payload, d.attempts)
        for d, e in session.execute(query).all()
    ]


def record_attempt(
    session: Session,
    delivery_id: int,
    at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    outcome: str,
) -> None:
    """Log one attempt and set the delivery's status ("pending", "delivered" or "failed")."""
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            at=at,
            status_code=status_code,
            error=(error or None) and str(error)[:300],
            duration_ms=duration_ms,
        )
    )
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.status = outcome
    if outcome != "pending":
        delivery.finished_at = at


def delivery_log(session: Session, product_id: int, limit: int = 100) -> pd.DataFrame:
    """The newest attempts to the product's endpoints.

    Returns:
        Columns at, url, event_type, msg_id, status_code, error, duration_ms, delivery_status,
        attempt (its number within the delivery).
    """
    rows = session.execute(
        select(
            WebhookAttempt.at,
            WebhookEndpoint.url,
            WebhookDelivery.event_type,
            WebhookDelivery.msg_id,
            WebhookAttempt.status_code,
            WebhookAttempt.error,
            WebhookAttempt.duration_ms,
            WebhookDelivery.status,
            WebhookAttempt.id,
            WebhookDelivery.id,
        )
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.product_id == product_id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "at",
            "url",
            "event_type",
            "msg_id",
            "status_code",
            "error",
            "duration_ms",
            "delivery_status",
            "attempt_id",
            "delivery_id",
        ],
    )
    frame["attempt"] = frame.groupby("delivery_id")["attempt_id"].rank(method="first").astype("int64")
    return frame.drop(columns=["attempt_id", "delivery_id"])
