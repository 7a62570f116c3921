"""Evaluations started from the app: ``docqa eval run`` on one dataset, in a background thread
of the process that already holds the index (the embedded index admits one process, so a
``docqa eval run`` child process could not open it while the app runs).

The run is the CLI's: the dataset's documents checked by ``docqa.evaluation.prepare``, then
``evals.session.evaluate_dataset`` with the CLI's defaults (hybrid search, depth 100,
extractive answers, the default thresholds), which writes the report and records the run in
the history the Quality page reads. One run at a time per process: starting while one runs
returns the running one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from docqa.evaluation import prepare
from evals.datasets import load_dataset
from evals.golden import DatasetError
from evals.nightly import DEFAULT_CONFIG, Planned, plan
from evals.run import RunOptions
from evals.session import DEFAULT_THRESHOLDS, Outcome, evaluate_dataset
from retrieval.errors import DocqaError
from retrieval.kernel import Kernel

log = logging.getLogger(__name__)

State = Literal["preparing", "running", "done", "failed"]


@dataclass(frozen=True)
class EvalJob:
    dataset: str
    started_by: str
    started_at: float
    state: State = "preparing"
    done: int = 0
    total: int = 0
    finished_at: float | None = None
    #: the error (failed) or the gate's verdict (done), one sentence
    message: str = ""
    passed: bool | None = None
    report: str = ""

    @property
    def running(self) -> bool:
        return self.state in ("preparing", "running")

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def dataset_name(planned: Planned) -> str:
    """The name the history will know the dataset by (as ``load_dataset`` names it)."""
    return planned.name or (planned.path.name if planned.path.is_dir() else planned.path.stem)


def app_datasets() -> list[Planned]:
    """The nightly job's datasets an admin may start from the app: those that are enabled,
    present, and scored on the app's own documents (not BEIR or FinanceBench, which bring
    their own collections and take far longer)."""
    return [p for p in plan(DEFAULT_CONFIG)
            if not p.skip and p.docs is None and p.split is None and p.path.is_file()]


def run_evaluation(services: Kernel, planned: Planned, *, out: Path | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Outcome:
    """``docqa eval run --dataset PATH`` with its defaults (as ``docqa eval nightly`` runs the
    entry: its name, limit and depth), on ``services``' index."""
    dataset = load_dataset(planned.path, name=planned.name)
    if dataset.collection not in (None, services.settings.collection):
        raise DatasetError(str(planned.path), f"needs its own collection "
                           f"({dataset.collection}); run it with `docqa eval run`")
    note = prepare(services, dataset)
    folder = out or (services.settings.data_dir / "eval" / "reports" /
                     f"{dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    return evaluate_dataset(services, dataset, RunOptions(k=planned.k or 100), folder,
                            note=note, limit=planned.limit, thresholds=DEFAULT_THRESHOLDS,
                            progress=progress)


class EvaluationRunner:
    """At most one background evaluation at a time; every session reads its progress."""

    def __init__(self, services: Kernel) -> None:
        self.services = services
        self._lock = threading.Lock()
        self._job: EvalJob | None = None
        self._thread: threading.Thread | None = None

    def current(self) -> EvalJob | None:
        """The running evaluation, or the last one this process ran."""
        with self._lock:
            return self._job

    def start(self, planned: Planned, started_by: str) -> tuple[EvalJob, bool]:
        """Start evaluating ``planned``; returns the job and whether it was started now (False:
        one was already running, and that one is returned)."""
        with self._lock:
            if self._job is not None and self._job.running:
                return self._job, False
            job = EvalJob(dataset=dataset_name(planned), started_by=started_by,
                          started_at=time.time())
            self._job = job
            self._thread = threading.Thread(target=self._run, args=(planned,),
                                            name="docqa-eval", daemon=True)
            self._thread.start()
            return job, True

    def wait(self, timeout: float = 600.0) -> bool:
        """Until the running evaluation ends (tests, shutdown); False on timeout."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _set(self, **changes: object) -> None:
        with self._lock:
            assert self._job is not None
            self._job = replace(self._job, **changes)  # type: ignore[arg-type]

    def _progress(self, done: int, total: int) -> None:
        self._set(state="running", done=done, total=total)

    def _run(self, planned: Planned) -> None:
        try:
            outcome = run_evaluation(self.services, planned, progress=self._progress)
        except DocqaError as e:
            self._set(state="failed", message=str(e), finished_at=time.time())
            return
        except Exception as e:  # a bug must not leave the page waiting for ever
            log.exception("the evaluation of %s failed", planned.path)
            self._set(state="failed", finished_at=time.time(),
                      message=f"internal error ({type(e).__name__}); see the server log")
            return
        report = outcome.report
        failures = report["gate"]["failures"]
        verdict = ("gate passed" if outcome.passed else
                   f"gate FAILED: {'; '.join(failures[:3])}")
        self._set(state="done", done=report["questions"], total=report["questions"],
                  passed=outcome.passed, report=str(outcome.folder), finished_at=time.time(),
                  message=f"{report['dataset']}: {report['questions']} questions, {verdict}")
