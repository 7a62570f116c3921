"""``docqa sync``: a shared folder mirrored into the index (docqa.sync), once or on a
schedule."""

from __future__ import annotations

from typing import Annotated

import typer

from docqa.cli.output import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, JsonOpt, emit_json, err, run
from retrieval.types import EVERYONE


def register(main: typer.Typer) -> None:
    main.command("sync")(sync)


def _folder_groups(values: list[str]) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for value in values:
        folder, sep, groups = value.partition("=")
        if not sep or not folder.strip() or not groups.strip():
            raise typer.BadParameter(f"{value!r} is not SUBFOLDER=GROUP[,GROUP…]",
                                     param_hint="--folder-groups")
        mapping[folder.strip().strip("/")] = [g.strip() for g in groups.split(",")]
    return mapping


def sync(
    folder: Annotated[str, typer.Argument(help="The folder to mirror (searched recursively).")],
    groups: Annotated[str | None, typer.Option(
        help="Comma-separated groups for the folder's documents. Without it, documents "
             f"already indexed keep their groups and new ones are shared with {EVERYONE!r}.")
    ] = None,
    folder_groups: Annotated[list[str] | None, typer.Option(
        "--folder-groups", help="SUBFOLDER=GROUP[,GROUP…]: documents under a sub-folder get "
                                "these groups (the deepest match wins); repeat for more.")
    ] = None,
    name: Annotated[str, typer.Option(
        "--as", help="Name of the folder in document names (\"<name>/<path>\"); default: the "
                     "folder's own name. Documents named otherwise are never touched.")] = "",
    every: Annotated[str | None, typer.Option(
        help="Run again every interval (15m, 1h, 90s) until stopped; default: once.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List what would be added, re-indexed and deleted; change nothing.")
    ] = False,
    max_delete: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Refuse a pass that deletes more than this share of the "
                               "folder's documents (or empties it), unless --force.")] = 0.5,
    force: Annotated[bool, typer.Option(
        "--force", help="Delete even when the guard would refuse.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Keep the index equal to a folder: new files indexed, changed files re-versioned (the
    old version stays searchable until the new one is live), removed files deleted.

    Exit 0 when the pass changed what it had to, 2 when some files failed (the others are
    done), 1 for an error (no such folder; a pass refused by the deletion guard changes
    nothing)."""
    from docqa.sync import parse_every

    mapping = _folder_groups(folder_groups or [])
    try:
        interval = parse_every(every) if every is not None else None
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--every") from None

    def one_pass() -> int:
        from pathlib import Path

        from docqa.audit import record_ingest
        from docqa.cli.output import open_cli_services
        from docqa.sync import run_sync
        from ingest.pipeline import Ingestor, explicit_groups

        wanted = None if groups is None else list(explicit_groups(groups.split(",")))
        with open_cli_services() as services:
            report = run_sync(Ingestor(services), Path(folder), prefix=name, groups=wanted,
                              folder_groups=mapping, max_delete_share=max_delete, force=force,
                              dry_run=dry_run)
            if services.audit is not None and not dry_run:
                record_ingest(services.audit, services.catalog, report.ingest,
                              services.settings.user)
                for source in report.deleted:
                    services.audit.record(services.settings.user, "delete", source,
                                          by="sync")
        failed = [*report.failed, *report.ingest.failed]
        if json_out:
            emit_json(report.as_json())
        else:
            plan = report.plan
            err.print(f"{plan.folder} as {plan.prefix}/: {len(plan.added)} new, "
                      f"{len(plan.changed)} changed, {len(plan.removed)} removed, "
                      f"{len(plan.unchanged)} unchanged" + (" (dry run)" if dry_run else ""),
                      highlight=False)
            for label, names in (("new", [f.source for f in plan.added]),
                                 ("changed", [f.source for f in plan.changed]),
                                 ("removed", [r.source for r in plan.removed])):
                for source in names:
                    err.print(f"  {label} {source}", highlight=False)
            for f in failed:
                err.print(f"  [red]failed[/red] {f.path}: {f.error}", highlight=False)
        return EXIT_PARTIAL if failed else EXIT_OK

    if interval is None:
        run(one_pass)
        return

    from docqa.sync import repeat
    from retrieval.errors import DocqaError

    def scheduled() -> None:
        try:
            one_pass()
        except DocqaError as e:  # a refused pass is reported; the schedule goes on
            err.print(f"[red]error:[/red] {e}", highlight=False)

    try:
        repeat(scheduled, interval)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_OK) from None
    raise typer.Exit(EXIT_ERROR)  # not reached: the schedule only ends when stopped
