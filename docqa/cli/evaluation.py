"""``docqa eval run|nightly|feedback``: score the answers, keep the history, gate regressions."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from docqa.cli.output import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    emit_json,
    err,
    is_mode,
    progress_bar,
    run,
)
from retrieval.settings import load_settings

if TYPE_CHECKING:
    from evals.session import Judge, Outcome
    from retrieval.search.retriever import Mode

eval_app = typer.Typer(help="Score retrieval and answers on golden sets; keep the history; gate "
                            "regressions (exit 1).", no_args_is_help=True)


def register(main: typer.Typer) -> None:
    main.add_typer(eval_app, name="eval")

def _judge(model: str | None) -> Judge | None:
    if not model:
        return None

    from evals.session import Judge

    key = os.environ.get("DOCQA_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
    base = os.environ.get("DOCQA_JUDGE_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
    if not key:
        raise typer.BadParameter("needs DOCQA_JUDGE_API_KEY or OPENAI_API_KEY",
                                 param_hint="--judge")
    return Judge(model, base, key)


def _evaluate_one(path: Path, *, split: str | None, docs: Path | None, name: str | None,
                  k: int, mode: Mode, limit: int | None, out: Path | None,
                  judge: Judge | None,
                  thresholds: Path | None, use_model: bool, collection: str | None = None
                  ) -> Outcome:
    from docqa.evaluation import prepare
    from docqa.services import build_chat, open_services
    from evals.datasets import load_dataset
    from evals.run import RunOptions
    from evals.session import evaluate_dataset

    dataset = load_dataset(path, split=split, docs=docs, name=name)
    settings = load_settings()
    if collection or dataset.collection:
        settings = load_settings(collection=collection or dataset.collection)
    with open_services(settings) as services:
        err.print(f"{dataset.name}: {len(dataset.items)} questions ({dataset.kind}); index "
                  f"{settings.collection} in {settings.data_dir}", highlight=False)
        note = prepare(services, dataset)
        folder = out or (settings.data_dir / "eval" / "reports" /
                         f"{dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}")
        bar, step = progress_bar(f"evaluating {dataset.name}")
        with bar:
            return evaluate_dataset(
                services, dataset, RunOptions(k=k, mode=mode), folder,
                note=note, limit=limit, judge=judge, thresholds=thresholds,
                chat=build_chat(settings) if use_model else None, progress=step)


def _print_outcome(outcome: Outcome) -> None:
    r = outcome.report
    table = Table("metric", "value", "change", title=f"{r['dataset']} · {r['questions']} "
                                                     "questions")
    for name, value in r["metrics"].items():
        change = r["diff"].get(name)
        table.add_row(name, f"{value:.3f}", "" if change is None else f"{change:+.3f}")
    for name, why in r["not_run"].items():
        table.add_row(name, "not run", why)
    Console(stderr=True).print(table)
    for failure in r["gate"]["failures"]:
        err.print(f"[red]gate:[/red] {failure}", highlight=False)
    err.print(f"report: {outcome.folder / 'report.html'}", highlight=False)


_THRESHOLDS_HELP = "TOML thresholds for the gate (default data/eval/thresholds.toml)."


@eval_app.command("run")
def eval_run(
    dataset: Annotated[Path, typer.Option(help="Golden JSONL, BEIR folder, FinanceBench-style "
                                               "JSONL or the access red-team set (detected).")],
    out: Annotated[Path | None, typer.Option(help="Report folder (default: data_dir/eval/"
                                                  "reports/<dataset>-<time>).")] = None,
    split: Annotated[str | None, typer.Option(help="BEIR qrels split (default test).")] = None,
    docs: Annotated[Path | None, typer.Option(help="Folder of the FinanceBench PDFs (indexed "
                                                   "into collection 'financebench').")] = None,
    judge: Annotated[str | None, typer.Option(help="Judge model for the ragas metrics "
                                                   "(OpenAI-compatible).")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=1000,
                                   help="Ranking depth (answers use at most this many "
                                        "passages).")] = 100,
    mode: Annotated[str, typer.Option(help="hybrid, dense or sparse.")] = "hybrid",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    name: Annotated[str | None, typer.Option(help="Dataset name in the history.")] = None,
    collection: Annotated[str | None, typer.Option(
        help="Collection holding the set's documents (default: beir-<name> for BEIR, "
             "financebench with --docs, else DOCQA_COLLECTION).")] = None,
    thresholds: Annotated[Path | None, typer.Option(help=_THRESHOLDS_HELP)] = None,
    llm: Annotated[bool, typer.Option(help="Answer with the configured model (OPENAI_API_KEY) "
                                           "instead of extractively.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Evaluate one dataset, write report.json/md/html, record the run, apply the gate.

    Exit 0 when the gate passes, 1 when a metric is below its minimum or dropped more than
    allowed since the previous run (or on an error), 64 on wrong usage."""
    if not is_mode(mode):
        raise typer.BadParameter("must be hybrid, dense or sparse", param_hint="--mode")
    if not dataset.exists():
        err.print(f"[red]error:[/red] {dataset} does not exist", highlight=False)
        raise typer.Exit(EXIT_USAGE)
    from evals.session import DEFAULT_THRESHOLDS

    def go() -> int:
        outcome = _evaluate_one(dataset, split=split, docs=docs, name=name, k=k, mode=mode,
                                limit=limit, out=out, judge=_judge(judge),
                                thresholds=thresholds or DEFAULT_THRESHOLDS, use_model=llm,
                                collection=collection)
        if json_out:
            emit_json(_summary_json(outcome))
        else:
            _print_outcome(outcome)
        return EXIT_OK if outcome.passed else EXIT_ERROR

    run(go)


