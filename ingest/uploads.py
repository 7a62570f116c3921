"""Uploads from the app, indexed in the background.

The app hands each uploaded file to an ``UploadQueue`` shared by every browser session; a
worker thread indexes it while pages keep answering questions, and any session can read the
per-file progress. Files are staged under ``data_dir/uploads`` until indexed, so an upload
that was interrupted (the app stopped) is picked up again at the next start.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypedDict, Unpack

from ingest.pipeline import Ingestor, Progress
from ingest.sources import SUPPORTED, SUPPORTED_LABEL, SourceFile
from retrieval.errors import DocqaError, IngestError
from retrieval.kernel import Kernel
from retrieval.types import IngestReport

log = logging.getLogger(__name__)

#: states a job moves through; the last four are final
STATES = ("queued", "parsing", "embedding", "indexed", "needs_ocr", "skipped", "failed")
FINAL = frozenset({"indexed", "needs_ocr", "skipped", "failed"})


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

    @property
    def done(self) -> bool:
        return self.state in FINAL


class _JobChanges(TypedDict, total=False):
    """The fields of an ``UploadJob`` that change while it runs."""

    state: str
    fraction: float
    message: str
    finished_at: float | None


SWITCH_INTERVAL_S = 0.0005


def share_cores_with_questions() -> None:
    """Call once in a process that indexes uploads while it answers questions (the app).

    Parsing a PDF is pure Python and holds the GIL; a question's embedding releases and
    re-takes it hundreds of times, and each time waits out the switch interval (5 ms by
    default), so answers took 3-4 s while a 10-K was parsed. At 0.5 ms they take 0.2-0.7 s
    (bench.upload_bench)."""
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


class UploadQueue:
    def __init__(self, services: Kernel, workers: int = 1,
                 on_report: Callable[[UploadJob, IngestReport], None] | None = None) -> None:
        """``on_report(job, report)`` after each job's indexing ran (the app's audit log)."""
        self.services = services
        self.on_report = on_report
        self.staging = services.settings.data_dir / "uploads"
        self._jobs: dict[str, UploadJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docqa-upload")
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
        with self._lock:
            self._jobs[job.job_id] = job
        self._pool.submit(self._reindex, job.job_id, doc_id)
        return job

    def _start(self, job: UploadJob, path: Path) -> None:
        with self._lock:
            self._jobs[job.job_id] = job
        self._pool.submit(self._index, job.job_id, path)

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

    def wait(self, timeout: float = 60.0) -> bool:
        """Until no job is running (for tests and shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.active():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    # -- working ---------------------------------------------------------------------------
    def _set(self, job_id: str, **changes: Unpack[_JobChanges]) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = replace(job, **changes)

    def _on_progress(self, job_id: str, step: Progress) -> None:
        if step.stage == "embedding":
            fraction = 0.1 + 0.85 * (step.chunks_done / step.chunks_total
                                     if step.chunks_total else 0.0)
            self._set(job_id, state="embedding", fraction=fraction,
                      message=f"{step.chunks_done}/{step.chunks_total} passages")
        elif step.stage in FINAL:
            self._set(job_id, state=step.stage, fraction=1.0, message=step.message,
                      finished_at=time.time())

    def _run(self, job_id: str, work: Callable[[], IngestReport]) -> None:
        self._set(job_id, state="parsing", fraction=0.05, message="reading the file")
        try:
            report = work()
            job = self.get(job_id)
            if job is not None and self.on_report is not None:
                try:
                    self.on_report(job, report)
                except Exception:  # the index is written; a listener must not fail the job
                    log.exception("the report listener failed for upload %s", job_id)
            if job is not None and not job.done:  # nothing reported a final state
                state = "failed" if report.failed else "indexed"
                message = report.failed[0].error if report.failed else ""
                self._set(job_id, state=state, fraction=1.0, message=message,
                          finished_at=time.time())
        except DocqaError as e:
            self._set(job_id, state="failed", fraction=1.0, message=str(e),
                      finished_at=time.time())
        except Exception as e:  # a bug must not kill the worker or hide the job's fate
            log.exception("upload %s failed", job_id)
            self._set(job_id, state="failed", fraction=1.0,
                      message=f"internal error ({type(e).__name__}); see the server log",
                      finished_at=time.time())

    def _index(self, job_id: str, path: Path) -> None:
        job = self.get(job_id)
        assert job is not None
        ingestor = Ingestor(self.services)
        try:
            self._run(job_id, lambda: ingestor.ingest_files(
                [SourceFile(path, job.filename)], job.groups, job.uploader,
                lambda step: self._on_progress(job_id, step)))
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    def _reindex(self, job_id: str, doc_id: str) -> None:
        ingestor = Ingestor(self.services)
        self._run(job_id, lambda: ingestor.reindex(
            doc_id, lambda step: self._on_progress(job_id, step)))
