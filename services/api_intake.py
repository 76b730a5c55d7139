"""What the HTTP API does with a request once its key is known: feedback items and survey responses.

Plain data in and out, no HTTP: the routes in ``api/`` turn an :class:`ApiRefusal`'s code into a status.
Items go through the file import's checks (``services.feedback_import.check_items``), responses through
the respondent page's (``services.collect.record_response``). A request sent with an Idempotency-Key
keeps its reply in the same transaction as its rows (``db.api_keys.keep_reply``): a replay gets that
reply and stores nothing; a concurrent replay loses the unique key, is rolled back and replays.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db import api_keys
from db.engine import retrying, unit_of_work
from db.migrate import current_revision, head_revision
from db.models import Survey, Wave
from db.settings import respondent_key_secret
from db.workspace import find_product, time_zone
from services.api_keys import Caller, authenticate
from services.collect import SubmissionError, record_response
from services.feedback_import import check_items, store_items

MAX_ITEMS = 1000
MAX_IDEMPOTENCY_KEY = 200
REPLY_KEPT = timedelta(hours=24)  # how long an Idempotency-Key's reply is replayed


class ApiRefusal(Exception):
    """A refused request; nothing was stored. `code` is stable (the routes map it to a status).

    Codes: unauthorized, scope_missing, wrong_product, invalid, items_invalid, idempotency_conflict,
    plus the respondent page's codes for responses (wave_unknown, wave_closed, missing, ...).
    """

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Reply:
    """The reply to a request: its status (200, or 422 when every item was refused) and its body."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def body_hash(body: bytes) -> str:
    """The SHA-256 of a request body, kept with an Idempotency-Key to tell a replay from another request."""
    return hashlib.sha256(body).hexdigest()


def caller_of(engine: Engine, secret: str) -> Caller:
    """The caller behind a bearer key, its use recorded.

    Raises:
        ApiRefusal: unauthorized, for a missing, unknown or revoked key.
    """
    caller = None
    if secret:
        with unit_of_work(engine) as session:
            caller = authenticate(session, secret)
    if caller is None:
        raise ApiRefusal("unauthorized", "missing, unknown or revoked API key")
    return caller


def require_scope(caller: Caller, scope: str) -> None:
    """Raises ApiRefusal scope_missing when the key was not given `scope`."""
    if scope not in caller.scopes:
        raise ApiRefusal("scope_missing", f"this API key does not have the scope {scope}", scope=scope)


def _idempotent(
    engine: Engine,
    caller: Caller,
    idempotency_key: str | None,
    route: str,
    digest: str,
    work: Callable[[Session], Reply],
) -> Reply:
    """Run `work` in one transaction, keeping its reply under the Idempotency-Key (if any).

    A kept reply for the key is returned instead, unless it was for another body or route (refused).
    """

    def attempt(session: Session) -> Reply:
        if idempotency_key:
            kept = api_keys.stored_reply(session, caller.key_id, idempotency_key)
            if kept is not None:
                if kept.body_hash != digest or kept.route != route:
                    raise ApiRefusal(
                        "idempotency_conflict",
                        "this Idempotency-Key was used with another request body",
                    )
                return Reply(kept.status, kept.reply, replayed=True)
        reply = work(session)
        if idempotency_key and reply.status == 200:
            api_keys.forget_replies(session, caller.key_id, datetime.now(UTC) - REPLY_KEPT)
            api_keys.keep_reply(
                session,
                api_key_id=caller.key_id,
                key=idempotency_key,
                route=route,
                body_hash=digest,
                status=reply.status,
                reply=reply.body,
            )
        return reply

    return retrying(engine, attempt)


