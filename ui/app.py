"""docqa web app (early version): the document catalog and passage search.

The full app (login, Ask chat with cited answers, admin pages) is built in issue 4; this page
shows what ingestion produced so a newcomer can see the index working.
"""

from __future__ import annotations

import streamlit as st

from retrieval.errors import DocqaError
from retrieval.index import HybridQuery, SearchFilter
from retrieval.services import Services, open_services
from retrieval.settings import load_settings

st.set_page_config(page_title="docqa", page_icon="📄", layout="wide")


@st.cache_resource(show_spinner="Loading the index and the embedding model…")
def services() -> Services:
    return open_services(load_settings())


st.title("docqa")
st.caption("Ask your company's documents. This early version shows the index and lets you "
           "search passages; cited answers arrive with the Ask page.")

try:
    svc = services()
except DocqaError as e:
    st.error(str(e))
    st.stop()

records = svc.catalog.list()
search_tab, docs_tab = st.tabs(["Search passages", f"Documents ({len(records)})"])

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
            hide_index=True, use_container_width=True)

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
