"""The audit log: who uploaded, re-indexed or deleted a document, changed who may read it or
its title, added, changed or removed a user, logged in, failed to log in or logged out; in
``data_dir/audit.sqlite3``.

Append-only from the application's view: ``AuditLog`` can add events and read them, and has
no method that changes or deletes one. A failed login records the user name tried and never
the password.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from retrieval.store.catalog import Catalog
from retrieval.store.sqlite import Migration, connect, statements
from retrieval.types import IngestReport

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT '{}',
    source  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action)
"""
MIGRATIONS = (Migration(1, statements(_SCHEMA)),)

Source = Literal["cli", "app"]
ACTIONS = ("ingest", "reindex", "delete", "groups_changed", "title_changed", "user_added",
           "user_changed", "user_removed", "login", "login_failed", "logout")
#: detail keys never written, whatever a caller passes
_SECRET_KEYS = frozenset({"password", "password_hash", "token", "secret"})


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: str  # ISO 8601, UTC
    actor: str
    action: str
    target: str
    detail: dict[str, object]
    source: str

    def as_json(self) -> dict[str, object]:
        return {"at": self.at, "actor": self.actor, "action": self.action,
                "target": self.target, "detail": self.detail, "source": self.source}


class AuditLog:
    """Events in SQLite, oldest first by id; append-only (no update or delete methods)."""

    def __init__(self, path: Path, source: Source = "app") -> None:
        self.path = path
        self.source: Source = source
        self._lock = threading.Lock()
        self._db = connect(path, "audit", MIGRATIONS)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, actor: str, action: str, target: str = "", **detail: object) -> int:
        """Append one event; returns its id. ``action`` is one of ``ACTIONS``."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        clean = {k: v for k, v in detail.items() if k.lower() not in _SECRET_KEYS}
        row = (datetime.now(UTC).isoformat(timespec="milliseconds"), actor, action, target,
               json.dumps(clean, ensure_ascii=False, default=str), self.source)
        with self._lock:
            cur = self._db.execute("INSERT INTO audit (at, actor, action, target, detail, "
                                   "source) VALUES (?, ?, ?, ?, ?, ?)", row)
            return int(cur.lastrowid or 0)

    def recent(self, limit: int = 1000, since: str | None = None,
               action: str | None = None, actor: str | None = None) -> list[AuditEvent]:
        """The newest events first; ``since`` an ISO time or date (inclusive)."""
        where: list[str] = []
        args: list[object] = []
        if since:
            where.append("at >= ?")
            args.append(since)
        if action:
            where.append("action = ?")
            args.append(action)
        if actor:
            where.append("actor = ?")
            args.append(actor)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, max(0, limit))).fetchall()
        return [AuditEvent(id=r["id"], at=r["at"], actor=r["actor"], action=r["action"],
                           target=r["target"], detail=json.loads(r["detail"]),
                           source=r["source"]) for r in rows]


def record_ingest(audit: AuditLog, catalog: Catalog, report: IngestReport, actor: str,
                  action: Literal["ingest", "reindex"] = "ingest") -> None:
    """One event per document an ingest (or re-index) indexed, and one per groups change."""
    indexed: Sequence[str] = list(dict.fromkeys([*report.ingested, *report.needs_ocr]))
    for source in indexed:
        record = catalog.find(source)
        audit.record(actor, action, source, path=source,
                     doc_id=record.doc_id if record else "",
                     groups=list(record.groups) if record else [])
    for change in report.groups_changed:
        record = catalog.find(change.path)
        audit.record(actor, "groups_changed", change.path,
                     doc_id=record.doc_id if record else "",
                     **{"from": list(change.before), "to": list(change.after)})
