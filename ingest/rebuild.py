"""``docqa reindex``: every document indexed again from its stored original, into a fresh
collection, for when the embedder (or chunking) changes.

Never delete-then-rebuild: the old collection is only read by the app meanwhile and stays
untouched; the switch is one setting (``DOCQA_COLLECTION``) once the new one is complete.
An interrupted run resumes: documents whose current version is already live in the new
collection are skipped. Documents that arrived as text (BEIR rows) have no original and are
reported, not silently dropped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.pipeline import Ingestor, ProgressCallback
from retrieval.errors import DocqaError
from retrieval.kernel import Kernel
from retrieval.types import DocStatus, FailedFile


@dataclass
class ReindexReport:
    collection: str
    reindexed: list[str] = field(default_factory=list)
    already_done: list[str] = field(default_factory=list)
    without_original: list[str] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0


def fresh_collection(current: str, stamp: str | None = None) -> str:
    """``docqa`` → ``docqa-202611240230``; a previous stamp is replaced, not stacked."""
    base = re.sub(r"-\d{12}$", "", current)
    return f"{base[:51]}-{stamp or time.strftime('%Y%m%d%H%M')}"


def reindex_all(services: Kernel, *, resume: bool,
                progress: ProgressCallback | None = None,
                on_document: Callable[[int, int, str], None] | None = None) -> ReindexReport:
    """Index every document with a stored original into ``services.index``. ``resume``
    skips documents whose catalog version is already live there (a fresh collection); an
    in-place re-index (same collection) must not skip."""
    started = time.perf_counter()
    report = ReindexReport(services.settings.collection)
    ingestor = Ingestor(services)
    records = services.catalog.list([DocStatus.INDEXED, DocStatus.NEEDS_OCR])
    for n, record in enumerate(records, start=1):
        if on_document is not None:
            on_document(n, len(records), record.source)
        if not record.stored_path:
            report.without_original.append(record.source)
            continue
        if resume and services.index.chunks_at(record.doc_id, record.version, [0]):
            report.already_done.append(record.source)
            continue
        try:
            result = ingestor.reindex(record.doc_id, progress)
        except DocqaError as e:
            report.failed.append(FailedFile(record.source, str(e)))
            continue
        report.failed.extend(result.failed)
        report.reindexed.extend(result.ingested)
        report.chunks += result.chunks
    report.seconds = time.perf_counter() - started
    return report
