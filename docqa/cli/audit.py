"""``docqa audit``: who did what, from the audit log (docqa.audit), newest first."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from docqa.cli.output import EXIT_OK, JsonOpt, emit_json, err, run
from retrieval.settings import load_settings


def register(main: typer.Typer) -> None:
    main.command("audit")(audit)


def audit(
    since: Annotated[str | None, typer.Option(
        help="Only events at or after this ISO 8601 time or date (UTC), e.g. 2026-01-31.")
    ] = None,
    action: Annotated[str | None, typer.Option(
        help="Only this action: ingest, reindex, delete, groups_changed, user_added, "
             "user_changed, user_removed, login, login_failed, logout.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many.")] = 100,
    json_out: JsonOpt = False,
) -> None:
    """Who uploaded, re-indexed or deleted documents, changed their groups, added or removed
    users, logged in or failed to; newest first. The log is append-only."""

    def go() -> int:
        from datetime import datetime

        from docqa.audit import ACTIONS, AuditLog
        from retrieval.errors import QuestionError

        if action is not None and action not in ACTIONS:
            raise QuestionError(f"--action must be one of {', '.join(ACTIONS)}, not {action!r}.")
        if since is not None:
            try:
                datetime.fromisoformat(since)
            except ValueError:
                raise QuestionError(f"--since {since!r} is not an ISO 8601 time or date.") from None
        settings = load_settings()
        log = AuditLog(settings.audit_path, "cli")
        try:
            events = log.recent(limit=limit, since=since, action=action)
        finally:
            log.close()
        if json_out:
            emit_json({"events": [e.as_json() for e in events]})
            return EXIT_OK
        if not events:
            err.print("No audit events match.")
            return EXIT_OK
        table = Table("at (UTC)", "actor", "action", "target", "detail", "source")
        for e in events:
            detail = ", ".join(f"{k}={v}" for k, v in e.detail.items())
            # names and file names as plain text, never as rich markup
            table.add_row(*(Text(v) for v in (e.at, e.actor, e.action, e.target, detail,
                                              e.source)))
        Console().print(table, highlight=False)
        return EXIT_OK

    run(go)
