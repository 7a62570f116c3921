"""Documents (admins): upload with groups per file, watch indexing, find documents (search,
filters, sorting) and act on one or several (groups, title, re-index, delete).

Every change is recorded in the audit log as the command line records it: group changes
(``groups_changed`` with from/to) and deletions (``delete`` with the groups) here, uploads and
re-indexes when the upload queue has indexed them (ui.common.audit_upload), title changes in
``docqa.titles``. File names and titles are typed by people: they are shown in dataframes
(plain cells) or escaped, never as Markdown."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePosixPath

import streamlit as st

from docqa.titles import MAX_TITLE_CHARS, retitle
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
STATUS_LABELS = {DocStatus.INDEXED: "indexed", DocStatus.NEEDS_OCR: "needs OCR",
                 DocStatus.FAILED: "failed", DocStatus.DELETING: "being deleted"}
#: session_state keys
_SELECTED, _FLASH, _CONFIRM = "docs-selected", "docs-flash", "docs-deleting"


def _known_groups(ctx: AppContext, records: list[DocumentRecord]) -> list[str]:
    groups = {EVERYONE}
    for r in records:
        groups.update(r.groups)
    for u in ctx.users.users():
        groups.update(u.groups)
    return sorted(groups)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _flash(kind: str, text: str) -> None:
    """A message shown after the rerun that follows an action (a toast would be lost)."""
    st.session_state.setdefault(_FLASH, []).append((kind, text))


def _show_flash() -> None:
    for kind, text in st.session_state.pop(_FLASH, []):
        (st.success if kind == "ok" else st.error)(plain(text))


def render(ctx: AppContext) -> None:
    require_admin(ctx)
    st.title("Documents")
    records = ctx.services.catalog.list()
    _upload_form(ctx, records)
    _progress(ctx)
    _show_flash()
    if not records:
        st.info("No documents yet. Upload PDF, Markdown, text or HTML files above; they are "
                "searchable as soon as they show “indexed”.")
        return
    shown = _filters(ctx, records)
    _table(records, shown)
    _actions(ctx, records, shown)


# -- upload -----------------------------------------------------------------------------------
def _upload_form(ctx: AppContext, records: list[DocumentRecord]) -> None:
    limit_mb = ctx.services.settings.max_file_mb
    generation = st.session_state.setdefault("upload-generation", 0)  # a new one clears it
    known = _known_groups(ctx, records)
    with st.container(border=True):
        files = st.file_uploader(
            "Add documents", accept_multiple_files=True,
            type=sorted(ext.lstrip(".") for ext in SUPPORTED), key=f"upload-{generation}",
            help=f"{SUPPORTED_LABEL}; at most {limit_mb:g} MB each. A file with the name of an "
                 "indexed document replaces it once the new version is indexed.") or []
        groups = st.multiselect(
            "Who may read them", known, default=[EVERYONE], accept_new_options=True,
            key=f"upload-groups-{generation}",
            help="Groups whose members may find and open these documents. Type a new name to "
                 "create a group.")
        per_file: dict[str, list[str]] = {}
        if len(files) > 1 and st.toggle(
                "Different groups for each file", key=f"upload-per-file-{generation}",
                help="Choose who may read each file; each starts with the groups above."):
            for f in files:
                per_file[f.file_id] = st.multiselect(
                    f"Who may read {f.name}", sorted({*known, *groups}), default=groups,
                    accept_new_options=True, key=f"upload-groups-{generation}-{f.file_id}")
        submitted = st.button("Upload and index", type="primary", icon=":material/upload:",
                              disabled=not files, key="upload-submit",
                              help="Store the chosen files and index them in the background.")
    if not submitted or not files:
        return
    try:  # every file's groups are checked before any file is stored
        chosen = {f.file_id: _groups_or_error(per_file.get(f.file_id, groups), f.name)
                  for f in files}
    except DocqaError as e:
        st.error(plain(str(e)))
        return
    queued = 0
    for f in files:
        try:
            ctx.uploads.submit(f.name, f.getvalue(), chosen[f.file_id], ctx.user.username)
            queued += 1
        except DocqaError as e:  # refused before indexing: the other files still go ahead
            _flash("error", f"Not uploaded: {e}")
    if queued:
        _flash("ok", f"{_plural(queued, 'file')} queued for indexing.")
    st.session_state["watch_uploads"] = True
    st.session_state["upload-generation"] = generation + 1
    st.rerun()


def _groups_or_error(groups: Sequence[str], what: str) -> tuple[str, ...]:
    """Checked group names; none at all is an error, never a silent "everyone"."""
    clean = check_groups(groups)
    if not clean:
        raise DocqaError(f"Choose at least one group that may read {what}.")
    return clean


def _job_line(job: UploadJob) -> str:
    label = STATE_LABELS.get(job.state, job.state)
    kind = "re-index " if job.kind == "reindex" else ""
    detail = f" — {job.message}" if job.message else ""
    return plain(f"{kind}{job.filename}: {label}{detail}")


def _progress(ctx: AppContext) -> None:
    if not ctx.uploads.jobs():
        return

    # Polls once a second while something is indexing; the rest of the page (and every other
    # user's page) stays responsive because indexing runs in a separate, niced process.
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


# -- finding ----------------------------------------------------------------------------------
def _status(r: DocumentRecord) -> str:
    if r.status is DocStatus.FAILED:
        return f"failed: {r.error}"
    if r.status is DocStatus.NEEDS_OCR:
        pages = ", ".join(map(str, r.ocr_pages[:8])) + ("…" if len(r.ocr_pages) > 8 else "")
        return f"needs OCR: pages {pages} could not be read"
    recognised = (f" · {_plural(len(r.ocr_pages), 'page')} OCR'd" if r.ocr_pages else "")
    if r.error:  # a re-index failed; the previous version is still live
        return f"indexed{recognised} ({r.error})"
    return f"{STATUS_LABELS.get(r.status, str(r.status))}{recognised}"


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d")
    except ValueError:
        return stamp


def _kind(r: DocumentRecord) -> str:
    return PurePosixPath(r.source.replace("\\", "/")).suffix.lower() or "(none)"


def _filters(ctx: AppContext, records: list[DocumentRecord]) -> list[DocumentRecord]:
    search, status, group, kind = st.columns([3, 2, 2, 2])
    text = search.text_input("Search", key="docs-search", placeholder="file name or title",
                             help="Documents whose file name or title contains this text.")
    statuses = status.multiselect("Status", list(STATUS_LABELS), key="docs-status",
                                  format_func=lambda s: STATUS_LABELS[s],
                                  placeholder="any status")
    groups = group.multiselect("Group", _known_groups(ctx, records), key="docs-group",
                               placeholder="any group",
                               help="Documents that these groups may read (any of them).")
    kinds = kind.multiselect("Type", sorted({_kind(r) for r in records}), key="docs-type",
                             placeholder="any type")
    needle = text.strip().casefold()
    return [r for r in records
            if (not needle or needle in r.source.casefold() or needle in r.title.casefold())
            and (not statuses or r.status in statuses)
            and (not groups or set(groups) & set(r.groups))
            and (not kinds or _kind(r) in kinds)]


def _table(records: list[DocumentRecord], shown: list[DocumentRecord]) -> None:
    counts = {s: sum(r.status is s for r in records) for s in DocStatus}
    filtered = f"{len(shown)} of {len(records)} shown · " if len(shown) != len(records) else ""
    st.caption(f"{filtered}{_plural(len(records), 'document')} · "
               f"{counts[DocStatus.INDEXED]} indexed · {counts[DocStatus.NEEDS_OCR]} need OCR · "
               f"{counts[DocStatus.FAILED]} failed. Click a column header to sort; tick rows "
               "to act on them below.")
    if not shown:
        st.info("No document matches the search and filters.")
        return
    # The key changes with the rows shown, so a selection (row positions) never outlives them.
    digest = hashlib.sha256("\n".join(r.doc_id for r in shown).encode()).hexdigest()[:12]
    # Widths add up to the content width of a 1280-pixel window beside the sidebar, so no
    # column hides behind a horizontal scroll; long names are cut (the full name is in the
    # selection list below) and columns can be widened by dragging.
    event = st.dataframe(
        [{"document": r.source, "title": r.title, "status": _status(r), "pages": r.pages,
          "chunks": r.chunks, "groups": ", ".join(r.groups), "uploaded by": r.uploaded_by,
          "uploaded": _when(r.ingested_at), "size (KB)": round(r.size_bytes / 1024)}
         for r in shown],
        hide_index=True, width="stretch", key=f"docs-table-{digest}", on_select="rerun",
        selection_mode="multi-row", alt="Documents, one row each; tick rows to select them.",
        column_config={
            "document": st.column_config.TextColumn(width=140),
            "title": st.column_config.TextColumn(width=130),
            "status": st.column_config.TextColumn(width=110),
            "pages": st.column_config.NumberColumn(width=48),
            "chunks": st.column_config.NumberColumn(width=52),
            "groups": st.column_config.TextColumn(width=85),
            "uploaded by": st.column_config.TextColumn(width=80),
            "uploaded": st.column_config.TextColumn(
                width=82, help="Date of the indexed version (UTC)."),
            "size (KB)": st.column_config.NumberColumn(width=62)})
    ticked = [shown[i].doc_id for i in event.selection.rows if i < len(shown)]
    # Ticking rows sets the selection below; the list there can also be edited by keyboard.
    if ticked != st.session_state.get("docs-ticked", []):
        st.session_state["docs-ticked"] = ticked
        st.session_state[_SELECTED] = ticked


# -- acting -----------------------------------------------------------------------------------
def _audit(ctx: AppContext, action: str, record: DocumentRecord, **detail: object) -> None:
    """An audit event by the signed-in admin, as the CLI records it."""
    if ctx.services.audit is not None:
        ctx.services.audit.record(ctx.user.username, action, record.source,
                                  doc_id=record.doc_id, **detail)


def _select_shown(ids: list[str]) -> None:
    st.session_state[_SELECTED] = ids


def _actions(ctx: AppContext, records: list[DocumentRecord],
             shown: list[DocumentRecord]) -> None:
    by_id = {r.doc_id: r for r in records}
    # documents deleted meanwhile (here or elsewhere) leave the selection
    st.session_state[_SELECTED] = [d for d in st.session_state.get(_SELECTED, []) if d in by_id]
    st.subheader("Selected documents")
    pick, everything = st.columns([4, 1.3], vertical_alignment="bottom")
    chosen = pick.multiselect(
        "Selected documents", list(by_id), key=_SELECTED, label_visibility="collapsed",
        format_func=lambda d: by_id[d].source, placeholder="Tick rows above or choose here",
        help="The documents the actions below apply to.")
    everything.button(f"Select all {len(shown)} shown", key="docs-select-shown",
                      on_click=_select_shown, args=([r.doc_id for r in shown],),
                      disabled=not shown, width="stretch",
                      help="Select every document the search and filters show.")
    selected = [by_id[d] for d in chosen]
    if not selected:
        st.caption("Select one or more documents to change their groups, re-index or delete "
                   "them; select one to correct its title.")
        return
    if len(selected) == 1:
        _title(ctx, selected[0])
    _groups(ctx, records, selected)
    _reindex_and_delete(ctx, selected)


def _title(ctx: AppContext, record: DocumentRecord) -> None:
    field, save = st.columns([5, 1], vertical_alignment="bottom")
    title = field.text_input(f"Title of {record.source}", record.title,
                             key=f"title-{record.doc_id}", max_chars=MAX_TITLE_CHARS,
                             help="Shown in answers' citations and used by search. Saving "
                                  "re-indexes the document so its passages carry the title.")
    if save.button("Save title", key=f"save-title-{record.doc_id}", width="stretch",
                   disabled=title.strip() == record.title, icon=":material/edit:"):
        try:
            done = retitle(ctx.services.catalog, ctx.uploads, ctx.services.audit,
                           record.doc_id, title, ctx.user.username)
        except DocqaError as e:
            st.error(plain(str(e)))
            return
        if done.job is not None:
            st.session_state["watch_uploads"] = True
        _flash("ok", f"Title of {record.source} saved"
                     + ("; re-indexing it so answers cite the new title." if done.job else "."))
        st.rerun()


def _groups(ctx: AppContext, records: list[DocumentRecord],
            selected: list[DocumentRecord]) -> None:
    current = {r.groups for r in selected}
    same = len(current) == 1
    common = sorted(set.intersection(*(set(r.groups) for r in selected)))
    signature = hashlib.sha256("|".join(sorted(r.doc_id for r in selected)).encode()
                               ).hexdigest()[:12]
    options = sorted({*_known_groups(ctx, records), *(g for r in selected for g in r.groups)})
    field, save = st.columns([5, 1], vertical_alignment="bottom")
    wanted = field.multiselect(
        f"Who may read {'it' if len(selected) == 1 else f'these {len(selected)} documents'}",
        options, default=common, accept_new_options=True, key=f"groups-{signature}",
        help="Replaces the groups of every selected document. Type a new name to create a "
             "group.")
    changes = [r for r in selected if tuple(sorted(set(wanted))) != r.groups]
    if not same:
        st.caption(plain("Now: " + "; ".join(f"{r.source}: {', '.join(r.groups)}"
                                             for r in selected[:6])
                         + (" …" if len(selected) > 6 else "")))
    if save.button("Save groups", key=f"save-groups-{signature}", width="stretch",
                   disabled=not changes, icon=":material/group:",
                   help=f"Give {_plural(len(changes), 'document')} exactly these groups."):
        try:
            clean = _groups_or_error(wanted, "them")
        except DocqaError as e:
            st.error(plain(str(e)))
            return
        ingestor = Ingestor(ctx.services)
        saved = 0
        for r in changes:
            try:
                after = ingestor.set_groups(r.doc_id, clean)
            except DocqaError as e:
                _flash("error", f"Groups of {r.source} not changed: {e}")
                continue
            _audit(ctx, "groups_changed", r, **{"from": list(r.groups),
                                                "to": list(after.groups)})
            saved += 1
        if saved:
            _flash("ok", f"Groups of {_plural(saved, 'document')} set to {', '.join(clean)}.")
        st.rerun()


def _reindex_and_delete(ctx: AppContext, selected: list[DocumentRecord]) -> None:
    n = len(selected)
    them = "it" if n == 1 else f"these {n} documents"
    signature = tuple(sorted(r.doc_id for r in selected))
    reindex, delete, _ = st.columns([1, 1, 3])
    storable = [r for r in selected if r.stored_path]
    if reindex.button(f"Re-index {n}" if n > 1 else "Re-index", key="docs-reindex",
                      icon=":material/refresh:", disabled=not storable, width="stretch",
                      help=f"Index {them} again from the stored originals (after changing "
                           "chunking settings, for example). The current versions stay "
                           "searchable until the new ones are indexed."):
        for r in storable:
            try:
                ctx.uploads.submit_reindex(r.doc_id, ctx.user.username)
            except DocqaError as e:
                _flash("error", f"{r.source} not re-indexed: {e}")
        st.session_state["watch_uploads"] = True
        st.rerun()
    if delete.button(f"Delete {n}…" if n > 1 else "Delete…", key="docs-delete",
                     icon=":material/delete:", width="stretch",
                     help=f"Delete {them}; you are asked to confirm first."):
        st.session_state[_CONFIRM] = signature
    if st.session_state.get(_CONFIRM) != signature:
        return
    names = ", ".join(r.source for r in selected[:10]) + (" …" if n > 10 else "")
    st.warning(plain(f"Delete {_plural(n, 'document')} ({names})? "
                     f"{'It disappears' if n == 1 else 'They disappear'} from search and from "
                     "every answer for everyone; old conversations show "
                     f"{'its' if n == 1 else 'their'} citations as “no longer available”. "
                     "This cannot be undone."), icon=":material/warning:")
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button(f"Yes, delete {_plural(n, 'document')}", type="primary",
                  key="docs-confirm-delete", width="stretch"):
        ingestor, deleted = Ingestor(ctx.services), 0
        for r in selected:
            try:
                ingestor.delete(r.doc_id)
            except DocqaError as e:
                _flash("error", f"{r.source} not deleted: {e}")
                continue
            _audit(ctx, "delete", r, groups=list(r.groups))
            deleted += 1
        st.session_state.pop(_CONFIRM, None)
        if deleted:
            _flash("ok", f"Deleted {_plural(deleted, 'document')}.")
        st.rerun()
    if no.button("Cancel", key="docs-cancel-delete", width="stretch"):
        st.session_state.pop(_CONFIRM, None)
        st.rerun()
