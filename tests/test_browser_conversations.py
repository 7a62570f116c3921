"""Saved conversations, scoped questions and safe Markdown in a real browser: Debian's Chromium
driven by Playwright against `docqa serve` on 127.0.0.1, the sample documents indexed, and the
OpenAI-compatible fake model (a real HTTP server on 127.0.0.1).

Screenshots go to $DOCQA_SCREENSHOTS (the README's come from here) or the test's tmp folder.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from docqa.accounts import UserStore
from docqa.query_log import QueryLog
from retrieval.settings import load_settings
from retrieval.store.catalog import Catalog
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

REPO = Path(__file__).resolve().parent.parent
USERS = {"alice": ("alice-demo-pw", "employee", ()), "hana": ("hana-demo-pw", "employee", ("hr",)),
         "bob": ("bob-demo-pw", "employee", ())}
MARKUP_DOC = """# Markup notes

Release notes are **reviewed weekly** by the platform team.

<script>window.__docqa_pwned = 1</script> The script tag in these notes is plain text.

| Item | Days |
|---|---|
| Gadget shipping | 9 |
"""
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

    root = tmp_path_factory.mktemp("browser-conversations")
    data = root / "data"
    extra = root / "extra"
    (extra / "notes").mkdir(parents=True)
    (extra / "notes" / "markup.md").write_text(MARKUP_DOC)
    with open_services(load_settings(data_dir=data, user="admin"), embedder=embedder) as svc:
        ingestor = Ingestor(svc)
        assert not ingestor.ingest([REPO / "data/docs/public"], groups=["everyone"]).failed
        assert not ingestor.ingest([REPO / "data/docs/hr"], groups=["hr"]).failed
        assert not ingestor.ingest([extra], groups=["everyone"]).failed
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


MUNICH = Reply(text="The hotel cap in Munich is **EUR 175** per night [1].\n<quotes>\n[1] Munich "
                    "| Germany | 175 | 38 | EUR\n</quotes>", chunk_chars=4, chunk_delay_s=0.01)
PASSWORD = Reply(text="Passwords need at least 14 characters [1].\n<quotes>\n[1] at least 14 "
                      "characters\n</quotes>")
SALARY = Reply(text="Salaries are paid on the last working day of each month [1].\n<quotes>\n"
                    "[1] Salaries are paid on the last working day of each month\n</quotes>")


def _login(page: Any, app: App, user: str, then: str = "") -> None:
    page.goto(app.url + then)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(USERS[user][0])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").wait_for()
    settle(page)


def _messages(page: Any) -> list[str]:
    texts: list[str] = page.eval_on_selector_all('[data-testid="stChatMessage"]',
                                                  "els => els.map(e => e.innerText)")
    return texts


def _wait_answers(page: Any, count: int, shots: Path, name: str = "failed") -> list[str]:
    """Until ``count`` answers are complete on the page; the chat messages' texts."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        texts = _messages(page)
        if sum("Why these sources" in t for t in texts) >= count:
            settle(page)
            return _messages(page)
        time.sleep(0.1)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    raise TimeoutError(f"fewer than {count} answers appeared")


