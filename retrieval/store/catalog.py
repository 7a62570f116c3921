"""The document catalog: one SQLite file in the data directory, the source of truth for
which version of each document is live and what state it is in."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from retrieval.store.sqlite import Migration, connect, statements
from retrieval.types import DocStatus, DocumentRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id      TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    pages       INTEGER NOT NULL DEFAULT 0,
    chunks      INTEGER NOT NULL DEFAULT 0,
    ocr_pages   TEXT NOT NULL DEFAULT '[]',
    groups      TEXT NOT NULL DEFAULT '[]',
    uploaded_by TEXT NOT NULL DEFAULT '',
    ingested_at TEXT NOT NULL DEFAULT '',
    size_bytes  INTEGER NOT NULL DEFAULT 0,
    stored_path TEXT NOT NULL DEFAULT '',
    published   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS documents_version ON documents(version);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

MIGRATIONS = (Migration(1, statements(_SCHEMA)),)

_COLUMNS = ("doc_id", "source", "title", "version", "status", "error", "pages", "chunks",
            "ocr_pages", "groups", "uploaded_by", "ingested_at", "size_bytes", "stored_path",
            "published")


def _row_to_record(row: sqlite3.Row) -> DocumentRecord:
    return DocumentRecord(
        doc_id=row["doc_id"], source=row["source"], title=row["title"], version=row["version"],
        status=DocStatus(row["status"]), error=row["error"], pages=row["pages"],
        chunks=row["chunks"], ocr_pages=tuple(json.loads(row["ocr_pages"])),
        groups=tuple(json.loads(row["groups"])), uploaded_by=row["uploaded_by"],
        ingested_at=row["ingested_at"], size_bytes=row["size_bytes"],
        stored_path=row["stored_path"], published=bool(row["published"]),
    )


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = connect(path, "catalog", MIGRATIONS)
        self._db.execute("PRAGMA synchronous=FULL")
        self._writes = 0

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._writes += 1

    def generation(self) -> tuple[int, int]:
        """Changes whenever the catalog changes, here or in another process (caches key on it).

        SQLite's ``data_version`` only moves for other connections' commits, so this
        connection's own commits are counted alongside."""
        with self._lock:
            other = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            return self._writes, other

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- documents -------------------------------------------------------------------------
    def get(self, doc_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?",
                                   (doc_id,)).fetchone()
        return _row_to_record(row) if row else None

    def find(self, ref: str) -> DocumentRecord | None:
        """A document by id, source (file name) or unique id prefix."""
        found = self.get(ref)
        if found:
            return found
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM documents WHERE source = ? OR doc_id LIKE ? || '%'",
                (ref, ref)).fetchall()
        return _row_to_record(rows[0]) if len(rows) == 1 else None

    def with_content(self, content_hash: str) -> list[DocumentRecord]:
        """Live documents whose content has this hash (a version is the content hash,
        plus a suffix when the same content was re-indexed on purpose)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM documents WHERE substr(version, 1, ?) = ? AND status IN (?, ?)",
                (len(content_hash), content_hash, DocStatus.INDEXED,
                 DocStatus.NEEDS_OCR)).fetchall()
        return [_row_to_record(r) for r in rows]

    def list(self, statuses: Sequence[DocStatus] | None = None) -> list[DocumentRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM documents ORDER BY source, doc_id").fetchall()
        records = [_row_to_record(r) for r in rows]
        if statuses is not None:
            records = [r for r in records if r.status in statuses]
        return records

    def put(self, record: DocumentRecord) -> None:
        values = (
            record.doc_id, record.source, record.title, record.version, str(record.status),
            record.error, record.pages, record.chunks, json.dumps(list(record.ocr_pages)),
            json.dumps(list(record.groups)), record.uploaded_by, record.ingested_at,
            record.size_bytes, record.stored_path, int(record.published),
        )
        with self._tx() as db:
            db.execute(f"INSERT OR REPLACE INTO documents ({', '.join(_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(_COLUMNS))})", values)

    def update(self, doc_id: str, **changes: object) -> DocumentRecord:
        current = self.get(doc_id)
        if current is None:
            raise KeyError(doc_id)
        updated = replace(current, **changes)  # type: ignore[arg-type]
        self.put(updated)
        return updated

    def delete(self, doc_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    # -- meta ------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row["value"]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
