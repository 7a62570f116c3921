"""The web app's page logic with Streamlit's AppTest: login, roles, the chat, uploads and the
access rules, on the real index (the browser suite is tests/test_browser.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from docqa.accounts import User, UserStore
from retrieval.errors import NotFoundError
from retrieval.search.pages import open_source_page
from tests.pdfs import write_pdf

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
PASSWORDS = {"alice": "alice-pass-1", "hana": "hana-pass-1", "root": "root-pass-1"}
HR_QUESTIONS = [json.loads(line)["question"] for line in
                (Path(__file__).resolve().parent.parent / "data" / "eval" / "golden.jsonl")
                .read_text().splitlines() if '"hr-only"' in line]


def add_users(store: UserStore) -> None:
    if store.users():
        return
    store.add("alice", PASSWORDS["alice"], role="employee", name="Alice")
    store.add("hana", PASSWORDS["hana"], role="employee", groups=("hr",), name="Hana")
    store.add("root", PASSWORDS["root"], role="admin", name="Root <b>Admin</b>")


#: session_state key of the test's stand-in for the session cookie (AppTest cannot send
#: cookies: st.context.cookies comes from a browser's websocket handshake)
TEST_COOKIE = "test-session-cookie"


def log_in(at: AppTest, services: Any, username: str) -> str:
    """Sign ``at`` in as a browser would after POST /session/login: a session row in the
    store, its token in the cookie the page reads (the login route is tests/test_websession)."""
    from ui.websession import stores

    sessions, users = stores(services.settings)
    user = users.get(username)
    assert user is not None
    token = sessions.create(user.username, user.stamp)
    at.session_state[TEST_COOKIE] = token
    return token


@pytest.fixture
def app_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """An AppTest of ui/app.py whose shared services are the given ones; signed in as
    ``username`` when given, through a session made in the session store."""
    import streamlit as st

    import ui.common
    import ui.websession

    # Each AppTest carries its own "cookie" (in its session state), read where the app reads
    # the browser's cookie; everything else of the login is the app's own code.
    monkeypatch.setattr(ui.websession, "session_token",
                        lambda: st.session_state.get(TEST_COOKIE))

    def make(services: Any, username: str | None = None) -> AppTest:
        add_users(UserStore(services.settings.users_path))
        monkeypatch.setattr(ui.common, "open_services", lambda _settings: services)
        ui.common.shared_services.clear()
        ui.common.shared_uploads.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        if username:
            log_in(at, services, username)
        return at

    yield make
    ui.common.shared_services.clear()
    ui.common.shared_uploads.clear()


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Go to the page at ``/url_path``, as a typed URL would. AppTest.switch_page only knows
    file pages; ours are callables, whose script hash Streamlit derives from the url path."""
    at._page_hash = calc_hash(url_path)  # type: ignore[attr-defined]
    return at.run()


