"""The ingestion pipeline, callable from the CLI and in-process from the app.

Files are read, parsed and chunked on a worker thread a few files ahead of the main thread,
which embeds and writes; so parsing hides behind embedding, the slow part. A long PDF's text
is read in a child process (``ingest.pdf_worker``), off the GIL the embedder needs, and kept
by content (``ingest.parse_cache``), so indexing the same file again does not parse it again.
Each document version is written invisibly, committed to the catalog, then published (see
``retrieval.index``), so a crash at any point leaves no half-visible document.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest.chunking import ChunkDraft, Chunker, first_heading
from ingest.document import ParsedDocument
from ingest.markup import read_html, read_markdown, read_text
from ingest.normalise import clean_title, is_identifier, normalise_pages, normalise_text
from ingest.office import read_office
from ingest.parse_cache import ParseCache
from ingest.pdf import read_pdf_text, recognise_scans, title_from_name
from ingest.pdf_worker import PdfParser
from ingest.sources import SourceFile, discover
from ingest.spreadsheet import read_spreadsheet
from retrieval.access import GroupError, check_groups
from retrieval.errors import DocqaError, IngestError, NotFoundError
from retrieval.kernel import Kernel
from retrieval.store.points import IndexedChunk
from retrieval.types import (
    EVERYONE,
    Chunk,
    DocStatus,
    DocumentRecord,
    FailedFile,
    GroupChange,
    IngestReport,
    TextRecord,
)

log = logging.getLogger(__name__)

#: kinds whose reader removes running headers itself (a rendered Word or PowerPoint file, before
#: it marks headings and slides) or has none (a sheet: rows repeating there are data)
_SELF_CLEANED = {"word", "presentation", "spreadsheet"}
#: kinds chunked page by page: a page is a sheet or a slide, a unit of its own
_PAGE_BY_PAGE = {"spreadsheet", "presentation"}
#: a sheet's row blocks are sized to this share of a chunk, leaving room for the embedder's
#: word pieces, which run longer than tiktoken's tokens on figures
_SHEET_BLOCK_SHARE = 0.8

CONTENT_HASH_CHARS = 32  # a version starts with the content hash (sha256, hex, shortened)
EMBED_SLICE = 256  # chunks per embedding call: big enough for throughput, small for progress


@dataclass(frozen=True)
class Progress:
    """One step of an ingest, for progress bars. ``stage``: parsing, embedding, indexed,
    needs_ocr, skipped, failed."""

    stage: str
    source: str
    files_done: int
    files_total: int
    chunks_done: int = 0
    chunks_total: int = 0
    message: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass
class _Prepared:
    file: SourceFile
    version: str = ""
    size: int = 0
    sha256: str = ""
    parsed: ParsedDocument | None = None
    drafts: list[ChunkDraft] = field(default_factory=list)
    skip_reason: str = ""
    error: str = ""
    #: a PDF's text stage just parsed (not from the cache), kept once the document is
    #: published, under ``parser_version``
    text_stage: ParsedDocument | None = None
    parser_version: str = ""


@dataclass
class ParseCounts:
    """How PDFs got their text, over an ``Ingestor``'s life: parsed (in the child process
    or in-process) or taken from the parse cache."""

    parsed: int = 0
    in_child: int = 0
    cached: int = 0


#: reads a PDF's text stage for ``read_document`` (default: in-process, no cache)
PdfText = Callable[[SourceFile], ParsedDocument]


def content_hash(version: str) -> str:
    return version[:CONTENT_HASH_CHARS]


def embedding_text(title: str, section: str, text: str) -> str:
    """What the embedder reads for a chunk: where it sits, then the passage."""
    head = f"{title} — {section}" if section else title
    return f"{head}\n{text}"


def sparse_text(section: str, text: str) -> str:
    """What BM25 reads for a chunk: its section path too, so a table row matches the words of
    the statement or note it belongs to ("cash flows", "income taxes")."""
    return f"{section}\n{text}" if section else text


def _heading_text(title: str, section: str) -> str:
    return embedding_text(title, section, "")


def explicit_groups(groups: Sequence[str]) -> tuple[str, ...]:
    """Groups given on purpose: valid names (``check_groups``), at least one. An empty list
    is an error, never "everyone": publishing must be asked for by name."""
    clean = check_groups(groups)
    if not clean:
        raise GroupError(f"No group was given: name at least one group (use {EVERYONE!r} to "
                         "share with everyone).")
    return clean


def choose_title(title: str, pages: Sequence[str], markdown: bool, source: str) -> str:
    """The document's title; one that is empty, a hash or an identifier (an SEC filing's
    accession number) gives way to the first heading, then to the file name."""
    title = clean_title(title)
    if not is_identifier(title):
        return title
    heading = clean_title(first_heading(pages[0], markdown)) if pages else ""
    if not is_identifier(heading):
        return heading
    stem = Path(source).stem
    return clean_title(stem.replace("_", " ").replace("-", " ")) if not is_identifier(
        stem) else clean_title(stem) or clean_title(source)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _log_change(change: GroupChange, report: IngestReport | None = None) -> None:
    log.warning("groups of %s changed from %s to %s", change.path, ",".join(change.before),
                ",".join(change.after))
    if report is not None:
        report.groups_changed.append(change)


def make_chunks(doc_id: str, version: str, source: str, title: str,
                drafts: Sequence[ChunkDraft], groups: tuple[str, ...], stamp: str) -> list[Chunk]:
    return [Chunk(doc_id=doc_id, version=version, chunk_index=i, source=source, title=title,
                  page_start=d.page_start, page_end=d.page_end, section=d.section, text=d.text,
                  groups=groups, n_tokens=d.n_tokens, ingested_at=stamp,
                  page_breaks=d.page_breaks)
            for i, d in enumerate(drafts)]


def embed_and_write(services: Kernel, chunks: Sequence[Chunk],
                    written: Callable[[int, float], None] | None = None) -> None:
    """Embed and upsert (pending) ``chunks``; ``written(count so far, embedding seconds)``
    after each slice. Longest first, in slices: each slice pads to similar lengths."""
    order = sorted(range(len(chunks)), key=lambda i: -len(chunks[i].text))
    for start in range(0, len(order), EMBED_SLICE):
        batch = [chunks[i] for i in order[start:start + EMBED_SLICE]]
        t0 = time.perf_counter()
        dense = services.embedder.embed_background(
            [embedding_text(c.title, c.section, c.text) for c in batch])
        seconds = time.perf_counter() - t0
        services.index.upsert([IndexedChunk(c, dense[j], services.sparse.encode_document(
                                   sparse_text(c.section, c.text)))
                               for j, c in enumerate(batch)])
        if written is not None:
            written(min(start + EMBED_SLICE, len(chunks)), seconds)


class Ingestor:
    def __init__(self, services: Kernel, parse_ahead: int = 2) -> None:
        self.services = services
        self.parse_ahead = parse_ahead
        settings = services.settings
        self.chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap,
                               fits=services.embedder.fits)
        self.embed_seconds = 0.0
        self.parse_cache = ParseCache(settings.data_dir / "parse_cache")
        #: builds each batch's PDF parser (a test may give it a threshold, a timeout, a job)
        self.pdf_parser: Callable[[], PdfParser] = PdfParser
        self.parse_counts = ParseCounts()

    # -- public API ------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path], groups: Sequence[str] | None = None,
               uploaded_by: str | None = None,
               progress: ProgressCallback | None = None) -> IngestReport:
        """Index the files under ``paths``. ``groups`` None keeps the groups of documents
        already indexed (new ones are shared with everyone); given, they become the groups of
        every document, and each change is logged and reported."""
        files, missing = discover(paths)
        report = self.ingest_files(files, groups, uploaded_by, progress)
        report.failed[:0] = missing
        return report

    def ingest_files(self, files: Sequence[SourceFile], groups: Sequence[str] | None = None,
                     uploaded_by: str | None = None,
                     progress: ProgressCallback | None = None, *,
                     force: bool = False) -> IngestReport:
        """Index ``files``; unchanged ones are skipped unless ``force`` (a re-index, e.g.
        after the chunking settings changed), which writes them again as a new version.
        ``groups``: as for ``ingest``."""
        started = time.perf_counter()
        wanted = None if groups is None else explicit_groups(groups)
        uploader = uploaded_by or self.services.settings.user
        notify = progress or (lambda _p: None)
        report = IngestReport()
        claimed: set[str] = set()  # content hashes taken by earlier files of this batch
        for done, prepared in enumerate(self._prepared(files, claimed, force), start=1):
            self._commit(prepared, wanted, uploader, report, done, len(files), notify)
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, ref: str) -> DocumentRecord:
        record = self.services.catalog.find(ref)
        if record is None:
            raise NotFoundError(f"document {ref!r} (use `docqa docs list` to see ids)")
        catalog, index = self.services.catalog, self.services.index
        catalog.update(record.doc_id, status=DocStatus.DELETING)
        index.delete_document(record.doc_id)
        catalog.delete(record.doc_id)
        self._drop_original(record.stored_path)
        return record

    def reindex(self, ref: str, progress: ProgressCallback | None = None) -> IngestReport:
        """Index a document again from its stored original, under the same name and groups;
        the live version stays searchable until the new one is published."""
        record = self.services.catalog.find(ref)
        if record is None:
            raise NotFoundError(f"document {ref!r}")
        original = self.services.settings.originals_dir / record.stored_path
        if not record.stored_path or not original.is_file():
            raise IngestError(record.source, "its original file is not stored (it never "
                                             "indexed); upload it again")
        return self.ingest_files([SourceFile(original, record.source, record.title)], None,
                                 record.uploaded_by or None, progress, force=True)

    def set_groups(self, ref: str, groups: Sequence[str]) -> DocumentRecord:
        """Change who may read a document (logged); an empty list is an error."""
        clean = explicit_groups(groups)
        record = self.services.catalog.find(ref)
        if record is None:
            raise NotFoundError(f"document {ref!r}")
        if record.groups != clean:
            _log_change(GroupChange(record.source, record.groups, clean))
        return self._store_groups(record.doc_id, clean)

    def _store_groups(self, doc_id: str, groups: tuple[str, ...]) -> DocumentRecord:
        self.services.index.set_groups(doc_id, groups)
        return self.services.catalog.update(doc_id, groups=groups)

    # -- stage 1: read, parse, chunk (worker thread) --------------------------------------
    def _prepared(self, files: Sequence[SourceFile], claimed: set[str],
                  force: bool) -> Iterator[_Prepared]:
        with self.pdf_parser() as parser, ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="docqa-parse") as pool:
            pending: list[Future[_Prepared]] = []
            queue = list(files)
            while queue or pending:
                while queue and len(pending) < self.parse_ahead:
                    pending.append(pool.submit(self._prepare, queue.pop(0), claimed, force,
                                               parser))
                yield pending.pop(0).result()

    def _prepare(self, file: SourceFile, claimed: set[str], force: bool,
                 parser: PdfParser) -> _Prepared:
        prepared = _Prepared(file)
        try:
            size = file.path.stat().st_size
            limit = self.services.settings.max_file_bytes
            if size > limit:
                raise IngestError(file.source, f"the file is {size / 2**20:.0f} MB, over the "
                                               f"{limit / 2**20:.0f} MB limit "
                                               "(DOCQA_MAX_FILE_MB)")
            if size == 0:
                raise IngestError(file.source, "the file is empty")
            raw = file.path.read_bytes()
            prepared.size = size
            prepared.sha256 = hashlib.sha256(raw).hexdigest()
            digest = prepared.sha256[:CONTENT_HASH_CHARS]
            # A forced re-index of unchanged content still needs its own version: points are
            # named by version, and the live ones must stay until the new ones are published.
            prepared.version = f"{digest}-r{time.time_ns():x}" if force else digest
            prepared.skip_reason = self._skip_reason(file, digest, claimed, force)
            if prepared.skip_reason:
                return prepared
            claimed.add(digest)
            prepared.parsed, prepared.drafts = read_document(
                file, raw, self.chunker,
                pdf_text=functools.partial(self._pdf_text, prepared, parser))
        except IngestError as e:
            prepared.error = e.reason
        except OSError as e:
            prepared.error = f"could not read the file ({e.strerror or e})"
        return prepared

    def _pdf_text(self, prepared: _Prepared, parser: PdfParser,
                  file: SourceFile) -> ParsedDocument:
        """The PDF's text stage from the parse cache, or parsed (and kept at publishing)."""
        # A title made of the file's name is not the content's: it is kept as "" and made
        # again from the name the content has this time.
        by_name = title_from_name(file.path)
        cached = self.parse_cache.get(prepared.sha256, parser.version)
        if cached is not None:
            self.parse_counts.cached += 1
            return dataclasses.replace(cached, title=cached.title or by_name)
        before = parser.in_child
        parsed = parser.parse(file.path, file.source)
        self.parse_counts.parsed += 1
        self.parse_counts.in_child += parser.in_child - before
        prepared.parser_version = parser.version
        prepared.text_stage = dataclasses.replace(
            parsed, title="" if parsed.title == by_name else parsed.title)
        return parsed

    def _skip_reason(self, file: SourceFile, digest: str, claimed: set[str],
                     force: bool) -> str:
        catalog = self.services.catalog
        existing = catalog.get(file.doc_id)
        if not force and existing and content_hash(existing.version) == digest and (
                existing.status in (DocStatus.INDEXED, DocStatus.NEEDS_OCR)):
            return "unchanged"
        twins = [r for r in catalog.with_content(digest) if r.doc_id != file.doc_id]
        if twins:
            return f"same content as {twins[0].source}"
        if digest in claimed:
            return "same content as another file in this batch"
        return ""

    # -- stage 2: embed, write, commit, publish (main thread) -----------------------------
    def _commit(self, prepared: _Prepared, wanted: tuple[str, ...] | None, uploader: str,
                report: IngestReport, done: int, total: int, notify: ProgressCallback) -> None:
        file = prepared.file
        existing = self.services.catalog.get(file.doc_id)
        # Groups belong to the document: kept unless given on purpose (``wanted``).
        current = existing.groups if existing else None
        groups = wanted or current or (EVERYONE,)
        change = (GroupChange(file.source, current, groups)
                  if current is not None and current != groups else None)
        if prepared.skip_reason:
            if existing and prepared.skip_reason == "unchanged" and change is not None:
                self._store_groups(file.doc_id, groups)
                _log_change(change, report)
            report.skipped.append(file.source)
            notify(Progress("skipped", file.source, done, total, message=prepared.skip_reason))
            return
        if not prepared.error:
            try:
                self._write(prepared, groups, uploader, report, done, total, notify)
                if change is not None:
                    _log_change(change, report)
                return
            except DocqaError as e:
                prepared.error = str(e)
        self._record_failure(prepared, groups, uploader)
        report.failed.append(FailedFile(str(file.path), prepared.error))
        notify(Progress("failed", file.source, done, total, message=prepared.error))

    def _write(self, prepared: _Prepared, groups: tuple[str, ...], uploader: str,
               report: IngestReport, done: int, total: int, notify: ProgressCallback) -> None:
        file, parsed = prepared.file, prepared.parsed
        assert parsed is not None
        services = self.services
        stamp = _now()
        chunks = make_chunks(file.doc_id, prepared.version, file.source, parsed.title,
                             prepared.drafts, groups, stamp)
        notify(Progress("embedding", file.source, done - 1, total, 0, len(chunks)))

        def written(count: int, seconds: float) -> None:
            self.embed_seconds += seconds
            notify(Progress("embedding", file.source, done - 1, total, count, len(chunks)))

        embed_and_write(services, chunks, written)
        stored = self._store_original(file, content_hash(prepared.version), parsed.view_pdf)
        previous = services.catalog.get(file.doc_id)
        status = DocStatus.NEEDS_OCR if parsed.image_only_pages else DocStatus.INDEXED
        record = DocumentRecord(
            doc_id=file.doc_id, source=file.source, title=parsed.title,
            version=prepared.version, status=status, error="", pages=len(parsed.pages),
            chunks=len(chunks), groups=groups,
            # NEEDS_OCR: the pages still unread; INDEXED: the pages that were recognised
            ocr_pages=parsed.image_only_pages or parsed.ocr_pages,
            uploaded_by=uploader, ingested_at=stamp, size_bytes=prepared.size,
            stored_path=stored, published=False,
        )
        services.catalog.put(record)
        services.index.publish(file.doc_id, prepared.version)
        services.catalog.update(file.doc_id, published=True)
        if prepared.text_stage is not None:
            # Only now: the cache holds text of published documents only, and goes with them
            self.parse_cache.put(prepared.sha256, prepared.parser_version, prepared.text_stage)
        if previous and previous.stored_path != stored:
            self._drop_original(previous.stored_path)
        report.chunks += len(chunks)
        report.pages += len(parsed.pages)
        if status is DocStatus.NEEDS_OCR:
            report.needs_ocr.append(file.source)
        if chunks:
            report.ingested.append(file.source)
        stage = "needs_ocr" if status is DocStatus.NEEDS_OCR else "indexed"
        pages_note = (f"pages without text (need OCR): {list(parsed.image_only_pages)}"
                      if parsed.image_only_pages else "")
        notify(Progress(stage, file.source, done, total, len(chunks), len(chunks), pages_note))

    def _record_failure(self, prepared: _Prepared, groups: tuple[str, ...],
                        uploader: str) -> None:
        """A failed new file is listed as failed; a failed re-index keeps the live version."""
        catalog, file = self.services.catalog, prepared.file
        existing = catalog.get(file.doc_id)
        if existing and existing.status in (DocStatus.INDEXED, DocStatus.NEEDS_OCR):
            catalog.update(file.doc_id, error=f"re-index failed: {prepared.error}")
            return
        catalog.put(DocumentRecord(
            doc_id=file.doc_id, source=file.source, title=file.path.stem, version="",
            status=DocStatus.FAILED, error=prepared.error, pages=0, chunks=0, ocr_pages=(),
            groups=groups, uploaded_by=uploader, ingested_at=_now(), size_bytes=prepared.size,
            stored_path="",
        ))

    # -- originals -------------------------------------------------------------------------
    def _store_original(self, file: SourceFile, digest: str, view_pdf: bytes | None = None
                        ) -> str:
        folder = self.services.settings.originals_dir
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{digest}{file.path.suffix.lower()}"
        if not target.exists():
            tmp = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(file.path, tmp)
            tmp.replace(target)
        view = folder / f"{digest}.view.pdf"
        if view_pdf is not None and not view.exists():
            tmp = view.with_suffix(".part")
            tmp.write_bytes(view_pdf)
            tmp.replace(view)
        return target.name

    def _drop_original(self, name: str) -> None:
        if not name:
            return
        digest = Path(name).stem
        if any(r.stored_path == name for r in self.services.catalog.with_content(digest)):
            return
        (self.services.settings.originals_dir / name).unlink(missing_ok=True)
        (self.services.settings.originals_dir / f"{digest}.view.pdf").unlink(missing_ok=True)
        self.parse_cache.drop(digest)


