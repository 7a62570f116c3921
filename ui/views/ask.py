"""Ask: a chat whose answers stream in and cite document, page and passage; conversations are
saved per user (docqa.conversations), listed in the sidebar and reopened from the URL
(``?c=<id>``, owner re-checked); a question can be limited to chosen documents, folders or
groups ("Search in").

Every answer is drawn from what was stored, re-checked now against the catalog and the reader's
groups: a fresh answer and one reopened a week later go through the same code."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

import streamlit as st

from docqa.conversations import (
    SEARCHABLE,
    CitationView,
    Conversation,
    ConversationStore,
    Scope,
    Turn,
    TurnView,
    answer_record,
    folder_of,
    scope_doc_ids,
    view_turn,
)
from retrieval.answer.citations import Citation
from retrieval.answer.pipeline import check_question
from retrieval.errors import DocqaError, QuestionError
from retrieval.ports import Message
from retrieval.search.pages import open_source_page
from retrieval.types import DocumentRecord
from ui.common import AppContext, plain, safe_markdown
from ui.examples import example_questions

FEEDBACK_REASONS = ("wrong source", "incomplete", "wrong answer", "should have said it "
                    "does not know", "too long", "other")
MODE_LABELS = {
    "extractive": "Extractive answer: sentences quoted from the documents, no model involved.",
    "llm": "Written by the model from the sources below.",
    "fallback": "The model did not answer, so these sentences were picked from the documents.",
}
MODE_BADGES = {"extractive": ":blue-badge[extractive]", "llm": ":violet-badge[model]",
               "fallback": ":orange-badge[model failed: extractive]"}
#: the URL's query parameter holding the open conversation
PARAM = "c"
INPUT = "ask-input"
_CURRENT = "ask-conversation"  # the open conversation, when the URL lost it (page switch)
_GIVE_BACK = "ask-give-back"
_INPUT_ERROR = "ask-input-error"
SIDEBAR_LIMIT = 50


def render(ctx: AppContext) -> None:
    store = ctx.services.conversations
    if store is None:
        st.error("Conversations are not available: the app was started without them.")
        st.stop()
    user = ctx.user.username
    conv = _open_conversation(store, user)
    records = _askable(ctx)
    question = _question_input()
    scope_now = _current_scope(conv, records)
    if question:
        if conv is None:
            conv = store.create(user, question, scope_now)
            _remember(conv.id)
        # Kept before answering: if this run is interrupted (a reload, another rerun), the
        # next run finds the question still pending and answers it, so no question is lost.
        store.add_question(conv.id, user, question, scope_now)
    _sidebar(store, user, conv)  # after the question: a new conversation is listed at once
    turns = store.turns(conv.id, user) if conv is not None else []
    if not turns:
        st.title("Ask your documents")
    _scope_picker(store, user, conv, records, scope_now)
    if not turns:
        _empty_state(ctx, records)
    done: list[TurnView] = []
    for turn in turns:
        with st.chat_message("user"):
            st.markdown(plain(turn.question))
        with st.chat_message("assistant"):
            if turn.status == "pending":
                turn = _answer(ctx, store, turn, done, records)
            view = view_turn(turn, ctx.services.catalog.get, ctx.user.readable_groups)
            _draw_turn(ctx, store, view)
            done.append(view)
    problem = st.session_state.pop(_INPUT_ERROR, None)
    if problem:  # last on the page: right above the box that holds the question again
        st.error(plain(problem), icon=":material/error:")


# -- which conversation ------------------------------------------------------------------------
def _remember(conversation_id: str | None) -> None:
    if conversation_id is None:
        st.query_params.pop(PARAM, None)
        st.session_state.pop(_CURRENT, None)
    else:
        st.query_params[PARAM] = conversation_id
        st.session_state[_CURRENT] = conversation_id


def _open_conversation(store: ConversationStore, user: str) -> Conversation | None:
    """The conversation named in the URL (or kept in this session), if it is the user's."""
    wanted = st.query_params.get(PARAM) or st.session_state.get(_CURRENT)
    if not wanted:
        return None
    conv = store.get(str(wanted), user)
    if conv is None:
        # another user's id and a made-up one get the same words: nothing to probe
        st.warning("That conversation cannot be opened. It may have been deleted, or it "
                   "belongs to someone else. A new conversation has started.",
                   icon=":material/block:")
        _remember(None)
        return None
    if st.query_params.get(PARAM) != conv.id:  # back from another page: the URL says it again
        _remember(conv.id)
    return conv


