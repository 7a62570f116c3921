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


def discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[FailedFile]]:
    """Files under ``paths`` (folders recursively), plus a failure for every argument that
    yields nothing: a missing path, an unsupported file, a folder without supported files."""
    found: dict[Path, SourceFile] = {}
    failed: list[FailedFile] = []
    for path in paths:
        if not path.exists():
            failed.append(FailedFile(str(path), "no such file or folder"))
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in SUPPORTED
                           and not any(_skipped(part) for part in p.relative_to(path).parts))
            if not files:
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
