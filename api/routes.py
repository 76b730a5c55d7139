"""The routes of the HTTP API: JSON in, JSON out, every refusal with a stable code and a message.

- `POST /api/v1/feedback` (scope feedback:write): feedback items, checked as an import checks a file.
- `POST /api/v1/responses` (scope responses:write): one questionnaire response to an open wave.
- `GET /api/v1/health` (no key): the process and the database. `GET /api/v1/openapi.json`: the schema.

Keys come as `Authorization: Bearer <key>`. Blocking database work runs in Starlette's threadpool.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine, exc
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.ratelimit import KeyRateLimit, rate_per_minute
from api.schema import openapi
from db.engine import DatabaseProblem
from services.api_intake import (
    ApiRefusal,
    Reply,
    as_json,
    caller_of,
    check_idempotency_key,
    health,
    submit_feedback,
    submit_response,
)

PREFIX = "/api/v1"
MAX_BODY = 1024 * 1024  # bytes of one request body
#: The status of each refusal code; the respondent page's codes for responses are 422.
STATUS = {
    "unauthorized": 401,
    "scope_missing": 403,
    "wrong_product": 403,
    "not_found": 404,
    "idempotency_conflict": 409,
    "too_large": 413,
    "too_many_items": 413,
    "not_json": 415,
    "invalid": 422,
    "items_invalid": 422,
    "rate_limited": 429,
    "database_unavailable": 503,
    "database_busy": 503,
}

Submit = Callable[[Engine, Any, Any, bytes, str | None], Reply]


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A JSON reply that no cache keeps."""
    return Response(
        as_json(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def refusal(code: str, message: str, headers: dict[str, str] | None = None, **details: Any) -> Response:
    """The JSON error reply of a refusal code: {"code", "message", ...details}."""
    return json_response(STATUS.get(code, 422), {"code": code, "message": message, **details}, headers)


def _database_refusal(problem: DatabaseProblem) -> Response:
    if problem.kind == "locked":
        return refusal("database_busy", "the database is busy; try again", {"Retry-After": "1"})
    return refusal(
        "database_unavailable", "the database cannot be reached; nothing was stored", {"Retry-After": "5"}
    )


async def _body(request: Request) -> bytes:
    """The request body, read up to MAX_BODY.

    Raises:
        ApiRefusal: too_large (declared or sent), not_json (another content type).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiRefusal("too_large", f"a request body may hold at most {MAX_BODY} bytes", limit=MAX_BODY)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiRefusal("not_json", "send the body as JSON (Content-Type: application/json)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiRefusal("too_large", f"a request body may hold at most {MAX_BODY} bytes", limit=MAX_BODY)
        chunks.append(chunk)
    return b"".join(chunks)


def _bearer(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def routes(engine: Callable[[], Engine]) -> list[Route]:
    """The API's routes on the database `engine()` gives (called per request: it may fail while down).

    Raises:
        ValueError: RECTIFY_API_RATE_PER_MIN is not a valid number (the server stops at start).
    """
    limit = KeyRateLimit(rate_per_minute())

    def writer(submit: Submit) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            try:
                key = _bearer(request)
                if not key:
                    raise ApiRefusal("unauthorized", "send the API key as Authorization: Bearer <key>")
                # engine() may connect and migrate on first use: never on the event loop.
                caller = await run_in_threadpool(lambda: caller_of(engine(), key))
                wait = limit.retry_after(caller.key_id)
                if wait is not None:
                    return refusal(
                        "rate_limited",
                        f"over {limit.item.amount} requests a minute for this key; try again in {wait} s",
                        {"Retry-After": str(wait)},
                    )
                idempotency_key = check_idempotency_key(request.headers.get("idempotency-key"))
                raw = await _body(request)
                try:
                    body = json.loads(raw)
                except (UnicodeDecodeError, json.JSONDecodeError) as err:
                    raise ApiRefusal("not_json", f"the body is not JSON: {err}") from err
                reply = await run_in_threadpool(lambda: submit(engine(), caller, body, raw, idempotency_key))
            except ApiRefusal as refused:
                return refusal(refused.code, refused.message, **refused.details)
            except DatabaseProblem as problem:
                return _database_refusal(problem)
            except exc.DBAPIError:
                return refusal("database_unavailable", "the database cannot be reached; nothing was stored")
            headers = {"Idempotent-Replayed": "true"} if reply.replayed else None
            return json_response(reply.status, reply.body, headers)

        return handle

    async def health_check(_request: Request) -> Response:
        state = await run_in_threadpool(health, engine)
        return json_response(200 if state["status"] == "ok" else 503, state)

    async def schema(_request: Request) -> Response:
        return json_response(200, openapi())

    return [
        Route(f"{PREFIX}/feedback", writer(submit_feedback), methods=["POST"]),
        Route(f"{PREFIX}/responses", writer(submit_response), methods=["POST"]),
        Route(f"{PREFIX}/health", health_check, methods=["GET"]),
        Route(f"{PREFIX}/openapi.json", schema, methods=["GET"]),
    ]