def _sidebar(store: ConversationStore, user: str, current: Conversation | None) -> None:
    with st.sidebar:
        st.button("New conversation", icon=":material/add_comment:", key="new-conversation",
                  on_click=_remember, args=(None,), width="stretch",
                  type="primary" if current is not None else "secondary")
        conversations = store.recent(user, SIDEBAR_LIMIT)
        if not conversations:
            return
        st.caption("Your conversations")
        for conv in conversations:
            here = current is not None and conv.id == current.id
            left, right = st.columns([6, 1], vertical_alignment="center", gap="small")
            with left:
                st.button(plain(conv.title), key=f"conv-{conv.id}", on_click=_remember,
                          args=(conv.id,), type="secondary" if here else "tertiary",
                          width="stretch")
            with right, st.popover("", icon=":material/more_vert:", key=f"menu-{conv.id}",
                                   help="Rename or delete this conversation"):
                _edit(store, user, conv, here)


def _edit(store: ConversationStore, user: str, conv: Conversation, current: bool) -> None:
    title_key = f"title-{conv.id}"

    def rename() -> None:
        store.rename(conv.id, user, str(st.session_state.get(title_key) or ""))

    def delete() -> None:
        store.delete(conv.id, user)
        if current:
            _remember(None)

    st.text_input("Title", value=conv.title, key=title_key, max_chars=200)
    st.button("Rename", key=f"rename-{conv.id}", on_click=rename, icon=":material/edit:")
    st.button("Delete conversation", key=f"delete-{conv.id}", on_click=delete,
              icon=":material/delete:")


# -- the question box ---------------------------------------------------------------------------
def _question_input() -> str | None:
    """The submitted question, checked; a question that cannot be asked is given back in the
    box with the reason, so nothing typed is lost."""
    give_back = st.session_state.pop(_GIVE_BACK, None)
    if give_back:
        st.session_state[INPUT] = give_back  # shown in the box again (before it is drawn)
    typed = st.chat_input("Ask a question about your documents", key=INPUT)
    question = typed if isinstance(typed, str) else None
    question = question or st.session_state.pop("example_question", None)
    if not question:
        return None
    try:
        return check_question(question)
    except QuestionError as e:
        st.session_state[_INPUT_ERROR] = str(e)
        st.session_state[_GIVE_BACK] = question if question.strip() else None
        st.rerun()
    return None  # not reached: st.rerun raises


# -- scope -----------------------------------------------------------------------------------
def _askable(ctx: AppContext) -> list[DocumentRecord]:
    """The documents the reader may ask about now."""
    return [r for r in ctx.services.catalog.list(SEARCHABLE)
            if ctx.user.may_read(r.groups) and r.chunks > 0]


def _folders(records: Sequence[DocumentRecord]) -> list[str]:
    found: set[str] = set()
    for r in records:
        folder = folder_of(r.source)
        while folder:
            found.add(folder)
            folder = folder_of(folder)
    return sorted(found)


def _scope_keys(conv: Conversation | None) -> tuple[str, str, str]:
    tag = conv.id if conv is not None else "new"
    return f"scope-docs-{tag}", f"scope-folders-{tag}", f"scope-groups-{tag}"


def _options(records: Sequence[DocumentRecord]) -> tuple[list[str], list[str], list[str]]:
    return ([r.doc_id for r in records], _folders(records),
            sorted({g for r in records for g in r.groups}))


def _current_scope(conv: Conversation | None, records: Sequence[DocumentRecord]) -> Scope:
    """The picker's choice: what this session picked, else what the conversation saved —
    only what the reader may still choose."""
    saved = conv.scope if conv is not None else Scope()
    keys = _scope_keys(conv)
    options = _options(records)
    picked = []
    for key, stored, allowed in zip(keys, (saved.doc_ids, saved.folders, saved.groups),
                                    options, strict=True):
        value = st.session_state.get(key)
        chosen = list(value) if isinstance(value, list) else list(stored)
        picked.append(tuple(v for v in chosen if v in allowed))
    return Scope(*picked)


