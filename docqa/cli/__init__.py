"""The ``docqa`` command.

Exit codes: 0 success; 1 a docqa error (bad setting, index unavailable, not found…);
2 some files failed to ingest (the others were indexed); 64 wrong usage.
With ``--json`` the result is one JSON object on stdout; progress and logs go to stderr.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from docqa.cli import audit, documents, evaluation, operations, sync, users
from docqa.cli.output import EXIT_PARTIAL, EXIT_USAGE, err, last_exit
from retrieval.settings import load_settings

app = typer.Typer(
    help="docqa: ask your company's documents, get answers that cite their sources.\n\n"
         "Exit codes: 0 ok · 1 error (one plain sentence on stderr) · 2 some files failed to "
         "ingest (the rest were indexed).\n\nSettings come from DOCQA_* environment "
         "variables or a .env file (see README).",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich",
)

documents.register(app)
users.register(app)
evaluation.register(app)
operations.register(app)
audit.register(app)
sync.register(app)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
) -> None:
    """Start the web app (Streamlit, with the login routes and guard of ui/server.py)."""
    script = Path(__file__).resolve().parents[2] / "ui" / "server.py"
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


def main() -> None:
    from docqa.logs import configure_logging

    configure_logging()  # DOCQA_LOG_FORMAT=json: one JSON object per line
    try:
        app()
    except SystemExit as e:
        # The command-line parser exits with 2 on wrong usage; 2 means "some files failed".
        if e.code == EXIT_PARTIAL and last_exit["code"] != EXIT_PARTIAL:
            raise SystemExit(EXIT_USAGE) from None
        raise
