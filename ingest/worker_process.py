"""The app's end of the indexing process (``ingest.upload_worker``): start it, hand it jobs,
run the index calls it sends on the app's index, and pass its news to whoever listens (the
upload queue). Why the work runs in another process, and why that process cannot write the
index itself, is told in ``ingest.upload_worker``."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from ingest.pipeline import Progress
from ingest.upload_worker import (
    INDEX_CALLS,
    THREAD_ENV,
    Hello,
    IndexCall,
    JobDone,
    JobFailed,
    JobProgress,
    Ready,
    Reply,
    RunJob,
    StartFailed,
    Stop,
)
from retrieval.errors import DocqaError, IngestError
from retrieval.store.index import VectorIndex
from retrieval.types import IngestReport

log = logging.getLogger(__name__)

_REPO = Path(__file__).resolve().parent.parent


class WorkerEvents(Protocol):
    """What the indexing process reports; called on the process's reader thread."""

    def on_progress(self, job_id: str, step: Progress) -> None: ...

    def on_done(self, job_id: str, report: IngestReport) -> None: ...

    def on_failed(self, job_id: str, message: str) -> None: ...

    def on_exit(self, worker: IndexingWorker, reason: str, start_failed: bool) -> None:
        """The process ended; ``reason`` is one sentence. Jobs it had not finished are lost
        with it (their index calls were all answered: none is half-run in the app)."""


def worker_env() -> dict[str, str]:
    """The app's environment with the thread counts pinned (read by torch, ONNX Runtime and
    the tokenizers when they load), and this checkout importable from any working folder."""
    env = dict(os.environ, **THREAD_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO), env.get("PYTHONPATH")) if p)
    return env


def exit_sentence(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the indexing process was stopped by {name}"
    return f"the indexing process ended unexpectedly (exit code {code})"


class IndexingWorker:
    def __init__(self, index: VectorIndex, hello: Hello, events: WorkerEvents) -> None:
        self.index = index
        self.hello = hello
        self.events = events
        self._send_lock = threading.Lock()
        self._stopping = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self.ready = threading.Event()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.upload_worker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), env=worker_env(), stdin=subprocess.DEVNULL,
                stdout=sys.__stderr__.fileno() if sys.__stderr__ else subprocess.DEVNULL)
        except OSError as e:
            ours.close()
            raise IngestError("indexing process", f"could not be started ({e})") from e
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._send(self.hello)
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name="docqa-index-reader")
        self._reader.start()

    def run(self, job: RunJob) -> None:
        """Hand a job over. If the process just died, the job is reported with the exit."""
        try:
            self._send(job)
        except OSError:
            log.warning("the indexing process is gone; job %s waits for its exit", job.job_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the process to end (between jobs); kill it if it does not."""
        self._stopping = True
        if self._proc is None:
            return
        with contextlib.suppress(OSError):  # already gone
            self._send(Stop())
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout)

    # -- the reader thread ---------------------------------------------------------------------
    def _send(self, message: object) -> None:
        assert self._conn is not None
        with self._send_lock:
            self._conn.send(message)

    def _read(self) -> None:
        assert self._conn is not None and self._proc is not None
        start_error = ""
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            try:
                if isinstance(message, IndexCall):
                    self._serve(message)
                elif isinstance(message, JobProgress):
                    self.events.on_progress(message.job_id, message.step)
                elif isinstance(message, JobDone):
                    self.events.on_done(message.job_id, message.report)
                elif isinstance(message, JobFailed):
                    self.events.on_failed(message.job_id, message.message)
                elif isinstance(message, Ready):
                    self.ready.set()
                elif isinstance(message, StartFailed):
                    start_error = message.message
            except OSError:
                break  # a reply could not be sent: the process is gone
            except Exception:  # a bug in a listener must not stop the news from the worker
                log.exception("handling %s from the indexing process failed",
                              type(message).__name__)
        code = self._proc.wait()
        self._conn.close()
        reason = start_error or ("the indexing process was stopped" if self._stopping
                                 else exit_sentence(code))
        if not self._stopping:
            log.warning("%s", reason)
        self.events.on_exit(self, reason, bool(start_error))

    def _serve(self, call: IndexCall) -> None:
        """One index call for the worker, run on the app's own index."""
        if call.method not in INDEX_CALLS:
            reply = Reply(call.call_id, error=f"The index call {call.method!r} is not offered "
                                              "to the indexing process.")
        else:
            try:
                reply = Reply(call.call_id, getattr(self.index, call.method)(*call.args))
            except DocqaError as e:
                reply = Reply(call.call_id, error=str(e))
            except Exception as e:  # a bug: logged here, a sentence for the job there
                log.exception("the index call %s failed", call.method)
                reply = Reply(call.call_id, error=f"Internal error in the app's index "
                                                  f"({type(e).__name__}); see the server log.")
        self._send(reply)
