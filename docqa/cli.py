"""The ``docqa`` command.

Exit codes: 0 success; 1 a docqa error (bad setting, index unavailable, not found…);
2 some files failed to ingest (the others were indexed); 64 wrong usage.
With ``--json`` the result is one JSON object on stdout; progress and logs go to stderr.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from retrieval.errors import DocqaError
from retrieval.settings import load_settings
from retrieval.types import EVERYONE, DocStatus

EXIT_OK, EXIT_ERROR, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2, 64

app = typer.Typer(
    help="docqa: ask your company's documents, get answers that cite their sources.\n\n"
         "Exit codes: 0 ok · 1 error (one plain sentence on stderr) · 2 some files failed to "
         "ingest (the rest were indexed).\n\nSettings come from DOCQA_* environment "
         "variables or a .env file (see README).",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich",
)
docs_app = typer.Typer(help="List and delete indexed documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
users_app = typer.Typer(help="Who may log in to the app: add, list and remove users.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")
eval_app = typer.Typer(help="Score retrieval and answers on golden sets; keep the history; gate "
                            "regressions (exit 1).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
err = Console(stderr=True)


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@contextmanager
def _services() -> Iterator[Any]:
    from retrieval.services import open_services

    with open_services(load_settings()) as services:
        yield services


_partial_result = False


def _run(fn: Callable[[], int]) -> None:
    global _partial_result
    try:
        code = fn()
        _partial_result = code == EXIT_PARTIAL
    except DocqaError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (searched recursively).")],
    groups: Annotated[str, typer.Option(
        help="Comma-separated groups allowed to read these documents.")] = EVERYONE,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Index PDF, Markdown, text and HTML files. Unchanged files are skipped.

    Exit 0 when nothing failed, 2 when some files failed (the others are indexed)."""
    # Path("") is the current folder: an empty argument (an unset shell variable) would
    # index whatever folder the command runs in.
    if any(not p.strip() for p in paths):
        raise typer.BadParameter("an empty path was given", param_hint="PATHS")

    def go() -> int:
        from ingest.pipeline import Ingestor
        from ingest.pipeline import Progress as Step

        group_list = [g.strip() for g in groups.split(",") if g.strip()]
        show_bar = err.is_terminal
        with _services() as services:
            ingestor = Ingestor(services)
            if show_bar:
                bar = Progress(TextColumn("{task.description}"), BarColumn(),
                               MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                               transient=True)
                with bar:
                    files_task = bar.add_task("files", total=None)
                    chunk_task = bar.add_task("", total=None)

                    def on_step(step: Step) -> None:
                        bar.update(files_task, total=step.files_total,
                                   completed=step.files_done)
                        if step.stage == "embedding":
                            bar.update(chunk_task, description=f"  {step.source[-40:]}",
                                       total=step.chunks_total or None,
                                       completed=step.chunks_done)
                        elif step.stage in ("failed", "needs_ocr"):
                            bar.console.print(f"[yellow]{step.stage}[/yellow] {step.source}: "
                                              f"{step.message}", highlight=False)

                    report = ingestor.ingest([Path(p) for p in paths], group_list,
                                             progress=on_step)
            else:
                report = ingestor.ingest([Path(p) for p in paths], group_list)
        if json_out:
            _emit_json(report.as_json())
        else:
            err.print(f"[green]{len(report.ingested)} indexed[/green], "
                      f"{len(report.skipped)} skipped (unchanged or duplicate), "
                      f"[red]{len(report.failed)} failed[/red]; {report.chunks} chunks from "
                      f"{report.pages} pages in {report.seconds:.1f}s", highlight=False)
            for name in report.needs_ocr:
                err.print(f"  [yellow]needs OCR[/yellow] {name}", highlight=False)
            for failed in report.failed:
                err.print(f"  [red]failed[/red] {failed.path}: {failed.error}", highlight=False)
        return EXIT_PARTIAL if report.failed else EXIT_OK

    _run(go)


