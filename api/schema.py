"""The OpenAPI 3.1 description of the HTTP API, served at `/api/v1/openapi.json`."""

from __future__ import annotations

from typing import Any

from db.models import API_SCOPES
from services.api_intake import MAX_ITEMS
from services.feedback_import import DEFAULT_ITEM_CHANNEL, ITEM_CHANNELS, ITEM_REASONS

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


_COMMON_ERRORS = {
    "401": _error("Missing, unknown or revoked API key (code unauthorized)."),
    "403": _error(
        "The key lacks the route's scope (scope_missing) or is for another product (wrong_product)."
    ),
    "409": _error("The Idempotency-Key was used before with another body (idempotency_conflict)."),
    "413": _error(f"The body is over 1 MB (too_large) or holds over {MAX_ITEMS} items (too_many_items)."),
    "415": _error("The body is not JSON (not_json)."),
    "429": _error("Over the key's rate limit (rate_limited); the Retry-After header says when to retry."),
    "503": _error(
        "The database is unavailable (database_unavailable) or busy (database_busy); nothing stored."
    ),
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Replaying a key with the same body returns the first reply (header Idempotent-Replayed: "
    "true) and stores nothing; with another body: 409. Kept per API key.",
    "schema": {"type": "string", "maxLength": 200},
}


def openapi() -> dict[str, Any]:
    """The API's OpenAPI document: every route, its body, its replies and its error codes."""
    item = {
        "type": "object",
        "additionalProperties": False,
        "description": "A text or a rating is required. Checked, redacted and pseudonymised as an imported row.",
        "properties": {
            "text": {"type": ["string", "null"], "maxLength": 10000},
            "rating": {"type": ["number", "string", "null"], "description": "1 to 5"},
            "channel": {"type": "string", "enum": list(ITEM_CHANNELS), "default": DEFAULT_ITEM_CHANNEL},
            "external_id": {
                "type": ["string", "number", "null"],
                "maxLength": 200,
                "description": "Your id of the item: an item whose external_id is stored for the product is a duplicate.",
            },
            "respondent_key": {
                "type": ["string", "number", "null"],
                "description": "Stored as a keyed hash only.",
            },
            "created_at": {
                "type": ["string", "number", "null"],
                "description": "ISO 8601 (or another date the import reads); without a zone in the product's "
                "time zone; absent: the time of receipt.",
            },
            "app_version": {"type": ["string", "null"], "maxLength": 40},
            "model_version": {"type": ["string", "null"], "maxLength": 80},
            "lang": {"type": ["string", "null"], "description": "zh, en, ...; absent: from the text"},
        },
    }
    rejected = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["index", "reason"],
            "properties": {
                "index": {"type": "integer", "description": "0-based position in items"},
                "reason": {
                    "type": "string",
                    "description": "an import reason (empty_text, rating_out_of_range, "
                    "bad_date, date_in_future, field_too_long, text_too_long, ...) or one of "
                    + ", ".join(ITEM_REASONS),
                },
                "field": {"type": "string"},
            },
        },
    }
    bearer: list[dict[str, list[str]]] = [{"apiKey": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rectify API", "version": "1"},
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A product's API key (rfy_...), with scopes "
                    + ", ".join(API_SCOPES)
                    + ".",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
                "FeedbackItem": item,
            },
        },
        "paths": {
            "/api/v1/feedback": {
                "post": {
                    "summary": "Store feedback items of the key's product (scope feedback:write)",
                    "security": bearer,
                    "parameters": [_IDEMPOTENCY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {
                                        "product": {
                                            "type": ["string", "integer"],
                                            "description": "name or id",
                                        },
                                        "items": {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": MAX_ITEMS,
                                            "items": {"$ref": "#/components/schemas/FeedbackItem"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Stored; refused items are listed with their reasons.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "stored": {"type": "integer"},
                                            "duplicates": {"type": "integer"},
                                            "rejected": rejected,
                                        },
                                    }
                                }
                            },
                        },
                        "422": _error(
                            "A malformed body (invalid), or every item refused (items_invalid, with rejected)."
                        ),
                        **_COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/responses": {
                "post": {
                    "summary": "Store one questionnaire response to an open wave (scope responses:write)",
                    "security": bearer,
                    "parameters": [_IDEMPOTENCY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["wave", "respondent_key", "answers"],
                                    "properties": {
                                        "wave": {"type": "integer"},
                                        "respondent_key": {"type": "string", "maxLength": 200},
                                        "answers": {"type": "object", "description": "question code: value"},
                                        "lang": {"type": "string", "enum": ["zh", "en"]},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Stored: created, replaced (answered before) or unchanged.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "status": {
                                                "type": "string",
                                                "enum": ["created", "replaced", "unchanged"],
                                            },
                                            "response_id": {"type": "integer"},
                                        },
                                    }
                                }
                            },
                        },
                        "422": _error(
                            "invalid, wave_unknown, wave_closed, key_missing, key_too_long, answer_unknown, missing, "
                            "out_of_range, too_long (questions names the questions)."
                        ),
                        **_COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/health": {
                "get": {
                    "summary": "The process and the database (no key)",
                    "responses": {
                        "200": {"description": "{status: ok, database: ok, schema: current}"},
                        "503": {"description": "{status: unavailable, database: unavailable|ok, schema}"},
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}
            },
        },
    }
