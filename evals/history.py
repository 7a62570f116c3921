"""Every evaluation run, in a table ``eval_runs`` of its own SQLite file
(``<data_dir>/eval/history.sqlite3``): the nightly trend, the diff and the regression gate read
it. A separate file keeps the catalog free of evaluation rows and lets a CI job keep its
history apart from the app's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from retrieval.store.sqlite import Migration, connect, statements

_SCHEMA = """
CREATE TABLE IF NOT EXISTS eval_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    questions   INTEGER NOT NULL,
    metrics     TEXT NOT NULL,   -- {"hit@5": 0.9, ...}
    options     TEXT NOT NULL DEFAULT '{}',
    report      TEXT NOT NULL DEFAULT '',  -- folder holding report.json/md/html
    passed      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS eval_runs_dataset ON eval_runs(dataset, id);
"""
MIGRATIONS = (Migration(1, statements(_SCHEMA)),)


@dataclass(frozen=True)
class RunRecord:
    id: int
    started_at: str
    dataset: str
    questions: int
    metrics: dict[str, float]
    options: dict[str, object]
    report: str
    passed: bool


def history_path(data_dir: Path) -> Path:
    return data_dir / "eval" / "history.sqlite3"


class History:
    def __init__(self, path: Path) -> None:
        self._db = connect(path, "eval_history", MIGRATIONS, wal=False)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, *, started_at: str, dataset: str, questions: int, metrics: dict[str, float],
            options: dict[str, object], report: str, passed: bool) -> int:
        cur = self._db.execute(
            "INSERT INTO eval_runs (started_at, dataset, questions, metrics, options, report,"
            " passed) VALUES (?,?,?,?,?,?,?)",
            (started_at, dataset, questions, json.dumps(metrics), json.dumps(options), report,
             int(passed)))
        return int(cur.lastrowid or 0)

    def runs(self, dataset: str | None = None, limit: int = 60) -> list[RunRecord]:
        """Newest first."""
        sql = "SELECT * FROM eval_runs"
        args: tuple[object, ...] = ()
        if dataset is not None:
            sql, args = sql + " WHERE dataset = ?", (dataset,)
        rows = self._db.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [RunRecord(r["id"], r["started_at"], r["dataset"], r["questions"],
                          json.loads(r["metrics"]), json.loads(r["options"]), r["report"],
                          bool(r["passed"])) for r in rows]

    def previous(self, dataset: str) -> RunRecord | None:
        runs = self.runs(dataset, limit=1)
        return runs[0] if runs else None

    def datasets(self) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT dataset FROM eval_runs GROUP BY dataset ORDER BY MAX(id) DESC")]