def check_idempotency_key(value: str | None) -> str | None:
    """The header's key, or None when absent.

    Raises:
        ApiRefusal: invalid, for an empty or over-long key.
    """
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_IDEMPOTENCY_KEY:
        raise ApiRefusal("invalid", f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    return value


def submit_feedback(
    engine: Engine, caller: Caller, body: Any, raw: bytes, idempotency_key: str | None = None
) -> Reply:
    """Store the items of a `POST /api/v1/feedback` body for the caller's product.

    Args:
        engine: The database.
        caller: The authenticated key.
        body: The parsed JSON: {"product": name or id, "items": [...]}.
        raw: The body's bytes (hashed for the Idempotency-Key).
        idempotency_key: The request's Idempotency-Key header, if any.

    Returns:
        {"stored", "duplicates", "rejected": [{"index", "reason", "field"}]}: status 200 when at least
        one item was stored or was a duplicate, 422 when every item was refused (nothing stored).

    Raises:
        ApiRefusal: scope_missing, wrong_product, invalid (the body's shape), idempotency_conflict.
    """
    require_scope(caller, "feedback:write")
    if not isinstance(body, dict):
        raise ApiRefusal("invalid", "the body must be a JSON object with product and items")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise ApiRefusal("invalid", "items must be a non-empty list")
    if len(items) > MAX_ITEMS:
        raise ApiRefusal("too_many_items", f"at most {MAX_ITEMS} items a request", limit=MAX_ITEMS)
    extra = sorted(set(body) - {"product", "items"})
    if extra:
        raise ApiRefusal("invalid", f"unknown field {extra[0]!r}")
    digest = body_hash(raw)
    with unit_of_work(engine) as session:
        product_id = _product_of(session, caller, body.get("product"))
        if idempotency_key and (kept := api_keys.stored_reply(session, caller.key_id, idempotency_key)):
            if kept.body_hash != digest or kept.route != "feedback":
                raise ApiRefusal(
                    "idempotency_conflict", "this Idempotency-Key was used with another request body"
                )
            return Reply(kept.status, kept.reply, replayed=True)
        secret = respondent_key_secret(session)
        zone = time_zone(session, product_id)
    # Checked and redacted before the write transaction: it holds no lock while the text is redacted.
    checked = check_items(items, secret=secret, timezone=zone, now=datetime.now(UTC))
    rejected = [
        {"index": p.index, "reason": p.reason, **({"field": p.field} if p.field else {})}
        for p in checked.problems
    ]
    if not checked.records and not checked.repeats:
        return Reply(
            422, {"code": "items_invalid", "message": "no item could be stored", "rejected": rejected}
        )

    def work(session: Session) -> Reply:
        stored, duplicates = store_items(session, product_id, checked)
        return Reply(200, {"stored": stored, "duplicates": duplicates, "rejected": rejected})

    return _idempotent(engine, caller, idempotency_key, "feedback", digest, work)


def _product_of(session: Session, caller: Caller, ref: object) -> int:
    """The caller's product, checked against the one the body names (by id or name; absent: the key's).

    Raises:
        ApiRefusal: wrong_product when the body names another (or no such) product.
    """
    if ref is None:
        return caller.product_id
    if not isinstance(ref, str | int) or isinstance(ref, bool):
        raise ApiRefusal("invalid", "product must be a product's name or id")
    product = find_product(session, str(ref))
    if product is None or product.id != caller.product_id:
        raise ApiRefusal("wrong_product", "this API key is for another product")
    return caller.product_id


def submit_response(
    engine: Engine, caller: Caller, body: Any, raw: bytes, idempotency_key: str | None = None
) -> Reply:
    """Store one questionnaire response of a `POST /api/v1/responses` body, as the respondent page does.

    Body: {"wave": id, "respondent_key": "...", "answers": {question code: value}, "lang": "zh"|"en"}.
    A respondent who answered the open wave before has their answers replaced.

    Returns:
        {"status": created|replaced|unchanged, "response_id"}, status 200.

    Raises:
        ApiRefusal: scope_missing, wrong_product, invalid, idempotency_conflict, and the respondent
            page's codes (wave_unknown, wave_closed, key_missing, key_too_long, answer_unknown,
            missing, out_of_range, too_long; `questions` names the questions concerned).
    """
    require_scope(caller, "responses:write")
    if not isinstance(body, dict):
        raise ApiRefusal("invalid", "the body must be a JSON object with wave, respondent_key and answers")
    extra = sorted(set(body) - {"wave", "respondent_key", "answers", "lang"})
    if extra:
        raise ApiRefusal("invalid", f"unknown field {extra[0]!r}")
    wave_id, key, answers, lang = (
        body.get("wave"),
        body.get("respondent_key"),
        body.get("answers"),
        body.get("lang"),
    )
    if not isinstance(wave_id, int) or isinstance(wave_id, bool):
        raise ApiRefusal("invalid", "wave must be a wave's id (a whole number)")
    if not isinstance(key, str):
        raise ApiRefusal("key_missing", "respondent_key is required (a string)")
    if not isinstance(answers, dict):
        raise ApiRefusal("invalid", "answers must be an object of question code: value")
    if lang not in (None, "zh", "en"):
        raise ApiRefusal("invalid", "lang must be zh or en")
    language = str(lang) if lang else None

    def work(session: Session) -> Reply:
        wave = session.get(Wave, wave_id)
        survey = None if wave is None else session.get(Survey, wave.survey_id)
        if survey is not None and survey.product_id != caller.product_id:
            raise ApiRefusal("wrong_product", "this wave belongs to another product than the API key's")
        try:
            receipt = record_response(session, wave_id, key, _answers(answers), language)
        except SubmissionError as err:
            raise ApiRefusal(
                err.code, _RESPONSE_MESSAGES.get(err.code, err.code), questions=list(err.questions)
            ) from err
        return Reply(200, {"status": receipt.status, "response_id": receipt.response_id})

    return _idempotent(engine, caller, idempotency_key, "responses", body_hash(raw), work)


def _answers(answers: Mapping[str, Any]) -> dict[str, object]:
    return {str(code): value for code, value in answers.items()}


_RESPONSE_MESSAGES = {
    "wave_unknown": "there is no such wave",
    "wave_closed": "the wave is closed and takes no answers",
    "key_missing": "respondent_key is required",
    "key_too_long": "respondent_key is too long (at most 200 characters)",
    "answer_unknown": "answers name questions the wave does not ask",
    "missing": "required questions are unanswered",
    "out_of_range": "answers do not fit their questions (range, option or kind)",
    "too_long": "a free-text answer is too long (at most 2,000 characters)",
}


@functools.cache
def _head() -> str:
    return head_revision()  # reads the migration scripts: once per process


def health(engine_of: Callable[[], Engine]) -> dict[str, Any]:
    """The process's and the database's state: {"status", "database", "schema"}; raises nothing.

    One connection and one read of the schema's revision: cheap enough for a load balancer to poll.
    """
    try:
        revision = current_revision(engine_of())
    except Exception:  # noqa: BLE001 - any failure means the database cannot be used now
        return {"status": "unavailable", "database": "unavailable"}
    state = "current" if revision == _head() else "other"
    return {"status": "ok" if state == "current" else "unavailable", "database": "ok", "schema": state}


def as_json(value: Any) -> bytes:
    """A reply body as compact UTF-8 JSON (Chinese kept readable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
