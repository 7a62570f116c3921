"""The indexing process: the app's uploads are parsed, chunked and embedded here, not in the
app, so the app's cores and its interpreter lock stay with the people asking questions.

Why a process. Indexing in a thread of the app took an employee's answer from 1.2-1.4 s to
11-26 s while a 10-K indexed (issue 16): parsing is pure Python and holds the interpreter
lock, and embedding took the same cores the question needed. This process runs at a lower
CPU priority (``NICENESS``) with one embedding thread (``THREADS``), so the app's questions
win the cores whenever they want them, and it shares no interpreter lock with the app.

Why it does not write the index. The embedded Qdrant admits one process: checked on a real
data dir, a second process that opens it gets the adapter's "another docqa process has it
open", and one that goes round the adapter to ``qdrant_edge.EdgeShard.load`` fails in the
engine itself ("Can't init WAL: Kind(WouldBlock)"). The app holds it for its searches. So
this process runs the ordinary pipeline (``ingest.pipeline.Ingestor``, unchanged) on a kernel
whose index is ``IndexInApp``: each index call (upsert the pending points, publish, ...) is
sent to the app, which runs it on its own ``VectorIndex`` (whose lock keeps a publish atomic
for the searches there) and answers. Vectors travel; the CPU-heavy work stays here. The
catalog is SQLite, which several processes may write (WAL, locked transactions, caches keyed
on ``Catalog.generation``, which sees other processes' commits), so it is opened here.

Crash safety is the pipeline's visibility protocol: points arrive pending, the catalog
commits, then publish. If this process dies, the app finishes or removes what the dead job
left of its document and tries the file once more (``ingest.uploads``); nothing half-written
becomes visible, and the app keeps answering.

Started by ``ingest.worker_process`` as ``python -m ingest.upload_worker FD``, where FD is its
end of a socket pair; the messages below travel over it, pickled.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ingest.pipeline import Ingestor, Progress
from ingest.sources import SourceFile
from retrieval.bm25 import Bm25Encoder
from retrieval.errors import DocqaError
from retrieval.kernel import Kernel
from retrieval.ports import Embedder
from retrieval.settings import Settings
from retrieval.store.catalog import Catalog
from retrieval.store.index import VectorIndex
from retrieval.store.points import HybridQuery, IndexedChunk, IndexInfo
from retrieval.types import Chunk, Hit, IngestReport

log = logging.getLogger(__name__)

#: added to the app's nice value: under contention the app's threads get about nine tenths of
#: the CPU (Linux weights nice 0 against nice 10 as 1024 to 110)
NICENESS = 10
#: embedding threads (torch / ONNX Runtime intra-op): one core for indexing, the rest stays
#: with the app's questions
THREADS = 1
#: what the child's environment pins, before any library reads it
THREAD_ENV = {"OMP_NUM_THREADS": str(THREADS), "MKL_NUM_THREADS": str(THREADS),
              "OPENBLAS_NUM_THREADS": str(THREADS), "TOKENIZERS_PARALLELISM": "false",
              "DOCQA_TORCH_THREADS": str(THREADS)}
#: the index methods the app runs for this process (all the pipeline uses); no
#: ``delete_unpublished`` or ``export_points``: they reach other work's points
INDEX_CALLS = frozenset({"upsert", "publish", "delete_document", "set_groups", "count",
                         "chunks", "chunks_at", "search"})


# -- messages, app -> worker -------------------------------------------------------------------
@dataclass(frozen=True)
class Hello:
    """The first message: what to open. ``embedder_factory`` is ``module:function`` taking
    ``Settings`` (the composition root's), named because it runs in this other process."""

    settings: Settings
    sparse: Bm25Encoder
    embedder_factory: str
    embedder_name: str
    dimension: int
    index_location: str


@dataclass(frozen=True)
class RunJob:
    """Index one staged upload (``path``), or re-index a stored document (``doc_id``)."""

    job_id: str
    source: str
    groups: tuple[str, ...] = ()
    uploader: str = ""
    path: str = ""
    doc_id: str = ""


@dataclass(frozen=True)
class Reply:
    call_id: int
    value: Any = None
    error: str = ""  # one sentence, when the call failed with a ``DocqaError``


@dataclass(frozen=True)
class Stop:
    pass


# -- messages, worker -> app -------------------------------------------------------------------
@dataclass(frozen=True)
class Ready:
    pid: int


@dataclass(frozen=True)
class StartFailed:
    message: str


@dataclass(frozen=True)
class IndexCall:
    call_id: int
    method: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class JobProgress:
    job_id: str
    step: Progress


@dataclass(frozen=True)
class JobDone:
    job_id: str
    report: IngestReport


@dataclass(frozen=True)
class JobFailed:
    job_id: str
    message: str


# -- the app, seen from here ----------------------------------------------------------------------
@dataclass
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None


class AppLink:
    """This end of the connection: messages out from any thread, calls into the app that
    wait for their reply, which the main thread's ``serve`` loop hands over."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, _Waiting] = {}
        self._gone = False

    def send(self, message: object) -> None:
        with self._send_lock:
            self._conn.send(message)

    def call(self, method: str, *args: Any) -> Any:
        waiting = _Waiting()
        with self._lock:
            if self._gone:
                raise DocqaError("The app closed its connection to the indexing process.")
            call_id = next(self._ids)
            self._waiting[call_id] = waiting
        self.send(IndexCall(call_id, method, args))
        waiting.done.wait()
        reply = waiting.reply
        if reply is None:
            raise DocqaError("The app closed its connection to the indexing process.")
        if reply.error:
            raise DocqaError(reply.error)
        return reply.value

    def serve(self, run: Callable[[RunJob], None]) -> None:
        """Until ``Stop`` or the app's end closes: jobs to ``run``, replies to their caller."""
        try:
            while True:
                message = self._conn.recv()
                if isinstance(message, Reply):
                    with self._lock:
                        waiting = self._waiting.pop(message.call_id, None)
                    if waiting is not None:
                        waiting.reply = message
                        waiting.done.set()
                elif isinstance(message, RunJob):
                    run(message)
                elif isinstance(message, Stop):
                    return
        except (EOFError, OSError):
            return
        finally:
            with self._lock:
                self._gone = True
                waiting_calls = list(self._waiting.values())
                self._waiting.clear()
            for waiting in waiting_calls:
                waiting.done.set()


class IndexInApp(VectorIndex):
    """The app's ``VectorIndex``, seen from the indexing process: each call runs there."""

    def __init__(self, link: AppLink, location: str) -> None:  # no store: it is in the app
        self._link = link
        self._location = location

    @property
    def location(self) -> str:
        return self._location

    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        """The app opened and checked the index before it started this process."""

    def inspect(self) -> IndexInfo:
        raise DocqaError("The indexing process does not inspect the index; the app does.")

    def close(self) -> None:
        """The app owns the index; nothing to close here."""

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        if chunks:
            self._link.call("upsert", list(chunks))

    def publish(self, doc_id: str, version: str) -> None:
        self._link.call("publish", doc_id, version)

    def delete_document(self, doc_id: str) -> None:
        self._link.call("delete_document", doc_id)

    def delete_unpublished(self) -> int:
        raise DocqaError("The indexing process may not remove pending points: other work's "
                         "points are pending too.")

    def set_groups(self, doc_id: str, groups: Sequence[str]) -> None:
        self._link.call("set_groups", doc_id, list(groups))

    def search(self, query: HybridQuery) -> list[Hit]:
        hits: list[Hit] = self._link.call("search", query)
        return hits

    def count(self, doc_id: str | None = None, *, live_only: bool = True) -> int:
        return int(self._link.call("count", doc_id, live_only))

    def chunks(self, doc_id: str, *, live_only: bool = True) -> list[Chunk]:
        found: list[Chunk] = self._link.call("chunks", doc_id, live_only)
        return found

    def chunks_at(self, doc_id: str, version: str, indexes: Sequence[int]) -> list[Chunk]:
        found: list[Chunk] = self._link.call("chunks_at", doc_id, version, list(indexes))
        return found

    def export_points(self, batch: int = 256) -> Iterator[list[IndexedChunk]]:
        raise DocqaError("The indexing process does not export the index; the app does.")


# -- this process ---------------------------------------------------------------------------------
def build_embedder(factory: str, settings: Settings) -> Embedder:
    module, _, name = factory.partition(":")
    make = getattr(importlib.import_module(module), name)
    embedder: Embedder = make(settings)
    return embedder


def open_kernel(hello: Hello, link: AppLink) -> Kernel:
    """The pipeline's collaborators here: own embedder (one thread), the app's index."""
    settings = hello.settings.model_copy(update={"torch_threads": THREADS})
    embedder = build_embedder(hello.embedder_factory, settings)
    if (embedder.name, embedder.dimension) != (hello.embedder_name, hello.dimension):
        raise DocqaError(f"The indexing process loaded the embedder {embedder.name!r} "
                         f"({embedder.dimension}-d) but the app searches with "
                         f"{hello.embedder_name!r} ({hello.dimension}-d); check "
                         "DOCQA_EMBEDDER and DOCQA_EMBEDDER_RUNTIME.")
    return Kernel(settings, embedder, hello.sparse, IndexInApp(link, hello.index_location),
                  Catalog(settings.catalog_path))


def run_job(kernel: Kernel, link: AppLink, job: RunJob) -> None:
    """One job, reported back: progress, then its report or one sentence why it failed."""
    def progress(step: Progress) -> None:
        link.send(JobProgress(job.job_id, step))

    try:
        ingestor = Ingestor(kernel)
        if job.doc_id:
            report = ingestor.reindex(job.doc_id, progress)
        else:
            report = ingestor.ingest_files([SourceFile(Path(job.path), job.source)],
                                           job.groups, job.uploader, progress)
        link.send(JobDone(job.job_id, report))
    except DocqaError as e:
        link.send(JobFailed(job.job_id, str(e)))
    except (EOFError, OSError):
        return  # the app is gone; nothing to report to
    except Exception as e:  # a bug must not end the process or hide the job's fate
        log.exception("indexing %s failed", job.source)
        link.send(JobFailed(job.job_id, f"internal error ({type(e).__name__}); see the "
                                        "server log"))


def main(argv: Sequence[str]) -> int:
    os.nice(NICENESS)
    conn = Connection(int(argv[0]))
    hello = conn.recv()
    assert isinstance(hello, Hello)
    logging.basicConfig(level=hello.settings.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s [upload worker] %(name)s: %(message)s")
    link = AppLink(conn)
    try:
        kernel = open_kernel(hello, link)
    except DocqaError as e:
        link.send(StartFailed(str(e)))
        return 1
    except Exception as e:  # an install problem: say so in the job, details in the log
        log.exception("the indexing process could not start")
        link.send(StartFailed(f"The indexing process could not start ({type(e).__name__}: "
                              f"{e})."))
        return 1
    link.send(Ready(os.getpid()))

    def start(job: RunJob) -> None:
        threading.Thread(target=run_job, args=(kernel, link, job), daemon=True,
                         name=f"docqa-index-{job.job_id}").start()

    link.serve(start)  # jobs run on their own threads; the app decides how many at once
    return 0


if __name__ == "__main__":
    # Run as ``-m``, this file is ``__main__``; the app pickles ``ingest.upload_worker.Hello``,
    # so the loop must run in the module of that name, not in this copy.
    from ingest import upload_worker

    raise SystemExit(upload_worker.main(sys.argv[1:]))
