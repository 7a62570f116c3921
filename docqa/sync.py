"""`docqa sync`: a shared folder mirrored into the index.

Every file under the folder becomes the document ``<name>/<path inside the folder>`` (``name``
is the folder's own name unless ``--as`` says otherwise), so the documents of one synced folder
are exactly those whose source starts with ``<name>/``; documents indexed any other way are
never touched. One pass compares the folder with the catalog by content hash:

- a new file is indexed, a changed file gets a new version (the pipeline keeps the old one
  searchable until the new one is live), a file whose content is unchanged is left alone;
- a file gone from the folder is deleted from the index. A rename is a deletion plus an
  addition; deletions run first so that the renamed file is not skipped as a duplicate of
  its old self.

Deleting is guarded: a pass that would empty the folder's documents (an unmounted share looks
like an empty folder) or delete more than ``max_delete_share`` of them (and more than two) is
refused unless forced, and a dry run lists what would change without changing anything.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ingest.pipeline import Ingestor, ProgressCallback, content_hash
from ingest.sources import SourceFile, files_in
from retrieval.errors import DocqaError, NotFoundError
from retrieval.store.catalog import Catalog
from retrieval.types import DocStatus, DocumentRecord, FailedFile, IngestReport

#: the share of a folder's documents one pass may delete without --force
DEFAULT_MAX_DELETE_SHARE = 0.5
#: a folder that lost no more than this many files is never stopped by the share guard (one
#: file replaced in a folder of one is ordinary); an emptied folder always is
MIN_GUARDED_DELETES = 2
_CHUNK = 1 << 20


class SyncRefused(DocqaError):
    """A pass would delete too much; nothing was changed."""

    def __init__(self, folder: str, deleting: int, total: int, share: float) -> None:
        self.folder, self.deleting, self.total, self.share = folder, deleting, total, share
        super().__init__(
            f"Sync of {folder} stopped before changing anything: it would delete {deleting} of "
            f"{total} documents (more than {share:.0%}); check that the folder is complete "
            f"(an unmounted share looks empty) and run again with --force to delete them")


@dataclass(frozen=True)
class SyncPlan:
    folder: str
    prefix: str  # sources under "<prefix>/" belong to the folder
    added: tuple[SourceFile, ...]
    changed: tuple[SourceFile, ...]
    removed: tuple[DocumentRecord, ...]
    unchanged: tuple[str, ...]
    #: links that lead out of the folder: reported, never indexed
    refused: tuple[FailedFile, ...] = ()

    @property
    def indexed_before(self) -> int:
        return len(self.changed) + len(self.removed) + len(self.unchanged)

    def as_json(self) -> dict[str, object]:
        return {"folder": self.folder, "as": self.prefix,
                "added": [f.source for f in self.added],
                "changed": [f.source for f in self.changed],
                "removed": [r.source for r in self.removed],
                "unchanged": len(self.unchanged)}


@dataclass
class SyncReport:
    plan: SyncPlan
    dry_run: bool
    deleted: list[str] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)
    failed: list[FailedFile] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {**self.plan.as_json(), "dry_run": self.dry_run, "deleted": self.deleted,
                "ingested": list(self.ingest.ingested), "skipped": list(self.ingest.skipped),
                "failed": [{"path": f.path, "error": f.error}
                           for f in [*self.failed, *self.ingest.failed]]}


def _digest(path: Path) -> str:
    """The content hash the pipeline names versions by."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return content_hash(h.hexdigest())


class SyncFolderError(DocqaError):
    def __init__(self, folder: str, reason: str) -> None:
        self.folder, self.reason = folder, reason
        super().__init__(f"Cannot sync {folder}: {reason}")


def plan_sync(folder: Path, catalog: Catalog, prefix: str = "",
              data_dir: Path | None = None) -> SyncPlan:
    """What one pass would change (reads files and the catalog, changes nothing).
    ``data_dir``: docqa's own data, which is never a folder to sync (its originals include
    documents only some groups may read)."""
    if not folder.is_dir():
        raise NotFoundError(f"folder {folder}")
    if data_dir is not None:
        here, data = folder.resolve(), data_dir.resolve()
        if here.is_relative_to(data) or data.is_relative_to(here):
            raise SyncFolderError(str(folder), f"it holds docqa's own data ({data_dir}), "
                                               "whose stored originals are not all public")
    name = (prefix or folder.resolve().name).strip("/")
    mine = {r.source: r for r in catalog.list()
            if r.source.startswith(f"{name}/") and r.status is not DocStatus.DELETING}
    added: list[SourceFile] = []
    changed: list[SourceFile] = []
    unchanged: list[str] = []
    seen: set[str] = set()
    files, outside = files_in(folder)
    for path in files:
        source = f"{name}/{path.relative_to(folder).as_posix()}"
        seen.add(source)
        existing = mine.get(source)
        file = SourceFile(path, source)
        if existing is None:
            added.append(file)
        elif (existing.status in (DocStatus.INDEXED, DocStatus.NEEDS_OCR)
              and content_hash(existing.version) == _digest(path)):
            unchanged.append(source)
        else:
            changed.append(file)  # new content, or a failed file to try again
    removed = tuple(r for source, r in sorted(mine.items()) if source not in seen)
    return SyncPlan(str(folder), name, tuple(added), tuple(changed), removed,
                    tuple(unchanged), tuple(outside))


