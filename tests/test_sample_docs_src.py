"""The Markdown sources in data/docs-src render to the committed PDFs of data/docs: the same
number of pages and, as docqa extracts it, the same text on every page (and the same title)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest.pdf import read_pdf
from tests.conftest import REPO, SAMPLE_DOCS

pytest.importorskip("reportlab")

SRC = REPO / "data" / "docs-src"
PDFS = sorted(p.relative_to(SRC).with_suffix(".pdf").as_posix() for p in SRC.rglob("*.md"))
#: sample PDFs made another way: a scan (scripts/make_scanned_sample.py, checked in
#: tests/test_ocr.py) has no text layer to compare with a Markdown source
NOT_FROM_MARKDOWN = ["public/calibration-certificate-climate-chamber.pdf"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "make_sample_docs.py"),
                          "--src", str(SRC), "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def test_every_committed_pdf_has_a_markdown_source() -> None:
    committed = sorted(p.relative_to(SAMPLE_DOCS).as_posix() for p in SAMPLE_DOCS.rglob("*.pdf"))
    assert committed == sorted(PDFS + NOT_FROM_MARKDOWN)


@pytest.mark.parametrize("relpath", PDFS)
def test_the_source_renders_the_committed_text(rendered: Path, relpath: str) -> None:
    committed, new = read_pdf(SAMPLE_DOCS / relpath), read_pdf(rendered / relpath)
    assert len(new.pages) == len(committed.pages)
    for number, (text, expected) in enumerate(zip(new.pages, committed.pages, strict=True), 1):
        assert text == expected, f"{relpath} page {number}"
    assert new.title == committed.title
