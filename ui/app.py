"""docqa web app (early version): cited answers, passage search and the document catalog,
for documents shared with everyone.

The full app (login, chat with streaming and follow-ups, the document viewer, admin pages) is
built in issue 4.
"""

from __future__ import annotations

import re

import streamlit as st

from retrieval.errors import DocqaError
from retrieval.index import HybridQuery, SearchFilter
from retrieval.services import Services, open_services
from retrieval.settings import load_settings

st.set_page_config(page_title="docqa", page_icon="📄", layout="wide")


@st.cache_resource(show_spinner="Loading the index and the embedding model…")
def services() -> Services:
    return open_services(load_settings())


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def plain(text: str) -> str:
    """Document text and questions are shown as text: markdown and HTML characters escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


st.title("docqa")
st.caption("Ask your company's documents; every answer cites document and page. This early "
           "version searches documents shared with everyone.")

try:
    svc = services()
except DocqaError as e:
    st.error(str(e))
    st.stop()

records = svc.catalog.list()
ask_tab, search_tab, docs_tab = st.tabs(["Ask", "Search passages",
                                         f"Documents ({len(records)})"])

with ask_tab:
    question = st.text_input("Question", placeholder="e.g. What is the hotel cap in Munich?")
    if question.strip():
        try:
            answer = svc.answerer().ask(question, groups=["everyone"], user="web")
        except DocqaError as e:
            st.error(str(e))
            st.stop()
        label = {"extractive": "Extractive answer: sentences taken from the documents",
                 "llm": "Answered by the model", "fallback": "The model failed; extractive "
                                                            "answer"}[answer.mode]
        with st.container(border=True):
            st.markdown(plain(answer.text))
            st.caption(f"{label} · {answer.timings_ms['total']:.0f} ms")
        for w in answer.warnings:
            st.warning(w)
        for c in answer.citations:
            mark = "" if c.verified else " · ⚠ not verified"
            with st.container(border=True):
                st.markdown(f"**[{c.n}] {plain(c.title)}** · {plain(c.source)} · page {c.page}"
                            f"{mark}")
                st.markdown(f"> {plain(c.quote)}")
        with st.expander("Why these sources"):
            st.dataframe(
                [{"n": u.n, "document": u.source, "pages": f"{u.page_start}–{u.page_end}",
                  "tokens": u.tokens, "used": "yes"} for u in answer.context.used]
                + [{"n": None, "document": d.source,
                    "pages": f"{d.page_start}–{d.page_end}", "tokens": d.tokens,
                    "used": f"no ({d.reason})"} for d in answer.context.dropped],
                hide_index=True, width="stretch")
            st.caption(f"Budget {answer.context.budget} tokens; used "
                       f"{answer.context.tokens.get('total', 0)}.")

with docs_tab:
    if not records:
        st.info("No documents yet. Index some with `docqa ingest PATH...`.")
    else:
        st.dataframe(
            [{"document": r.source, "title": r.title, "status": str(r.status),
              "problem": r.error or (f"pages without text: {list(r.ocr_pages)}"
                                     if r.ocr_pages else ""),
              "pages": r.pages, "chunks": r.chunks, "groups": ", ".join(r.groups),
              "uploaded by": r.uploaded_by, "indexed at": r.ingested_at} for r in records],
            hide_index=True, width="stretch")

with search_tab:
    query = st.text_input("Search", placeholder="e.g. How many days of paid leave do I get?")
    if query.strip():
        hits = svc.index.search(HybridQuery(
            dense=svc.embedder.embed_one(query), sparse=svc.sparse.encode_query(query),
            limit=5, filter=SearchFilter(groups=("everyone",))))
        if not hits:
            st.info("Nothing in the documents matches that.")
        for hit in hits:
            c = hit.chunk
            pages = f"p. {c.page_start}" + (f"–{c.page_end}" if c.page_end != c.page_start
                                            else "")
            with st.container(border=True):
                st.markdown(f"**{c.title}** · {c.source} · {pages}"
                            + (f" · _{c.section}_" if c.section else ""))
                st.text(c.text)  # document text is shown as text, never as markup
    elif records:
        st.caption("Searches documents shared with everyone.")
