"""Alert events reach a real local receiver signed as Standard Webhooks, on SQLite and PostgreSQL;
a tampered signature is refused; a failing receiver gets retries with backoff, each try logged."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import WebhookEndpoint
from db.webhooks import WebhookError, delivery_log, set_endpoint_active
from db.workspace import create_product
from services import webhook_delivery
from services.monitoring import monitor_product
from tests.monitor_support import NOW, running_receiver, seed

STABLE = {"login": 3, "slow": 3, "dose": 2}
DOSE_SPIKE = {"login": 3, "slow": 3, "dose": 8}
FAST = webhook_delivery.RetryPolicy(attempts=4, backoff_s=0.05, timeout_s=5)


def _endpoint(engine, product_id: int, url: str) -> str:
    with unit_of_work(engine) as session:
        _, secret = webhook_delivery.add_endpoint(session, product_id, url, "ada")
    return secret


def test_a_new_alert_is_sent_signed_and_the_receiver_verifies_it(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE)
    with running_receiver() as receiver:
        receiver.secret = _endpoint(engine, ids["product"], receiver.url)
        summary = monitor_product(engine, ids["product"], now=NOW, policy=FAST)
        assert summary.webhooks is not None and summary.webhooks.delivered == 1
        assert receiver.answers == [204]
        (event,) = receiver.received
        assert event["type"] == "alert.opened"
        data = event["data"]
        assert (data["kind"], data["subject"], data["product"]) == ("spike", "dose", "Tutor")
        assert data["evidence"]["recent_count"] == 56 and data["evidence"]["p_adj"] < 0.05
        # a rerun opens no alert, so sends nothing
        monitor_product(engine, ids["product"], now=NOW, policy=FAST)
        assert len(receiver.received) == 1
    with unit_of_work(engine) as session:
        log = delivery_log(session, ids["product"])
    assert log[["status_code", "delivery_status", "attempt"]].values.tolist() == [[204, "delivered", 1]]


def test_a_tampered_signature_or_body_is_refused_by_the_receiver():
    secret = webhook_delivery.new_secret()
    body = webhook_delivery.event_body("alert.opened", {"alert_id": 1}, datetime.now(UTC))
    with running_receiver() as receiver:
        receiver.secret = secret

        def post(data: str, headers: dict[str, str]) -> int:
            request = urllib.request.Request(receiver.url, data=data.encode(), headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    return int(answer.status)
            except urllib.error.HTTPError as err:
                return int(err.code)

        headers = webhook_delivery.signed_headers(secret, "msg_1", body, datetime.now(UTC))
        assert post(body, headers) == 204
        assert post(body.replace('"alert_id": 1', '"alert_id": 2'), headers) == 401
        forged = dict(headers, **{"webhook-signature": "v1," + "A" * 44})
        assert post(body, forged) == 401
        other = webhook_delivery.signed_headers(
            webhook_delivery.new_secret(), "msg_1", body, datetime.now(UTC)
        )
        assert post(body, other) == 401
    assert headers["webhook-signature"].startswith("v1,") and secret.startswith("whsec_")


def test_a_receiver_failing_first_gets_retries_with_backoff(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE)
    waits: list[float] = []
    with running_receiver(fail_first=2) as receiver:
        receiver.secret = _endpoint(engine, ids["product"], receiver.url)
        monitor_product(engine, ids["product"], now=NOW, deliver=False)
        report = webhook_delivery.deliver_pending(engine, policy=FAST, sleep=waits.append)
        assert (report.delivered, report.attempts) == (1, 3)
        assert receiver.answers == [500, 500, 204]
        assert len(set(receiver.ids)) == 1, "every retry carries the same webhook-id"
        assert len(receiver.received) == 1
    assert waits == [0.05, 0.1]  # doubled before each further try
    with unit_of_work(engine) as session:
        log = delivery_log(session, ids["product"])
    assert sorted(log["attempt"]) == [1, 2, 3]
    assert log.sort_values("attempt")["status_code"].tolist() == [500, 500, 204]
    assert "HTTP 500" in str(log.sort_values("attempt")["error"].iloc[0])


def test_a_receiver_that_keeps_failing_ends_failed_after_the_attempts(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE)
    with running_receiver(fail_first=99) as receiver:
        receiver.secret = _endpoint(engine, ids["product"], receiver.url)
        summary = monitor_product(
            engine, ids["product"], now=NOW, policy=webhook_delivery.RetryPolicy(attempts=3, backoff_s=0.01)
        )
        assert summary.webhooks is not None and summary.webhooks.failed == 1
        assert receiver.answers == [500, 500, 500]
        webhook_delivery.deliver_pending(engine, policy=FAST)
        assert len(receiver.answers) == 3, "a failed delivery is not tried again"
    with unit_of_work(engine) as session:
        log = delivery_log(session, ids["product"])
    assert set(log["delivery_status"]) == {"failed"}


def test_a_disabled_endpoint_gets_no_new_events(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE)
    with running_receiver() as receiver:
        receiver.secret = _endpoint(engine, ids["product"], receiver.url)
        with unit_of_work(engine) as session:
            endpoint_id = session.scalar(select(WebhookEndpoint.id))
            set_endpoint_active(session, endpoint_id, False, "ada")
        monitor_product(engine, ids["product"], now=NOW, policy=FAST)
        assert receiver.answers == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/hook", "javascript:alert(1)", "http://", "example.com/hook"],
)
def test_urls_other_than_http_are_refused_and_nothing_is_stored(engine, url):
    with unit_of_work(engine) as session:
        product_id = create_product(session, "Tutor").id
    with unit_of_work(engine) as session, pytest.raises(WebhookError) as refused:
        webhook_delivery.add_endpoint(session, product_id, url, "ada")
    assert refused.value.code == "bad_url"
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_a_test_send_arrives_signed_without_the_caller_waiting(engine):
    with unit_of_work(engine) as session:
        product_id = create_product(session, "Tutor").id
    with running_receiver() as receiver:
        receiver.secret = _endpoint(engine, product_id, receiver.url)
        with unit_of_work(engine) as session:
            endpoint_id = session.scalar(select(WebhookEndpoint.id))
        webhook_delivery.send_test(engine, endpoint_id, "ada")  # returns at once; a thread sends
        deadline = time.monotonic() + 20
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e["type"] for e in receiver.received] == ["webhook.test"]
        assert receiver.received[0]["data"]["sent_by"] == "ada"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the attempt is logged once the thread has stored it
        with unit_of_work(engine) as session:
            log = delivery_log(session, product_id)
        if len(log):
            break
        time.sleep(0.05)
    assert log[["event_type", "status_code", "delivery_status"]].values.tolist() == [
        ["webhook.test", 204, "delivered"]
    ]
