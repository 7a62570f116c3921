"""A document's title corrected by an admin.

The title is part of every passage's embedded text and of its citations, so changing the
catalog alone would leave search and answers on the old title. The catalog is changed first
and the document is then re-indexed from its stored original: a re-index reads the title from
the catalog (``Ingestor.reindex``), and the old version stays searchable until the new one is
published. Audited like every other change to a document.
"""

from __future__ import annotations

from dataclasses import dataclass

from docqa.audit import AuditLog
from ingest.normalise import clean_title
from ingest.uploads import UploadJob, UploadQueue
from retrieval.errors import DocqaError, NotFoundError
from retrieval.store.catalog import Catalog

MAX_TITLE_CHARS = 200


class TitleError(DocqaError):
    """A title that cannot be used; the message says why."""


@dataclass(frozen=True)
class Retitled:
    doc_id: str
    source: str
    before: str
    after: str
    #: the re-index that carries the new title into the passages; None when the document
    #: has no stored original (it never indexed) or the title did not change
    job: UploadJob | None


def check_title(title: str) -> str:
    """The title on one line, without control characters; empty or too long is an error."""
    clean = clean_title(title)
    if not clean:
        raise TitleError("A title cannot be empty.")
    if len(clean) > MAX_TITLE_CHARS:
        raise TitleError(f"A title can have at most {MAX_TITLE_CHARS} characters "
                         f"(this one has {len(clean)}).")
    return clean


def retitle(catalog: Catalog, uploads: UploadQueue, audit: AuditLog | None, doc_id: str,
            title: str, actor: str) -> Retitled:
    """Give ``doc_id`` a new title, record it in the audit log and re-index the document so
    its passages and citations carry the title."""
    clean = check_title(title)
    record = catalog.get(doc_id)
    if record is None:
        raise NotFoundError(f"document {doc_id!r}")
    if clean == record.title:
        return Retitled(doc_id, record.source, record.title, clean, None)
    catalog.update(doc_id, title=clean)
    if audit is not None:
        audit.record(actor, "title_changed", record.source, doc_id=doc_id,
                     **{"from": record.title, "to": clean})
    job = uploads.submit_reindex(doc_id, actor) if record.stored_path else None
    return Retitled(doc_id, record.source, record.title, clean, job)
