"""Issue 13, the HTTP API, through real requests (httpx) to `streamlit run server.py` on SQLite and PostgreSQL:
keys and scopes, the import's checks on every item, duplicates, Idempotency-Key replays (concurrent ones
too), responses as the respondent page takes them, error codes, the schema, the rate limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from analytics.pseudonym import pseudonymise
from api.routes import MAX_BODY
from db.engine import make_engine, unit_of_work
from db.models import ApiKey, AuditEvent, Feedback, Response
from db.settings import respondent_key_secret
from tests.apiworld import ApiWorld, make_world
from tests.conftest import ROOT, _fresh_pg_url
from tests.serverhelpers import running_server

pytestmark = pytest.mark.slow
FULL = {"accuracy": 4, "ease_of_use": 5, "response_speed": 3, "problem_resolution": 4, "csat": 4, "nps": 9}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, ApiWorld]]:
    """A running server on a prepared database: (its URL, the database URL, the world)."""
    tmp: Path = tmp_path_factory.mktemp(f"api-{request.param}")
    urls = iter([f"sqlite:///{tmp / 'rectify.db'}"])
    if request.param == "postgresql":
        urls = _fresh_pg_url(request.getfixturevalue("pg_admin"))
    db_url = next(urls)
    world = make_world(db_url, spare_keys=20)
    try:
        with running_server(tmp, {"DATABASE_URL": db_url, "RECTIFY_API_RATE_PER_MIN": "100000"}) as url:
            yield url, db_url, world
    finally:
        next(urls, None)  # drops the PostgreSQL database


def _post(url: str, path: str, key: str | None, body: object, **headers: str) -> httpx.Response:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.post(f"{url}{path}", json=body, headers=headers, timeout=60)


def _count(db_url: str, *where: object, model: type = Feedback) -> int:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        n = int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    engine.dispose()
    return n


def test_health_and_a_schema_that_describes_every_route(api):
    url, _, _ = api
    health = httpx.get(f"{url}/api/v1/health", timeout=30)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "schema": "current"}
    schema = httpx.get(f"{url}/api/v1/openapi.json", timeout=30).json()
    from api.routes import routes

    served = {
        (route.path, method.lower()) for route in routes(lambda: None) for method in route.methods or ()
    }  # type: ignore[arg-type,return-value]
    described = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert served - {(p, "head") for p, _ in served} == described
    codes = set(schema["paths"]["/api/v1/feedback"]["post"]["responses"])
    assert codes >= {"200", "401", "403", "409", "413", "415", "422", "429", "503"}


def test_items_are_checked_redacted_and_stored_once(api):
    url, db_url, world = api
    key = world.feedback_key
    before = _count(db_url)
    reply = _post(
        url,
        "/api/v1/feedback",
        key,
        {
            "product": "MediAssist",
            "items": [
                {
                    "text": "答案错了，回电13800138000",
                    "rating": 2,
                    "respondent_key": "cust-1",
                    "channel": "customer_service",
                },
                {"rating": 5},
                {"text": ""},
                {"text": "too good", "rating": 9},
                {"text": "first", "external_id": "T-1"},
                {"text": "second copy of T-1", "external_id": "T-1"},
                {
                    "text": "dated",
                    "created_at": "2026-11-01T10:00:00+08:00",
                    "lang": "en",
                    "app_version": "2.3.1",
                },
                {"text": "hello", "colour": "red"},
                {"text": "wrong channel", "channel": "survey_comment"},
                "not an object",
            ],
        },
    )
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "stored": 4,
        "duplicates": 1,
        "rejected": [
            {"index": 2, "reason": "empty_text", "field": "text"},
            {"index": 3, "reason": "rating_out_of_range", "field": "rating"},
            {"index": 7, "reason": "unknown_field", "field": "colour"},
            {"index": 8, "reason": "channel_unknown", "field": "channel"},
            {"index": 9, "reason": "not_an_object"},
        ],
    }
    assert _count(db_url) == before + 4
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        stored = session.scalars(select(Feedback).where(Feedback.text.contains("答案错了"))).one()
        assert stored.text == "答案错了，回电[PHONE]" and stored.channel == "customer_service"
        assert stored.respondent_key == pseudonymise("cust-1", respondent_key_secret(session))
        dated = session.scalars(select(Feedback).where(Feedback.text == "dated")).one()
        assert dated.created_at.replace(tzinfo=None).isoformat() == "2026-11-01T02:00:00"
        assert dated.app_version == "2.3.1" and dated.language == "en"
        last_used = session.scalars(select(ApiKey.last_used_at).where(ApiKey.prefix == key[:12])).one()
        assert last_used is not None
    engine.dispose()
    # The same external_id again, with another text and channel: a duplicate, nothing stored.
    again = _post(
        url,
        "/api/v1/feedback",
        key,
        {"items": [{"text": "changed", "external_id": "T-1", "channel": "other"}]},
    )
    assert again.json() == {"stored": 0, "duplicates": 1, "rejected": []}
    # Every item refused: 422 with the reasons, nothing stored.
    refused = _post(url, "/api/v1/feedback", key, {"items": [{"text": " "}, {"rating": "five"}]})
    assert refused.status_code == 422
    assert refused.json()["code"] == "items_invalid"
    assert [r["reason"] for r in refused.json()["rejected"]] == ["empty_text", "bad_rating"]
    assert _count(db_url) == before + 4


def test_refusals_carry_a_status_and_a_stable_code(api):
    url, db_url, world = api
    before = _count(db_url)
    item = {"items": [{"text": "fine"}]}
    path = "/api/v1/feedback"
    cases = [
        (_post(url, path, None, item), 401, "unauthorized"),
        (_post(url, path, "rfy_made-up", item), 401, "unauthorized"),
        (_post(url, path, world.revoked_key, item), 401, "unauthorized"),
        (_post(url, path, world.responses_key, item), 403, "scope_missing"),
        (_post(url, path, world.feedback_key, {"product": "Tutor", **item}), 403, "wrong_product"),
        (_post(url, path, world.other_product_key, {"product": "MediAssist", **item}), 403, "wrong_product"),
        (_post(url, path, world.feedback_key, {"items": [{"text": "x"}] * 1001}), 413, "too_many_items"),
        (_post(url, path, world.feedback_key, {"items": [{"text": "x" * 5000}] * 220}), 413, "too_large"),
        (_post(url, path, world.feedback_key, {"items": []}), 422, "invalid"),
        (_post(url, path, world.feedback_key, ["not", "an", "object"]), 422, "invalid"),
    ]
    plain = httpx.post(
        f"{url}{path}",
        content=b"text=fine",
        headers={"Authorization": f"Bearer {world.feedback_key}"},
        timeout=30,
    )
    cases.append((plain, 415, "not_json"))
    broken = httpx.post(
        f"{url}{path}",
        content=b'{"items": [',
        headers={"Authorization": f"Bearer {world.feedback_key}", "Content-Type": "application/json"},
        timeout=30,
    )
    cases.append((broken, 415, "not_json"))
    for reply, status, code in cases:
        assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
        assert reply.json()["message"]
        assert reply.headers["content-type"] == "application/json"
    assert len(json.dumps({"items": [{"text": "x" * 5000}] * 220})) > MAX_BODY
    assert _count(db_url) == before


def test_an_idempotency_key_replays_the_first_reply_and_refuses_another_body(api):
    url, db_url, world = api
    body = {"items": [{"text": f"idempotent {i}"} for i in range(3)]}
    first = _post(url, "/api/v1/feedback", world.feedback_key, body, **{"Idempotency-Key": "batch-7"})
    assert first.json() == {"stored": 3, "duplicates": 0, "rejected": []}
    stored = _count(db_url)
    replay = _post(url, "/api/v1/feedback", world.feedback_key, body, **{"Idempotency-Key": "batch-7"})
    assert replay.status_code == 200 and replay.json() == first.json()  # the first reply, not "3 duplicates"
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = _post(
        url,
        "/api/v1/feedback",
        world.feedback_key,
        {"items": [{"text": "other"}]},
        **{"Idempotency-Key": "batch-7"},
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    # Keys are per API key: another key's batch-7 is its own.
    own = _post(
        url,
        "/api/v1/feedback",
        world.spare_keys[0],
        {"items": [{"text": "spare"}]},
        **{"Idempotency-Key": "batch-7"},
    )
    assert own.json()["stored"] == 1
    assert _count(db_url) == stored + 1


def test_concurrent_clients_replaying_requests_lose_and_duplicate_nothing(api):
    url, db_url, world = api
    before = _count(db_url)
    barrier = threading.Barrier(20)

    def client(n: int) -> list[tuple[str, dict[str, object]]]:
        key = world.spare_keys[n % 10]  # two clients per key: they replay each other's requests too
        replies = []
        with httpx.Client(timeout=120) as http:
            barrier.wait()
            for batch in range(4):
                owner = n % 10  # both clients of a key send the same four batches, at the same time
                body = {"items": [{"text": f"client {owner} batch {batch} item {i}"} for i in range(10)]}
                reply = http.post(
                    f"{url}/api/v1/feedback",
                    json=body,
                    headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"{owner}-{batch}"},
                )
                assert reply.status_code == 200, reply.text
                replies.append((f"{owner}-{batch}", reply.json()))
        return replies

    with ThreadPoolExecutor(20) as pool:
        results = [r for replies in pool.map(client, range(20)) for r in replies]
    assert _count(db_url) == before + 10 * 4 * 10  # every item once: none lost, none twice
    by_key: dict[str, list[dict[str, object]]] = {}
    for key, reply in results:
        by_key.setdefault(key, []).append(reply)
    assert all(
        len(r) == 2 and r[0] == r[1] == {"stored": 10, "duplicates": 0, "rejected": []}
        for r in by_key.values()
    )


def test_responses_follow_the_respondent_page_rules(api):
    url, db_url, world = api
    key, path = world.responses_key, "/api/v1/responses"
    first = _post(
        url,
        path,
        key,
        {
            "wave": world.wave_id,
            "respondent_key": "cust-9",
            "answers": {**FULL, "comment": "call 13800138000"},
        },
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "created"
    again = _post(
        url,
        path,
        key,
        {"wave": world.wave_id, "respondent_key": "cust-9", "answers": {**FULL, "nps": 3}, "lang": "en"},
    )
    assert again.json() == {"status": "replaced", "response_id": first.json()["response_id"]}
    missing = _post(
        url, path, key, {"wave": world.wave_id, "respondent_key": "cust-8", "answers": {"nps": 9}}
    )
    assert missing.status_code == 422 and missing.json()["code"] == "missing"
    assert "csat" in missing.json()["questions"]
    closed = _post(
        url, path, key, {"wave": world.closed_wave_id, "respondent_key": "cust-8", "answers": FULL}
    )
    assert closed.status_code == 422 and closed.json()["code"] == "wave_closed"
    other = _post(url, path, key, {"wave": world.other_wave_id, "respondent_key": "cust-8", "answers": FULL})
    assert other.status_code == 403 and other.json()["code"] == "wrong_product"
    scope = _post(
        url, path, world.feedback_key, {"wave": world.wave_id, "respondent_key": "c", "answers": FULL}
    )
    assert scope.status_code == 403 and scope.json()["code"] == "scope_missing"
    assert _count(db_url, model=Response) == 1
    # The comment of the first answer was redacted and then removed by the replacement (no comment).
    assert _count(db_url, Feedback.text.contains("13800138000")) == 0


def test_key_creation_and_revocation_are_audited(api):
    _, db_url, _ = api
    assert _count(db_url, AuditEvent.action == "api_key.create", model=AuditEvent) == 24
    assert _count(db_url, AuditEvent.action == "api_key.revoke", model=AuditEvent) == 1


def test_over_the_rate_limit_a_key_is_told_when_to_retry(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'rectify.db'}"
    world = make_world(db_url, spare_keys=1)
    with running_server(tmp_path, {"DATABASE_URL": db_url, "RECTIFY_API_RATE_PER_MIN": "5"}) as url:
        replies = [
            _post(url, "/api/v1/feedback", world.feedback_key, {"items": [{"text": f"r{i}"}]})
            for i in range(6)
        ]
        assert [r.status_code for r in replies] == [200] * 5 + [429]
        assert replies[-1].json()["code"] == "rate_limited"
        assert 1 <= int(replies[-1].headers["Retry-After"]) <= 60
        # Per key: another key of the same product is not slowed down.
        assert (
            _post(url, "/api/v1/feedback", world.spare_keys[0], {"items": [{"text": "s"}]}).status_code == 200
        )
    assert _count(db_url) == 6


def test_a_bad_rate_setting_stops_the_server_with_the_setting_named(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "RECTIFY_API_RATE_PER_MIN": "lots"}
    run = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "RECTIFY_API_RATE_PER_MIN=lots is not a whole number" in run.stdout + run.stderr
