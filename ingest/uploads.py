"""Uploads from the app, indexed in the background by a separate, lower-priority process.

The app hands each uploaded file to an ``UploadQueue`` shared by every browser session; the
indexing process (``ingest.upload_worker``: why a process, and why it cannot write the
embedded index itself) parses, chunks and embeds it while the app keeps answering, and any
session can read the per-file progress. Files are staged under ``data_dir/uploads`` until
indexed, so an upload that was interrupted (the app stopped) is picked up again at the next
start.

Which file goes next: the smallest waiting one, and one of the slots is kept for small files
(``SMALL_FILE_BYTES``). Shortest-first alone does not help a memo uploaded a minute after a
10-K, because the 10-K has started already and is not interrupted (four small files waited
~3 minutes behind one, issue 16); the kept slot does, at the price of the two jobs sharing the
indexing process's core while both run. Size in bytes is the measure because it is known
before anything is parsed; a file waiting longer than ``MAX_WAIT_S`` goes first, so a stream
of small files cannot hold a big one back for ever.

If the indexing process dies mid-file (killed, out of memory, a reader crashing on a hostile
file), the app stays up: what the dead job left of its document is finished or removed
(``recover_document``), and the file is tried once more in a new process, then reported
failed with one sentence.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict, Unpack

from ingest.pipeline import Progress
from ingest.sources import SUPPORTED, SUPPORTED_LABEL, SourceFile
from ingest.upload_worker import Hello, RunJob
from ingest.worker_process import IndexingWorker
from retrieval.errors import DocqaError, IngestError
from retrieval.kernel import Kernel
from retrieval.store.points import PENDING, PointFilter
from retrieval.types import DocStatus, DocumentRecord, IngestReport

log = logging.getLogger(__name__)

#: states a job moves through; the last four are final
STATES = ("queued", "parsing", "embedding", "indexed", "needs_ocr", "skipped", "failed")
FINAL = frozenset({"indexed", "needs_ocr", "skipped", "failed"})

#: files up to this size may also use the slot kept for small files. FinanceBench for scale:
#: its 8-Ks and earnings releases are 0.1-0.5 MB, its 10-Ks 0.6-4 MB.
SMALL_FILE_BYTES = 512 * 1024
#: a job that waited this long goes first, whatever its size
MAX_WAIT_S = 600.0
#: a file whose indexing process died is tried this many times in all, then reported failed
ATTEMPTS = 2
#: the indexing process ends after this long without work, giving back the memory its model
#: holds; the next upload starts a new one (seconds)
IDLE_STOP_S = 300.0
#: how the indexing process builds its embedder: the composition root's function, by name
#: because it runs in the other process (ingest does not import docqa)
EMBEDDER_FACTORY = "docqa.services:build_embedder"


@dataclass(frozen=True)
class UploadJob:
    job_id: str
    filename: str
    size_bytes: int
    groups: tuple[str, ...]
    uploader: str
    state: str = "queued"
    fraction: float = 0.0  # 0..1, for the progress bar
    message: str = ""
    submitted_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    kind: str = "upload"  # or "reindex"
    started_at: float | None = None  # when the indexing process took it

    @property
    def done(self) -> bool:
        return self.state in FINAL


class _JobChanges(TypedDict, total=False):
    """The fields of an ``UploadJob`` that change while it runs."""

    state: str
    fraction: float
    message: str
    finished_at: float | None
    started_at: float | None


@dataclass
class _Work:
    """A job's work as the queue schedules it."""

    run: RunJob
    size: int
    doc_id: str
    staged: Path | None  # the staging folder of an upload; None for a re-index
    waiting_since: float = field(default_factory=time.monotonic)
    attempts: int = 0
    slot: int = -1
    worker: IndexingWorker | None = None
    outcome: tuple[str, str] | None = None  # the final stage the pipeline reported

    @property
    def job_id(self) -> str:
        return self.run.job_id


SWITCH_INTERVAL_S = 0.0005


def share_cores_with_questions() -> None:
    """Call once in the process that answers questions (the app).

    The heavy part of indexing runs in the indexing process now, but the app still unpickles
    its messages and writes the points. A question's embedding releases and re-takes the
    interpreter lock hundreds of times and each time waits out the switch interval (5 ms by
    default); at 0.5 ms such short holders cost a question little (bench.upload_bench)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def check_upload(filename: str, size_bytes: int, max_bytes: int) -> None:
    """Refuse what cannot be indexed before it is stored: one sentence saying why."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(filename, f"unsupported file type '{suffix or '?'}'; docqa reads "
                                    f"{SUPPORTED_LABEL}")
    if size_bytes > max_bytes:
        raise IngestError(filename, f"the file is {size_bytes / 2**20:.1f} MB, over the "
                                    f"{max_bytes / 2**20:.0f} MB limit")
    if size_bytes == 0:
        raise IngestError(filename, "the file is empty")


