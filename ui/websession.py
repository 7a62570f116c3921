"""Login with a server-side session and an HttpOnly cookie, for the app served as ``st.App``
(ui/server.py: Streamlit on Starlette/uvicorn, with extra routes and middleware).

- ``POST /session/login`` checks the password (failures throttled per user name and per
  client address), creates a session row (docqa.sessions) and sets the cookie: HttpOnly,
  SameSite=Strict, Secure when the request came over https (also through a proxy uvicorn
  trusts, FORWARDED_ALLOW_IPS, that sends X-Forwarded-Proto).
- ``POST /session/logout`` ends the session and deletes the cookie.
- every run of the page calls ``current_user()``: the cookie (``st.context.cookies``) is
  checked against SQLite, so logout, a removed user or a changed role, group or password
  take effect at the next run, in every tab and for every copy of the cookie.
- ``GuardMiddleware`` answers 404 for Streamlit's /_stcore/metrics and 403 for /media/*
  without a live session (local, or Streamlit's signed single sign-on cookie).
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections import defaultdict, deque
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from docqa.accounts import User, UserStore
from docqa.audit import AuditLog
from docqa.sessions import SessionStore
from retrieval.settings import Settings, load_settings

COOKIE = "docqa_session"
LOGIN_PATH = "/session/login"
LOGOUT_PATH = "/session/logout"
LOGGED_OUT = "docqa-logged-out"  # session_state: this tab logged out (the login form says so)
MAX_FAILS_PER_USER = 5
MAX_FAILS_PER_ADDRESS = 20
FAIL_WINDOW_S = 15 * 60


# -- the stores ------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _stores(sessions_path: Path, users_path: Path, lifetime_s: float,
            idle_s: float) -> tuple[SessionStore, UserStore]:
    sessions = SessionStore(sessions_path, lifetime_s=lifetime_s, idle_s=idle_s)
    return sessions, UserStore(users_path, sessions)


@lru_cache(maxsize=1)
def _server_settings() -> Settings:
    return load_settings()


def stores(settings: Settings | None = None) -> tuple[SessionStore, UserStore]:
    """The session store and a users store that ends sessions on changes, one per process."""
    s = settings or _server_settings()
    return _stores(s.sessions_path, s.users_path, s.session_hours * 3600,
                   s.session_idle_minutes * 60)


@lru_cache(maxsize=8)
def _audit(path: Path) -> AuditLog:
    return AuditLog(path, "app")


def audit_log(settings: Settings | None = None) -> AuditLog:
    """The audit log logins, failed logins and logouts are recorded in, one per process."""
    return _audit((settings or _server_settings()).audit_path)


def _base() -> str:
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


# -- the page side (runs inside the Streamlit script) ------------------------------------------
def session_token() -> str | None:
    """The session cookie the browser sent when it opened this page (tests replace this)."""
    return st.context.cookies.get(COOKIE)


def current_user(sessions: SessionStore, users: UserStore) -> User | None:
    """The user the session cookie signs in now, or None."""
    found: dict[str, User | None] = {}

    def stamp_of(username: str) -> str | None:
        found["user"] = user = users.get(username)
        return None if user is None else user.stamp

    username = sessions.check(session_token(), stamp_of)
    return found.get("user") if username else None


def log_out(sessions: SessionStore, username: str = "", audit: AuditLog | None = None) -> None:
    """on_click of the Log out button: the session row goes, so this cookie and any copy of it
    sign in nobody from now on; the chat of this tab is forgotten."""
    sessions.revoke(session_token())
    if audit is not None and username:
        audit.record(username, "logout")
    st.session_state.clear()
    st.session_state[LOGGED_OUT] = True


def login_form() -> str:
    """The HTML form that posts to the login route (a real form: the password never passes
    through the websocket and the cookie is set by the server's answer)."""
    action = html.escape(f"{_base()}{LOGIN_PATH}")
    return f"""
<style>
 form.docqa-login label {{ display:block; font-size:.875rem; margin-bottom:.75rem; }}
 form.docqa-login input {{ display:block; width:100%; box-sizing:border-box; margin-top:.25rem;
   padding:.5rem .75rem; border:1px solid rgba(49,51,63,.2); border-radius:.5rem;
   font:inherit; background:transparent; color:inherit; }}
 form.docqa-login button {{ padding:.45rem 1rem; border-radius:.5rem; font:inherit;
   border:1px solid rgba(49,51,63,.2); background:transparent; color:inherit; cursor:pointer; }}
 form.docqa-login button:hover {{ border-color:#ff4b4b; color:#ff4b4b; }}
</style>
<form class="docqa-login" method="post" action="{action}">
  <label>Username <input name="username" autocomplete="username" required
    autocapitalize="none" spellcheck="false"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"
    required></label>
  <button type="submit">Log in</button>
</form>
"""


# -- the HTTP side ----------------------------------------------------------------------------
class Throttle:
    """Failed logins per key in a sliding window (in memory, per server process)."""

    def __init__(self, limit: int, window_s: float = FAIL_WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        fails = self._fails[key]
        while fails and now - fails[0] > self.window_s:
            fails.popleft()
        return fails

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._fails) > 10_000:  # forget keys whose failures are all old
                for k in [k for k, v in self._fails.items() if not self._recent(k, now)]:
                    del self._fails[k]

    def clear(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


per_user = Throttle(MAX_FAILS_PER_USER)
per_address = Throttle(MAX_FAILS_PER_ADDRESS)


def _same_origin(request: Request) -> bool:
    """The form was posted by a page of this site (login CSRF): Origin, else Referer, names
    this host. A cross-site form cannot set these headers."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    netloc = urlsplit(origin).netloc
    hosts = {request.headers.get("host"), request.headers.get("x-forwarded-host")}
    return bool(netloc) and netloc in hosts


def _secure(request: Request) -> bool:
    # uvicorn takes the scheme from X-Forwarded-Proto for the proxies in FORWARDED_ALLOW_IPS
    # (default 127.0.0.1), so https at a TLS-terminating proxy in front reads "https" here.
    return request.url.scheme == "https"


def _back(problem: str = "") -> RedirectResponse:
    response = RedirectResponse(f"{_base()}/" + (f"?login={problem}" if problem else ""),
                                status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


async def login(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    body = await request.body()
    if len(body) > 4096:
        return PlainTextResponse("Too large", status_code=413)
    form = parse_qs(body.decode("utf-8", "replace"))
    username = (form.get("username") or [""])[0].strip().lower()
    password = (form.get("password") or [""])[0]
    address = request.client.host if request.client else "?"
    if not username or not password:
        return _back("failed")
    # the audit log gets the name tried and the address, never the password
    audit = audit_log()
    if per_user.blocked(username) or per_address.blocked(address):
        await run_in_threadpool(audit.record, username[:100], "login_failed", address=address,
                                reason="locked")
        return _back("locked")
    sessions, users = stores()
    user = await run_in_threadpool(users.verify, username, password)  # bcrypt: off the loop
    if user is None:
        per_user.failed(username)
        per_address.failed(address)
        await run_in_threadpool(audit.record, username[:100], "login_failed", address=address,
                                reason="wrong user name or password")
        return _back("failed")
    per_user.clear(username)
    token = await run_in_threadpool(sessions.create, user.username, user.stamp)
    await run_in_threadpool(audit.record, user.username, "login", address=address)
    response = _back()
    response.set_cookie(COOKIE, token, max_age=int(sessions.lifetime_s), path=f"{_base()}/",
                        httponly=True, samesite="strict", secure=_secure(request))
    return response


async def logout(request: Request) -> Response:
    """A plain form POST that ends the session and deletes the cookie in the browser."""
    if not _same_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    sessions, users = stores()
    token = request.cookies.get(COOKIE)
    username = await run_in_threadpool(sessions.check, token, users.stamp_of) if token else None
    await run_in_threadpool(sessions.revoke, token)
    if username:
        await run_in_threadpool(audit_log().record, username, "logout")
    response = _back()
    response.delete_cookie(COOKIE, path=f"{_base()}/", httponly=True, samesite="strict",
                           secure=_secure(request))
    return response


def routes() -> list[Route]:
    return [Route(f"{_base()}{LOGIN_PATH}", login, methods=["POST"]),
            Route(f"{_base()}{LOGOUT_PATH}", logout, methods=["POST"])]


def _local_session(request: Request) -> bool:
    token = request.cookies.get(COOKIE)
    if not token:
        return False
    sessions, users = stores()
    return sessions.check(token, users.stamp_of) is not None


def _sso_session(request: Request) -> bool:
    """Streamlit's signed single sign-on cookie (st.login) is valid and says logged in."""
    try:
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import (
            _get_signed_cookie_with_chunks,
        )

        raw = _get_signed_cookie_with_chunks(dict(request.cookies), USER_COOKIE_NAME)
        return raw is not None and bool(json.loads(raw).get("is_logged_in"))
    except Exception:
        return False


def _signed_in(request: Request) -> bool:
    return _local_session(request) or _sso_session(request)


class GuardMiddleware:
    """Runs before Streamlit's own routes (st.App puts user middleware outermost)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # uvicorn has percent-decoded the path; also fold repeated slashes and case
            path = re.sub(r"/+", "/", str(scope.get("path") or "/")).lower().rstrip("/")
            base = _base().lower()
            if path.endswith("/_stcore/metrics"):
                await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
                return
            media = path.startswith(f"{base}/media/") or path == f"{base}/media"
            if media and not await run_in_threadpool(_signed_in, Request(scope)):
                await PlainTextResponse("Forbidden", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)