def _scope_picker(store: ConversationStore, user: str, conv: Conversation | None,
                  records: Sequence[DocumentRecord], scope: Scope) -> None:
    docs, folders, groups = _options(records)
    names = {r.doc_id: r.title or r.source for r in records}
    keys = _scope_keys(conv)
    chosen = scope.doc_ids + scope.folders + scope.groups
    label = ("Search in: all your documents" if scope.everything else
             f"Search in: {len(chosen)} chosen ({plain(_scope_summary(scope, names))})")

    def save() -> None:
        if conv is not None:
            store.set_scope(conv.id, user, Scope(*(tuple(st.session_state.get(k) or ())
                                                   for k in keys)))

    with st.expander(label, icon=":material/filter_alt:", expanded=False):
        st.caption("Ask only within some documents. Nothing chosen: every document you may "
                   "read. The choice is saved with the conversation.")
        st.multiselect("Documents", docs, default=list(scope.doc_ids),
                       format_func=lambda d: names.get(d, d), key=keys[0], on_change=save,
                       placeholder="All documents")
        cols = st.columns(2)
        with cols[0]:
            st.multiselect("Folders", folders, default=list(scope.folders), key=keys[1],
                           on_change=save, placeholder="Any folder",
                           disabled=not folders,
                           help="A folder holds the documents uploaded from it and its "
                                "sub-folders.")
        with cols[1]:
            st.multiselect("Groups", groups, default=list(scope.groups), key=keys[2],
                           on_change=save, placeholder="Any group",
                           help="Documents shared with these groups (only groups whose "
                                "documents you may read).")


def _scope_summary(scope: Scope, names: dict[str, str]) -> str:
    parts = [names.get(d, d) for d in scope.doc_ids]
    parts += [f"folder {f}/" for f in scope.folders] + [f"group {g}" for g in scope.groups]
    text = ", ".join(parts)
    return text if len(text) <= 80 else text[:80].rsplit(" ", 1)[0] + " …"


# -- empty state --------------------------------------------------------------------------------
def _empty_state(ctx: AppContext, readable: list[DocumentRecord]) -> None:
    if not readable:
        if ctx.user.is_admin:
            st.info("No documents are indexed yet. Upload some on the **Documents** page.")
        else:
            st.info("No documents are shared with you yet. Ask an admin to upload some.")
        return
    st.caption(f"{len(readable)} documents are shared with you. Answers quote them and cite "
               "the page; when the documents do not say, docqa says so.")
    examples = example_questions(ctx.services.catalog.list(), ctx.user)
    if examples:
        st.markdown("**Try one of these:**")
        for n, q in enumerate(examples):
            if st.button(q, key=f"example-{n}", icon=":material/help:"):
                st.session_state["example_question"] = q
                st.rerun()
    with st.expander(f"Documents you can ask about ({len(readable)})"):
        st.dataframe([{"document": r.title or r.source, "file": r.source, "pages": r.pages}
                      for r in readable], hide_index=True, width="stretch")


# -- answering ----------------------------------------------------------------------------------
def _history(earlier: Sequence[TurnView]) -> list[Message]:
    """Earlier turns the reader may still see: a withheld answer is not sent again."""
    history: list[Message] = []
    for view in earlier:
        answer = view.turn.answer
        if answer is not None and not view.withheld:
            history += [Message("user", view.turn.question), Message("assistant", answer.text)]
    return history


def _answer(ctx: AppContext, store: ConversationStore, turn: Turn,
            earlier: Sequence[TurnView], records: Sequence[DocumentRecord]) -> Turn:
    """Answer a pending turn, streaming into the current chat message, and store it."""
    user = ctx.user.username
    scope = scope_doc_ids(turn.scope, records, ctx.user.readable_groups)
    if scope == ():
        error = ("None of the documents chosen in “Search in” can be searched now (deleted, "
                 "or no longer shared with you). Choose others, or clear the choice.")
        store.fail(turn.id, user, error)
        return replace(turn, status="failed", error=error)
    shown = st.empty()
    text, error = "", ""
    answer = None
    try:
        with st.spinner("Searching the documents…"):
            events = ctx.services.answerer().stream(
                turn.question, history=_history(earlier), groups=ctx.user.readable_groups,
                user=user, scope=scope)
            first = next(events)  # retrieval happens here, under the spinner
        for event in itertools.chain([first], events):
            if event.kind == "delta":
                text += event.text
                shown.markdown(safe_markdown(text) + " ▌")
            elif event.kind == "reset":  # the model failed mid-answer: start again
                text = ""
                shown.empty()
            elif event.kind == "done" and event.answer is not None:
                answer = event.answer
    except QuestionError as e:
        error = str(e)
    except DocqaError as e:
        error = f"Sorry, the question could not be answered: {e}"
    shown.empty()
    if answer is not None:
        record = answer_record(answer)
        if store.save_answer(turn.id, user, record):
            return replace(turn, status="answered", answer=record)
    else:
        error = error or "Sorry, no answer came back. Please try again."
        if store.fail(turn.id, user, error):
            return replace(turn, status="failed", error=error)
    # another run (a second tab) answered it first: show what was stored
    stored = {t.id: t for t in store.turns(turn.conversation_id, user)}
    return stored.get(turn.id, turn)


