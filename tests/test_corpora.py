"""Checks on the third-party corpora in ../shared (skipped when it is absent)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.chunking import Chunker
from ingest.normalise import normalise_pages
from ingest.pdf import read_pdf
from ingest.pipeline import Ingestor, embedding_text
from ingest.sources import discover
from retrieval.ports import Embedder
from retrieval.types import DocStatus
from tests.conftest import corpus

pytestmark = pytest.mark.corpus


def test_every_awkward_pdf_is_indexed_readably_or_refused_with_a_reason(
        open_services: Callable[..., Any]) -> None:
    folder = corpus("bad-pdfs")
    catalog_entries = json.loads((folder / "CATALOG.json").read_text())
    files, _ = discover([folder])  # the PDFs, plus the README files beside them
    services = open_services()
    report = Ingestor(services).ingest([folder])
    handled = len(report.ingested) + len(report.skipped) + len(report.failed) + len(
        [n for n in report.needs_ocr if n not in report.ingested])
    assert handled == len(files)
    records = {r.source: r for r in services.catalog.list()}
    for entry in catalog_entries:
        record = records.get(entry["path"])
        if record is None:  # a byte-identical copy of another file: skipped as duplicate
            assert entry["path"] in report.skipped
            continue
        if record.status is DocStatus.FAILED:
            assert record.error and "\n" not in record.error
            assert entry["category"] == "encrypted", (entry, record.error)
        elif record.status is DocStatus.NEEDS_OCR:
            assert record.ocr_pages
        else:
            text = " ".join(c.text for c in services.index.chunks(record.doc_id))
            assert re.search(r"\w{2,}", text), entry["path"]
            assert record.chunks == services.index.count(record.doc_id)
    assert services.index.count(live_only=False) == report.chunks
    # Files that need a password are refused; those that open with an empty one are indexed.
    assert {Path(f.path).name for f in report.failed} >= {"libreoffice-writer-password.pdf",
                                                          "r4-aes-user-password.pdf"}
    assert records["pypdf/resources/encryption/r6-empty-password.pdf"].status is DocStatus.INDEXED


def test_every_chunk_of_a_real_filing_is_embedded_in_full(embedder: Embedder) -> None:
    """MiniLM reads 256 word pieces and drops the rest; no chunk may be longer."""
    pdf = corpus("financebench", "pdfs", "3M_2022_10K.pdf")
    parsed = read_pdf(pdf)
    pages = normalise_pages(list(parsed.pages))
    doc = type(parsed)(parsed.title, tuple(pages), parsed.image_only_pages)
    chunker = Chunker(200, 30, fits=embedder.fits)
    chunks = chunker.chunk(doc, lambda section: embedding_text(doc.title, section, ""))
    assert len(chunks) > 300
    lengths = [embedder.input_length(embedding_text(doc.title, c.section, c.text))
               for c in chunks]
    assert max(lengths) <= embedder.max_input_tokens == 256
    # Nothing was lost between the page text and the chunks.
    words = re.findall(r"\w+", " ".join(pages))
    chunked = set(re.findall(r"\w+", " ".join(c.text for c in chunks)))
    assert all(w in chunked for w in words)
