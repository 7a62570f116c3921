"""Plain values passed between docqa's parts. No SDK type ever leaves its adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

EVERYONE = "everyone"


class DocStatus(StrEnum):
    INDEXED = "indexed"
    NEEDS_OCR = "needs_ocr"  # indexed, but some pages are images without a text layer
    FAILED = "failed"
    DELETING = "deleting"  # a delete was started; finished on the next start if interrupted


@dataclass(frozen=True)
class Chunk:
    """A passage of a document version, with where it came from and who may read it."""

    doc_id: str
    version: str
    chunk_index: int
    source: str
    title: str
    page_start: int  # 1-based
    page_end: int
    section: str
    text: str
    groups: tuple[str, ...]
    n_tokens: int
    ingested_at: str
    #: (character offset, page) wherever the text moves on to another page
    page_breaks: tuple[tuple[int, int], ...] = ()
    #: how many consecutive chunks this passage covers (more than 1 once neighbours merged)
    span: int = 1

    def page_at(self, offset: int) -> int:
        """The 1-based page of the character at ``offset`` in ``text``."""
        page = self.page_start
        for start, number in self.page_breaks:
            if offset < start:
                break
            page = number
        return page

    def page_of(self, passage: str) -> int:
        """The page on which ``passage`` starts (the chunk's first page if not found)."""
        found = self.text.find(passage)
        return self.page_at(found) if found >= 0 else self.page_start


@dataclass(frozen=True)
class SparseVector:
    indices: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class DocumentRecord:
    """One row of the document catalog."""

    doc_id: str
    source: str
    title: str
    version: str
    status: DocStatus
    error: str
    pages: int
    chunks: int
    ocr_pages: tuple[int, ...]
    groups: tuple[str, ...]
    uploaded_by: str
    ingested_at: str
    size_bytes: int
    stored_path: str
    published: bool = True


@dataclass(frozen=True)
class FailedFile:
    path: str
    error: str


@dataclass(frozen=True)
class GroupChange:
    """A document whose reader groups an ingest changed on purpose (``--groups`` given)."""

    path: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass
class IngestReport:
    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    needs_ocr: list[str] = field(default_factory=list)
    chunks: int = 0
    pages: int = 0
    seconds: float = 0.0
    groups_changed: list[GroupChange] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "ingested": list(self.ingested),
            "skipped": list(self.skipped),
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "needs_ocr": list(self.needs_ocr),
            "chunks": self.chunks,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "groups_changed": [{"path": c.path, "from": list(c.before), "to": list(c.after)}
                               for c in self.groups_changed],
        }


@dataclass(frozen=True)
class TextRecord:
    """A document that arrives as text, not as a file (a BEIR corpus row)."""

    source: str  # unique name, cited like a file name
    title: str
    text: str