# -- drawing a stored turn ----------------------------------------------------------------------
def _draw_turn(ctx: AppContext, store: ConversationStore, view: TurnView) -> None:
    turn = view.turn
    if turn.status == "failed":
        st.error(plain(turn.error))
        return
    if view.withheld:
        st.info("This answer used a document you can no longer read, so it is not shown.",
                icon=":material/visibility_off:")
        return
    answer = turn.answer
    if answer is None:  # pending in another run
        st.caption("Still being answered…")
        return
    st.markdown(safe_markdown(answer.text))
    badges = []
    # Two checks, shown apart: a green badge only when both hold ("quotes found" alone is
    # not "the answer is right").
    if answer.refused:
        badges.append(":gray-badge[:material/block: not in the documents]")
    else:
        badges.append(":green-badge[:material/format_quote: quotes found]" if answer.verified
                      else ":orange-badge[:material/warning: quotes not found]")
        badges.append(":green-badge[:material/verified: supported]" if answer.supported
                      else ":orange-badge[:material/help: not shown to answer the question]")
    badges.append(MODE_BADGES.get(answer.mode, ""))
    st.markdown(" ".join(badges))
    timings = answer.details.get("timings_ms")
    total = timings.get("total", 0) if isinstance(timings, dict) else 0
    st.caption(f"{MODE_LABELS.get(answer.mode, '')} {float(total):.0f} ms. "
               f"Searched for: “{plain(answer.standalone)}”.")
    if view.scope_labels:
        st.caption(":material/filter_alt: Searched only in: "
                   + plain(", ".join(view.scope_labels)) + ".")
    for warning in answer.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    if view.citations:
        _draw_sources(ctx, view.citations, key=f"t{turn.id}")
    if answer.refused and view.related:
        st.caption("Possibly related (not an answer): " + " · ".join(
            plain(f"{r.get('title') or r.get('source')}, page {r.get('page')}")
            for r in view.related))
    _draw_why(view)
    _draw_feedback(ctx, store, turn)


def _draw_sources(ctx: AppContext, citations: Sequence[CitationView], key: str) -> None:
    st.markdown("**Sources**")
    for i, c in enumerate(citations):
        with st.container(border=True):
            if c.state == "deleted":
                st.markdown(f"**\\[{c.n}\\] {plain(c.title or c.source)}** · "
                            ":gray[no longer available]")
                st.caption("The document was deleted after this answer was given.")
                continue
            left, right = st.columns([5, 1], vertical_alignment="center")
            with left:
                mark = ("" if c.verified else " · :orange[quote not found]") + (
                    "" if c.supported else " · :orange[claim not found in this passage]")
                st.markdown(f"**\\[{c.n}\\] {plain(c.title or c.source)}** · {plain(c.place)}"
                            f"{mark}")
                st.caption(f"“{safe_markdown(c.quote)}”  —  {plain(c.source)}")
            with right:
                if st.button("Open page", key=f"open-{key}-{i}", icon=":material/description:"):
                    _viewer(ctx, Citation(c.n, c.doc_id, c.source, c.title, c.page, c.quote,
                                          c.verified, supported=c.supported))