def groups_for(source: str, prefix: str, default: Sequence[str] | None,
               folder_groups: Mapping[str, Sequence[str]]) -> tuple[str, ...] | None:
    """The groups of a synced file: those of the deepest mapped sub-folder that holds it
    ("hr" -> hr, "finance/payroll" -> payroll), else ``default`` (None keeps the groups of
    documents already indexed and shares new ones with everyone, as `docqa ingest` does)."""
    inside = PurePosixPath(source[len(prefix) + 1:])
    best: tuple[int, Sequence[str]] | None = None
    for folder, groups in folder_groups.items():
        parts = PurePosixPath(folder.strip("/")).parts
        if parts and inside.parts[:len(parts)] == parts and (
                best is None or len(parts) > best[0]):
            best = (len(parts), groups)
    if best is not None:
        return tuple(best[1])
    return tuple(default) if default is not None else None


def run_sync(ingestor: Ingestor, folder: Path, *, prefix: str = "",
             groups: Sequence[str] | None = None,
             folder_groups: Mapping[str, Sequence[str]] | None = None,
             max_delete_share: float = DEFAULT_MAX_DELETE_SHARE, force: bool = False,
             dry_run: bool = False, uploaded_by: str | None = None,
             progress: ProgressCallback | None = None) -> SyncReport:
    """One pass: plan, check the deletion guard, delete, then index new and changed files."""
    plan = plan_sync(folder, ingestor.services.catalog, prefix,
                     ingestor.services.settings.data_dir)
    report = SyncReport(plan, dry_run, failed=list(plan.refused))
    before = plan.indexed_before
    emptied = not (plan.added or plan.changed or plan.unchanged)
    if plan.removed and not force and (emptied or (
            len(plan.removed) > max_delete_share * before
            and len(plan.removed) > MIN_GUARDED_DELETES)):
        raise SyncRefused(str(folder), len(plan.removed), before, max_delete_share)
    if dry_run:
        return report
    for record in plan.removed:
        try:
            ingestor.delete(record.doc_id)
            report.deleted.append(record.source)
        except DocqaError as e:
            report.failed.append(FailedFile(record.source, str(e)))
    by_groups: dict[tuple[str, ...] | None, list[SourceFile]] = {}
    for file in [*plan.added, *plan.changed]:
        key = groups_for(file.source, plan.prefix, groups, folder_groups or {})
        by_groups.setdefault(key, []).append(file)
    for wanted, files in by_groups.items():
        part = ingestor.ingest_files(files, wanted, uploaded_by, progress)
        report.ingest.ingested += part.ingested
        report.ingest.skipped += part.skipped
        report.ingest.failed += part.failed
        report.ingest.needs_ocr += part.needs_ocr
        report.ingest.chunks += part.chunks
        report.ingest.pages += part.pages
        report.ingest.groups_changed += part.groups_changed
    return report


def parse_every(text: str) -> float:
    """"15m", "1h", "90s", "2h30m" -> seconds (at least 10 s)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    total, number = 0.0, ""
    for ch in text.strip().lower():
        if ch.isdigit() or ch == ".":
            number += ch
        elif ch in units and number:
            total += float(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"{text!r} is not a duration like 15m, 1h or 90s")
    if number:
        total += float(number) * 60  # a bare number means minutes
    if total < 10:
        raise ValueError(f"{text!r} is too short: sync at most every 10 seconds")
    return total


def repeat(one_pass: Callable[[], object], every_s: float,
           sleep: Callable[[float], None] = time.sleep, passes: int | None = None) -> None:
    """Run ``one_pass`` now and then every ``every_s`` seconds (``passes`` for tests); a
    refused or failed pass is reported by ``one_pass`` itself and the schedule goes on."""
    done = 0
    while passes is None or done < passes:
        started = time.monotonic()
        one_pass()
        done += 1
        if passes is not None and done >= passes:
            return
        sleep(max(0.0, every_s - (time.monotonic() - started)))
