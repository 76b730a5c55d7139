"""A product with months of feedback in stored topic runs, for the monitoring tests (no model runs)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import Engine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from db.engine import unit_of_work
from db.models import Feedback, FeedbackTopic, Topic, TopicRun
from db.workspace import create_product, create_round

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
QUOTES = {
    "login": "login code never arrives",
    "slow": "so slow at peak hours",
    "dose": "wrong dosage for children",
}


def seed(
    engine: Engine,
    *,
    baseline_per_day: dict[str, int],
    recent_per_day: dict[str, int],
    first_run_keys: tuple[str, ...] | None = None,
    ratings: tuple[float, float] | None = None,
    name: str = "Tutor",
    now: datetime = NOW,
) -> dict[str, int]:
    """A product whose feedback of 35 days (28 baseline, 7 recent, ending at NOW) sits in topic runs.

    Each topic gets `baseline_per_day` items a day before the recent week and `recent_per_day` in it (the 35 days end at `now`).
    With `first_run_keys`, an earlier run knew only those topics (the others' items unclustered), so
    the rest are new in the second run. With `ratings` (baseline, recent), items are in-app with that
    rating alternating with one point more (capped at 5), else customer-service texts without ratings.

    Returns:
        product and round ids, and the newest run's id.
    """
    with unit_of_work(engine) as session:
        product = create_product(session, name, "medical")
        rnd = create_round(session, product.id, "Round 1")
        ids: dict[str, list[int]] = {k: [] for k in baseline_per_day | recent_per_day}
        n = 0
        for day in range(35):
            recent = day >= 28
            at = now - timedelta(days=35 - day) + timedelta(hours=1)
            per_day = recent_per_day if recent else baseline_per_day
            for key, count in per_day.items():
                for j in range(count):
                    n += 1
                    text = f"{QUOTES.get(key, key)} #{n}"
                    rating = None
                    if ratings is not None:
                        base = ratings[1] if recent else ratings[0]
                        rating = min(5.0, base + (j % 2))
                    row = Feedback(
                        product_id=product.id,
                        round_id=rnd.id,
                        channel="in_app" if ratings is not None else "customer_service",
                        text=text,
                        rating=rating,
                        created_at=at + timedelta(minutes=j),
                        content_hash=hashlib.sha256(text.encode()).hexdigest(),
                        dedup_key=hashlib.sha256(f"{name}{n}".encode()).hexdigest(),
                    )
                    session.add(row)
                    session.flush()
                    ids[key].append(row.id)
        runs = []
        for keys in ([first_run_keys] if first_run_keys is not None else []) + [tuple(ids)]:
            run = TopicRun(product_id=product.id, round_id=None, model_id="test", params={}, n_docs=n)
            session.add(run)
            session.flush()
            topics = {}
            for key in keys:
                topics[key] = Topic(run_id=run.id, key=key, label=f"{key} topic", size=len(ids[key]))
                session.add(topics[key])
            session.flush()
            for key, members in ids.items():
                topic = topics.get(key)
                for rank, fid in enumerate(members):
                    session.add(
                        FeedbackTopic(
                            run_id=run.id,
                            feedback_id=fid,
                            topic_id=topic.id if topic else None,
                            probability=1.0 - rank / 10_000,
                        )
                    )
            session.flush()
            runs.append(run.id)
        return {"product": product.id, "round": rnd.id, "run": runs[-1]}


@dataclass
class Receiver:
    """A local webhook receiver that checks Standard Webhooks signatures with the endpoint's secret."""

    url: str
    secret: str = ""
    fail_first: int = 0  # answer 500 to this many requests first
    received: list[dict[str, object]] = field(default_factory=list)  # verified events
    answers: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # webhook-id of every request


@contextmanager
def running_receiver(fail_first: int = 0) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 in a thread; set `.secret` before events arrive."""
    state = Receiver(url="", fail_first=fail_first)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                state.ids.append(self.headers.get("webhook-id", ""))
                if len(state.answers) < state.fail_first:
                    code = 500
                else:
                    try:
                        event = Webhook(state.secret).verify(body, dict(self.headers.items()))
                    except WebhookVerificationError:
                        code = 401
                    else:
                        state.received.append(event)
                        code = 204
                state.answers.append(code)
            self.send_response(code)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/rectify"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