@st.dialog("Source", width="large")
def _viewer(ctx: AppContext, citation: Citation) -> None:
    services = ctx.services
    try:
        page = open_source_page(services.catalog, services.index,
                                services.settings.originals_dir, citation.doc_id,
                                citation.page, ctx.user.readable_groups, citation.quote)
    except DocqaError as e:
        st.error(plain(str(e)))
        return
    st.markdown(f"**{plain(page.record.title or page.record.source)}** · page {page.page} "
                f"of {page.record.pages}")
    st.caption(plain(page.record.source))
    if page.is_pdf and page.original is not None:
        try:
            from ui.common import data_uri  # images as data: URIs, never a /media URL
            from ui.page_images import render_page

            image = render_page(page.original, page.page, citation.quote,
                                name=page.record.source)
            if image.focus_png is not None:
                st.image(data_uri(image.focus_png), width="stretch",
                         caption="The cited passage, highlighted on the page.")
                with st.expander("Whole page"):
                    st.image(data_uri(image.png), width="stretch")
            else:
                st.image(data_uri(image.png), width="stretch",
                         caption="The passage could not be located on the page image; it is "
                                 "highlighted in the text below.")
        except DocqaError as e:
            st.warning(plain(f"The page image could not be shown: {e}"))
    st.markdown("**Text of the page** (as indexed)")
    _page_text(page.text, page.highlight)


def _page_text(text: str, span: tuple[int, int] | None) -> None:
    """The page as safe Markdown (tables, lists, bold laid out; no HTML), the cited lines in a
    highlighted box. The box takes whole lines, so a cited table row keeps its table."""
    if not text:
        st.caption("No text was extracted from this page.")
        return
    if span is None:
        st.markdown(safe_markdown(text))
        return
    start = text.rfind("\n\n", 0, span[0])
    start = 0 if start < 0 else start + 2
    end = text.find("\n\n", span[1])
    end = len(text) if end < 0 else end
    before, middle, after = text[:start], text[start:end], text[end:]
    if before.strip():
        st.markdown(safe_markdown(before))
    with st.container(border=True):
        st.caption(":material/format_quote: The cited passage")
        st.markdown(f":orange-background[{safe_markdown(' '.join(middle.split()))}]"
                    if "|" not in middle else safe_markdown(middle))
    if after.strip():
        st.markdown(safe_markdown(after))


def _draw_why(view: TurnView) -> None:
    answer = view.turn.answer
    assert answer is not None
    context = answer.details.get("context")
    context = context if isinstance(context, dict) else {}
    timings = answer.details.get("timings_ms")
    timings = timings if isinstance(timings, dict) else {}
    with st.expander("Why these sources"):
        rows = [{"n": r.get("n"), "document": r.get("source"),
                 "pages": f"{r.get('page_start')}–{r.get('page_end')}",
                 "tokens": r.get("tokens"),
                 "sent to the answer": "yes" if r["sent"] else f"no ({r.get('reason')})"}
                for r in view.context_rows]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
        tokens = context.get("tokens")
        used = tokens.get("total", 0) if isinstance(tokens, dict) else 0
        retrieval_ms = float(timings.get("embed", 0)) + float(timings.get("search", 0))
        st.caption(f"Searched for: “{plain(answer.standalone)}”. Context budget "
                   f"{context.get('budget', 0)} tokens, used {used}. Retrieval "
                   f"{retrieval_ms:.0f} ms, answer {float(timings.get('generate', 0)):.0f} ms.")


def _draw_feedback(ctx: AppContext, store: ConversationStore, turn: Turn) -> None:
    answer = turn.answer
    assert answer is not None
    query_id = answer.query_id
    key = f"feedback-{query_id if query_id is not None else f't{turn.id}'}"
    user = ctx.user.username

    def save(value: object, reason: str) -> None:
        helpful = None if value is None else bool(value)
        store.set_feedback(turn.id, user, helpful, reason)
        if query_id is not None and helpful is not None:
            ctx.services.queries.feedback(query_id, helpful, reason)

    def store_value() -> None:
        save(st.session_state.get(key), st.session_state.get(f"{key}-reason") or "")

    def store_reason() -> None:
        save(0, st.session_state.get(f"{key}-reason") or "")

    default = None if turn.feedback is None else (1 if turn.feedback > 0 else 0)
    value = st.feedback("thumbs", key=key, on_change=store_value, default=default)
    if value == 0:
        reason = turn.feedback_reason if turn.feedback_reason in FEEDBACK_REASONS else None
        st.pills("What was wrong?", FEEDBACK_REASONS, key=f"{key}-reason",
                 on_change=store_reason, default=reason)
    if value is not None:
        st.caption("Thanks, your feedback was saved.")
