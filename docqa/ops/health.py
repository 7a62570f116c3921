"""``docqa health``: can this process reach the catalog and the index, do they agree on
the embedder, and is there disk space to work? Read-only: nothing is created, so it is safe
as a container health check, and it works on a full disk (and says so)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.errors import DocqaError
from retrieval.settings import Settings
from retrieval.store.index import VectorIndex


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    facts: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks.values())

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "checks": {name: {"ok": c.ok, "detail": c.detail, **c.facts}
                                          for name, c in self.checks.items()}}


def check_disk(settings: Settings) -> Check:
    """Free space where docqa writes; the embedded engine cannot even open without it."""
    from retrieval.adapters.qdrant_embedded import MIN_FREE_BYTES, free_bytes

    path = settings.data_dir
    try:
        free = free_bytes(path)
    except OSError as e:
        return Check(False, f"cannot read the free disk space at {path} ({e.strerror or e})")
    free_mb, needs_mb = free // 2**20, MIN_FREE_BYTES // 2**20
    facts: dict[str, object] = {"path": str(path), "free_mb": free_mb, "needs_mb": needs_mb}
    if free < MIN_FREE_BYTES:
        return Check(False, f"the disk is full at {path}: {free_mb} MB free, docqa needs at "
                            f"least {needs_mb} MB (free some space or move DOCQA_DATA_DIR)",
                     facts)
    return Check(True, f"{free_mb} MB free at {path}", facts)


def check_catalog(settings: Settings) -> Check:
    path = settings.catalog_path
    if not path.exists():
        return Check(True, "no catalog yet (nothing ingested)", {"documents": 0})
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            by_status = dict(db.execute(
                "SELECT status, count(*) FROM documents GROUP BY status").fetchall())
            chunks = db.execute("SELECT coalesce(sum(chunks), 0) FROM documents "
                                "WHERE status IN ('indexed', 'needs_ocr')").fetchone()[0]
            meta = db.execute("SELECT value FROM meta WHERE key = ?",
                              (f"embedder:{settings.collection}",)).fetchone()
        finally:
            db.close()
    except sqlite3.Error as e:
        return Check(False, f"cannot read the catalog {path} ({e})")
    return Check(True, f"{sum(by_status.values())} documents", {
        "documents": sum(by_status.values()), "by_status": by_status, "chunks": int(chunks),
        "embedder": meta[0] if meta else ""})


def check_index(settings: Settings, open_index: Callable[[Settings], VectorIndex],
                catalog_embedder: str) -> Check:
    try:
        with open_index(settings) as index:
            info = index.inspect()
            if not info.exists:
                return Check(True, f"collection {settings.collection!r} not created yet "
                                   "(the first ingest creates it)", {"location": index.location})
            live = index.count()
    except DocqaError as e:
        in_use = "another docqa process" in str(e)
        # The embedded engine admits one process: while the app runs, a second one cannot
        # look inside, and that lock is itself the sign the app holds the index.
        return Check(in_use, "in use by another docqa process (the app?); not inspected"
                     if in_use else str(e))
    facts: dict[str, object] = {"location": index.location, "points": info.points,
                                "live_chunks": live, "dimension": info.dimension,
                                "embedder": info.embedder}
    if catalog_embedder and info.embedder and catalog_embedder != info.embedder:
        return Check(False, f"the index was built with {info.embedder!r} but the catalog "
                            f"records {catalog_embedder!r}", facts)
    return Check(True, f"{live} live chunks", facts)


def health(settings: Settings, open_index: Callable[[Settings], VectorIndex]) -> HealthReport:
    disk = check_disk(settings)
    catalog = check_catalog(settings)
    index = check_index(settings, open_index, str(catalog.facts.get("embedder", "")))
    return HealthReport({"catalog": catalog, "index": index, "disk": disk})
