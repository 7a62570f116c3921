"""What every ``docqa`` command shares: exit codes, one JSON object on stdout, one plain
sentence on stderr for a docqa error, a progress bar on a terminal, the opened services."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Annotated, TypeGuard

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from retrieval.errors import DocqaError
from retrieval.settings import load_settings

if TYPE_CHECKING:
    from docqa.services import Services
    from retrieval.search.retriever import Mode

EXIT_OK, EXIT_ERROR, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2, 64
err = Console(stderr=True)
#: whether the last command ended "partly done" (exit 2), which the parser also uses for usage
last_exit: dict[str, int] = {"code": EXIT_OK}


def emit_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@contextmanager
def open_cli_services() -> Iterator[Services]:
    from docqa.services import open_services

    with open_services(load_settings()) as services:
        if services.audit is not None:  # events recorded by a command say so
            services.audit.source = "cli"
        yield services


def run(fn: Callable[[], int]) -> None:
    """Run a command body: its exit code, or 1 with one sentence for a docqa error."""
    try:
        code = fn()
        last_exit["code"] = code
    except DocqaError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(code)


def progress_bar(label: str
                 ) -> tuple[AbstractContextManager[object, None], Callable[[int, int], None]]:
    """A rich progress bar on stderr (a no-op context when stderr is not a terminal)."""
    if not err.is_terminal:
        return contextlib.nullcontext(), lambda _done, _total: None
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=True)
    task = bar.add_task(label, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def is_mode(value: str) -> TypeGuard[Mode]:
    """Whether ``value`` names a search mode: hybrid, dense or sparse."""
    return value in ("hybrid", "dense", "sparse")


def parse_groups(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(g.strip() for g in value.split(",") if g.strip())


_GROUPS_HELP = ("Comma-separated groups of the reader: only documents shared with one of "
                "them (or with everyone) are searched. Default: all documents.")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
