"""Backup and restore of everything docqa keeps: the SQLite databases (copied with SQLite's
backup API, consistent while the app writes), users.yaml, the stored originals, other files
under the data directory, and the index.

The index part depends on the mode:
- embedded: every collection under ``data_dir/qdrant`` is exported point by point (vectors,
  payload, state) into the archive. The export opens the engine, whose WAL lock keeps every
  other process out, so no write can interleave: the copy is consistent, and it is portable
  (it can be restored into an embedded index or a Qdrant server of any version). Copying the
  engine's directory instead would not be: segment files and WAL change under a live process.
- server: a snapshot is created on the Qdrant server (it stays on the server's disk); the
  archive records its name and restore prints how to recover it. ``points=True`` exports the
  points into the archive instead (portable, but not one instant if the app writes meanwhile).

Restore never deletes first: it unpacks into ``data_dir/.restore-*``, rebuilds the index
there, then moves the current contents aside into ``data_dir/.replaced-*`` and the restored
ones in (renames inside one directory, so it works on a mounted volume too).
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from docqa.ops.transfer import read_points, write_points
from docqa.storage import FILE_MODE, owner_only_umask, secure_data_dir, secure_file
from retrieval.errors import DocqaError, IndexError_
from retrieval.settings import Settings
from retrieval.store.index import VectorIndex

FORMAT = 1
MANIFEST = "manifest.json"
INDEX_DIR = "index"  # in the archive: one <collection>.jsonl per exported collection
_WORK_PREFIXES = (".restore-", ".replaced-")

IndexFactory = Callable[[Settings], VectorIndex]


class BackupError(DocqaError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class BackupReport:
    archive: str
    mode: str  # embedded | server
    documents: int
    files: int
    points: dict[str, int] = field(default_factory=dict)  # collection -> points exported
    snapshot: str = ""
    missing_originals: list[str] = field(default_factory=list)
    size_bytes: int = 0
    seconds: float = 0.0


@dataclass
class RestoreReport:
    data_dir: str
    documents: int
    files: int
    points: dict[str, int] = field(default_factory=dict)
    replaced: str = ""  # where the previous contents were moved ("" if the folder was empty)
    notes: list[str] = field(default_factory=list)


def _skipped(rel: Path) -> bool:
    top = rel.parts[0]
    # The parse cache is rebuilt from the originals on the next re-index: not worth backing up.
    return (top in ("qdrant", "parse_cache") or top.startswith(_WORK_PREFIXES)
            or rel.suffix == ".part"
            or rel.name.endswith(("-wal", "-shm", "-journal")))


def _copy_sqlite(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def embedded_collections(settings: Settings) -> list[str]:
    root = settings.data_dir / "qdrant"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def backup(settings: Settings, out: Path, open_index: IndexFactory, *,
           points: bool = False) -> BackupReport:
    """Write ``out`` (a .tar.gz). ``open_index(settings)`` builds the index of a collection
    (the CLI passes ``build_index``)."""
    started = time.perf_counter()
    data = settings.data_dir
    if not settings.catalog_path.exists():
        raise BackupError(str(data), "there is no docqa catalog here (nothing to back up; "
                                     "is DOCQA_DATA_DIR right?)")
    mode = "server" if settings.qdrant_url else "embedded"
    report = BackupReport(str(out), mode, 0, 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".docqa-backup-") as tmp:
        stage = Path(tmp)
        # The index first, then the catalog: a document committed in between is in the
        # catalog without points (re-index it), never points without a catalog row.
        (stage / INDEX_DIR).mkdir()
        if mode == "embedded" or points:
            names = embedded_collections(settings) if mode == "embedded" else [
                settings.collection]
            for name in names:
                with open_index(settings.model_copy(update={"collection": name})) as index:
                    if not index.inspect().exists:
                        continue
                    with (stage / INDEX_DIR / f"{name}.jsonl").open("w") as f:
                        report.points[name] = write_points(index.export_points(), f)
        else:
            from retrieval.adapters.qdrant_server import QdrantServerStore

            with open_index(settings) as index:
                assert isinstance(index.store, QdrantServerStore)  # mode == "server"
                report.snapshot = index.store.create_snapshot().name
        for path in sorted(data.rglob("*")):
            rel = path.relative_to(data)
            if not path.is_file() or _skipped(rel):
                continue
            if path.suffix == ".sqlite3":
                _copy_sqlite(path, stage / "data" / rel)
            else:
                (stage / "data" / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, stage / "data" / rel)
            report.files += 1
        catalog = sqlite3.connect(stage / "data" / settings.catalog_path.name)
        rows = catalog.execute("SELECT source, stored_path FROM documents").fetchall()
        embedder = dict(catalog.execute("SELECT key, value FROM meta").fetchall())
        catalog.close()
        report.documents = len(rows)
        report.missing_originals = sorted(
            source for source, stored in rows
            if stored and not (stage / "data" / "originals" / stored).exists())
        manifest = {"format": FORMAT, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "mode": mode, "collection": settings.collection, "meta": embedder,
                    "documents": report.documents, "files": report.files,
                    "points": report.points, "snapshot": report.snapshot,
                    "qdrant_url": settings.qdrant_url or "",
                    "missing_originals": report.missing_originals}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = out.with_name(out.name + ".part")
        owner_only_umask()  # the archive holds every document: owner-only, like the data
        partial.touch(mode=FILE_MODE)
        secure_file(partial)  # a .part an older run left
        with tarfile.open(partial, "w:gz") as tar:
            for entry in (MANIFEST, "data", INDEX_DIR):
                tar.add(stage / entry, arcname=entry)
        partial.replace(out)  # never leave a truncated archive under the final name
    report.size_bytes = out.stat().st_size
    report.seconds = time.perf_counter() - started
    return report


def _in_use(settings: Settings, open_index: IndexFactory) -> None:
    """The embedded engine's lock tells whether docqa runs on this data directory."""
    for name in embedded_collections(settings):
        try:
            with open_index(settings.model_copy(update={"collection": name})) as index:
                index.inspect()
        except IndexError_ as e:
            if "another docqa process" in e.reason:
                raise BackupError(str(settings.data_dir), "docqa is running on this data "
                                  "directory (the app or another command holds the index); "
                                  "stop it before restoring") from e
            raise


