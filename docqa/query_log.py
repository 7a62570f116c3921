"""Every question asked, with what was retrieved and answered, in the SQLite database beside
the catalog: the Usage page, feedback and the evaluation's candidate questions read it."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from retrieval.store.sqlite import Migration, connect, statements

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at          TEXT NOT NULL,
    user              TEXT NOT NULL DEFAULT '',
    groups            TEXT NOT NULL DEFAULT '[]',
    question          TEXT NOT NULL,
    standalone        TEXT NOT NULL DEFAULT '',
    answer            TEXT NOT NULL DEFAULT '',
    mode              TEXT NOT NULL DEFAULT '',
    refused           INTEGER NOT NULL DEFAULT 0,
    verified          INTEGER NOT NULL DEFAULT 0,
    hits              TEXT NOT NULL DEFAULT '[]',
    citations         TEXT NOT NULL DEFAULT '[]',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd          REAL NOT NULL DEFAULT 0,
    timings           TEXT NOT NULL DEFAULT '{}',
    error             TEXT NOT NULL DEFAULT '',
    feedback          INTEGER,
    feedback_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS queries_asked_at ON queries(asked_at);
"""
MIGRATIONS = (
    Migration(1, statements(_SCHEMA)),
    # 2: whether the answer passed the support check (numbers, names and dates found in the
    # passages it cites, and the question's kind of fact given), apart from "quotes found".
    Migration(2, ("ALTER TABLE queries ADD COLUMN supported INTEGER NOT NULL DEFAULT 0",)),
)


@dataclass(frozen=True)
class LoggedQuery:
    id: int
    asked_at: str
    user: str
    groups: tuple[str, ...]
    question: str
    standalone: str
    answer: str
    mode: str
    refused: bool
    verified: bool
    hits: list[dict[str, object]]
    citations: list[dict[str, object]]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    timings: dict[str, float]
    error: str
    feedback: int | None
    feedback_reason: str
    supported: bool = False


class QueryLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = connect(path, "query_log", MIGRATIONS)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, *, user: str, groups: tuple[str, ...] | None, question: str,
               standalone: str, answer: str, mode: str, refused: bool, verified: bool,
               hits: list[dict[str, object]], citations: list[dict[str, object]],
               prompt_tokens: int, completion_tokens: int, cost_usd: float,
               timings: dict[str, float], error: str = "", supported: bool = False) -> int:
        row = (datetime.now(UTC).isoformat(timespec="milliseconds"), user,
               json.dumps(list(groups) if groups is not None else ["*"]), question, standalone,
               answer, mode, int(refused), int(verified), json.dumps(hits),
               json.dumps(citations), prompt_tokens, completion_tokens, cost_usd,
               json.dumps(timings), error, int(supported))
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO queries (asked_at, user, groups, question, standalone, answer, mode,"
                " refused, verified, hits, citations, prompt_tokens, completion_tokens, cost_usd,"
                " timings, error, supported) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            return int(cur.lastrowid or 0)

    def feedback(self, query_id: int, helpful: bool, reason: str = "") -> None:
        with self._lock:
            self._db.execute("UPDATE queries SET feedback = ?, feedback_reason = ? WHERE id = ?",
                             (1 if helpful else -1, reason, query_id))

    def recent(self, limit: int = 1000, since: str | None = None) -> list[LoggedQuery]:
        sql = "SELECT * FROM queries"
        args: tuple[object, ...] = ()
        if since:
            sql += " WHERE asked_at >= ?"
            args = (since,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, limit)).fetchall()
        return [LoggedQuery(
            id=r["id"], asked_at=r["asked_at"], user=r["user"],
            groups=tuple(json.loads(r["groups"])), question=r["question"],
            standalone=r["standalone"], answer=r["answer"], mode=r["mode"],
            refused=bool(r["refused"]), verified=bool(r["verified"]),
            supported=bool(r["supported"]),
            hits=json.loads(r["hits"]), citations=json.loads(r["citations"]),
            prompt_tokens=r["prompt_tokens"], completion_tokens=r["completion_tokens"],
            cost_usd=r["cost_usd"], timings=json.loads(r["timings"]), error=r["error"],
            feedback=r["feedback"], feedback_reason=r["feedback_reason"]) for r in rows]
