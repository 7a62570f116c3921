"""Documents (admins): upload, watch indexing, and manage who may read what."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from docqa.accounts import UserError
from ingest.pipeline import Ingestor
from ingest.sources import SUPPORTED, SUPPORTED_LABEL
from ingest.uploads import FINAL, UploadJob
from retrieval.access import check_groups
from retrieval.errors import DocqaError
from retrieval.types import EVERYONE, DocStatus, DocumentRecord
from ui.common import AppContext, plain, require_admin

STATE_LABELS = {"queued": "waiting", "parsing": "reading", "embedding": "indexing",
                "indexed": "indexed", "needs_ocr": "indexed, needs OCR", "skipped": "unchanged",
                "failed": "failed"}


def _known_groups(ctx: AppContext, records: list[DocumentRecord]) -> list[str]:
    groups = {EVERYONE}
    for r in records:
        groups.update(r.groups)
    for u in ctx.users.users():
        groups.update(u.groups)
    return sorted(groups)


def render(ctx: AppContext) -> None:
    require_admin(ctx)
    st.title("Documents")
    records = ctx.services.catalog.list()
    _upload_form(ctx, records)
    _progress(ctx)
    _table(records)
    if records:
        _manage(ctx, records)


def _upload_form(ctx: AppContext, records: list[DocumentRecord]) -> None:
    limit_mb = ctx.services.settings.max_file_mb
    with st.form("upload", clear_on_submit=True, border=True):
        files = st.file_uploader(
            "Add documents", accept_multiple_files=True,
            type=sorted(ext.lstrip(".") for ext in SUPPORTED),
            help=f"{SUPPORTED_LABEL}; at most {limit_mb:g} MB each. A file with the name of an "
                 "indexed document replaces it once the new version is indexed.")
        groups = st.multiselect(
            "Who may read them", _known_groups(ctx, records), default=[EVERYONE],
            accept_new_options=True,
            help="Groups whose members may find and open these documents. Type a new name to "
                 "create a group.")
        submitted = st.form_submit_button("Upload and index", type="primary",
                                          icon=":material/upload:")
    if not submitted:
        return
    if not files:
        st.warning("Choose one or more files first.")
        return
    try:
        clean = check_groups(groups) or (EVERYONE,)
    except UserError as e:
        st.error(plain(str(e)))
        return
    for f in files:
        try:
            ctx.uploads.submit(f.name, f.getvalue(), clean, ctx.user.username)
        except DocqaError as e:  # refused before indexing: the other files still go ahead
            st.error(plain(f"Not uploaded: {e}"))
    st.session_state["watch_uploads"] = True


def _job_line(job: UploadJob) -> str:
    label = STATE_LABELS.get(job.state, job.state)
    kind = "re-index " if job.kind == "reindex" else ""
    detail = f" — {job.message}" if job.message else ""
    return plain(f"{kind}{job.filename}: {label}{detail}")


def _progress(ctx: AppContext) -> None:
    if not ctx.uploads.jobs():
        return

    # Polls once a second while something is indexing; the rest of the page (and every other
    # user's page) stays responsive because indexing runs on the upload worker thread.
    @st.fragment(run_every=1.0 if ctx.uploads.active() else None)
    def progress() -> None:
        jobs = ctx.uploads.jobs()[:20]
        with st.container(border=True):
            st.markdown("**Uploads**")
            for job in jobs:
                if job.state == "failed":
                    st.error(_job_line(job), icon=":material/error:")
                elif job.state in FINAL:
                    st.progress(1.0, text=_job_line(job))
                else:
                    st.progress(min(max(job.fraction, 0.0), 1.0), text=_job_line(job))
        if st.session_state.get("watch_uploads") and not ctx.uploads.active():
            st.session_state["watch_uploads"] = False
            st.rerun()  # refresh the table below once everything is indexed

    progress()


def _status(r: DocumentRecord) -> str:
    if r.status is DocStatus.FAILED:
        return f"failed: {r.error}"
    if r.status is DocStatus.NEEDS_OCR:
        pages = ", ".join(map(str, r.ocr_pages[:8])) + ("…" if len(r.ocr_pages) > 8 else "")
        return f"needs OCR: pages {pages} could not be read"
    recognised = (f" · {len(r.ocr_pages)} page{'s' if len(r.ocr_pages) != 1 else ''} OCR'd"
                  if r.ocr_pages else "")
    if r.error:  # a re-index failed; the previous version is still live
        return f"indexed{recognised} ({r.error})"
    return f"{r.status}{recognised}"


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def _table(records: list[DocumentRecord]) -> None:
    if not records:
        st.info("No documents yet. Upload PDF, Markdown, text or HTML files above; they are "
                "searchable as soon as they show “indexed”.")
        return
    counts = {s: sum(r.status is s for r in records) for s in DocStatus}
    st.caption(f"{len(records)} documents · {counts[DocStatus.INDEXED]} indexed · "
               f"{counts[DocStatus.NEEDS_OCR]} need OCR · {counts[DocStatus.FAILED]} failed")
    st.dataframe(
        [{"document": r.source, "title": r.title, "status": _status(r), "pages": r.pages,
          "chunks": r.chunks, "groups": ", ".join(r.groups), "uploaded by": r.uploaded_by,
          "uploaded": _when(r.ingested_at), "size (KB)": round(r.size_bytes / 1024)}
         for r in records],
        hide_index=True, width="stretch",
        column_config={"status": st.column_config.TextColumn(width="medium")})


def _audit(ctx: AppContext, action: str, record: DocumentRecord, **detail: object) -> None:
    """An audit event by the signed-in admin (uploads and re-indexes are recorded when the
    upload queue has indexed them: ui.common.audit_upload)."""
    if ctx.services.audit is not None:
        ctx.services.audit.record(ctx.user.username, action, record.source,
                                  doc_id=record.doc_id, **detail)


def _manage(ctx: AppContext, records: list[DocumentRecord]) -> None:
    st.subheader("Manage a document")
    by_id = {r.doc_id: r for r in records}
    doc_id = st.selectbox("Document", list(by_id), format_func=lambda d: by_id[d].source,
                          key="manage-doc")
    if doc_id is None:
        return
    record = by_id[doc_id]
    ingestor = Ingestor(ctx.services)
    groups_col, actions_col = st.columns([3, 2])
    with groups_col:
        options = sorted(set(_known_groups(ctx, records)) | set(record.groups))
        new_groups = st.multiselect("Who may read it", options, default=list(record.groups),
                                    accept_new_options=True, key=f"groups-{doc_id}")
        if st.button("Save groups", key=f"save-groups-{doc_id}",
                     disabled=sorted(new_groups) == sorted(record.groups)):
            try:
                saved = ingestor.set_groups(doc_id, check_groups(new_groups) or (EVERYONE,))
                _audit(ctx, "groups_changed", record, **{"from": list(record.groups),
                                                        "to": list(saved.groups)})
                st.toast(plain(f"Groups of {record.source} saved."))
                st.rerun()
            except DocqaError as e:
                st.error(plain(str(e)))
    with actions_col:
        st.write("")
        if st.button("Re-index", key=f"reindex-{doc_id}", icon=":material/refresh:",
                     disabled=not record.stored_path,
                     help="Index the stored original again (after changing chunking "
                          "settings, for example). The current version stays searchable."):
            try:
                ctx.uploads.submit_reindex(doc_id, ctx.user.username)
                st.session_state["watch_uploads"] = True
                st.rerun()
            except DocqaError as e:
                st.error(plain(str(e)))
        if st.button("Delete…", key=f"delete-{doc_id}", icon=":material/delete:"):
            st.session_state["confirm-delete"] = doc_id
    if st.session_state.get("confirm-delete") == doc_id:
        st.warning(plain(f"Delete {record.source}? It disappears from search and from every "
                         "answer for everyone. This cannot be undone."))
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button("Yes, delete", type="primary", key=f"confirm-{doc_id}"):
            try:
                ingestor.delete(doc_id)
                _audit(ctx, "delete", record, groups=list(record.groups))
                st.session_state.pop("confirm-delete", None)
                st.toast(plain(f"Deleted {record.source}."))
                st.rerun()
            except DocqaError as e:
                st.error(plain(str(e)))
        if no.button("Cancel", key=f"cancel-{doc_id}"):
            st.session_state.pop("confirm-delete", None)
            st.rerun()
