"""The login routes and the guard middleware of ui/websession.py over HTTP (Starlette's test
client, no browser): cookie flags, login CSRF, throttling per user name and per address,
/_stcore/metrics hidden, /media only with a live session. The browser suite does the same
against the real server (tests/test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import ui.websession as ws
from docqa.accounts import UserStore
from retrieval.settings import Settings, load_settings

ORIGIN = "http://testserver"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    s = load_settings(data_dir=tmp_path / "data", session_hours=2)
    monkeypatch.setattr(ws, "_server_settings", lambda: s)
    monkeypatch.setattr(ws, "per_user", ws.Throttle(ws.MAX_FAILS_PER_USER))
    monkeypatch.setattr(ws, "per_address", ws.Throttle(ws.MAX_FAILS_PER_ADDRESS))
    users = UserStore(s.users_path)
    users.add("alice", "alice-pass-1")
    users.add("bob", "bob-pass-12")
    return s


def _inner(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"inner {request.url.path}")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = Starlette(routes=[*ws.routes(), Route("/{path:path}", _inner,
                                                 methods=["GET", "POST", "OPTIONS"])],
                    middleware=[Middleware(ws.GuardMiddleware)])
    with TestClient(app, base_url=ORIGIN, follow_redirects=False) as c:
        yield c


def login(client: TestClient, username: str, password: str,
          origin: str | None = ORIGIN, **headers: str) -> object:
    if origin:
        headers["origin"] = origin
    return client.post("/session/login", data={"username": username, "password": password},
                       headers=headers)


def test_login_sets_an_httponly_strict_cookie_for_the_session_lifetime(
        client: TestClient, settings: Settings) -> None:
    r = login(client, "Alice ", "alice-pass-1")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{ws.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age=7200" in cookie  # DOCQA_SESSION_HOURS=2
    assert "Secure" not in cookie  # plain http
    token = r.cookies[ws.COOKIE]
    sessions, users = ws.stores()
    assert sessions.check(token, users.stamp_of) == "alice"


def test_the_cookie_is_secure_over_https(settings: Settings) -> None:
    app = Starlette(routes=ws.routes())
    with TestClient(app, base_url="https://docqa.example", follow_redirects=False) as c:
        r = c.post("/session/login", data={"username": "alice", "password": "alice-pass-1"},
                   headers={"origin": "https://docqa.example"})
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_a_wrong_password_or_a_foreign_form_gets_no_cookie(client: TestClient) -> None:
    r = login(client, "alice", "wrong-password")
    assert r.status_code == 303 and r.headers["location"] == "/?login=failed"
    assert "set-cookie" not in r.headers
    assert login(client, "nobody", "alice-pass-1").headers["location"] == "/?login=failed"
    # login CSRF: a form on another site, or no Origin/Referer at all
    assert login(client, "alice", "alice-pass-1", origin="https://evil.example").status_code \
        == 403
    assert login(client, "alice", "alice-pass-1", origin=None).status_code == 403
    assert login(client, "alice", "alice-pass-1", origin=None,
                 referer=f"{ORIGIN}/ask").status_code == 303


def test_failed_logins_are_throttled_per_user_name_and_per_address(
        client: TestClient) -> None:
    for _ in range(ws.MAX_FAILS_PER_USER):
        assert login(client, "alice", "wrong-password").headers["location"].endswith("failed")
    locked = login(client, "alice", "alice-pass-1")  # even the right password now
    assert locked.headers["location"] == "/?login=locked" and "set-cookie" not in locked.headers
    assert "set-cookie" in login(client, "bob", "bob-pass-12").headers  # another user may
    # one address guessing many user names is stopped as well
    for i in range(ws.MAX_FAILS_PER_ADDRESS):
        login(client, f"guess{i}", "wrong-password")
    assert login(client, "bob", "bob-pass-12").headers["location"] == "/?login=locked"


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/",
                                  "/_stcore/metrics?families=x", "/_stcore/%6Detrics",
                                  "/%5Fstcore/metrics", "/_stcore//metrics",
                                  "/_STCORE/Metrics"])
def test_metrics_are_not_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404
    assert client.options(path).status_code == 404
    assert client.get("/_stcore/health").status_code == 200


def test_media_needs_a_live_session(client: TestClient) -> None:
    assert client.get("/media/abc.png").status_code == 403
    assert client.get("/media//abc.png").status_code == 403
    assert client.get("/%6Dedia/abc.png").status_code == 403
    token = login(client, "alice", "alice-pass-1").cookies[ws.COOKIE]  # type: ignore[attr-defined]
    client.cookies.clear()
    with_cookie = {"cookie": f"{ws.COOKIE}={token}"}
    assert client.get("/media/abc.png", headers=with_cookie).status_code == 200
    assert client.get("/media/abc.png", headers={"cookie": f"{ws.COOKIE}=forged"}) \
        .status_code == 403
    r = client.post("/session/logout", headers={**with_cookie, "origin": ORIGIN})
    assert r.status_code == 303 and f'{ws.COOKIE}=""' in r.headers["set-cookie"]
    assert client.get("/media/abc.png", headers=with_cookie).status_code == 403
