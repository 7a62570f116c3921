"""The admin console in a real browser: Debian's Chromium driven by Playwright against
`docqa serve` on 127.0.0.1, offline (no model: answers are extractive), with the sample
documents indexed. Documents: search, filter, a title corrected, groups set for two documents
at once and the audit log listing both changes, two files uploaded with different groups.
Quality: the empty state, "Run evaluation now" in the background with progress, then the
result. Usage: why the token and cost charts are empty offline.

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
from retrieval.settings import load_settings
from retrieval.store.catalog import Catalog
from retrieval.types import DocumentRecord
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
from tests.pdfs import write_pdf

REPO = Path(__file__).resolve().parent.parent
USERS = {"alice": ("alice-demo-pw", "employee", ()), "admin": ("admin-demo-pw", "admin", ())}
pytestmark = pytest.mark.slow

if not CHROMIUM.exists():  # `make test` installs it with apt; say so instead of failing oddly
    pytest.skip("Chromium is not installed (make test installs it: apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class App:
    url: str
    data_dir: Path
    shots: Path

    def documents(self) -> dict[str, DocumentRecord]:
        """The server's catalog by file name, read from this process (SQLite admits readers
        beside the server)."""
        catalog = Catalog(load_settings(data_dir=self.data_dir).catalog_path)
        try:
            return {r.source: r for r in catalog.list()}
        finally:
            catalog.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[App]:
    from docqa.services import open_services
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("browser-admin")
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
    env = clean_env(DOCQA_DATA_DIR=str(data))
    with (root / "serve.log").open("wb") as log, running(serve_command(port), url, cwd=root,
                                                         env=env, log=log):
        yield App(url, data, shots)


@pytest.fixture(scope="module")
def browser(app: App) -> Iterator[Any]:
    with chromium() as b:
        yield b


def _login(page: Any, app: App, user: str) -> None:
    page.goto(app.url)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(USERS[user][0])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").wait_for()
    settle(page)


def _open(page: Any, link: str, ready: str) -> None:
    page.get_by_role("link", name=link).click()
    page.get_by_text(ready).first.wait_for()
    settle(page)


def _caption(page: Any) -> str:
    """The line above the documents table: how many documents it shows."""
    text: str = page.get_by_text(re.compile(r"documents · \d+ indexed")).first.inner_text()
    return text


def _pick(page: Any, label: str, *choices: str) -> None:
    """Choose options of the multiselect labelled ``label`` by typing them."""
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))
    for choice in choices:
        box.locator("input").click()
        page.keyboard.type(choice)
        page.get_by_role("option", name=re.compile(re.escape(choice))).first.wait_for()
        page.keyboard.press("Enter")  # the first match, or a new group of that name
        settle(page)
    page.keyboard.press("Escape")
    settle(page)


def _search(page: Any, text: str, shown: str) -> None:
    """Search the documents table until its caption says ``shown`` (a rerun arriving as
    the text is typed, such as the login's, may take the text away: type it again)."""
    for _ in range(3):
        box = page.get_by_role("textbox", name="Search")
        box.fill(text)
        box.press("Enter")
        settle(page)
        try:
            _wait(lambda: _caption(page).startswith(shown), f"{shown!r} above the table", 10)
            return
        except TimeoutError:
            continue
    raise TimeoutError(f"searching {text!r} did not show {shown!r}")


def _table_cells(page: Any) -> str:
    """The text of the documents table's cells (the grid's accessible table)."""
    text: str = page.get_by_test_id("stDataFrame").first.evaluate(
        "el => Array.from(el.querySelectorAll('td, [role=gridcell]'))"
        ".map(c => c.innerText).join('\\n')")
    return text


def _shoot(page: Any, path: Path, height: int = 1700) -> None:
    """The whole page: Streamlit scrolls inside its own container, so a full-page
    screenshot would only hold the window; a tall window holds it all."""
    page.set_viewport_size({"width": 1280, "height": height})
    settle(page)
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) "
                  "e.scrollTop = 0; })")
    time.sleep(0.3)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 900})


def _wait(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.3)