def read_document(file: SourceFile, raw: bytes, chunker: Chunker, *,
                  pdf_text: PdfText | None = None) -> tuple[ParsedDocument, list[ChunkDraft]]:
    """One file parsed, cleaned, titled and chunked (no embedding): the document and its
    chunks. No chunks and image-only pages: a scan that needs OCR. Raises ``IngestError``."""
    parsed = parse_file(file, raw, chunker.chunk_tokens, pdf_text=pdf_text)
    if file.kind in _SELF_CLEANED:
        pages = [normalise_text(p) for p in parsed.pages]
    else:
        pages = normalise_pages(list(parsed.pages))
    title = file.title or choose_title(parsed.title, pages, parsed.markdown_headings,
                                       file.source)
    parsed = dataclasses.replace(parsed, title=title, pages=tuple(pages))
    if not any(p.strip() for p in pages):
        if parsed.image_only_pages:
            return parsed, []  # flagged as needing OCR, nothing to index
        raise IngestError(file.source, "the document contains no text")
    return parsed, chunk_document(parsed, file.kind, chunker)


def chunk_document(parsed: ParsedDocument, kind: str, chunker: Chunker) -> list[ChunkDraft]:
    def prefix(section: str) -> str:
        return embedding_text(parsed.title, section, "")

    if kind not in _PAGE_BY_PAGE:
        return chunker.chunk(parsed, prefix)
    # Sheet by sheet, slide by slide: a chunk never holds rows of two sheets or text of two
    # slides, so its section ("Sheet › rows a–b", "Slide n: title") and its page say exactly
    # where it is. (Small slides make small chunks; neighbours are merged at search time.)
    drafts: list[ChunkDraft] = []
    for number, page in enumerate(parsed.pages, start=1):
        sheet = ParsedDocument(parsed.title, (page,), markdown_headings=True)
        drafts.extend(dataclasses.replace(d, page_start=number, page_end=number,
                                          page_breaks=())
                      for d in chunker.chunk(sheet, prefix))
    return drafts


