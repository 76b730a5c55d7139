"""Rectify's web server: the Streamlit app (app.py) with the sign-in cookie routes and framing headers.

Start it with `streamlit run server.py` (Streamlit finds the `st.App` below and serves it with
uvicorn) or `uvicorn server:app`. `streamlit run app.py` still works, without sessions that survive
a reload and without the headers.

- `/_rectify/session?ticket=..&next=..`: a page that has just signed someone in sends the browser
  here; the one-time ticket is traded for an HttpOnly, SameSite=Lax cookie holding the session token
  (only its hash is stored), then the browser goes back to the page it was on.
- `/_rectify/logout`: revokes the cookie's session and deletes the cookie.
- `/api/v1/...`: the HTTP API (api/routes.py), with its keys, scopes, rate limit and idempotency.
- Every HTTP response says who may frame it: respondent pages (/feedback, /questionnaire) the
  origins in RECTIFY_EMBED_ORIGINS (any, when unset), every other page only Rectify itself.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.routes import routes as api_routes
from db import migrate, staff_sessions
from db.engine import make_engine, unit_of_work
from services.accounts import session_limits
from ui.auth import COOKIE, LOGOUT_ROUTE, ROUTES_ENV, SESSION_ROUTE
from ui.nav import RESPONDENT_PAGES

EMBED_ENV = "RECTIFY_EMBED_ORIGINS"
SECURE_ENV = "RECTIFY_COOKIE_SECURE"
SSO_COOKIE = "_streamlit_user"  # the identity cookie st.login sets
RESPONDENT_PATHS = frozenset(f"/{Path(page.path).stem}" for page in RESPONDENT_PAGES)
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?")


def embed_origins() -> str:
    """The frame-ancestors sources of respondent pages: 'self' and RECTIFY_EMBED_ORIGINS, or any.

    Raises:
        ValueError: an entry is not an origin like https://app.example.com (no path, no quotes).
    """
    raw = os.environ.get(EMBED_ENV, "").replace(",", " ").split()
    if not raw or raw == ["*"]:
        return "*"
    bad = [origin for origin in raw if not _ORIGIN.fullmatch(origin)]
    if bad:
        raise ValueError(f"{EMBED_ENV}: {', '.join(bad)} is not an origin like https://app.example.com")
    return " ".join(["'self'", *raw])


def framing_headers(path: str, embedders: str) -> dict[str, str]:
    """The headers that decide who may show the page at `path` in a frame."""
    if path.rstrip("/") in RESPONDENT_PATHS:
        return {"Content-Security-Policy": f"frame-ancestors {embedders}"}
    return {"Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN"}


class FrameGuard:
    """ASGI middleware adding `framing_headers` to every HTTP response (WebSockets pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.embedders = embed_origins()  # a bad setting stops the server at start, with its name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = framing_headers(str(scope.get("path", "")), self.embedders)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


@functools.cache
def _engine() -> Engine:
    engine = make_engine()
    migrate.upgrade(engine)
    return engine


def _back_to(target: str | None) -> str:
    # Only a path of this site: never //evil.example or https://evil.example (an open redirect).
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _redeem(ticket: str) -> str | None:
    with unit_of_work(_engine()) as session:
        return staff_sessions.redeem_ticket(session, ticket, datetime.now(UTC))


def _revoke(token: str) -> None:
    with unit_of_work(_engine()) as session:
        staff_sessions.end_by_token(session, token)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get(SECURE_ENV) == "1"


async def start_session(request: Request) -> Response:
    """Trade a sign-in's one-time ticket for the session cookie, then go back to the page."""
    response = RedirectResponse(_back_to(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    ticket = request.query_params.get("ticket", "")
    token = await run_in_threadpool(_redeem, ticket) if ticket else None
    if token is not None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(session_limits().absolute.total_seconds()),
            path="/",
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
    return response


async def end_session(request: Request) -> Response:
    """Revoke the cookie's session and delete the cookie; then the login page."""
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(_revoke, token)
    lang = request.query_params.get("lang", "")
    target = f"/?lang={lang}" if lang in ("zh", "en") else "/"
    if SSO_COOKIE in request.cookies:  # signed in through st.login: Streamlit's logout ends that too
        target = "/auth/logout"
    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


os.environ[ROUTES_ENV] = "1"  # tells ui/auth.py, in this process, that the routes exist
# A bad setting stops the server at start, naming the variable, rather than at the first request.
session_limits()
embed_origins()

app = st.App(
    "app.py",
    routes=[
        Route(SESSION_ROUTE, start_session),
        Route(LOGOUT_ROUTE, end_session),
        *api_routes(_engine),  # /api/v1/...: a bad RECTIFY_API_RATE_PER_MIN stops the server here
    ],
    middleware=[Middleware(FrameGuard)],
)