def _type(page: Any, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    before = len(_messages(page))
    for _ in range(3):  # a rerun right after login (the login cookie arriving) may eat input
        box.fill(question)
        box.press("Enter")
        try:
            page.get_by_test_id("stChatMessage").nth(before).wait_for(timeout=5_000)
            return
        except sync_api.TimeoutError:
            settle(page)
    raise TimeoutError(f"{question!r} was not taken")


def _ask(page: Any, app: App, question: str) -> str:
    answers = sum("Why these sources" in t for t in _messages(page))
    _type(page, question)
    return _wait_answers(page, answers + 1, app.shots)[-1]


def _conversation_id(page: Any) -> str:
    match = re.search(r"[?&]c=([\w-]+)", page.url)
    assert match, page.url
    return match.group(1)


def _sidebar_titles(page: Any) -> list[str]:
    titles: list[str] = page.eval_on_selector_all(
        '[data-testid="stSidebar"] [class*="st-key-conv-"] '
        'button[data-testid^="stBaseButton"]', "els => els.map(e => e.innerText.trim())")
    return titles


def test_a_conversation_survives_a_reload_and_is_listed_and_reopened(
        app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "alice")
    page.get_by_text("Try one of these").wait_for()
    # "New conversation" is there from the start, and so is "Search in"
    page.get_by_role("button", name="New conversation").wait_for()
    page.get_by_text("Search in: all your documents").wait_for()
    settle(page)
    page.screenshot(path=str(app.shots / "ask-start.png"))
    app.fake.default = MUNICH
    answer = _ask(page, app, "What is the hotel cap in Munich?")
    assert "EUR 175 per night" in answer and "**" not in answer  # Markdown, laid out
    assert page.locator('[data-testid="stChatMessage"] strong', has_text="EUR 175").count()
    # the next question can be typed at once: the box keeps the focus after an answer
    assert page.evaluate("document.activeElement && "
                         "document.activeElement.getAttribute('data-testid')"
                         ) == "stChatInputTextArea"
    first = _conversation_id(page)

    page.reload()
    answers = _wait_answers(page, 1, app.shots, "failed-reload")
    assert "What is the hotel cap in Munich?" in answers[0]
    assert "EUR 175 per night" in answers[1] and "[1] Travel and Expense Policy" in answers[1]
    assert _conversation_id(page) == first
    assert _sidebar_titles(page) == ["What is the hotel cap in Munich?"]

    page.get_by_role("button", name="New conversation").click()
    settle(page)
    assert not _messages(page) and "c=" not in page.url
    app.fake.default = PASSWORD
    assert "14 characters" in _ask(page, app, "How long does my account password need to be?")
    second = _conversation_id(page)
    assert second != first
    assert _sidebar_titles(page) == ["How long does my account password need to be?",
                                     "What is the hotel cap in Munich?"]  # newest first
    page.screenshot(path=str(app.shots / "conversations.png"), full_page=True)

    page.locator('[class*="st-key-conv-"] button[data-testid^="stBaseButton"]',
                 has_text="What is the hotel cap in Munich?").click()
    page.get_by_test_id("stChatMessage").filter(has_text="EUR 175 per night").wait_for()
    answers = _wait_answers(page, 1, app.shots, "failed-switch")
    assert _conversation_id(page) == first and "EUR 175" in answers[1]
    assert not any("password" in t.lower() for t in answers)

    # a reload while the answer streams: the question was stored first, and is answered
    app.fake.default = Reply(text=MUNICH.text, chunk_chars=2, chunk_delay_s=0.08)
    _type(page, "And what is the hotel cap in Vienna?")
    page.get_by_text("▌").first.wait_for(timeout=30_000)  # mid-answer
    page.reload()
    answers = _wait_answers(page, 2, app.shots, "failed-mid-answer")
    assert "And what is the hotel cap in Vienna?" in answers[2] and "EUR 175" in answers[3]
    assert _conversation_id(page) == first

    # rename from the sidebar
    page.locator(f".st-key-menu-{first} button").first.click()
    title_box = page.locator(f".st-key-title-{first} input")
    title_box.wait_for()
    title_box.fill("Hotel caps")
    page.locator(f".st-key-rename-{first} button").click()
    settle(page)
    page.keyboard.press("Escape")
    settle(page)
    assert "Hotel caps" in _sidebar_titles(page)

    # bob cannot open alice's conversation by its URL
    other = new_page(browser)
    _login(other, app, "bob")
    other.goto(f"{app.url}/?c={first}")
    other.get_by_text("That conversation cannot be opened").wait_for()
    settle(other)
    body = other.inner_text("body")
    assert "hotel cap" not in body.lower() and "Hotel caps" not in body
    assert not _messages(other) and f"c={first}" not in other.url
    other.screenshot(path=str(app.shots / "conversation-refused.png"))
    for p in (page, other):
        p.context.close()


def test_scope_to_one_document_cites_only_it_and_travels_with_the_conversation(
        app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "alice")
    chosen = page.get_by_text("Search in: 1 chosen (faq)")
    for _ in range(3):  # a rerun right after login may close the list or eat the keys
        documents = page.get_by_test_id("stMultiSelect").filter(has_text="Documents")
        if not documents.is_visible():  # drawn, but hidden inside the closed expander
            page.get_by_text("Search in: all your documents").click()
        documents.click(timeout=10_000)
        page.keyboard.type("faq")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        settle(page)
        try:
            chosen.wait_for(timeout=10_000)
            break
        except sync_api.TimeoutError:
            page.screenshot(path=str(app.shots / "failed-scope.png"), full_page=True)
    chosen.wait_for()
    app.fake.default = SALARY
    answer = _ask(page, app, "When is my salary paid?")
    assert "Searched only in: faq." in answer
    cited = re.findall(r"\[\d+\] [^\n]*· page", answer)
    assert cited and all("faq" in c for c in cited), cited
    log = QueryLog(app.data_dir / "docqa.sqlite3")
    last = log.recent(limit=1)[0]
    log.close()
    assert last.question == "When is my salary paid?" and last.hits
    assert {h["source"] for h in last.hits} == {"faq.txt"}  # the search itself was scoped
    page.screenshot(path=str(app.shots / "scope.png"), full_page=True)

    page.reload()  # the scope was saved with the conversation
    _wait_answers(page, 1, app.shots, "failed-scope-reload")
    page.get_by_text("Search in: 1 chosen (faq)").wait_for()
    page.context.close()


def test_markdown_is_laid_out_and_html_stays_text(app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "alice")
    app.fake.default = Reply(
        text="Release notes are **reviewed weekly** [1]. The notes hold "
             "<script>window.__docqa_pwned = 1</script> as text [1].\n<quotes>\n[1] Release "
             "notes are **reviewed weekly** by the platform team.\n</quotes>")
    answer = _ask(page, app, "How often are release notes reviewed?")
    assert "<script>window.__docqa_pwned = 1</script>" in answer  # shown, as text
    assert page.evaluate("window.__docqa_pwned === undefined")
    assert page.locator('[data-testid="stChatMessage"] script').count() == 0
    assert page.locator('[data-testid="stChatMessage"] strong',
                        has_text="reviewed weekly").count() >= 1
    page.get_by_role("button", name="Open page").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("The cited passage").wait_for()
    settle(page)
    text = dialog.inner_text()
    assert "<script>window.__docqa_pwned = 1</script>" in text and "|---|" not in text
    assert dialog.locator("table").count() == 1 and dialog.locator("script").count() == 0
    assert page.evaluate("window.__docqa_pwned === undefined")
    page.screenshot(path=str(app.shots / "viewer-markdown.png"))
    page.keyboard.press("Escape")
    settle(page)

    # a question too long is given back in the box, with the reason
    long = "Please tell me everything about travel. " * 60
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(long)
    box.press("Enter")
    page.get_by_text("The question is too long").wait_for()
    settle(page)
    assert page.get_by_text("The question is too long").is_visible()
    assert box.input_value().strip() == long.strip()
    page.screenshot(path=str(app.shots / "question-too-long.png"))
    page.context.close()


def test_an_old_conversation_stops_showing_a_document_whose_groups_changed(
        app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "hana")
    app.fake.default = Reply(
        text="HR handles complaints about harassment, discrimination and bullying [1].\n"
             "<quotes>\n[1] This procedure describes how HR handles complaints about "
             "harassment, discrimination, bullying and other misconduct\n</quotes>")
    answer = _ask(page, app, "Which complaints does the HR investigations procedure cover?")
    assert "HR Investigations Procedure" in answer
    conversation = _conversation_id(page)

    # an admin moves the document to another group (the catalog is what the app checks
    # when it shows an old answer; the index cannot be opened beside the running app)
    catalog = Catalog(app.data_dir / "docqa.sqlite3")
    record = catalog.find("hr-investigations-procedure.md")
    assert record is not None
    catalog.update(record.doc_id, groups=("legal",))
    try:
        page.reload()
        page.get_by_text("This answer used a document you can no longer read").wait_for()
        settle(page)
        assert _conversation_id(page) == conversation
        body = page.inner_text("body")
        assert "HR Investigations Procedure" not in body and "harassment" not in body
        assert "Which complaints does the HR investigations procedure cover?" in body
        page.screenshot(path=str(app.shots / "conversation-access-lost.png"), full_page=True)
    finally:
        catalog.update(record.doc_id, groups=("hr",))
        catalog.close()
    page.reload()
    _wait_answers(page, 1, app.shots, "failed-access-back")
    assert "HR Investigations Procedure" in page.inner_text("body")
    page.context.close()