@docs_app.command("list")
def docs_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Every document with its status, pages, chunks and groups."""

    def go() -> int:
        from retrieval.catalog import Catalog

        settings = load_settings()
        catalog = Catalog(settings.catalog_path)
        records = catalog.list()
        catalog.close()
        if json_out:
            _emit_json({"documents": [
                {"doc_id": r.doc_id, "source": r.source, "title": r.title,
                 "status": str(r.status), "error": r.error, "pages": r.pages,
                 "chunks": r.chunks, "ocr_pages": list(r.ocr_pages), "groups": list(r.groups),
                 "uploaded_by": r.uploaded_by, "ingested_at": r.ingested_at,
                 "size_bytes": r.size_bytes, "version": r.version} for r in records]})
            return EXIT_OK
        if not records:
            err.print("No documents yet. Add some with: docqa ingest PATH...")
            return EXIT_OK
        table = Table("id", "document", "status", "pages", "chunks", "groups", "ingested")
        colour = {DocStatus.INDEXED: "green", DocStatus.NEEDS_OCR: "yellow",
                  DocStatus.FAILED: "red", DocStatus.DELETING: "dim"}
        for r in records:
            status = f"[{colour[r.status]}]{r.status}[/]"
            if r.error:
                status += f"\n{r.error}"
            if r.ocr_pages:
                status += f"\nOCR needed: pages {', '.join(map(str, r.ocr_pages[:10]))}"
            table.add_row(r.doc_id[:8], r.source, status, str(r.pages), str(r.chunks),
                          ", ".join(r.groups), r.ingested_at)
        Console().print(table)
        return EXIT_OK

    _run(go)


@docs_app.command("delete")
def docs_delete(
    doc: Annotated[str, typer.Argument(help="Document id (or unique prefix) or file name.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Delete a document and all its chunks."""

    def go() -> int:
        from ingest.pipeline import Ingestor

        with _services() as services:
            record = Ingestor(services).delete(doc)
        if json_out:
            _emit_json({"deleted": record.doc_id, "source": record.source})
        else:
            err.print(f"deleted {record.source} ({record.doc_id})", highlight=False)
        return EXIT_OK

    _run(go)


def _user_store() -> Any:
    from retrieval.users import UserStore

    return UserStore(load_settings().users_path)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, "
                                                 "'.', '_', '-'.")],
    role: Annotated[str, typer.Option(help="admin (manages documents, sees usage) or "
                                           "employee.")] = "employee",
    groups: Annotated[str, typer.Option(help="Comma-separated groups whose documents the user "
                                             "may read, besides 'everyone'.")] = "",
    name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (for scripts).")] = False,
    replace: Annotated[bool, typer.Option(help="Change an existing user.")] = False,
) -> None:
    """Add a user who may log in to the app (asks for the password)."""

    def go() -> int:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = _user_store().add(username, password, role=role,
                                 groups=_groups(groups) or (), name=name, replace=replace)
        err.print(f"{'changed' if replace else 'added'} {user.username} ({user.role}; reads: "
                  f"{', '.join((EVERYONE, *user.groups))})", highlight=False)
        return EXIT_OK

    _run(go)


@users_app.command("list")
def users_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Every user with role and groups (never passwords)."""

    def go() -> int:
        users = _user_store().users()
        if json_out:
            _emit_json({"users": [{"username": u.username, "name": u.name, "role": u.role,
                                   "groups": list(u.groups)} for u in users]})
            return EXIT_OK
        if not users:
            err.print("No users yet. Add one with: docqa users add NAME --role admin")
            return EXIT_OK
        table = Table("user", "name", "role", "groups")
        for u in users:
            table.add_row(u.username, u.name, u.role, ", ".join((EVERYONE, *u.groups)))
        Console().print(table)
        return EXIT_OK

    _run(go)


@users_app.command("remove")
def users_remove(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove a user (their browser sessions end at the next page load)."""

    def go() -> int:
        _user_store().remove(username)
        err.print(f"removed {username}", highlight=False)
        return EXIT_OK

    _run(go)


DEMO_USERS = (("admin", "admin-demo", "admin", (), "Ada Admin"),
              ("alice", "alice-demo", "employee", (), "Alice Employee"),
              ("hana", "hana-demo", "employee", ("hr",), "Hana from HR"))


