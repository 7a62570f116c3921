"""The app in a real browser: Debian's Chromium driven by Playwright against `docqa serve` on
127.0.0.1, with the sample documents indexed and an OpenAI-compatible fake model (a real HTTP
server on 127.0.0.1) that streams its answers slowly enough to be seen streaming.

Screenshots go to $DOCQA_SCREENSHOTS (the README's come from here) or the test's tmp folder.
"""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from docqa.accounts import UserStore
from retrieval.settings import load_settings
from tests.browser_support import (
    CHROMIUM,
    chromium,
    clean_env,
    free_port,
    new_page,
    running,
    serve_command,
    settle,
)
from tests.fake_openai import FakeOpenAI, Reply
from tests.pdfs import write_pdf
from ui.websession import COOKIE

REPO = Path(__file__).resolve().parent.parent
USERS = {"alice": ("alice-demo-pw", "employee", ()), "hana": ("hana-demo-pw", "employee", ("hr",)),
         "admin": ("admin-demo-pw", "admin", ())}
pytestmark = pytest.mark.slow

if not CHROMIUM.exists():  # `make test` installs it with apt; say so instead of failing oddly
    pytest.skip("Chromium is not installed (make test installs it: apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class App:
    url: str
    data_dir: Path
    fake: FakeOpenAI
    shots: Path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[App]:
    from docqa.services import open_services
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("browser")
    data = root / "data"
    with open_services(load_settings(data_dir=data, user="admin"), embedder=embedder) as svc:
        ingestor = Ingestor(svc)
        assert not ingestor.ingest([REPO / "data/docs/public"], groups=["everyone"]).failed
        assert not ingestor.ingest([REPO / "data/docs/hr"], groups=["hr"]).failed
    store = UserStore(data / "users.yaml")
    for name, (password, role, groups) in USERS.items():
        store.add(name, password, role=role, groups=groups)  # type: ignore[arg-type]
    shots = Path(os.environ.get("DOCQA_SCREENSHOTS") or root / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeOpenAI() as fake, (root / "serve.log").open("wb") as log:
        env = clean_env(DOCQA_DATA_DIR=str(data), OPENAI_API_KEY="test-key",
                        OPENAI_BASE_URL=fake.base_url, DOCQA_LLM_MODEL="fake-model",
                        DOCQA_LLM_TIMEOUT_S="20", DOCQA_LLM_RETRIES="0")
        with running(serve_command(port), url, cwd=root, env=env, log=log):
            yield App(url, data, fake, shots)


@pytest.fixture(scope="module")
def browser(app: App) -> Iterator[Any]:
    with chromium() as b:
        yield b


def _login(page: Any, app: App, user: str) -> None:
    """Through the login form: a real POST to /session/login, whose answer sets the cookie."""
    page.goto(app.url)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(USERS[user][0])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").wait_for()
    assert _session_cookie(page) is not None
    settle(page)


def _session_cookie(page: Any) -> dict[str, Any] | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def _status(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


def _shows_login_form(page: Any) -> bool:
    page.get_by_label("Password", exact=True).wait_for()
    settle(page)
    return (page.get_by_test_id("stChatInputTextArea").count() == 0
            and page.get_by_text("Signed in as").count() == 0)


def _ask(page: Any, question: str, shots: Path | None = None) -> tuple[str, bool]:
    """Type ``question``; returns the final assistant message and whether it was seen while
    still streaming (the cursor ▌ at its end)."""
    messages = page.get_by_test_id("stChatMessage")
    before = messages.count()
    box = page.get_by_test_id("stChatInputTextArea")
    for _ in range(3):  # a rerun right after login (the login cookie arriving) may eat input
        box.fill(question)
        box.press("Enter")
        try:
            messages.nth(before).wait_for(timeout=5_000)
            break
        except sync_api.TimeoutError:
            settle(page)
    seen_streaming = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        # read all messages at once: a rerun may replace them between two locator calls
        texts = page.eval_on_selector_all('[data-testid="stChatMessage"]',
                                          "els => els.map(e => e.innerText)")
        if len(texts) >= before + 2:
            seen_streaming |= "▌" in texts[before + 1]
            if "Why these sources" in texts[before + 1]:
                settle(page)
                final = page.eval_on_selector_all('[data-testid="stChatMessage"]',
                                                  "els => els.map(e => e.innerText)")
                return final[before + 1], seen_streaming
        time.sleep(0.05)
    if shots is not None:
        page.screenshot(path=str(shots / "failed-ask.png"), full_page=True)
    raise TimeoutError(f"no answer to {question!r}")


def test_employee_asks_sees_a_streamed_cited_answer_and_opens_the_page(
        app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "alice")
    page.get_by_text("Try one of these").wait_for()
    page.screenshot(path=str(app.shots / "ask-empty.png"))
    app.fake.default = (Reply(
        text="The hotel cap in Munich is EUR 175 per night, taxes included and breakfast "
             "excluded [1].\n<quotes>\n[1] Munich | Germany | 175 | 38 | EUR\n</quotes>",
        chunk_chars=3, chunk_delay_s=0.04))
    answer, streamed = _ask(page, "What is the hotel cap in Munich?", app.shots)
    assert streamed, "the answer was never seen while it was streaming"
    assert "EUR 175 per night" in answer and "▌" not in answer
    assert "<quotes>" not in answer  # the quote list is for checking, never shown
    assert "[1] Travel and Expense Policy v2.4 · page 4" in answer
    assert "quotes found" in answer
    page.screenshot(path=str(app.shots / "ask.png"), full_page=True)

    page.get_by_role("button", name="Open page").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("The cited passage, highlighted on the page.").wait_for()
    dialog.get_by_role("img").first.wait_for()
    settle(page)
    assert "page 4 of" in dialog.inner_text()
    assert page.get_by_role("button", name="Open page").count() == 1
    page.screenshot(path=str(app.shots / "viewer.png"))
    page.keyboard.press("Escape")
    settle(page)

    # thumbs down with a reason, stored with the query
    page.get_by_role("radio", name="Thumbs down").last.click()
    page.get_by_text("What was wrong?").wait_for()
    page.get_by_text("incomplete", exact=True).click()
    settle(page)
    from docqa.query_log import QueryLog

    log = QueryLog(app.data_dir / "docqa.sqlite3")
    last = log.recent(limit=1)[0]
    log.close()
    assert last.question == "What is the hotel cap in Munich?"
    assert last.feedback is not None and last.feedback <= 0
    assert last.feedback_reason == "incomplete"


def test_employee_cannot_reach_admin_pages_or_other_groups_documents(
        app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "alice")
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.count() == 0 or "Documents" not in nav.inner_text()
    page.goto(f"{app.url}/documents")  # typed URL; the login cookie carries over
    try:
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=30_000)
    except sync_api.TimeoutError:
        page.screenshot(path=str(app.shots / "failed-url.png"), full_page=True)
        raise
    settle(page)
    assert page.get_by_test_id("stFileUploaderDropzoneInput").count() == 0
    assert "Upload and index" not in page.inner_text("body")
    app.fake.default = (Reply(text="I could not find this in the documents you can read."))
    answer, _ = _ask(page, "What is the 2026 salary range for an L3 Senior Engineer in "
                           "Germany?")
    assert "salary-bands" not in answer.lower() and "Salary Bands" not in answer

    page.get_by_role("button", name="Log out").click()  # and the app is gone again
    page.get_by_role("button", name="Log in").wait_for()
    page.goto(app.url)
    page.get_by_role("button", name="Log in").wait_for()
    assert page.get_by_test_id("stChatInputTextArea").count() == 0


def test_admin_uploads_a_pdf_waits_for_indexed_and_asks_about_it(
        app: App, browser: Any, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "widget-warranty.pdf", [
        "Widget warranty. Every Widget Pro carries a warranty of 27 months from delivery.",
        "Returns. Unused widgets may be returned within 14 days for a full refund."])
    page = new_page(browser)
    _login(page, app, "admin")
    page.get_by_role("link", name="Documents").click()
    page.get_by_role("button", name="Upload and index").wait_for()
    settle(page)
    chosen = page.get_by_text("widget-warranty.pdf").first
    for _ in range(3):  # a rerun arriving at that moment may reset the chooser: choose again
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
        try:
            chosen.wait_for(timeout=15_000)
            break
        except sync_api.TimeoutError:
            settle(page)
    chosen.wait_for()
    page.get_by_role("button", name="Upload and index").click()
    page.get_by_text("widget-warranty.pdf: indexed").wait_for(timeout=120_000)
    settle(page)
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for()
    page.screenshot(path=str(app.shots / "documents.png"), full_page=True)

    page.get_by_role("link", name="Ask").click()
    page.get_by_test_id("stChatInputTextArea").wait_for()
    app.fake.default = (Reply(text="A Widget Pro has a 27-month warranty from delivery [1].\n"
                              "<quotes>\n[1] Every Widget Pro carries a warranty of 27 months "
                              "from delivery\n</quotes>"))
    answer, _ = _ask(page, "How long is the warranty of the Widget Pro?")
    assert "27-month warranty" in answer
    assert "widget-warranty.pdf" in answer and "page 1" in answer

    page.get_by_role("link", name="Usage").click()
    page.get_by_text("Questions").first.wait_for()
    settle(page)
    page.screenshot(path=str(app.shots / "usage.png"), full_page=True)


def test_the_session_cookie_is_httponly_dies_with_logout_and_guards_media(
        app: App, browser: Any) -> None:
    assert _status(f"{app.url}/_stcore/metrics") == 404
    assert _status(f"{app.url}/_stcore/health") == 200
    page = new_page(browser)
    media: list[str] = []
    page.context.on("request", lambda r: media.append(r.url)
                    if r.url.startswith(f"{app.url}/media/") else None)
    _login(page, app, "alice")
    cookie = _session_cookie(page)
    assert cookie is not None
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]
    assert COOKIE not in page.evaluate("document.cookie")  # page scripts cannot read it

    # the cited page image arrives inside the page (a data: URI), never as a /media URL
    app.fake.default = (Reply(
        text="The hotel cap in Munich is EUR 175 per night [1].\n<quotes>\n[1] Munich | "
             "Germany | 175 | 38 | EUR\n</quotes>"))
    _ask(page, "What is the hotel cap in Munich?", app.shots)
    page.get_by_role("button", name="Open page").first.click()
    image = page.get_by_role("dialog").get_by_role("img").first
    image.wait_for()
    settle(page)
    assert (image.get_attribute("src") or "").startswith("data:image/png;base64,")
    assert page.evaluate("i => i.naturalWidth", image.element_handle()) > 100
    page.keyboard.press("Escape")
    settle(page)
    for url in media:  # whatever the page fetched from /media: not without a session
        assert _status(url) in (403, 404), url
    assert not media, media  # (images and the icon travel inside the page: there is none)
    icon = page.evaluate("document.querySelector('link[rel~=icon]')?.href || ''")
    assert icon.startswith("data:image/png;base64,"), icon[:80]

    # a copy of the cookie works while the session lives (it is a bearer token)…
    copied = cookie["value"]
    assert _status(f"{app.url}/media/anything.png", copied) == 404  # past the guard
    other = new_page(browser)
    other.context.add_cookies([{"name": COOKIE, "value": copied, "url": f"{app.url}/"}])
    other.goto(app.url)
    other.get_by_text("Signed in as").wait_for()
    # …and not after logging out: a fresh browser with it lands on the login form
    page.get_by_role("button", name="Log out").click()
    assert _shows_login_form(page)
    fresh = new_page(browser)
    fresh.context.add_cookies([{"name": COOKIE, "value": copied, "url": f"{app.url}/"}])
    fresh.goto(app.url)
    assert _shows_login_form(fresh)
    assert _status(f"{app.url}/media/anything.png", copied) == 403
    for p in (page, other, fresh):
        p.context.close()


def test_login_behind_a_trusted_https_proxy_sets_a_secure_cookie(app: App) -> None:
    """uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (FORWARDED_ALLOW_IPS), as from a
    TLS-terminating proxy in front; a form from another origin gets no session at all."""
    host, port = app.url.removeprefix("http://").split(":")

    def post(**headers: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        body = urllib.parse.urlencode({"username": "hana", "password": USERS["hana"][0]})
        conn.request("POST", "/session/login", body, {
            "Content-Type": "application/x-www-form-urlencoded", **headers})
        response = conn.getresponse()
        cookie = response.getheader("set-cookie") or ""
        conn.close()
        return response.status, cookie

    status, cookie = post(Origin=app.url, **{"X-Forwarded-Proto": "https"})
    assert status == 303 and cookie.startswith(f"{COOKIE}=")
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    status, cookie = post(Origin=app.url)
    assert status == 303 and "HttpOnly" in cookie and "Secure" not in cookie
    assert post(Origin="https://evil.example")[0] == 403