def parse_file(file: SourceFile, raw: bytes, chunk_tokens: int = 200, *,
               pdf_text: PdfText | None = None) -> ParsedDocument:
    """The reader for the file's kind. ``chunk_tokens`` sizes a sheet's row blocks;
    ``pdf_text`` reads a PDF's text stage (default: in-process), then its scans are
    recognised here."""
    if file.kind == "pdf":
        text = pdf_text(file) if pdf_text is not None else read_pdf_text(file.path)
        return recognise_scans(file.path, text)
    if raw[:5] == b"%PDF-":
        raise IngestError(file.source, "this is a PDF file with the wrong extension; "
                                       "rename it to .pdf")
    name = Path(file.source).name
    if file.kind in ("word", "presentation"):
        return read_office(file.path, raw, name)
    if file.kind == "spreadsheet":
        return read_spreadsheet(file.path, raw, name, int(chunk_tokens * _SHEET_BLOCK_SHARE))
    if file.kind == "image":
        return _read_image(file, raw)
    reader = {"markdown": read_markdown, "text": read_text, "html": read_html}[file.kind]
    return reader(file.path, raw)


def _read_image(file: SourceFile, raw: bytes) -> ParsedDocument:
    """Images go to the OCR reader, which is optional: without it an image fails with a
    sentence, and everything else still reads."""
    try:
        from ingest.images import read_image
    except ImportError as e:
        raise IngestError(file.source, "image files need OCR support, which is not "
                                       "installed") from e
    parsed: ParsedDocument = read_image(file.path, raw)
    return parsed


