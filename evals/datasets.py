"""Which kind of set a path holds (our golden JSONL, a BEIR folder, FinanceBench-style JSONL),
its questions, and the index it is evaluated against.

The BEIR corpus and FinanceBench PDFs are indexed through ingest's public pipeline (as the
app's upload page does); unchanged rows and files are skipped on re-runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evals.beir import beir_items, corpus_records
from evals.financebench import load_financebench
from evals.golden import DatasetError, GoldenItem, load_golden
from retrieval.services import Services
from retrieval.types import DocStatus

Kind = Literal["golden", "beir", "financebench"]


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
    return Dataset(name or path.stem, kind, path, tuple(load_golden(path)))


def prepare(services: Services, dataset: Dataset,
            progress: Callable[[object], None] | None = None) -> str:
    """Index what the set brings (BEIR corpus, FinanceBench PDFs) and check the documents it
    refers to are there. Returns a one-line note for the report."""
    from ingest.pipeline import Ingestor, ingest_records

    if dataset.kind == "beir":
        report = ingest_records(services, list(corpus_records(dataset.path)),
                                progress=progress)
        return (f"corpus in collection {services.settings.collection}: "
                f"{len(report.ingested)} indexed, {len(report.skipped)} unchanged")
    indexed = {Path(r.source).name for r in
               services.catalog.list([DocStatus.INDEXED, DocStatus.NEEDS_OCR])}
    missing = sorted(dataset.documents - indexed)
    if dataset.docs is not None and missing:
        report = Ingestor(services).ingest([dataset.docs], progress=progress)
        indexed |= {Path(s).name for s in report.ingested}
        missing = sorted(dataset.documents - indexed)
    if dataset.documents and len(missing) == len(dataset.documents):
        hint = " (give --docs FOLDER)" if dataset.kind == "financebench" else ""
        raise DatasetError(str(dataset.path), f"none of its {len(missing)} documents is indexed "
                           f"in {services.settings.data_dir} (collection "
                           f"{services.settings.collection}){hint}; index them first")
    note = f"{len(dataset.documents) - len(missing)} of {len(dataset.documents)} documents indexed"
    if missing:
        note += f"; missing: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}"
    return note
