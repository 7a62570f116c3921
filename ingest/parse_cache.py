"""A PDF's parsed text kept by content, so indexing an unchanged file again (a re-index, the
same file under another name later, a rebuild) does not parse it again.

One file per (SHA-256 of the file's bytes, parser version): ``<sha256>.<version>.json.gz``
under ``data_dir/parse_cache``. The version names the engine and its revision
(``ingest.pdf.parser_version``), so a changed parser never reads an older parse. Only the text
stage is kept (the pages' text layer and which pages are images without one): OCR runs again
on a hit, because it depends on the engine installed now, not on the file.

An entry is written when its document is published and deleted with the document's stored
original (``Ingestor._drop_original``): the cache holds no text of a document that was
deleted. A cap (2 GB by default) bounds what outlives that anyway (a delete interrupted by a
crash), dropping the least recently used entries first.

Writes go to a temporary ``.part`` file renamed into place, so a crash leaves either the old
state or the whole entry; an entry that cannot be read is a miss and is removed. The cache
only saves time: none of its failures fails an ingest.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path

from ingest.document import ParsedDocument

log = logging.getLogger(__name__)

DEFAULT_CAP_BYTES = 2 * 2**30
_FORMAT = 1
_SUFFIX = ".json.gz"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]{8,64}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
_STALE_PART_S = 3600  # a .part this old was left by a process that died while writing


class ParseCache:
    def __init__(self, folder: Path, cap_bytes: int = DEFAULT_CAP_BYTES) -> None:
        self.folder = folder
        self.cap_bytes = cap_bytes

    def get(self, sha256: str, version: str) -> ParsedDocument | None:
        """The parse stored for this content and parser version, or None."""
        path = self._path(sha256, version)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                data = json.load(f)
            parsed = _decode(data, sha256, version)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, TypeError, KeyError) as e:
            log.warning("parse cache entry %s unreadable (%s); parsing again", path.name, e)
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: the last to go when the cap is reached
        return parsed

    def put(self, sha256: str, version: str, parsed: ParsedDocument) -> None:
        """Keep ``parsed`` (a text stage: no OCR, no view PDF) for this content and version."""
        if parsed.view_pdf is not None or parsed.ocr_pages or parsed.markdown_headings:
            raise ValueError("only a PDF's text stage is cached (no OCR, no view PDF)")
        path = self._path(sha256, version)
        data = {"format": _FORMAT, "sha256": sha256, "version": version,
                "title": parsed.title, "pages": list(parsed.pages),
                "image_only_pages": list(parsed.image_only_pages)}
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as raw, gzip.GzipFile(
                        fileobj=raw, mode="wb", compresslevel=3, mtime=0) as f:
                    f.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            log.warning("parse cache: could not keep %s (%s)", path.name, e)
            return
        self._evict()

    def drop(self, content_hash: str) -> int:
        """Remove every entry (all parser versions) of the content whose SHA-256 starts with
        ``content_hash`` (the stored original's name); how many were removed."""
        if not _HEX.fullmatch(content_hash):
            raise ValueError(f"not a content hash: {content_hash!r}")
        removed = 0
        for path in self.folder.glob(f"{content_hash}*{_SUFFIX}"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def size_bytes(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def _path(self, sha256: str, version: str) -> Path:
        # Both parts become a file name: nothing else may reach the file system.
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
        if not _VERSION.fullmatch(version):
            raise ValueError(f"not a parser version: {version!r}")
        return self.folder / f"{sha256}.{version}{_SUFFIX}"

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(last used, size, path) of every entry; stale temporary files removed on the way."""
        entries = []
        now = time.time()
        try:
            listing = list(os.scandir(self.folder))
        except OSError:
            return []
        for entry in listing:
            try:
                st = entry.stat()
            except OSError:
                continue  # removed meanwhile (another process evicting)
            if entry.name.endswith(".part"):
                if now - st.st_mtime > _STALE_PART_S:
                    Path(entry.path).unlink(missing_ok=True)
            elif entry.name.endswith(_SUFFIX):
                entries.append((st.st_mtime, st.st_size, Path(entry.path)))
        return entries

    def _evict(self) -> None:
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.cap_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size


def _decode(data: object, sha256: str, version: str) -> ParsedDocument:
    if not isinstance(data, dict) or data.get("format") != _FORMAT or (
            data.get("sha256"), data.get("version")) != (sha256, version):
        raise ValueError("written for another file, version or format")
    title, pages, image_only = data["title"], data["pages"], data["image_only_pages"]
    if not (isinstance(title, str) and isinstance(pages, list)
            and all(isinstance(p, str) for p in pages) and isinstance(image_only, list)
            and all(isinstance(n, int) for n in image_only)):
        raise ValueError("fields of the wrong type")
    return ParsedDocument(title=title, pages=tuple(pages), image_only_pages=tuple(image_only))