def texts(at: AppTest) -> str:
    """Everything the page shows as text (markdown sources, captions, alerts)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info]
    # markdown escapes (\. \- \<) undone, so names and sentences compare as written
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def test_login_is_required_and_the_form_posts_to_the_login_route(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    at = app_for(sample_services).run()
    assert not at.exception
    assert len(at.chat_input) == 0  # nothing of the app before login
    form = "".join(str(h.proto.body) for h in at.html)
    assert 'method="post" action="/session/login"' in form
    assert 'name="username"' in form and 'type="password"' in form
    assert len(at.text_input) == 0  # the password never goes through the websocket
    at.query_params["login"] = "failed"  # where the route sends a wrong password
    at.run()
    assert "not right" in texts(at) and len(at.chat_input) == 0
    del at.query_params["login"]
    at.session_state[TEST_COOKIE] = "a-token-nobody-was-given"
    at.run()
    assert len(at.chat_input) == 0 and "session has ended" in texts(at)
    log_in(at, sample_services, "alice")
    at.run()
    assert not at.exception
    assert len(at.chat_input) == 1
    assert "Signed in as **Alice**" in texts(at)


def test_logout_and_user_changes_end_the_session_at_the_next_run(
        open_services: Callable[..., Any], app_for: Callable[..., AppTest]) -> None:
    from ui.websession import stores

    services = open_services()
    at = app_for(services, "alice").run()
    assert len(at.chat_input) == 1
    token = at.session_state[TEST_COOKIE]
    sessions, users = stores(services.settings)
    at.button(key="docqa-logout").click().run()
    assert len(at.chat_input) == 0 and "logged out" in texts(at)
    assert sessions.check(token, users.stamp_of) is None  # every copy of the cookie is dead
    at.session_state[TEST_COOKIE] = token  # a copied cookie, used again
    at.run()
    assert len(at.chat_input) == 0

    # a changed role (through the store) and a hand-edited users file both end the session
    at = app_for(services, "alice").run()
    assert len(at.chat_input) == 1
    users.add("alice", PASSWORDS["alice"], role="admin", name="Alice", replace=True)
    at.run()
    assert len(at.chat_input) == 0
    at = app_for(services, "hana").run()
    assert len(at.chat_input) == 1
    path = services.settings.users_path
    path.write_text(path.read_text().replace("- hr", "- legal"))
    at.run()
    assert len(at.chat_input) == 0
    at = app_for(services, "root").run()
    users.remove("root")
    at.run()
    assert len(at.chat_input) == 0 and sessions.count("root") == 0


def test_ask_streams_a_cited_answer_and_follow_ups_work(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    at = app_for(sample_services, "alice").run()
    assert "Try one of these" in texts(at)  # empty state with example questions
    examples = [b.label for b in at.button if b.key and b.key.startswith("example-")]
    assert examples and not any("salary" in e.lower() for e in examples)
    at.chat_input[0].set_value("What is the hotel cap in Munich?").run()
    assert not at.exception
    shown = texts(at)
    assert "175" in shown
    assert "page 4" in shown and "Travel and Expense Policy" in shown
    assert "quotes found" in shown and "extractive" in shown
    assert any(e.label == "Why these sources" for e in at.expander)
    assert len(at.feedback) == 1
    # follow-up: rewritten into a standalone question with the earlier one
    at.chat_input[0].set_value("And in Berlin?").run()
    assert not at.exception
    asked = sample_services.queries.recent(limit=1)[0]
    assert asked.question == "And in Berlin?" and "hotel cap" in asked.standalone.lower()
    assert len([m for m in at.chat_message if m.name == "assistant"]) == 2


def test_feedback_with_a_reason_is_stored_with_the_query(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    at = app_for(sample_services, "alice").run()
    at.chat_input[0].set_value("How long does my account password need to be?").run()
    query_id = sample_services.queries.recent(limit=1)[0].id
    at.feedback[0].set_value(0).run()
    at.button_group(key=f"feedback-{query_id}-reason").set_value("incomplete").run()
    logged = next(q for q in sample_services.queries.recent(limit=5) if q.id == query_id)
    assert logged.feedback is not None and logged.feedback <= 0
    assert logged.feedback_reason == "incomplete"


def test_an_empty_question_gets_one_sentence_and_the_app_stays_up(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    at = app_for(sample_services, "alice").run()
    at.chat_input[0].set_value("   ").run()
    assert not at.exception
    assert "Please type a question." in texts(at)
    at.chat_input[0].set_value("What is the hotel cap in Munich?").run()
    assert "175" in texts(at)


def test_markup_in_questions_and_names_is_shown_as_text(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    at = app_for(sample_services, "root").run()
    shown = "\n".join(m.value for m in at.sidebar.markdown) + "".join(
        c.value for c in at.sidebar.caption)
    assert "Root \\<b\\>Admin\\</b\\>" in shown  # the user's name, escaped
    at.chat_input[0].set_value("<script>alert(1)</script> **hotel** [x](http://e.x)").run()
    assert not at.exception
    asked = [m.value for m in at.markdown if "alert" in m.value]
    assert asked
    for value in asked:
        assert "\\<script\\>" in value and not re.search(r"(?<!\\)[<\[*]", value)


def test_a_reader_of_group_a_gets_no_text_of_a_group_b_document_through_the_app(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    hr_docs = [r for r in sample_services.catalog.list() if "hr" in r.groups]
    assert hr_docs and HR_QUESTIONS
    # distinctive sentences of the hr documents: none may reach alice's screen
    hr_sentences = {s.strip() for r in hr_docs for c in sample_services.index.chunks(r.doc_id)
                    for s in c.text.split(". ") if len(s.strip()) > 30}
    at = app_for(sample_services, "alice").run()
    for question in HR_QUESTIONS:
        at.chat_input[0].set_value(question).run()
        assert not at.exception
    shown = texts(at) + "\n".join(str(d.value) for d in at.dataframe)
    assert not any(s in shown for s in hr_sentences)
    for r in hr_docs:
        assert r.source not in shown
    # the same questions as hana (group hr) do reach the hr documents
    at = app_for(sample_services, "hana").run()
    at.chat_input[0].set_value(HR_QUESTIONS[0]).run()
    assert any(r.source in texts(at) for r in hr_docs)


def test_the_viewer_opens_a_page_only_for_readers_of_its_document(sample_services: Any) -> None:
    s = sample_services
    hr = next(r for r in s.catalog.list() if "hr" in r.groups and r.source.endswith(".pdf"))
    alice = User("alice", "Alice", "employee", ())
    hana = User("hana", "Hana", "employee", ("hr",))
    with pytest.raises(NotFoundError) as refused:
        open_source_page(s.catalog, s.index, s.settings.originals_dir, hr.doc_id, 1,
                         alice.readable_groups)
    assert hr.source not in str(refused.value)  # not even its name
    page = open_source_page(s.catalog, s.index, s.settings.originals_dir, hr.doc_id, 1,
                            hana.readable_groups, quote="")
    assert page.text and page.is_pdf
    with pytest.raises(NotFoundError):  # a page that does not exist
        open_source_page(s.catalog, s.index, s.settings.originals_dir, hr.doc_id, 999,
                         hana.readable_groups)


def test_the_viewer_finds_the_quoted_passage_in_the_page_text(sample_services: Any) -> None:
    s = sample_services
    answer = s.answerer(offline=True).ask("What is the hotel cap in Munich?",
                                          groups=["everyone"])
    c = answer.citations[0]
    page = open_source_page(s.catalog, s.index, s.settings.originals_dir, c.doc_id, c.page,
                            ["everyone"], quote=c.quote)
    assert page.highlight is not None
    start, end = page.highlight
    assert "Munich" in page.text[start:end]
    from ui.page_images import render_page

    assert page.original is not None
    image = render_page(page.original, page.page, c.quote)
    assert image.highlighted and image.focus_png is not None


def test_admin_pages_refuse_employees_even_by_typed_url(
        sample_services: Any, app_for: Callable[..., AppTest]) -> None:
    for page, title in (("documents", "Documents"), ("quality", "Quality"),
                        ("usage", "Usage")):
        at = app_for(sample_services, "alice").run()
        open_page(at, page)  # as if /documents was typed
        assert not at.exception
        assert [t.value for t in at.title] != [title]
        assert len(at.get("file_uploader")) == 0 and len(at.chat_input) == 1  # on Ask
        admin = app_for(sample_services, "root").run()
        open_page(admin, page)
        assert not admin.exception and [t.value for t in admin.title][:1] == [title]


def test_an_admin_page_checks_the_role_itself(sample_services: Any) -> None:
    def page(services, username):  # type: ignore[no-untyped-def]  # runs as its own script
        from docqa.accounts import UserStore
        from ui.common import AppContext
        from ui.views import documents

        store = UserStore(services.settings.users_path)
        documents.render(AppContext(services, None, store,  # type: ignore[arg-type]
                                    store.get(username)))

    add_users(UserStore(sample_services.settings.users_path))
    refused = AppTest.from_function(page, kwargs={"services": sample_services,
                                                  "username": "alice"}, default_timeout=60)
    refused.run()
    assert not refused.exception
    assert "for administrators" in texts(refused)
    assert len(refused.get("file_uploader")) == 0


def test_admin_uploads_files_watches_them_index_and_manages_them(
        open_services: Callable[..., Any], app_for: Callable[..., AppTest],
        tmp_path: Path) -> None:
    services = open_services()
    pdf = write_pdf(tmp_path / "widget-warranty.pdf", [
        "Widget warranty. Every Widget Pro carries a warranty of 27 months from delivery.",
        "Returns. Unused widgets may be returned within 14 days for a full refund."])
    evil = tmp_path / "notes.md"
    evil.write_text("# Notes\n\nThe <img src=x onerror=alert(1)> gadget ships in 9 days "
                    "by [courier](http://evil.example).\n")
    at = app_for(services, "root").run()
    open_page(at, "documents")
    assert "No documents yet" in texts(at)
    at.file_uploader[0].set_value([
        ("widget-warranty.pdf", pdf.read_bytes(), "application/pdf"),
        ("notes.md", evil.read_bytes(), "text/markdown"),
        ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
    ]).run()
    at.multiselect(key="upload-groups-0").set_value(["everyone", "sales"])
    at.button(key="upload-submit").click().run()
    assert not at.exception
    assert "unsupported file type '.exe'" in texts(at)  # refused, the others go ahead
    import ui.common

    assert ui.common.shared_uploads().wait(120)
    at.run()
    table = at.dataframe[0].value
    rows = {r["document"]: r for r in table.to_dict("records")}
    assert set(rows) == {"widget-warranty.pdf", "notes.md"}
    assert rows["widget-warranty.pdf"]["status"] == "indexed"
    assert rows["widget-warranty.pdf"]["pages"] == 2
    assert rows["widget-warranty.pdf"]["groups"] == "everyone, sales"
    assert rows["widget-warranty.pdf"]["uploaded by"] == "root"

    # change groups: alice (everyone) loses the document, the index follows the catalog
    doc = services.catalog.find("widget-warranty.pdf")
    at.multiselect(key="docs-selected").set_value([doc.doc_id]).run()
    groups = next(m for m in at.multiselect if str(m.key).startswith("groups-"))
    groups.set_value(["sales"]).run()
    next(b for b in at.button if str(b.key).startswith("save-groups-")).click().run()
    assert services.catalog.get(doc.doc_id).groups == ("sales",)
    assert all(c.groups == ("sales",) for c in services.index.chunks(doc.doc_id))
    hits = services.retriever().search("warranty of Widget Pro", groups=("everyone",)).hits
    assert all(h.chunk.doc_id != doc.doc_id for h in hits)

    # re-index keeps the document searchable and ends indexed under a new version
    before = services.catalog.get(doc.doc_id).version
    at.button(key="docs-reindex").click().run()
    assert ui.common.shared_uploads().wait(120)
    after = services.catalog.get(doc.doc_id)
    assert after.version != before and after.version.startswith(before[:32])
    assert after.status == "indexed" and after.groups == ("sales",)

    # delete asks for confirmation first
    at.run()
    at.button(key="docs-delete").click().run()
    assert services.catalog.get(doc.doc_id) is not None
    assert "cannot be undone" in texts(at)
    at.button(key="docs-confirm-delete").click().run()
    assert services.catalog.get(doc.doc_id) is None
    assert services.index.count(doc.doc_id) == 0

    # the markdown document's markup is text when quoted
    ask = app_for(services, "root").run()
    ask.chat_input[0].set_value("How long does the gadget take to ship?").run()
    quoted = [m.value for m in ask.markdown if "gadget" in m.value]
    assert quoted  # the document was found and quoted
    for value in quoted:  # every markup character arrives escaped
        assert not re.search(r"(?<!\\)[<\[]", value) and "](http" not in value