def test_documents_search_filter_title_bulk_groups_audit_and_per_file_upload(
        app: App, browser: Any, tmp_path: Path) -> None:
    page = new_page(browser)
    _login(page, app, "admin")
    _open(page, "Documents", "Selected documents")
    total = list(app.documents().values())
    assert f"{len(total)} documents" in _caption(page)

    # search (file name or title) and filters narrow the table
    policies = [r for r in total if "policy" in (r.source + r.title).lower()]
    _search(page, "policy", f"{len(policies)} of {len(total)} shown")
    _wait(lambda: "travel-and-expense-policy.pdf" in _table_cells(page)
          and "faq.txt" not in _table_cells(page), "the table to show the search's rows")
    _pick(page, "Type", ".pdf")
    pdf_policies = [r for r in policies if r.source.endswith(".pdf")]
    _wait(lambda: f"{len(pdf_policies)} of {len(total)} shown" in _caption(page), "the filter")
    _wait(lambda: "pool-car-policy.docx" not in _table_cells(page),
          "the table to show the filter's rows")

    # two documents at once: tick both rows, give them the group "finance"
    page.get_by_role("button", name=f"Select all {len(pdf_policies)} shown").click()
    settle(page)
    chosen = sorted(r.source for r in pdf_policies)[:2]
    selected = page.get_by_test_id("stMultiSelect").filter(
        has=page.get_by_text("Selected documents", exact=True))
    for extra in sorted(r.source for r in pdf_policies)[2:]:  # keep two of them
        selected.get_by_role("button", name=re.compile(f"Remove {re.escape(extra)}")).click()
        settle(page)
    _pick(page, "Who may read these 2 documents", "finance")
    page.get_by_role("button", name="Save groups").click()
    page.get_by_text("Groups of 2 documents set to").wait_for()
    documents = app.documents()
    for source in chosen:
        assert "finance" in documents[source].groups, source

    # a title corrected: the table shows it
    page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text("Type", exact=True)) \
        .get_by_role("button", name=re.compile(r"Remove \.pdf")).click()
    settle(page)
    _search(page, "faq", f"1 of {len(total)} shown")
    page.get_by_role("button", name="Select all 1 shown").click()
    settle(page)
    title = page.get_by_role("textbox", name="Title of faq.txt")
    title.fill("Frequently asked questions (staff)")
    title.press("Enter")
    settle(page)
    page.get_by_role("button", name="Save title").click()
    page.get_by_text("Title of faq.txt saved").wait_for()
    _wait(lambda: "Frequently asked questions (staff)" in _table_cells(page),
          "the new title in the table")
    assert app.documents()["faq.txt"].title == "Frequently asked questions (staff)"

    # two files uploaded, each with its own groups
    _search(page, "", f"{len(total)} documents")
    first = write_pdf(tmp_path / "canteen-menu.pdf", ["Canteen. Soup of the day costs 3 EUR."])
    second = write_pdf(tmp_path / "bonus-rules.pdf", ["Bonus. The annual bonus is 8 percent."])
    for _ in range(3):  # a rerun arriving at that moment may reset the chooser: choose again
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            [str(first), str(second)])
        try:
            page.get_by_text("Different groups for each file").wait_for(timeout=15_000)
            break
        except sync_api.TimeoutError:
            settle(page)
    page.get_by_text("Different groups for each file").click()
    page.get_by_text("Who may read bonus-rules.pdf").wait_for()
    settle(page)
    box = page.get_by_test_id("stMultiSelect").filter(
        has=page.get_by_text("Who may read bonus-rules.pdf", exact=True))
    box.get_by_role("button", name=re.compile("Remove everyone")).click()
    settle(page)
    _pick(page, "Who may read bonus-rules.pdf", "hr")
    page.get_by_role("button", name="Upload and index").click()
    page.get_by_text("canteen-menu.pdf: indexed").wait_for(timeout=120_000)
    page.get_by_text("bonus-rules.pdf: indexed").wait_for(timeout=120_000)
    settle(page)
    documents = app.documents()
    assert documents["canteen-menu.pdf"].groups == ("everyone",)
    assert documents["bonus-rules.pdf"].groups == ("hr",)
    _pick(page, "Group", "finance")
    _wait(lambda: _caption(page).startswith(f"2 of {len(total) + 2} shown"), "finance's two")
    page.get_by_role("button", name="Select all 2 shown").click()
    page.get_by_role("button", name="Save groups").wait_for()
    settle(page)
    _shoot(page, app.shots / "admin-documents.png", 1250)

    # the audit log lists both group changes, by admin, from the app
    _open(page, "Audit log", "Action")
    _wait(lambda: "groups_changed" in _table_cells(page), "the audit table")
    cells = _table_cells(page)
    for source in chosen:
        assert source in cells
    assert cells.count("groups_changed") >= 2 and "title_changed" in cells
    page.context.close()


def test_quality_runs_an_evaluation_now_with_progress_then_shows_it(
        app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "admin")
    _open(page, "Quality", "Run evaluation now")
    page.get_by_text("No evaluation has run yet").wait_for()
    assert page.get_by_text("docqa eval run").count() >= 1
    page.get_by_test_id("stSelectbox").filter(has_text="Question set").click()
    page.get_by_role("option", name=re.compile(r"^access: \d+ questions")).click()
    settle(page)
    page.get_by_role("button", name="Run evaluation now").click()
    progress = page.get_by_text(re.compile(r"Evaluating access: \d+ of \d+ questions"))
    progress.first.wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Run evaluation now").is_disabled()
    _shoot(page, app.shots / "quality-progress.png", 1100)
    page.get_by_text("Evaluation finished").wait_for(timeout=600_000)
    settle(page)
    page.get_by_test_id("stMetric").first.wait_for()
    assert page.get_by_text("No evaluation has run yet").count() == 0
    assert page.get_by_text(re.compile(r"access · latest run .* 1 run in the history")).count()
    _shoot(page, app.shots / "quality-run.png", 1800)
    page.context.close()


def test_usage_explains_empty_token_and_cost_charts_offline(app: App, browser: Any) -> None:
    page = new_page(browser)
    _login(page, app, "alice")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("What is the hotel cap in Munich?")
    box.press("Enter")
    page.get_by_text("Why these sources").first.wait_for(timeout=90_000)
    page.context.close()

    page = new_page(browser)
    _login(page, app, "admin")
    _open(page, "Usage", "Tokens and cost per day")
    page.get_by_text("every answer was extractive").wait_for()
    _shoot(page, app.shots / "usage-offline.png", 1800)
    page.context.close()
