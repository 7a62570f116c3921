"""Finding the files to ingest and naming them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.types import FailedFile

SUPPORTED = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".txt": "text",
             ".text": "text", ".html": "html", ".htm": "html",
             # Word and PowerPoint files are rendered to PDF (ingest.office), spreadsheets are
             # read natively (ingest.spreadsheet), images are recognised (ingest.images)
             ".docx": "word", ".docm": "word", ".doc": "word", ".odt": "word", ".rtf": "word",
             ".pptx": "presentation", ".pptm": "presentation", ".ppt": "presentation",
             ".odp": "presentation",
             ".xlsx": "spreadsheet", ".xlsm": "spreadsheet", ".xls": "spreadsheet",
             ".ods": "spreadsheet", ".csv": "spreadsheet",
             ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image",
             ".tiff": "image"}
SUPPORTED_LABEL = ("PDF, Word (.docx, .doc, .odt, .rtf), PowerPoint (.pptx, .ppt, .odp), Excel "
                   "(.xlsx, .xls, .ods), CSV, Markdown (.md), plain text (.txt), HTML or images "
                   "(.png, .jpg, .tiff)")


def _skipped(part: str) -> bool:
    """Hidden files and folders, and the lock files Office leaves beside an open document
    ("~$report.docx")."""
    return part.startswith((".", "~$"))


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # the name shown to people and cited; unique per document
    title: str = ""  # kept as is when given (a re-index); otherwise taken from the document

    @property
    def doc_id(self) -> str:
        return doc_id_for(self.source)

    @property
    def kind(self) -> str:
        return SUPPORTED[self.path.suffix.lower()]


def doc_id_for(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def files_in(folder: Path) -> tuple[list[Path], list[FailedFile]]:
    """The supported files under ``folder`` (recursively; hidden ones and Office lock files
    left out), and a failure for each link that leads out of the folder: a share must not
    hand docqa a file its owner never put there ("report.pdf" -> /home/someone/.ssh/...)."""
    root = folder.resolve()
    files: list[Path] = []
    outside: list[FailedFile] = []
    for p in sorted(folder.rglob("*")):
        if (not p.is_file() or p.suffix.lower() not in SUPPORTED
                or any(_skipped(part) for part in p.relative_to(folder).parts)):
            continue
        if not p.resolve().is_relative_to(root):
            outside.append(FailedFile(str(p), "a link to a file outside the folder; not "
                                              "indexed"))
            continue
        files.append(p)
    return files, outside


def discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[FailedFile]]:
    """Files under ``paths`` (folders recursively), plus a failure for every argument that
    yields nothing: a missing path, an unsupported file, a folder without supported files."""
    found: dict[Path, SourceFile] = {}
    failed: list[FailedFile] = []
    for path in paths:
        if not path.exists():
            failed.append(FailedFile(str(path), "no such file or folder"))
        elif path.is_dir():
            files, outside = files_in(path)
            failed.extend(outside)
            if not files and not outside:
                failed.append(FailedFile(str(path), f"the folder holds no {SUPPORTED_LABEL} "
                                                    "files"))
            for file in files:
                found.setdefault(file.resolve(), SourceFile(file, file.relative_to(path)
                                                            .as_posix()))
        elif path.suffix.lower() not in SUPPORTED:
            failed.append(FailedFile(str(path), f"unsupported file type '{path.suffix or '?'}'; "
                                                f"docqa reads {SUPPORTED_LABEL}"))
        else:
            found.setdefault(path.resolve(), SourceFile(path, path.name))
    return list(found.values()), failed