def ingest_records(services: Kernel, records: Sequence[TextRecord],
                   groups: Sequence[str] | None = None, uploaded_by: str = "",
                   progress: ProgressCallback | None = None) -> IngestReport:
    """Index many small text documents, embedding across documents in full batches (one
    call per document would waste the batch). Same visibility protocol as files: all chunks
    of a batch are written pending, the catalog commits, then each document is published."""
    from ingest.sources import doc_id_for

    started = time.perf_counter()
    settings = services.settings
    chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap, fits=services.embedder.fits)
    wanted = None if groups is None else explicit_groups(groups)  # None: as Ingestor.ingest
    notify = progress or (lambda _p: None)
    report = IngestReport()
    batch: list[tuple[DocumentRecord, list[Chunk]]] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending_chunks
        embed_and_write(services, [c for _, cs in batch for c in cs])
        for record, cs in batch:
            services.catalog.put(record)
            services.index.publish(record.doc_id, record.version)
            services.catalog.update(record.doc_id, published=True)
            report.ingested.append(record.source)
            report.chunks += len(cs)
            report.pages += 1
        batch.clear()
        pending_chunks = 0

    for done, item in enumerate(records, start=1):
        doc_id = doc_id_for(item.source)
        version = hashlib.sha256(f"{item.title}\n{item.text}".encode()).hexdigest()[:32]
        existing = services.catalog.get(doc_id)
        if existing and existing.version == version:
            report.skipped.append(item.source)
            continue
        title = clean_title(item.title)
        parsed = ParsedDocument(title, (normalise_pages([item.text])[0],))
        drafts = chunker.chunk(parsed, functools.partial(_heading_text, title))
        if not drafts:
            report.failed.append(FailedFile(item.source, "the document contains no text"))
            continue
        stamp = _now()
        doc_groups = wanted or (existing.groups if existing else (EVERYONE,))
        if existing and existing.groups != doc_groups:
            _log_change(GroupChange(item.source, existing.groups, doc_groups), report)
        chunks = make_chunks(doc_id, version, item.source, title, drafts, doc_groups,
                             stamp)
        record = DocumentRecord(
            doc_id=doc_id, source=item.source, title=title, version=version,
            status=DocStatus.INDEXED, error="", pages=1, chunks=len(chunks), ocr_pages=(),
            groups=doc_groups, uploaded_by=uploaded_by or settings.user, ingested_at=stamp,
            size_bytes=len(item.text.encode()), stored_path="", published=False)
        batch.append((record, chunks))
        pending_chunks += len(chunks)
        if pending_chunks >= 4 * EMBED_SLICE:
            flush()
            notify(Progress("embedding", item.source, done, len(records)))
    flush()
    notify(Progress("indexed", "", len(records), len(records)))
    report.seconds = time.perf_counter() - started
    return report
