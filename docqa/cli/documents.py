"""``docqa ingest``, ``docs list|delete``, ``search`` and ``ask``: the documents and questions."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from docqa.cli.output import (
    _GROUPS_HELP,
    EXIT_OK,
    EXIT_PARTIAL,
    emit_json,
    err,
    is_mode,
    open_cli_services,
    parse_groups,
    run,
)
from retrieval.errors import QuestionError
from retrieval.ports import Message
from retrieval.settings import load_settings
from retrieval.store.catalog import Catalog
from retrieval.types import EVERYONE, DocStatus, DocumentRecord

app = typer.Typer()
docs_app = typer.Typer(help="List and delete indexed documents.", no_args_is_help=True)


def register(main: typer.Typer) -> None:
    main.registered_commands.extend(app.registered_commands)
    main.add_typer(docs_app, name="docs")

@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (searched recursively).")],
    groups: Annotated[str | None, typer.Option(
        help="Comma-separated groups allowed to read these documents (letters, digits, '.', "
             "'_', '-'). Without it, documents already indexed keep their current groups and "
             f"new ones are shared with {EVERYONE!r}. Given, it becomes the groups of every "
             "document named, and each change is printed and logged.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Index PDF, Word, PowerPoint, Excel/CSV, Markdown, text, HTML and image files (scans
    and images are recognised by OCR). Unchanged files are skipped.

    Exit 0 when nothing failed, 2 when some files failed (the others are indexed), 1 for an
    error (no path exists, an invalid or empty --groups)."""
    # Path("") is the current folder: an empty argument (an unset shell variable) would
    # index whatever folder the command runs in.
    if any(not p.strip() for p in paths):
        raise typer.BadParameter("an empty path was given", param_hint="PATHS")

    def go() -> int:
        from ingest.pipeline import Ingestor, explicit_groups
        from ingest.pipeline import Progress as Step
        from retrieval.errors import NotFoundError

        group_list = None if groups is None else explicit_groups(groups.split(","))
        if not any(Path(p).exists() for p in paths):
            raise NotFoundError(f"{', '.join(paths)} (no such file or folder)")
        show_bar = err.is_terminal
        with open_cli_services() as services:
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
            if services.audit is not None:
                from docqa.audit import record_ingest

                record_ingest(services.audit, services.catalog, report, services.settings.user)
        if json_out:
            emit_json(report.as_json())
        else:
            err.print(f"[green]{len(report.ingested)} indexed[/green], "
                      f"{len(report.skipped)} skipped (unchanged or duplicate), "
                      f"[red]{len(report.failed)} failed[/red]; {report.chunks} chunks from "
                      f"{report.pages} pages in {report.seconds:.1f}s", highlight=False)
            for name in report.needs_ocr:
                err.print(f"  [yellow]needs OCR[/yellow] {name}", highlight=False)
            for failed in report.failed:
                err.print(f"  [red]failed[/red] {failed.path}: {failed.error}", highlight=False)
        for change in report.groups_changed:  # on purpose, but never silently
            err.print(f"  [yellow]groups changed[/yellow] {change.path}: "
                      f"{', '.join(change.before)} → {', '.join(change.after)}",
                      highlight=False)
        return EXIT_PARTIAL if report.failed else EXIT_OK

    run(go)


