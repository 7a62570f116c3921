"""Operations commands: ``reindex``, ``backup``, ``restore``, ``health`` and ``index migrate``.

Registered on the main ``docqa`` app by ``ops_commands(app)``; ``python -m docqa.ops`` runs
them alone. Same conventions as ``docqa.cli``: ``--json`` prints one JSON object on stdout,
errors are one sentence on stderr, exit 0 ok · 1 error · 2 partly done.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _cli() -> Any:
    """docqa.cli, imported when a command runs (it imports this module to register us)."""
    from docqa import cli

    return cli


def _bar(label: str) -> tuple[Any, Any]:
    bar, step = _cli()._eval_bar(label)  # the CLI's progress bar (a no-op off a terminal)
    return bar, step


def _say(json_out: bool, result: dict[str, Any], lines: list[str]) -> None:
    """The result as one JSON object on stdout, or as lines for a person on stderr."""
    cli = _cli()
    if json_out:
        cli._emit_json(result)
        return
    for line in lines:
        cli.err.print(line, highlight=False)


def reindex(
    collection: Annotated[str | None, typer.Option(
        help="Collection to build (default: DOCQA_COLLECTION plus a time stamp). Give the "
             "configured one to re-index in place (same embedder only).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Rebuild the index from the stored originals, e.g. after changing the embedder.

    The new index is built beside the old one, which stays untouched; switch with
    DOCQA_COLLECTION once it is complete. Re-running with the same --collection resumes.
    Exit 0 done, 2 some documents failed, 1 error."""
    cli = _cli()

    def go() -> int:
        from ingest.rebuild import fresh_collection, reindex_all
        from retrieval.services import open_services

        settings = cli.load_settings()
        target = collection or fresh_collection(settings.collection)
        in_place = target == settings.collection
        bar, step = _bar(f"re-indexing into {target}")
        with bar, open_services(settings.model_copy(update={"collection": target})) as svc:
            report = reindex_all(svc, resume=not in_place,
                                 on_document=lambda n, total, _s: step(n - 1, total))
        out = {**asdict(report), "failed": [asdict(f) for f in report.failed],
               "previous": settings.collection, "switch": not in_place}
        if json_out:
            cli._emit_json(out)
        else:
            cli.err.print(f"{len(report.reindexed)} re-indexed ({report.chunks} chunks), "
                          f"{len(report.already_done)} already done, {len(report.failed)} "
                          f"failed, in {report.seconds:.0f}s into {target}", highlight=False)
            for f in report.failed:
                cli.err.print(f"  [red]failed[/red] {f.path}: {f.error}", highlight=False)
            if report.without_original:
                cli.err.print(f"[yellow]{len(report.without_original)} documents were "
                              "ingested as text without a file (e.g. BEIR corpora) and "
                              "cannot be re-indexed from originals[/yellow]; import them "
                              "again (docqa eval run) if you need them: "
                              + ", ".join(report.without_original[:5])
                              + (" …" if len(report.without_original) > 5 else ""),
                              highlight=False)
            if not in_place:
                cli.err.print(f"Now set DOCQA_COLLECTION={target} (e.g. in .env) and restart "
                              f"the app and the nightly job. The old collection "
                              f"{settings.collection!r} is unchanged; remove it once you are "
                              "satisfied.", highlight=False)
        return int(cli.EXIT_PARTIAL if report.failed else cli.EXIT_OK)

    cli._run(go)


