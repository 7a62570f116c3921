"""Ask: a chat whose answers stream in and cite document, page and passage."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import streamlit as st

from retrieval.answer.citations import Citation
from retrieval.answer.pipeline import Answer
from retrieval.errors import DocqaError, QuestionError
from retrieval.ports import Message
from retrieval.search.pages import open_source_page
from ui.common import AppContext, plain
from ui.examples import example_questions

FEEDBACK_REASONS = ("wrong source", "incomplete", "wrong answer", "should have said it "
                    "does not know", "too long", "other")
MODE_LABELS = {
    "extractive": "Extractive answer: sentences quoted from the documents, no model involved.",
    "llm": "Written by the model from the sources below.",
    "fallback": "The model did not answer, so these sentences were picked from the documents.",
}


@dataclass
class Turn:
    question: str
    answer: Answer | None = None
    error: str = ""


def _chat() -> list[Turn]:
    chat: list[Turn] = st.session_state.setdefault("chat", [])
    return chat


def render(ctx: AppContext) -> None:
    chat = _chat()
    with st.sidebar:
        if chat and st.button("New conversation", icon=":material/add_comment:"):
            chat.clear()
            st.rerun()
    typed = st.chat_input("Ask a question about your documents")
    question = typed or st.session_state.pop("example_question", None)
    if question:
        # Kept before answering: if this run is interrupted (another rerun arrives), the next
        # run finds the question still pending and answers it, so no question is lost.
        chat.append(Turn(question))
    if not chat:
        _empty_state(ctx)
    for i, turn in enumerate(chat):
        with st.chat_message("user"):
            st.markdown(plain(turn.question))
        with st.chat_message("assistant"):
            if turn.answer is None and not turn.error:
                _answer(ctx, turn, chat[:i])
            if turn.answer is not None:
                _draw_answer(ctx, turn.answer, key=f"t{i}")
            else:
                st.error(plain(turn.error))


def _empty_state(ctx: AppContext) -> None:
    st.title("Ask your documents")
    records = ctx.services.catalog.list()
    readable = [r for r in records if ctx.user.may_read(r.groups) and r.chunks > 0]
    if not readable:
        if ctx.user.is_admin:
            st.info("No documents are indexed yet. Upload some on the **Documents** page.")
        else:
            st.info("No documents are shared with you yet. Ask an admin to upload some.")
        return
    st.caption(f"{len(readable)} documents are shared with you. Answers quote them and cite "
               "the page; when the documents do not say, docqa says so.")
    examples = example_questions(records, ctx.user)
    if examples:
        st.markdown("**Try one of these:**")
        for n, q in enumerate(examples):
            if st.button(q, key=f"example-{n}", icon=":material/help:"):
                st.session_state["example_question"] = q
                st.rerun()
    with st.expander(f"Documents you can ask about ({len(readable)})"):
        st.dataframe([{"document": r.title or r.source, "file": r.source, "pages": r.pages}
                      for r in readable], hide_index=True, width="stretch")


def _history(chat: list[Turn]) -> list[Message]:
    history: list[Message] = []
    for turn in chat:
        if turn.answer is not None:
            history += [Message("user", turn.question), Message("assistant", turn.answer.text)]
    return history


def _answer(ctx: AppContext, turn: Turn, earlier: list[Turn]) -> None:
    """Stream the answer to ``turn`` into the current chat message."""
    shown = st.empty()
    text = ""
    try:
        with st.spinner("Searching the documents…"):
            events = ctx.services.answerer().stream(
                turn.question, history=_history(earlier), groups=ctx.user.readable_groups,
                user=ctx.user.username)
            first = next(events)  # retrieval happens here, under the spinner
        for event in itertools.chain([first], events):
            if event.kind == "delta":
                text += event.text
                shown.markdown(plain(text) + " ▌")
            elif event.kind == "reset":  # the model failed mid-answer: start again
                text = ""
                shown.empty()
            elif event.kind == "done" and event.answer is not None:
                turn.answer = event.answer
    except QuestionError as e:
        turn.error = str(e)
    except DocqaError as e:
        turn.error = f"Sorry, the question could not be answered: {e}"
    shown.empty()
    if turn.answer is None and not turn.error:
        turn.error = "Sorry, no answer came back. Please try again."


def _draw_answer(ctx: AppContext, answer: Answer, key: str) -> None:
    st.markdown(plain(answer.text))
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
    badges.append({"extractive": ":blue-badge[extractive]", "llm": ":violet-badge[model]",
                   "fallback": ":orange-badge[model failed: extractive]"}[answer.mode])
    st.markdown(" ".join(badges))
    st.caption(f"{MODE_LABELS[answer.mode]} {answer.timings_ms.get('total', 0):.0f} ms. "
               f"Searched for: “{plain(answer.standalone)}”.")
    for warning in answer.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    if answer.citations:
        _draw_sources(ctx, answer, key)
    if answer.refused and answer.related:
        st.caption("Possibly related (not an answer): " + " · ".join(
            plain(f"{h.chunk.title or h.chunk.source}, page {h.chunk.page_start}")
            for h in answer.related))
    _draw_why(answer)
    if answer.query_id is not None:
        _draw_feedback(ctx, answer.query_id)


def _draw_sources(ctx: AppContext, answer: Answer, key: str) -> None:
    st.markdown("**Sources**")
    for i, c in enumerate(answer.citations):
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            with left:
                mark = ("" if c.verified else " · :orange[quote not found]") + (
                    "" if c.supported else " · :orange[claim not found in this passage]")
                st.markdown(f"**\\[{c.n}\\] {plain(c.title or c.source)}** · page {c.page}"
                            f"{mark}")
                st.caption(plain(f"“{c.quote}”  —  {c.source}"))
            with right:
                if st.button("Open page", key=f"open-{key}-{i}", icon=":material/description:"):
                    _viewer(ctx, c)


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
    _highlighted_text(page.text, page.highlight)


def _highlighted_text(text: str, span: tuple[int, int] | None) -> None:
    if not text:
        st.caption("No text was extracted from this page.")
        return
    if span is None:
        st.text(text)
        return
    start, end = span
    # the passage on one line inside the highlight directive; the rest keeps its lines
    middle = " ".join(text[start:end].split())
    before, after = text[:start], text[end:]
    st.markdown(plain(before).replace("\n", "  \n") + f":orange-background[{plain(middle)}]"
                + plain(after).replace("\n", "  \n"))


def _draw_why(answer: Answer) -> None:
    ctx = answer.context
    with st.expander("Why these sources"):
        rows = [{"n": u.n, "document": u.source, "pages": f"{u.page_start}–{u.page_end}",
                 "tokens": u.tokens, "sent to the answer": "yes"} for u in ctx.used]
        rows += [{"n": None, "document": d.source, "pages": f"{d.page_start}–{d.page_end}",
                  "tokens": d.tokens, "sent to the answer": f"no ({d.reason})"}
                 for d in ctx.dropped]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(f"Searched for: “{plain(answer.standalone)}”. Context budget {ctx.budget} "
                   f"tokens, "
                   f"used {ctx.tokens.get('total', 0)}. Retrieval "
                   f"{answer.timings_ms.get('embed', 0) + answer.timings_ms.get('search', 0):.0f}"
                   f" ms, answer {answer.timings_ms.get('generate', 0):.0f} ms.")


def _draw_feedback(ctx: AppContext, query_id: int) -> None:
    key = f"feedback-{query_id}"

    def store() -> None:
        value = st.session_state.get(key)
        if value is not None:
            ctx.services.queries.feedback(query_id, bool(value),
                                          st.session_state.get(f"{key}-reason") or "")

    def store_reason() -> None:
        ctx.services.queries.feedback(query_id, False,
                                      st.session_state.get(f"{key}-reason") or "")

    value = st.feedback("thumbs", key=key, on_change=store)
    if value == 0:
        st.pills("What was wrong?", FEEDBACK_REASONS, key=f"{key}-reason",
                 on_change=store_reason)
    if value is not None:
        st.caption("Thanks, your feedback was saved.")