def restore(settings: Settings, archive: Path, open_index: IndexFactory, *,
            force: bool = False) -> RestoreReport:
    data = settings.data_dir
    if not archive.is_file():
        raise BackupError(str(archive), "no such backup file")
    current = [p for p in data.iterdir() if not p.name.startswith(_WORK_PREFIXES)] \
        if data.is_dir() else []
    if current and not force:
        raise BackupError(str(data), "the data directory is not empty; restore into an empty "
                                     "one, or pass --force (the current contents are moved "
                                     "to a .replaced-* folder inside it, not deleted)")
    if not settings.qdrant_url:
        _in_use(settings, open_index)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    secure_data_dir(data)
    stage = data / f".restore-{stamp}"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = json.load(io.TextIOWrapper(_member(tar, archive, MANIFEST)))
            if manifest.get("format") != FORMAT:
                raise BackupError(str(archive), f"backup format {manifest.get('format')} is "
                                                f"not supported (expected {FORMAT})")
            tar.extractall(stage, filter="data")
        report = RestoreReport(str(data), int(manifest["documents"]), int(manifest["files"]))
        staged = settings.model_copy(update={"data_dir": stage / "data"})
        for jsonl in sorted((stage / INDEX_DIR).glob("*.jsonl")):
            name = jsonl.stem
            target_settings = staged if not settings.qdrant_url else settings
            with open_index(target_settings.model_copy(update={"collection": name})) as index, \
                    jsonl.open() as lines:
                report.points[name] = _load(index, lines, manifest, name)
        if manifest.get("snapshot"):
            report.notes.append(
                f"the index is the server snapshot {manifest['snapshot']!r} of collection "
                f"{manifest['collection']!r}: recover it on the Qdrant server with PUT "
                f"/collections/{manifest['collection']}/snapshots/recover "
                f"{{\"location\": \"file:///qdrant/snapshots/{manifest['collection']}/"
                f"{manifest['snapshot']}\"}} (see Backups in the README)")
        if manifest["collection"] != settings.collection:
            report.notes.append(f"the backup's collection is {manifest['collection']!r}: set "
                                f"DOCQA_COLLECTION={manifest['collection']}")
        report.replaced = _swap(data, stage / "data", stamp)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    secure_data_dir(data, everything=True)  # archive members keep the modes they were packed with
    return report


def _member(tar: tarfile.TarFile, archive: Path, name: str) -> IO[bytes]:
    try:
        f = tar.extractfile(name)
    except KeyError:
        f = None
    if f is None:
        raise BackupError(str(archive), f"not a docqa backup ({name} is missing)")
    return f


def _load(index: VectorIndex, lines: io.TextIOWrapper, manifest: dict[str, object],
          name: str) -> int:
    batches = read_points(lines)
    first = next(batches, [])
    if not first:
        return 0
    meta = manifest.get("meta")
    embedder = str(meta.get(f"embedder:{name}", "")) if isinstance(meta, dict) else ""
    index.ensure_ready(len(first[0].dense), embedder)
    if index.count(live_only=False):
        raise BackupError(index.location, "the collection already holds points; restore into "
                                          "an empty collection")
    index.upsert(first)
    n = len(first)
    for points in batches:
        index.upsert(points)
        n += len(points)
    if index.count(live_only=False) != n:
        raise BackupError(index.location, f"restored {index.count(live_only=False)} points "
                                          f"but the backup holds {n}")
    return n


def _swap(data: Path, restored: Path, stamp: str) -> str:
    replaced = data / f".replaced-{stamp}"
    moved = False
    for entry in list(data.iterdir()):
        if entry.name.startswith(_WORK_PREFIXES):
            continue
        replaced.mkdir(exist_ok=True)
        entry.rename(replaced / entry.name)
        moved = True
    for entry in list(restored.iterdir()):
        entry.rename(data / entry.name)
    return str(replaced) if moved else ""