def _summary_json(outcome: Outcome) -> dict[str, object]:
    r = outcome.report
    return {"dataset": r["dataset"], "kind": r["kind"], "questions": r["questions"],
            "metrics": r["metrics"], "not_run": r["not_run"], "latency_ms": r["latency_ms"],
            "cost": r["cost"], "diff": r["diff"], "gate": r["gate"], "report": str(outcome.folder)}


@eval_app.command("nightly")
def eval_nightly(
    config: Annotated[Path | None, typer.Option(help="Datasets TOML (default "
                                                     "data/eval/datasets.toml).")] = None,
    thresholds: Annotated[Path | None, typer.Option(help=_THRESHOLDS_HELP)] = None,
    judge: Annotated[str | None, typer.Option(help="Judge model for the ragas metrics.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run every configured dataset (absent corpora are skipped), write each report into
    data_dir/eval/reports, keep the history. Exit 1 when any gate fails."""
    from evals.nightly import DEFAULT_CONFIG, plan
    from evals.session import DEFAULT_THRESHOLDS

    def go() -> int:
        runs, skipped = [], []
        for p in plan(config or DEFAULT_CONFIG):
            if p.skip:
                err.print(f"[yellow]skipped[/yellow] {p.path}: {p.skip}", highlight=False)
                skipped.append({"path": str(p.path), "reason": p.skip})
                continue
            outcome = _evaluate_one(p.path, split=p.split, docs=p.docs, name=p.name,
                                    k=p.k or 100, mode="hybrid", limit=p.limit, out=None,
                                    judge=_judge(judge),
                                    thresholds=thresholds or DEFAULT_THRESHOLDS,
                                    use_model=False)
            runs.append(outcome)
            if not json_out:
                _print_outcome(outcome)
        if json_out:
            emit_json({"runs": [_summary_json(o) for o in runs], "skipped": skipped,
                        "passed": all(o.passed for o in runs)})
        return EXIT_OK if all(o.passed for o in runs) else EXIT_ERROR

    run(go)


@eval_app.command("feedback")
def eval_feedback(
    out: Annotated[Path, typer.Option(help="JSONL file to write the candidates to.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Export questions users marked not helpful as candidate golden lines, for review."""

    def go() -> int:
        from docqa.feedback import export
        from docqa.query_log import QueryLog

        log = QueryLog(load_settings().catalog_path)
        try:
            count = export(log, out)
        finally:
            log.close()
        if json_out:
            emit_json({"exported": count, "out": str(out)})
        else:
            err.print(f"{count} candidate questions written to {out}", highlight=False)
        return EXIT_OK

    run(go)