def safe_name(filename: str) -> str:
    """The file's own name without any folder part, so it cannot escape the staging folder."""
    name = Path(filename.replace("\\", "/")).name.strip()
    if not name or name in {".", ".."}:
        raise IngestError(filename or "?", "the file has no name")
    return name


def recover_document(services: Kernel, doc_id: str) -> DocumentRecord | None:
    """After the indexing process died: what ``retrieval.kernel.recover`` does at a start,
    for one document only (other work may have pending points right now). A version the
    catalog committed is published; the pending points of any other are removed. Returns the
    record when this published it."""
    catalog, index = services.catalog, services.index
    record = catalog.get(doc_id)
    published = None
    if (record is not None and not record.published
            and record.status in (DocStatus.INDEXED, DocStatus.NEEDS_OCR)):
        index.publish(doc_id, record.version)
        published = catalog.update(doc_id, published=True)
        log.warning("finished the interrupted publish of %s", record.source)
    pending = PointFilter(doc_id=doc_id, state=PENDING)
    if index.store.count(pending):
        index.store.delete(pending)
        index.store.flush()
        log.warning("removed the pending points of an interrupted ingest of %s", doc_id)
    return published


class UploadQueue:
    def __init__(self, services: Kernel, workers: int = 1,
                 on_report: Callable[[UploadJob, IngestReport], None] | None = None, *,
                 small_file_bytes: int = SMALL_FILE_BYTES,
                 embedder_factory: str = EMBEDDER_FACTORY,
                 idle_stop_s: float = IDLE_STOP_S) -> None:
        """``workers`` slots take any file, one more only small ones. ``on_report(job,
        report)`` after each job's indexing ran (the app's audit log)."""
        self.services = services
        self.on_report = on_report
        self.small_file_bytes = small_file_bytes
        self.embedder_factory = embedder_factory
        self.idle_stop_s = idle_stop_s
        self.staging = services.settings.data_dir / "uploads"
        self._jobs: dict[str, UploadJob] = {}
        self._lock = threading.RLock()
        self._small_only = [False] * workers + [True]
        self._busy: dict[int, str] = {}  # slot -> job id
        self._waiting: list[_Work] = []
        self._running: dict[str, _Work] = {}
        self._worker: IndexingWorker | None = None
        self._idle_timer: threading.Timer | None = None
        self._closed = False
        self.resume()

    def resume(self) -> list[UploadJob]:
        """Queue again the uploads a previous run staged but did not finish."""
        resumed = []
        for folder in self.staging.glob("*/"):
            if not (folder / "job.json").exists():  # staging was cut off: nothing to resume
                shutil.rmtree(folder, ignore_errors=True)
        for ticket in sorted(self.staging.glob("*/job.json")):
            try:
                meta = json.loads(ticket.read_text(encoding="utf-8"))
                path = ticket.parent / safe_name(meta["filename"])
                if not path.is_file():
                    raise ValueError("staged file missing")
                job = UploadJob(ticket.parent.name, path.name, path.stat().st_size,
                                tuple(meta["groups"]), str(meta["uploader"]),
                                message="resumed after a restart")
            except (OSError, ValueError, KeyError, TypeError, DocqaError) as e:
                log.warning("dropping unreadable staged upload %s: %s", ticket.parent, e)
                shutil.rmtree(ticket.parent, ignore_errors=True)
                continue
            log.info("resuming the upload of %s", job.filename)
            self._start(job, path)
            resumed.append(job)
        return resumed

    # -- submitting ------------------------------------------------------------------------
    def submit(self, filename: str, data: bytes, groups: Sequence[str],
               uploader: str) -> UploadJob:
        name = safe_name(filename)
        check_upload(name, len(data), self.services.settings.max_file_bytes)
        job = UploadJob(uuid.uuid4().hex[:12], name, len(data), tuple(groups), uploader)
        folder = self.staging / job.job_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        # the ticket is written last: a folder without one was never fully staged
        (folder / "job.json").write_text(json.dumps(
            {"filename": name, "groups": list(job.groups), "uploader": uploader}),
            encoding="utf-8")
        self._start(job, folder / name)
        return job

    def submit_reindex(self, doc_id: str, uploader: str) -> UploadJob:
        record = self.services.catalog.get(doc_id)
        if record is None:
            raise IngestError(doc_id, "the document no longer exists")
        job = UploadJob(uuid.uuid4().hex[:12], record.source, record.size_bytes,
                        record.groups, uploader, kind="reindex")
        self._enqueue(job, _Work(RunJob(job.job_id, record.source, doc_id=doc_id),
                                 record.size_bytes, doc_id, None))
        return job

    def _start(self, job: UploadJob, path: Path) -> None:
        run = RunJob(job.job_id, job.filename, job.groups, job.uploader, path=str(path))
        self._enqueue(job, _Work(run, job.size_bytes, SourceFile(path, job.filename).doc_id,
                                 path.parent))

    def _enqueue(self, job: UploadJob, work: _Work) -> None:
        with self._lock:
            self._jobs[job.job_id] = job
            self._waiting.append(work)
            self._dispatch()

    # -- reading ---------------------------------------------------------------------------
    def jobs(self, uploader: str | None = None) -> list[UploadJob]:
        """Jobs, newest first (of one uploader when given)."""
        with self._lock:
            jobs = list(self._jobs.values())
        return sorted((j for j in jobs if uploader is None or j.uploader == uploader),
                      key=lambda j: -j.submitted_at)

    def get(self, job_id: str) -> UploadJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def active(self) -> int:
        with self._lock:
            return sum(not j.done for j in self._jobs.values())

    def worker_pid(self) -> int | None:
        """The indexing process's id while one runs (for operators and tests)."""
        with self._lock:
            return self._worker.pid if self._worker is not None else None

    def wait(self, timeout: float = 60.0) -> bool:
        """Until no job is running (for tests and shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.active():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self, timeout: float = 3600.0) -> None:
        """Let the jobs finish (a file still staged is resumed at the next start if not),
        then end the indexing process."""
        self.wait(timeout)
        with self._lock:
            self._closed = True
            worker, self._worker = self._worker, None
            if self._idle_timer is not None:
                self._idle_timer.cancel()
        if worker is not None:
            worker.stop()

    # -- scheduling ------------------------------------------------------------------------
    def _next_for(self, slot: int) -> _Work | None:
        """Smallest first; a job that waited past ``MAX_WAIT_S`` before all others."""
        now = time.monotonic()
        fits = [w for w in self._waiting
                if not self._small_only[slot] or w.size <= self.small_file_bytes]
        if not fits:
            return None
        return min(fits, key=lambda w: (now - w.waiting_since < MAX_WAIT_S, w.size,
                                        w.waiting_since))

    def _dispatch(self) -> None:
        """Fill free slots, those kept for small files first (so a big file still finds the
        general slot). Called with the lock held."""
        if self._closed:
            return
        free = sorted((s for s in range(len(self._small_only)) if s not in self._busy),
                      key=lambda s: not self._small_only[s])
        for slot in free:
            work = self._next_for(slot)
            if work is None:
                continue
            if self._worker is None:
                try:
                    self._worker = self._new_worker()
                except DocqaError as e:
                    self._waiting.remove(work)
                    self._finish(work, "failed", str(e))
                    continue
            self._waiting.remove(work)
            work.slot, work.worker = slot, self._worker
            work.attempts += 1
            self._busy[slot] = work.job_id
            self._running[work.job_id] = work
            self._set(work.job_id, state="parsing", fraction=0.05, started_at=time.time(),
                      message="reading the file" if work.attempts == 1 else
                      "reading the file again (the indexing process had stopped)")
            self._worker.run(work.run)
        self._arm_idle_stop()

    def _arm_idle_stop(self) -> None:
        """With the lock held: (re)start the countdown to ending an idle indexing process."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._worker is not None and not self._running and not self._waiting:
            self._idle_timer = threading.Timer(self.idle_stop_s, self._stop_if_idle,
                                               args=(self._worker,))
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def _stop_if_idle(self, worker: IndexingWorker) -> None:
        with self._lock:
            if self._worker is not worker or self._running or self._waiting:
                return
            self._worker = None
        worker.stop()

    def _new_worker(self) -> IndexingWorker:
        s = self.services
        worker = IndexingWorker(s.index, Hello(s.settings, s.sparse, self.embedder_factory,
                                               s.embedder.name, s.embedder.dimension,
                                               s.index.location), self)
        worker.start()
        return worker

    def _release(self, job_id: str) -> _Work | None:
        work = self._running.pop(job_id, None)
        if work is not None:
            self._busy.pop(work.slot, None)
        return work

    # -- news from the indexing process (its reader thread) --------------------------------
    def on_progress(self, job_id: str, step: Progress) -> None:
        with self._lock:
            work = self._running.get(job_id)
            if work is None:
                return
            if step.stage == "embedding":
                fraction = 0.1 + 0.85 * (step.chunks_done / step.chunks_total
                                         if step.chunks_total else 0.0)
                self._set(job_id, state="embedding", fraction=fraction,
                          message=f"{step.chunks_done}/{step.chunks_total} passages")
            elif step.stage in FINAL:  # shown once the job's report is handled too
                work.outcome = (step.stage, step.message)

    def on_done(self, job_id: str, report: IngestReport) -> None:
        with self._lock:
            work = self._release(job_id)
            self._dispatch()
        if work is None:
            return
        job = self.get(job_id)
        if job is not None and self.on_report is not None:
            try:
                self.on_report(job, report)
            except Exception:  # the index is written; a listener must not fail the job
                log.exception("the report listener failed for upload %s", job_id)
        if work.outcome is not None:
            state, message = work.outcome
        else:  # nothing reported a final state
            state = "failed" if report.failed else "indexed"
            message = report.failed[0].error if report.failed else ""
        self._finish(work, state, message)

    def on_failed(self, job_id: str, message: str) -> None:
        with self._lock:
            work = self._release(job_id)
            self._dispatch()
        if work is not None:
            self._finish(work, "failed", message)

    def on_exit(self, worker: IndexingWorker, reason: str, start_failed: bool) -> None:
        """The indexing process ended: each job it had not finished is completed from what
        it committed, tried again, or failed with one sentence."""
        with self._lock:
            if self._worker is worker:
                self._worker = None
            lost = [w for w in self._running.values() if w.worker is worker]
            for work in lost:
                self._release(work.job_id)
        for work in lost:
            self._after_crash(work, reason, start_failed)
        with self._lock:
            self._dispatch()

    def _after_crash(self, work: _Work, reason: str, start_failed: bool) -> None:
        try:
            published = recover_document(self.services, work.doc_id)
        except DocqaError as e:
            log.error("could not clean up after the indexing process for %s: %s",
                      work.run.source, e)
            published = None
        if published is not None:  # it had committed: the document is complete
            report = IngestReport(ingested=[published.source], chunks=published.chunks,
                                  pages=published.pages)
            job = self.get(work.job_id)
            if job is not None and self.on_report is not None:
                try:
                    self.on_report(job, report)
                except Exception:
                    log.exception("the report listener failed for upload %s", work.job_id)
            state = "needs_ocr" if published.status is DocStatus.NEEDS_OCR else "indexed"
            self._finish(work, state, "")
        elif start_failed:
            self._finish(work, "failed", reason)
        elif work.attempts < ATTEMPTS:
            with self._lock:
                self._set(work.job_id, state="queued", fraction=0.0,
                          message=f"{reason}; trying again")
                self._waiting.append(work)
        else:
            sentence = (f"{reason} while it read this file, {work.attempts} times; the file "
                        "was not indexed")
            self._record_failure(work, sentence)
            self._finish(work, "failed", sentence)

    # -- finishing -------------------------------------------------------------------------
    def _set(self, job_id: str, **changes: Unpack[_JobChanges]) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = replace(job, **changes)

    def _finish(self, work: _Work, state: str, message: str) -> None:
        if work.staged is not None:  # indexed or refused: either way no longer staged
            shutil.rmtree(work.staged, ignore_errors=True)
        self._set(work.job_id, state=state, fraction=1.0, message=message,
                  finished_at=time.time())

    def _record_failure(self, work: _Work, sentence: str) -> None:
        """As the pipeline records a file it could not read: a new document is listed as
        failed; a re-index keeps the live version and notes why the new one is missing."""
        catalog = self.services.catalog
        try:
            existing = catalog.get(work.doc_id)
            if existing and existing.status in (DocStatus.INDEXED, DocStatus.NEEDS_OCR):
                catalog.update(work.doc_id, error=f"re-index failed: {sentence}")
            elif work.staged is not None:
                catalog.put(DocumentRecord(
                    doc_id=work.doc_id, source=work.run.source,
                    title=Path(work.run.source).stem, version="", status=DocStatus.FAILED,
                    error=sentence, pages=0, chunks=0, ocr_pages=(), groups=work.run.groups,
                    uploaded_by=work.run.uploader,
                    ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    size_bytes=work.size, stored_path=""))
        except DocqaError as e:
            log.error("could not record the failure of %s: %s", work.run.source, e)
