"""A whole evaluation of one dataset: run, judge (when a judge is given), gate against the
thresholds and the previous run, write the report, record the run in the history."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals import report as reports
from evals.access import AccessRun, red_team
from evals.access import as_results as access_results
from evals.access import by_tag as access_by_tag
from evals.access import summary as access_summary
from evals.access import worst as access_worst
from evals.datasets import Dataset
from evals.gate import check, load_thresholds
from evals.history import History, history_path
from evals.run import RunOptions, build_answerer, by_tag, cost, evaluate, latency, summarise
from retrieval.kernel import Kernel
from retrieval.ports import ChatModel

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent.parent / "data" / "eval" / "thresholds.toml"


@dataclass(frozen=True)
class Judge:
    model: str
    base_url: str | None
    api_key: str


@dataclass(frozen=True)
class Outcome:
    report: dict[str, Any]
    folder: Path
    passed: bool


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def evaluate_dataset(services: Kernel, dataset: Dataset, options: RunOptions, out: Path, *,
                     note: str = "", limit: int | None = None, judge: Judge | None = None,
                     thresholds: Path | None = DEFAULT_THRESHOLDS, chat: ChatModel | None = None,
                     progress: Callable[[int, int], None] | None = None) -> Outcome:
    started_at, t0 = _now(), time.perf_counter()
    options = replace(options, level=dataset.level, answers=dataset.kind != "beir")
    items = dataset.items[:limit] if limit else dataset.items
    answerer = build_answerer(services, options, chat) if options.answers else None
    access: AccessRun | None = None
    if dataset.kind == "access" and answerer is not None:
        # the red-team set: leaks to outsiders, not answer quality (evals.access)
        access = red_team(services, items, answerer, options, progress)
        results, summary = access_results(access), access_summary(access)
    else:
        results = evaluate(services, items, options, answerer=answerer, progress=progress)
        judge_reason: str | None = "no judge model was given (--judge)"
        if judge is not None and options.answers:
            from evals.ragas_adapter import judge_results

            results = judge_results(results, judge.model, base_url=judge.base_url,
                                    api_key=judge.api_key, embedder=services.embedder)
            judge_reason = None
        summary = summarise(results, options, judge_reason)
    with History(history_path(services.settings.data_dir)) as history:
        previous = history.previous(dataset.name)
        failures = check(summary.metrics, previous.metrics if previous else None,
                         load_thresholds(thresholds, dataset.name))
        trend = [{"started_at": r.started_at, "metrics": r.metrics}
                 for r in reversed(history.runs(dataset.name, limit=30))]
        report: dict[str, Any] = {
            "dataset": dataset.name, "kind": dataset.kind, "path": str(dataset.path),
            "split": dataset.split, "started_at": started_at,
            "seconds": round(time.perf_counter() - t0, 1), "questions": len(results),
            "options": options.as_json(),
            "index": {"data_dir": str(services.settings.data_dir),
                      "collection": services.settings.collection, "note": note},
            "metrics": summary.metrics, "not_run": summary.not_run, "counts": summary.counts,
            "by_tag": access_by_tag(access) if access else by_tag(results, options),
            "latency_ms": latency(results),
            "cost": cost(results),
            "gate": {"passed": not failures, "failures": [str(f) for f in failures],
                     "thresholds": str(thresholds) if thresholds else None},
            "previous": ({"started_at": previous.started_at, "metrics": previous.metrics,
                          "report": previous.report} if previous else None),
            "diff": reports.diff(summary.metrics, previous.metrics if previous else None),
            "worst": (access_worst(access) if access
                      else [r.as_json() for r in reports.worst(results)]),
            "trend": [*trend, {"started_at": started_at, "metrics": summary.metrics}],
            "report": str(out),
        }
        reports.write(report, results, out)
        history.add(started_at=started_at, dataset=dataset.name, questions=len(results),
                    metrics=summary.metrics, options=options.as_json(), report=str(out),
                    passed=not failures)
    return Outcome(report, out, not failures)