@users_app.command("demo")
def users_demo() -> None:
    """Create the demo accounts of the README, unless the users file already has users."""

    def go() -> int:
        store = _user_store()
        if store.users():
            err.print(f"{store.path} already has users; demo accounts not added.",
                      highlight=False)
            return EXIT_OK
        for username, password, role, groups, name in DEMO_USERS:
            store.add(username, password, role=role, groups=groups, name=name)
        err.print("demo accounts: " + ", ".join(f"{u} / {p} ({r})"
                                                for u, p, r, *_ in DEMO_USERS)
                  + " — for trying docqa only; remove them before real use.", highlight=False)
        return EXIT_OK

    _run(go)


def _groups(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(g.strip() for g in value.split(",") if g.strip())


_GROUPS_HELP = ("Comma-separated groups of the reader: only documents shared with one of "
                "them (or with everyone) are searched. Default: all documents.")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many passages.")] = 10,
    groups: Annotated[str | None, typer.Option(help=_GROUPS_HELP)] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or sparse.")] = "hybrid",
    diversity: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="0 = pure ranking; higher trades relevance for variety (MMR).")
    ] = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Find the passages that match QUERY (hybrid dense + BM25 search), best first."""

    def go() -> int:
        from retrieval.errors import QuestionError

        if mode not in ("hybrid", "dense", "sparse"):
            raise QuestionError(f"--mode must be hybrid, dense or sparse, not {mode!r}.")
        if not query.strip():
            raise QuestionError("Please give a search query.")
        with _services() as services:
            result = services.retriever().search(query, groups=_groups(groups), k=k,
                                                 mode=mode, diversity=diversity)
        hits = [{"doc_id": h.chunk.doc_id, "source": h.chunk.source, "title": h.chunk.title,
                 "page_start": h.chunk.page_start, "page_end": h.chunk.page_end,
                 "score": round(h.score, 6), "text": h.chunk.text} for h in result.hits]
        if json_out:
            _emit_json({"hits": hits, "timings_ms": result.timings_ms,
                        "named_documents": [m.doc_id for m in result.named]})
            return EXIT_OK
        if not hits:
            err.print("No matching passages. Is anything indexed? See: docqa docs list")
            return EXIT_OK
        out = Console()
        for i, h in enumerate(result.hits, start=1):
            c = h.chunk
            pages = (f"p. {c.page_start}" if c.page_start == c.page_end
                     else f"pp. {c.page_start}-{c.page_end}")
            out.print(f"[bold]{i}. {c.title}[/bold] ({c.source}, {pages}) "
                      f"[dim]score {h.score:.4f}[/dim]", highlight=False)
            snippet = " ".join(c.text.split())
            out.print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}",
                      highlight=False, markup=False)
        err.print(f"[dim]{result.timings_ms['total']:.0f} ms[/dim]")
        return EXIT_OK

    _run(go)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    groups: Annotated[str | None, typer.Option(help=_GROUPS_HELP)] = None,
    offline: Annotated[bool, typer.Option(
        help="Answer extractively even when OPENAI_API_KEY is set.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer QUESTION from the documents, citing document and page for every claim.

    Without OPENAI_API_KEY the answer is extractive: sentences picked from the documents.
    When the documents do not answer the question, it says so."""

    def go() -> int:
        with _services() as services:
            answerer = services.answerer(offline=offline)
            out = Console()
            answer = None
            for event in answerer.stream(question, groups=_groups(groups),
                                         user=services.settings.user):
                if event.kind == "delta" and not json_out and answerer.chat is not None:
                    out.print(event.text, end="", markup=False, highlight=False)
                elif event.kind == "reset" and not json_out and answerer.chat is not None:
                    out.print("\n[yellow](the model failed; answering without it)[/yellow]")
                elif event.kind == "done":
                    answer = event.answer
        assert answer is not None
        if json_out:
            _emit_json(answer.as_json())
            return EXIT_OK
        if answerer.chat is None or answer.mode == "fallback":
            out.print(answer.text, markup=False, highlight=False)
        else:
            out.print()
        model = answerer.chat.name if answerer.chat else ""
        label = {"extractive": "extractive answer (no model)", "llm": f"answered by {model}",
                 "fallback": "model failed: extractive answer"}[answer.mode]
        for c in answer.citations:
            mark = "" if c.verified else " [red](not verified)[/red]"
            out.print(f"  [{c.n}] {c.title} — {c.source}, page {c.page}{mark}", highlight=False)
            out.print(f"      “{c.quote}”", markup=False, highlight=False)
        for w in answer.warnings:
            err.print(f"[yellow]note:[/yellow] {w}", highlight=False)
        err.print(f"[dim]{label} · {answer.timings_ms['total']:.0f} ms[/dim]")
        return EXIT_OK

    _run(go)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
) -> None:
    """Start the web app (Streamlit)."""
    script = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    settings = load_settings()  # fail here, with a clear message, not inside the browser
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", host,
           "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
           "--server.maxUploadSize", str(max(1, math.ceil(settings.max_file_mb)))]
    err.print(f"docqa is starting on http://{host}:{port}", highlight=False)
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process with Streamlit's, so stop signals (Ctrl-C, docker stop, a test's
    # terminate) reach the server itself instead of orphaning it.
    os.execv(sys.executable, cmd)


