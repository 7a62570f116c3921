"""Opening a cited page for a reader: the access check and the page's indexed text.

The viewer must never show a document the reader could not retrieve, so the same group rule
as the search filter is applied again here; a document the reader may not read is reported
exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.access import may_read
from retrieval.errors import NotFoundError
from retrieval.search.passages import merge_chunks
from retrieval.store.catalog import Catalog
from retrieval.store.index import VectorIndex
from retrieval.text import locate_span
from retrieval.types import DocStatus, DocumentRecord


@dataclass(frozen=True)
class SourcePage:
    record: DocumentRecord
    page: int
    text: str  # the page's text as indexed
    #: the file to show: the stored original, or the PDF rendered from it at ingest
    #: (``<digest>.view.pdf``, an Office file or a recognised scan) when there is one
    original: Path | None
    highlight: tuple[int, int] | None  # the quoted passage within ``text``

    @property
    def is_pdf(self) -> bool:
        return self.original is not None and self.original.suffix.lower() == ".pdf"


def open_source_page(catalog: Catalog, index: VectorIndex, originals: Path, doc_id: str,
                     page: int, readable_groups: Sequence[str] | None,
                     quote: str = "") -> SourcePage:
    record = catalog.get(doc_id)
    if (record is None or record.status not in (DocStatus.INDEXED, DocStatus.NEEDS_OCR)
            or not may_read(readable_groups, record.groups)):
        raise NotFoundError("this document (it was deleted, or it is not shared with you)")
    if not 1 <= page <= max(record.pages, 1):
        raise NotFoundError(f"page {page} of {record.source} (it has {record.pages} pages)")
    text = page_text(index, record, page)
    original = viewable_file(originals, record.stored_path)
    span = locate_span(quote, text) if quote and text else None
    return SourcePage(record, page, text, original, span)


def viewable_file(originals: Path, stored_path: str) -> Path | None:
    """The PDF rendered at ingest (an Office file, a recognised scan) when there is one,
    else the stored original; None when neither is on disk."""
    if not stored_path:
        return None
    view = originals / f"{Path(stored_path).stem}.view.pdf"
    if view.is_file():
        return view
    original = originals / stored_path
    return original if original.is_file() else None


def page_text(index: VectorIndex, record: DocumentRecord, page: int) -> str:
    """The text of one page, from the live chunks that touch it (overlaps written once)."""
    chunks = sorted((c for c in index.chunks(record.doc_id)
                     if c.page_start <= page <= c.page_end), key=lambda c: c.chunk_index)
    if not chunks:
        return ""
    merged = chunks[0]
    for c in chunks[1:]:
        merged = merge_chunks(merged, c)
    starts = [0, *(o for o, _ in merged.page_breaks)]
    pages = [merged.page_start, *(p for _, p in merged.page_breaks)]
    ends = [*starts[1:], len(merged.text)]
    return "".join(merged.text[s:e] for s, e, p in zip(starts, ends, pages, strict=True)
                   if p == page).strip()