@docs_app.command("list")
def docs_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Every document with its status, pages, chunks and groups."""

    def go() -> int:
        from retrieval.store.catalog import Catalog

        settings = load_settings()
        catalog = Catalog(settings.catalog_path)
        records = catalog.list()
        catalog.close()
        if json_out:
            emit_json({"documents": [
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
            if r.ocr_pages and r.status is DocStatus.NEEDS_OCR:
                status += f"\nunreadable pages: {', '.join(map(str, r.ocr_pages[:10]))}"
            elif r.ocr_pages:
                status += f"\n{len(r.ocr_pages)} pages OCR'd"
            table.add_row(r.doc_id[:8], r.source, status, str(r.pages), str(r.chunks),
                          ", ".join(r.groups), r.ingested_at)
        Console().print(table)
        return EXIT_OK

    run(go)


@docs_app.command("delete")
def docs_delete(
    doc: Annotated[str, typer.Argument(help="Document id (or unique prefix) or file name.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Delete a document and all its chunks."""

    def go() -> int:
        from ingest.pipeline import Ingestor

        with open_cli_services() as services:
            record = Ingestor(services).delete(doc)
            if services.audit is not None:
                services.audit.record(services.settings.user, "delete", record.source,
                                      doc_id=record.doc_id, groups=list(record.groups))
        if json_out:
            emit_json({"deleted": record.doc_id, "source": record.source})
        else:
            err.print(f"deleted {record.source} ({record.doc_id})", highlight=False)
        return EXIT_OK

    run(go)


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

        if not is_mode(mode):
            raise QuestionError(f"--mode must be hybrid, dense or sparse, not {mode!r}.")
        if not query.strip():
            raise QuestionError("Please give a search query.")
        with open_cli_services() as services:
            result = services.retriever().search(query, groups=cli_reader_groups(groups), k=k,
                                                 mode=mode, diversity=diversity)
        hits = [{"doc_id": h.chunk.doc_id, "source": h.chunk.source, "title": h.chunk.title,
                 "page_start": h.chunk.page_start, "page_end": h.chunk.page_end,
                 "score": round(h.score, 6), "text": h.chunk.text} for h in result.hits]
        if json_out:
            emit_json({"hits": hits, "timings_ms": result.timings_ms,
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

    run(go)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    groups: Annotated[str | None, typer.Option(help=_GROUPS_HELP)] = None,
    offline: Annotated[bool, typer.Option(
        help="Answer extractively even when OPENAI_API_KEY is set.")] = False,
    history: Annotated[str | None, typer.Option(
        help="Earlier turns of the conversation: a JSON file (or - for stdin) holding a list "
             "of {\"question\", \"answer\"}, oldest first.")] = None,
    doc: Annotated[list[str] | None, typer.Option(
        "--doc", help="Ask only within this document: its id (or unique id prefix) or file "
                      "name, as `docqa docs list` shows. Repeat for several documents.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer QUESTION from the documents, citing document and page for every claim.

    Without OPENAI_API_KEY the answer is extractive: sentences picked from the documents.
    When the documents do not answer the question, it says so. A follow-up ("and in
    Vienna?") is made standalone from --history; a question that stands alone is not.
    With --doc the search is limited to the documents named (exit 1 if one is unknown)."""

    def go() -> int:
        turns = read_history(history) if history is not None else []
        with open_cli_services() as services:
            readers = cli_reader_groups(groups)
            scope = resolve_docs(services.catalog, doc, readers) if doc else None
            answerer = services.answerer(offline=offline)
            out = Console()
            answer = None
            for event in answerer.stream(question, groups=readers,
                                         history=turns, user=services.settings.user,
                                         scope=[r.doc_id for r in scope] if scope else None):
                if event.kind == "delta" and not json_out and answerer.chat is not None:
                    out.print(event.text, end="", markup=False, highlight=False)
                elif event.kind == "reset" and not json_out and answerer.chat is not None:
                    out.print("\n[yellow](the model failed; answering without it)[/yellow]")
                elif event.kind == "done":
                    answer = event.answer
            nothing_indexed = not any(r.status == DocStatus.INDEXED
                                      for r in services.catalog.list())
        assert answer is not None
        if json_out:
            emit_json({**answer.as_json(), "scope": [
                {"doc_id": r.doc_id, "source": r.source} for r in scope] if scope else None})
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
            out.print(f"  [{c.n}] {c.title} — {c.source}, {c.place}{mark}", highlight=False)
            out.print(f"      “{c.quote}”", markup=False, highlight=False)
        for w in answer.warnings:
            err.print(f"[yellow]note:[/yellow] {w}", highlight=False)
        if nothing_indexed:
            err.print("[yellow]note:[/yellow] no documents are indexed yet: add some with "
                      "`docqa ingest PATH`.", highlight=False, markup=True)
        if scope:
            err.print("searched only in: " + ", ".join(r.source for r in scope),
                      highlight=False, markup=False)
        err.print(f"[dim]{label} · {answer.timings_ms['total']:.0f} ms[/dim]")
        return EXIT_OK

    run(go)



def resolve_docs(catalog: Catalog, refs: Sequence[str],
                 readers: Sequence[str] | None = None) -> list[DocumentRecord]:
    """``--doc`` values as documents (by id, unique id prefix or file name), each once; an
    unknown one, one that cannot be searched or one outside ``--groups`` is an error."""
    from retrieval.access import may_read
    from retrieval.errors import NotFoundError

    found: dict[str, DocumentRecord] = {}
    for ref in refs:
        record = catalog.find(ref.strip()) if ref.strip() else None
        if record is None:
            raise NotFoundError(f"document {ref!r} (see: docqa docs list)")
        if record.status not in (DocStatus.INDEXED, DocStatus.NEEDS_OCR):
            raise QuestionError(f"Document {record.source} cannot be searched (it is "
                                f"{record.status}).")
        if not may_read(readers, record.groups):
            raise QuestionError(f"Document {record.source} is not shared with the groups "
                                "given in --groups.")
        found.setdefault(record.doc_id, record)
    return list(found.values())


def cli_reader_groups(value: str | None) -> tuple[str, ...] | None:
    """``--groups`` of ``search`` and ``ask``: the documents of those groups and everyone's
    (as the app reads for a user); None when not given (every document)."""
    from retrieval.access import check_groups, reader_groups

    given = parse_groups(value)
    return None if given is None else reader_groups(check_groups(given))


def read_history(source: str) -> list[Message]:
    """``--history``: a JSON list of {"question", "answer"} from a file or stdin."""
    from retrieval.errors import QuestionError

    try:
        raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        turns = json.loads(raw)
    except OSError as e:
        raise QuestionError(f"--history {source} cannot be read ({e.strerror}).") from e
    except ValueError as e:
        raise QuestionError(f"--history {source} is not JSON ({e}).") from e
    if not isinstance(turns, list) or not all(
            isinstance(t, dict) and isinstance(t.get("question"), str) for t in turns):
        raise QuestionError("--history must be a JSON list of {\"question\", \"answer\"}.")
    messages: list[Message] = []
    for t in turns:
        messages += [Message("user", t["question"]),
                     Message("assistant", str(t.get("answer") or ""))]
    return messages
