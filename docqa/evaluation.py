"""The evaluation wired to the application: a dataset's documents indexed through ``ingest``
before ``evals`` scores them (evals itself never imports ingest)."""

from __future__ import annotations

from pathlib import Path

from evals.beir import corpus_records
from evals.datasets import Dataset
from evals.golden import DatasetError
from ingest.pipeline import Ingestor, ProgressCallback, ingest_records
from retrieval.kernel import Kernel
from retrieval.types import DocStatus


def prepare(services: Kernel, dataset: Dataset,
            progress: ProgressCallback | None = None) -> str:
    """Index what the set brings (BEIR corpus, FinanceBench PDFs) and check the documents it
    refers to are there. Returns a one-line note for the report."""
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
