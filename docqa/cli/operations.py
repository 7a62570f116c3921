"""Operations commands: ``reindex``, ``backup``, ``restore``, ``health`` and ``index migrate``.

Registered on the main ``docqa`` app by ``register(app)``. Same conventions as every
command (``docqa.cli.output``): ``--json`` prints one JSON object on stdout,
errors are one sentence on stderr, exit 0 ok · 1 error · 2 partly done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from docqa.cli.output import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    JsonOpt,
    emit_json,
    err,
    progress_bar,
    run,
)
from retrieval.settings import load_settings


def _say(json_out: bool, result: Mapping[str, object], lines: list[str]) -> None:
    """The result as one JSON object on stdout, or as lines for a person on stderr."""
    if json_out:
        emit_json(result)
        return
    for line in lines:
        err.print(line, highlight=False)


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

    def go() -> int:
        from docqa.services import open_services
        from ingest.rebuild import fresh_collection, reindex_all

        settings = load_settings()
        target = collection or fresh_collection(settings.collection)
        in_place = target == settings.collection
        bar, step = progress_bar(f"re-indexing into {target}")
        with bar, open_services(settings.model_copy(update={"collection": target})) as svc:
            report = reindex_all(svc, resume=not in_place,
                                 on_document=lambda n, total, _s: step(n - 1, total))
            if svc.audit is not None:
                svc.audit.source = "cli"
                svc.audit.record(settings.user, "reindex", target, collection=target,
                                 previous=settings.collection,
                                 documents=len(report.reindexed), failed=len(report.failed))
        out = {**asdict(report), "failed": [asdict(f) for f in report.failed],
               "previous": settings.collection, "switch": not in_place}
        if json_out:
            emit_json(out)
        else:
            err.print(f"{len(report.reindexed)} re-indexed ({report.chunks} chunks), "
                          f"{len(report.already_done)} already done, {len(report.failed)} "
                          f"failed, in {report.seconds:.0f}s into {target}", highlight=False)
            for f in report.failed:
                err.print(f"  [red]failed[/red] {f.path}: {f.error}", highlight=False)
            if report.without_original:
                err.print(f"[yellow]{len(report.without_original)} documents were "
                              "ingested as text without a file (e.g. BEIR corpora) and "
                              "cannot be re-indexed from originals[/yellow]; import them "
                              "again (docqa eval run) if you need them: "
                              + ", ".join(report.without_original[:5])
                              + (" …" if len(report.without_original) > 5 else ""),
                              highlight=False)
            if not in_place:
                err.print(f"Now set DOCQA_COLLECTION={target} (e.g. in .env) and restart "
                              f"the app and the nightly job. The old collection "
                              f"{settings.collection!r} is unchanged; remove it once you are "
                              "satisfied.", highlight=False)
        return int(EXIT_PARTIAL if report.failed else EXIT_OK)

    run(go)


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

    def go() -> int:
        from docqa.ops.transfer import copy_index
        from docqa.services import build_index
        from retrieval.adapters.qdrant_server import QdrantServerStore
        from retrieval.store.index import VectorIndex

        settings = load_settings()
        name = collection or settings.collection
        bar, step = progress_bar(f"copying to {to}")
        with build_index(settings) as source, VectorIndex(QdrantServerStore(
                name, url=to, api_key=api_key, timeout_s=settings.qdrant_timeout_s)) as target, \
                bar:
            report = copy_index(source, target, resume=resume, progress=step)
        if json_out:
            emit_json({**asdict(report), "url": to, "collection": name})
        else:
            err.print(f"copied {report.points} points ({report.live} live, "
                          f"{report.dimension}-d, embedder {report.embedder or '?'}) in "
                          f"{report.seconds:.1f}s; counts match.", highlight=False)
            err.print(f"Now set DOCQA_QDRANT_URL={to}"
                          + (f" and DOCQA_COLLECTION={name}" if name != settings.collection
                             else "")
                          + (" and DOCQA_QDRANT_API_KEY" if api_key else "")
                          + " and restart docqa. The embedded index is unchanged.",
                          highlight=False)
        return int(EXIT_OK)

    run(go)


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

    def go() -> int:
        from docqa.ops.backup import backup as run_backup
        from docqa.services import build_index

        report = run_backup(load_settings(), out, build_index, points=points)
        _say(json_out, asdict(report), [
            f"wrote {out} ({report.size_bytes / 2**20:.1f} MB): {report.documents} documents, "
            f"{report.files} files, {sum(report.points.values())} index points"
            + (f", server snapshot {report.snapshot}" if report.snapshot else "")
            + f" in {report.seconds:.1f}s",
            *([f"[yellow]{len(report.missing_originals)} documents have no stored "
               "original[/yellow]"] if report.missing_originals else [])])
        return int(EXIT_OK)

    run(go)


def restore(
    archive: Annotated[Path, typer.Argument(help="A backup made by docqa backup.")],
    force: Annotated[bool, typer.Option(
        help="Restore over a non-empty data directory (its contents are moved aside into "
             "DATA/.replaced-*, not deleted).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Restore a backup into DOCQA_DATA_DIR (docqa must not be running)."""

    def go() -> int:
        from docqa.ops.backup import restore as run_restore
        from docqa.services import build_index

        report = run_restore(load_settings(), archive, build_index, force=force)
        _say(json_out, asdict(report), [
            f"restored {report.documents} documents, {report.files} files, "
            f"{sum(report.points.values())} index points into {report.data_dir}",
            *([f"the previous contents are in {report.replaced}"] if report.replaced else []),
            *(f"[yellow]note:[/yellow] {note}" for note in report.notes)])
        return int(EXIT_OK)

    run(go)


def health(json_out: JsonOpt = False) -> None:
    """Check the catalog, the index (reachable, counts, embedder) and the free disk space.
    Exit 0 healthy, 1 not.

    Read-only, so it is safe as a container health check."""

    def go() -> int:
        from docqa.ops.health import health as run_health
        from docqa.services import build_index

        report = run_health(load_settings(), build_index)
        if json_out:
            emit_json(report.as_json())
        else:
            for name, check in report.checks.items():
                mark = "[green]ok[/green]" if check.ok else "[red]FAIL[/red]"
                err.print(f"{mark} {name}: {check.detail}", highlight=False)
        return int(EXIT_OK if report.ok else EXIT_ERROR)

    run(go)


def register(app: typer.Typer) -> None:
    """Register the operations commands on ``app`` (the ``docqa`` command)."""
    app.command()(reindex)
    app.command()(backup)
    app.command()(restore)
    app.command()(health)
    index_app = typer.Typer(help="Move the vector index.", no_args_is_help=True)
    index_app.command("migrate")(migrate)
    app.add_typer(index_app, name="index")
