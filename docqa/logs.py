"""Logging set-up shared by the CLI and the app: plain lines for people, or one JSON object
per line (``DOCQA_LOG_FORMAT=json``) for a log collector, which cannot parse multi-line text
such as tracebacks."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(fmt: str | None = None, level: str | None = None) -> None:
    """Install one stderr handler on the root logger (replacing earlier ones, so calling it
    again, e.g. on every Streamlit rerun, is harmless). Without arguments the settings
    decide; invalid settings fall back to text, and the command reports them itself."""
    if fmt is None or level is None:
        from retrieval.errors import ConfigError
        from retrieval.settings import load_settings

        try:
            settings = load_settings()
            fmt, level = fmt or settings.log_format, level or settings.log_level
        except ConfigError:
            fmt, level = fmt or "text", level or "WARNING"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