def migrate(
    to: Annotated[str, typer.Option("--to", help="Qdrant server URL, e.g. "
                                                 "http://qdrant:6333.")],
    api_key: Annotated[str | None, typer.Option(
        envvar="DOCQA_MIGRATE_API_KEY", help="API key of the target server (or "
                                             "DOCQA_MIGRATE_API_KEY).")] = None,
    collection: Annotated[str | None, typer.Option(
        help="Target collection (default: DOCQA_COLLECTION).")] = None,
    resume: Annotated[bool, typer.Option(help="Finish an interrupted copy into a "
                                              "non-empty collection.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Copy the configured index (normally the embedded one) to a Qdrant server, without
    embedding anything again; then check the counts. Exit 0 copied, 1 error."""
    cli = _cli()

    def go() -> int:
        from retrieval.qdrant_server_index import QdrantServerIndex
        from retrieval.services import build_index
        from retrieval.transfer import copy_index

        settings = cli.load_settings()
        name = collection or settings.collection
        bar, step = _bar(f"copying to {to}")
        with build_index(settings) as source, QdrantServerIndex(
                name, url=to, api_key=api_key, timeout_s=settings.qdrant_timeout_s) as target, \
                bar:
            report = copy_index(source, target, resume=resume, progress=step)
        if json_out:
            cli._emit_json({**asdict(report), "url": to, "collection": name})
        else:
            cli.err.print(f"copied {report.points} points ({report.live} live, "
                          f"{report.dimension}-d, embedder {report.embedder or '?'}) in "
                          f"{report.seconds:.1f}s; counts match.", highlight=False)
            cli.err.print(f"Now set DOCQA_QDRANT_URL={to}"
                          + (f" and DOCQA_COLLECTION={name}" if name != settings.collection
                             else "")
                          + (" and DOCQA_QDRANT_API_KEY" if api_key else "")
                          + " and restart docqa. The embedded index is unchanged.",
                          highlight=False)
        return int(cli.EXIT_OK)

    cli._run(go)


def backup(
    out: Annotated[Path, typer.Option("--out", help="Archive to write (.tar.gz).")],
    points: Annotated[bool, typer.Option(
        help="Server mode: export the points into the archive instead of a server "
             "snapshot.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Back up the catalog, users, originals and the index into one archive.

    Embedded index: docqa must not be running (the copy needs the index to itself, which
    is what makes it consistent). Qdrant server: a snapshot is made on the server."""
    cli = _cli()

    def go() -> int:
        from retrieval.backup import backup as run_backup
        from retrieval.services import build_index

        report = run_backup(cli.load_settings(), out, build_index, points=points)
        _say(json_out, asdict(report), [
            f"wrote {out} ({report.size_bytes / 2**20:.1f} MB): {report.documents} documents, "
            f"{report.files} files, {sum(report.points.values())} index points"
            + (f", server snapshot {report.snapshot}" if report.snapshot else "")
            + f" in {report.seconds:.1f}s",
            *([f"[yellow]{len(report.missing_originals)} documents have no stored "
               "original[/yellow]"] if report.missing_originals else [])])
        return int(cli.EXIT_OK)

    cli._run(go)


def restore(
    archive: Annotated[Path, typer.Argument(help="A backup made by docqa backup.")],
    force: Annotated[bool, typer.Option(
        help="Restore over a non-empty data directory (its contents are moved aside into "
             "DATA/.replaced-*, not deleted).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Restore a backup into DOCQA_DATA_DIR (docqa must not be running)."""
    cli = _cli()

    def go() -> int:
        from retrieval.backup import restore as run_restore
        from retrieval.services import build_index

        report = run_restore(cli.load_settings(), archive, build_index, force=force)
        _say(json_out, asdict(report), [
            f"restored {report.documents} documents, {report.files} files, "
            f"{sum(report.points.values())} index points into {report.data_dir}",
            *([f"the previous contents are in {report.replaced}"] if report.replaced else []),
            *(f"[yellow]note:[/yellow] {note}" for note in report.notes)])
        return int(cli.EXIT_OK)

    cli._run(go)


def health(json_out: JsonOpt = False) -> None:
    """Check the catalog and the index (reachable, counts, embedder). Exit 0 healthy, 1 not.

    Read-only, so it is safe as a container health check."""
    cli = _cli()

    def go() -> int:
        from retrieval.health import health as run_health
        from retrieval.services import build_index

        report = run_health(cli.load_settings(), build_index)
        if json_out:
            cli._emit_json(report.as_json())
        else:
            for name, check in report.checks.items():
                mark = "[green]ok[/green]" if check.ok else "[red]FAIL[/red]"
                cli.err.print(f"{mark} {name}: {check.detail}", highlight=False)
        return int(cli.EXIT_OK if report.ok else cli.EXIT_ERROR)

    cli._run(go)


def ops_commands(app: typer.Typer) -> None:
    """Register the operations commands on ``app`` (the ``docqa`` command)."""
    app.command()(reindex)
    app.command()(backup)
    app.command()(restore)
    app.command()(health)
    index_app = typer.Typer(help="Move the vector index.", no_args_is_help=True)
    index_app.command("migrate")(migrate)
    app.add_typer(index_app, name="index")


def main() -> None:
    from docqa import cli
    from retrieval.logs import configure_logging

    configure_logging()  # before cli.main, whose basicConfig then leaves it in place
    app = typer.Typer(help="docqa operations.", no_args_is_help=True, add_completion=False)
    ops_commands(app)
    cli.app = app  # cli.main's exit-code handling, on this app
    cli.main()


if __name__ == "__main__":
    main()
