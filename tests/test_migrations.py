"""Schema migrations: a data dir written by the previous docqa (its tables as they were, built
here by code, no committed binaries) opens with this version, keeps every row and gains the
new columns; a database from a newer docqa is refused with one sentence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from docqa.query_log import QueryLog
from evals.history import History
from retrieval.store.catalog import Catalog
from retrieval.store.sqlite import Migration, StoreError, connect, schema_version
from retrieval.types import DocStatus

# The tables exactly as docqa 0.1 (before schema versions) created them.
PREVIOUS_SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    ocr_pages TEXT NOT NULL DEFAULT '[]', groups TEXT NOT NULL DEFAULT '[]',
    uploaded_by TEXT NOT NULL DEFAULT '', ingested_at TEXT NOT NULL DEFAULT '',
    size_bytes INTEGER NOT NULL DEFAULT 0, stored_path TEXT NOT NULL DEFAULT '',
    published INTEGER NOT NULL DEFAULT 1);
CREATE INDEX documents_version ON documents(version);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE queries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at TEXT NOT NULL, user TEXT NOT NULL DEFAULT '',
    groups TEXT NOT NULL DEFAULT '[]', question TEXT NOT NULL,
    standalone TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL DEFAULT '', refused INTEGER NOT NULL DEFAULT 0,
    verified INTEGER NOT NULL DEFAULT 0, hits TEXT NOT NULL DEFAULT '[]',
    citations TEXT NOT NULL DEFAULT '[]', prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0,
    timings TEXT NOT NULL DEFAULT '{}', error TEXT NOT NULL DEFAULT '', feedback INTEGER,
    feedback_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX queries_asked_at ON queries(asked_at);
"""


def previous_data_dir(folder: Path) -> Path:
    """A catalog database as the previous version left it: one document, one question."""
    path = folder / "docqa.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(PREVIOUS_SCHEMA)
        db.execute("INSERT INTO documents (doc_id, source, title, version, status, pages, "
                   "chunks, groups) VALUES ('d1', 'leave.pdf', 'Leave policy', 'v1', "
                   "'indexed', 3, 7, '[\"hr\"]')")
        db.execute("INSERT INTO meta VALUES ('embedder:docqa', 'minilm')")
        db.execute("INSERT INTO queries (asked_at, user, question, answer, verified, feedback) "
                   "VALUES ('2026-11-30T10:00:00', 'alice', 'How many days?', '30 days [1]', "
                   "1, 1)")
    db.close()
    return path


def test_a_previous_data_dir_upgrades_and_keeps_its_rows(tmp_path: Path) -> None:
    path = previous_data_dir(tmp_path)
    catalog, log = Catalog(path), QueryLog(path)
    record = catalog.get("d1")
    assert record is not None and record.title == "Leave policy"
    assert record.status is DocStatus.INDEXED and record.groups == ("hr",)
    assert catalog.meta("embedder:docqa") == "minilm"
    [old] = log.recent()
    assert old.question == "How many days?" and old.verified and old.feedback == 1
    assert old.supported is False  # the new column, with its default
    new_id = log.record(user="bob", groups=("everyone",), question="q", standalone="q",
                        answer="a", mode="extractive", refused=False, verified=True,
                        supported=True, hits=[], citations=[], prompt_tokens=0,
                        completion_tokens=0, cost_usd=0.0, timings={})
    assert next(q for q in log.recent() if q.id == new_id).supported is True
    catalog.close()
    log.close()
    with sqlite3.connect(path) as db:
        versions = dict(db.execute("SELECT component, version FROM schema_versions"))
    db.close()
    assert versions == {"catalog": 1, "query_log": 2}
    # Opening again applies nothing twice.
    Catalog(path).close()
    QueryLog(path).close()


def test_a_fresh_data_dir_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "docqa.sqlite3"
    QueryLog(path).close()
    with History(tmp_path / "history.sqlite3") as history:
        assert history.runs("golden") == []
    db = sqlite3.connect(path)
    assert schema_version(db, "query_log") == 2
    assert "supported" in {row[1] for row in db.execute("PRAGMA table_info(queries)")}
    db.close()


def test_a_database_from_a_newer_docqa_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "docqa.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER)")
        db.execute("INSERT INTO schema_versions VALUES ('catalog', 9)")
    db.close()
    with pytest.raises(StoreError, match="written by a newer docqa"):
        Catalog(path)


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    good = Migration(1, ("CREATE TABLE t (a INTEGER)",))
    bad = Migration(2, ("ALTER TABLE t ADD COLUMN b INTEGER", "ALTER TABLE nope ADD COLUMN c"))
    with pytest.raises(StoreError, match="no such table"):
        connect(tmp_path / "x.sqlite3", "thing", (good, bad))
    db = connect(tmp_path / "x.sqlite3", "thing", (good,))
    assert schema_version(db, "thing") == 1
    assert [row[1] for row in db.execute("PRAGMA table_info(t)")] == ["a"]  # b rolled back
    db.close()