# -- evaluation --------------------------------------------------------------------------------
def _eval_bar(label: str) -> tuple[Any, Callable[[int, int], None]]:
    """A rich progress bar on stderr (a no-op context when stderr is not a terminal)."""
    if not err.is_terminal:
        return contextlib.nullcontext(), lambda _done, _total: None
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=True)
    task = bar.add_task(label, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def _judge(model: str | None) -> Any:
    if not model:
        return None
    import os

    from evals.session import Judge

    key = os.environ.get("DOCQA_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
    base = os.environ.get("DOCQA_JUDGE_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
    if not key:
        raise typer.BadParameter("needs DOCQA_JUDGE_API_KEY or OPENAI_API_KEY",
                                 param_hint="--judge")
    return Judge(model, base, key)


def _evaluate_one(path: Path, *, split: str | None, docs: Path | None, name: str | None,
                  k: int, mode: str, limit: int | None, out: Path | None, judge: Any,
                  thresholds: Path | None, use_model: bool, collection: str | None = None
                  ) -> Any:
    from evals.datasets import load_dataset, prepare
    from evals.run import RunOptions
    from evals.session import evaluate_dataset
    from retrieval.services import open_services

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
        bar, step = _eval_bar(f"evaluating {dataset.name}")
        with bar:
            return evaluate_dataset(
                services, dataset, RunOptions(k=k, mode=mode), folder,  # type: ignore[arg-type]
                note=note, limit=limit, judge=judge, thresholds=thresholds,
                use_model=use_model, progress=step)


def _print_outcome(outcome: Any) -> None:
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
    dataset: Annotated[Path, typer.Option(help="Golden JSONL, BEIR folder or FinanceBench-style "
                                               "JSONL (detected).")],
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
    if mode not in ("hybrid", "dense", "sparse"):
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
            _emit_json(_summary_json(outcome))
        else:
            _print_outcome(outcome)
        return EXIT_OK if outcome.passed else EXIT_ERROR

    _run(go)


def _summary_json(outcome: Any) -> dict[str, Any]:
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
            _emit_json({"runs": [_summary_json(o) for o in runs], "skipped": skipped,
                        "passed": all(o.passed for o in runs)})
        return EXIT_OK if all(o.passed for o in runs) else EXIT_ERROR

    _run(go)


@eval_app.command("feedback")
def eval_feedback(
    out: Annotated[Path, typer.Option(help="JSONL file to write the candidates to.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Export questions users marked not helpful as candidate golden lines, for review."""

    def go() -> int:
        from evals.feedback import export
        from retrieval.query_log import QueryLog

        log = QueryLog(load_settings().catalog_path)
        try:
            count = export(log, out)
        finally:
            log.close()
        if json_out:
            _emit_json({"exported": count, "out": str(out)})
        else:
            err.print(f"{count} candidate questions written to {out}", highlight=False)
        return EXIT_OK

    _run(go)


from docqa.ops import ops_commands  # noqa: E402 - registers on the app defined above

ops_commands(app)


def main() -> None:
    from retrieval.logs import configure_logging

    configure_logging()  # DOCQA_LOG_FORMAT=json: one JSON object per line
    try:
        app()
    except SystemExit as e:
        # The command-line parser exits with 2 on wrong usage; 2 means "some files failed".
        if e.code == EXIT_PARTIAL and not _partial_result:
            raise SystemExit(EXIT_USAGE) from None
        raise
