"""A PDF's text read in a child process, so that parsing runs on one core while the embedder
uses the other (a thread would hold the GIL for most of a parse).

One child per batch, started on the first PDF that needs it, with the ``spawn`` method: the
app's process has threads (Streamlit, the embedder, the index), and a ``fork`` would copy their
locks in whatever state they are. The child only reads: it gets a path and returns the
``ParsedDocument`` (or the reason the file cannot be read); the parent writes everything, so
a ``kill -9`` of either leaves the data directory as it was. The child watches its parent and
exits when the parent dies, so a killed ingest leaves no process behind.

A child that dies (a crash in a PDF library) or runs past its time (a file that makes a
parser loop) fails that one file with a sentence, and the next file gets a new child. A child
that cannot start at all (no shared memory for its queues in a small container, or a script
that starts an ingest without the ``if __name__ == "__main__":`` guard ``spawn`` needs) is no
file's fault: the batch is then read in-process, as before, with a warning.

Short PDFs are read in-process: a child costs about a second to start (a new interpreter
importing pypdf and PDFium), more than the native text of a short file takes to read.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from types import TracebackType

from ingest.document import ParsedDocument
from ingest.pdf import DEFAULT_ENGINE, parser_version, read_pdf_text
from ingest.rasterise import page_count
from retrieval.errors import DocqaError, IngestError

log = logging.getLogger(__name__)

#: PDFs with at least this many pages are read in the child; fewer are read in-process
PROCESS_MIN_PAGES = 40
#: the time a new child gets to start and answer (it imports pypdf and PDFium)
START_TIMEOUT_S = 60.0
#: the time a child gets for one file: generous, since pypdf (the fallback per page) reads
#: a page of a dense filing in up to a second on a loaded machine
BASE_TIMEOUT_S = 120.0
TIMEOUT_PER_PAGE_S = 2.0


@dataclass(frozen=True)
class Outcome:
    """What comes back from the child: the parse, or the reason the file cannot be read."""

    parsed: ParsedDocument | None
    reason: str = ""


def read_in_child(path: str, engine: str) -> Outcome:
    """The child's job (module level: the child imports it by name)."""
    try:
        return Outcome(read_pdf_text(Path(path), engine=engine))
    except IngestError as e:
        return Outcome(None, e.reason)


Job = Callable[[str, str], Outcome]


def _ready() -> bool:
    """The first job of a new child: proves that it started."""
    return True


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Hide the parent's ``__main__`` while the child starts: ``spawn`` re-runs it in the child,
    and the child needs none of it. Measured: after Streamlit's test runner had installed a
    temporary script as ``__main__``, every child died on start; a script without the
    ``if __name__ == "__main__":`` guard would re-run itself."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _exit_with_parent() -> None:
    """The child's initializer: exit as soon as the parent is gone. Its task queue cannot
    tell (the child holds that pipe's other end too), and a lost child would also hold the
    parent's stdout and stderr open."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="docqa-parent-watch", daemon=True).start()


class PdfParser:
    """The PDF text stage of one batch::

        with PdfParser() as parser:
            parsed = parser.parse(path, "report.pdf")

    ``min_pages`` 0 sends every PDF to the child; ``timeout_s`` replaces the per-file time
    (``BASE_TIMEOUT_S`` plus ``TIMEOUT_PER_PAGE_S`` a page); ``job`` is what the child runs."""

    def __init__(self, engine: str = DEFAULT_ENGINE, *, min_pages: int = PROCESS_MIN_PAGES,
                 timeout_s: float | None = None, job: Job = read_in_child) -> None:
        self.engine = engine
        self.version = parser_version(engine)
        self.min_pages = min_pages
        self.timeout_s = timeout_s
        self.job = job
        self.in_child = 0  # files the child read
        self._pool: ProcessPoolExecutor | None = None
        self._no_child = False  # a child could not start: read the rest in-process

    def __enter__(self) -> PdfParser:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def parse(self, path: Path, source: str) -> ParsedDocument:
        """The text stage of ``path`` (``ingest.pdf.read_pdf_text``). Raises ``IngestError``
        naming ``source``, with the reason ``read_pdf_text`` gives, or one saying the reader
        crashed or took too long."""
        pages = self._pages(path)
        if pages >= self.min_pages and self._started():
            outcome = self._in_child(path, source, pages)
        else:
            outcome = read_in_child(str(path), self.engine)
        if outcome.parsed is None:
            raise IngestError(source, outcome.reason)
        return outcome.parsed

    def _pages(self, path: Path) -> int:
        """The page count as PDFium sees it (opening is cheap: pages load when read); 0 when
        it cannot tell, and the file is read in-process, where pypdf says why it fails."""
        if self.min_pages <= 0:
            return 1
        try:
            return page_count(path)
        except DocqaError:
            return 0

    def _started(self) -> bool:
        """Whether a child is running, started now if needed."""
        if self._pool is not None:
            return True
        if self._no_child:
            return False
        try:
            with _without_main():  # the child starts at submit
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_exit_with_parent)
                ready = self._pool.submit(_ready)
            ready.result(timeout=START_TIMEOUT_S)
            return True
        except Exception as e:  # BrokenProcessPool, OSError, a timeout: nothing about a file
            log.warning("the PDF reader process could not start (%s: %s); reading PDFs "
                        "in-process", type(e).__name__, e)
            self._stop()
            self._no_child = True
            return False

    def _in_child(self, path: Path, source: str, pages: int) -> Outcome:
        assert self._pool is not None  # _started() was True
        timeout = self.timeout_s
        if timeout is None:
            timeout = BASE_TIMEOUT_S + TIMEOUT_PER_PAGE_S * pages
        future = self._pool.submit(self.job, str(path), self.engine)
        try:
            outcome = future.result(timeout=timeout)
        except FutureTimeout as e:
            self._stop()
            raise IngestError(source, f"reading the PDF took longer than {timeout:.0f} s and "
                                      "was stopped (the file may be damaged)") from e
        except BrokenProcessPool as e:
            self._stop()
            raise IngestError(source, "the PDF reader stopped unexpectedly on this file "
                                      "(the file may be damaged)") from e
        self.in_child += 1
        return outcome

    def _stop(self) -> None:
        """End the child, stuck or dead, so that the next file gets a new one."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor cannot stop a busy worker before Python 3.14
        # (terminate_workers): kill it directly.
        for process in list(pool._processes.values()):
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
