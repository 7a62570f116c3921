"""Which kind of set a path holds (our golden JSONL, a BEIR folder, FinanceBench-style JSONL,
the access red-team set of ``evals.access``),
its questions, and the index it is evaluated against.

The BEIR corpus and FinanceBench PDFs are indexed through ingest's public pipeline (as the
app's upload page does); unchanged rows and files are skipped on re-runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evals.access import is_access_row, load_access
from evals.beir import beir_items
from evals.financebench import load_financebench
from evals.golden import DatasetError, GoldenItem, load_golden

Kind = Literal["golden", "beir", "financebench", "access"]


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: Kind
    path: Path
    items: tuple[GoldenItem, ...]
    split: str = ""
    docs: Path | None = None

    @property
    def level(self) -> str:
        return "doc" if self.kind == "beir" else "page"

    @property
    def collection(self) -> str | None:
        """The collection this set brings its own documents into (None: the configured one)."""
        if self.kind == "beir":
            return f"beir-{self.name}"[:64]
        if self.kind == "financebench" and self.docs is not None:
            return "financebench"
        return None

    @property
    def documents(self) -> set[str]:
        return {r.document for item in self.items for r in item.references}


def detect(path: Path) -> Kind:
    if path.is_dir():
        if (path / "corpus.jsonl").is_file() and (path / "queries.jsonl").is_file():
            return "beir"
        raise DatasetError(str(path), "is a folder without corpus.jsonl and queries.jsonl "
                                      "(not a BEIR folder)")
    if not path.is_file():
        raise DatasetError(str(path), "does not exist")
    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "")
    try:
        row = json.loads(first)
    except ValueError as e:
        raise DatasetError(str(path), "is not JSONL (the first line is not JSON)") from e
    if isinstance(row, dict) and "evidence" in row and "question" in row:
        return "financebench"
    if isinstance(row, dict) and is_access_row(row):
        return "access"
    if isinstance(row, dict) and "question" in row:
        return "golden"
    raise DatasetError(str(path), "is neither golden JSONL (question, answer, sources) nor "
                                  "FinanceBench JSONL (question, answer, evidence)")


def load_dataset(path: Path, *, split: str | None = None, docs: Path | None = None,
                 name: str | None = None) -> Dataset:
    kind = detect(path)
    if kind == "beir":
        chosen = split or "test"
        return Dataset(name or path.name, kind, path, tuple(beir_items(path, chosen)), chosen)
    if kind == "financebench":
        if docs is not None and not docs.is_dir():
            raise DatasetError(str(docs), "--docs must be a folder of PDFs")
        return Dataset(name or f"financebench-{path.stem}", kind, path,
                       tuple(load_financebench(path)), docs=docs)
    if kind == "access":
        return Dataset(name or path.stem, kind, path, tuple(load_access(path)))
    return Dataset(name or path.stem, kind, path, tuple(load_golden(path)))
