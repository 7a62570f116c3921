"""The ingestion pipeline on real files, with the real engine and a real SQLite catalog."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingestor, Progress
from retrieval.errors import NotFoundError
from retrieval.store.points import HybridQuery, SearchFilter
from retrieval.types import DocStatus
from tests.pdfs import encrypt, write_image_only_pdf, write_pdf

HANDBOOK_PAGES = [
    "1. Welcome\nWelcome to Acme Widgets. This handbook explains how we work together.",
    "2. Leave\nEvery employee receives 28 days of paid leave per calendar year. Leave requests "
    "go through the HR portal at least two weeks in advance.",
    "3. Travel\nThe hotel cap in London is 210 GBP per night. Economy class is the default "
    "for flights under six hours.",
    "4. Security\nLaptops must use full-disk encryption. Report incidents within 24 hours to "
    "security@acme.example.",
]


@pytest.fixture
def ingestor(open_services: Callable[..., Any]) -> Ingestor:
    return Ingestor(open_services())


def _write_handbook(folder: Path, name: str = "handbook.pdf") -> Path:
    return write_pdf(folder / name, HANDBOOK_PAGES, header="Acme Widgets - Employee Handbook",
                     footer=True, title="Acme Employee Handbook")


def _search(ingestor: Ingestor, text: str, groups: tuple[str, ...] | None = None) -> list[Any]:
    services = ingestor.services
    return services.index.search(HybridQuery(
        dense=services.embedder.embed_one(text), sparse=services.sparse.encode_query(text),
        limit=5, filter=SearchFilter(groups=groups)))


def test_a_pdf_is_indexed_with_pages_sections_and_without_running_headers(
        ingestor: Ingestor, tmp_path: Path) -> None:
    _write_handbook(tmp_path / "in")
    report = ingestor.ingest([tmp_path / "in"])
    assert report.ingested == ["handbook.pdf"] and not report.failed
    record = ingestor.services.catalog.find("handbook.pdf")
    assert record is not None
    assert (record.status, record.pages, record.title) == (
        DocStatus.INDEXED, 4, "Acme Employee Handbook")
    assert record.chunks == ingestor.services.index.count(record.doc_id) == report.chunks
    chunks = ingestor.services.index.chunks(record.doc_id)
    assert not any("Employee Handbook" in c.text or "Page 1 of" in c.text for c in chunks)
    hit = _search(ingestor, "How many days of paid leave do employees get?")[0]
    assert "28 days of paid leave" in hit.chunk.text
    assert hit.chunk.page_of("28 days of paid leave") == 2
    assert hit.chunk.page_of("hotel cap in London") == 3
    assert hit.chunk.page_of("This handbook explains") == 1
    assert (ingestor.services.settings.originals_dir / record.stored_path).exists()


def test_rerunning_skips_unchanged_files(ingestor: Ingestor, tmp_path: Path) -> None:
    _write_handbook(tmp_path / "in")
    first = ingestor.ingest([tmp_path / "in"])
    again = ingestor.ingest([tmp_path / "in"])
    assert again.skipped == ["handbook.pdf"] and again.ingested == [] and again.chunks == 0
    assert ingestor.services.index.count() == first.chunks


def test_a_changed_file_replaces_its_old_version(ingestor: Ingestor, tmp_path: Path) -> None:
    path = _write_handbook(tmp_path / "in")
    ingestor.ingest([path])
    old = ingestor.services.catalog.find("handbook.pdf")
    pages = [*HANDBOOK_PAGES[:1], HANDBOOK_PAGES[1].replace("28 days", "30 days")]
    write_pdf(path, pages)
    report = ingestor.ingest([path])
    new = ingestor.services.catalog.find("handbook.pdf")
    assert report.ingested == ["handbook.pdf"]
    assert old and new and new.doc_id == old.doc_id and new.version != old.version
    texts = " ".join(c.text for c in ingestor.services.index.chunks(new.doc_id))
    assert "30 days" in texts and "28 days" not in texts
    assert ingestor.services.index.count(live_only=False) == new.chunks
    originals = ingestor.services.settings.originals_dir
    assert sorted(p.name for p in originals.iterdir()) == [new.stored_path]


def test_a_failed_reindex_keeps_the_live_version(ingestor: Ingestor, tmp_path: Path) -> None:
    path = _write_handbook(tmp_path / "in")
    ingestor.ingest([path])
    before = ingestor.services.index.count()
    path.write_bytes(b"%PDF-1.7\n garbage")
    report = ingestor.ingest([path])
    assert len(report.failed) == 1
    record = ingestor.services.catalog.find("handbook.pdf")
    assert record and record.status is DocStatus.INDEXED and "re-index failed" in record.error
    assert ingestor.services.index.count() == before


def test_delete_removes_the_document_everywhere(ingestor: Ingestor, tmp_path: Path) -> None:
    _write_handbook(tmp_path / "in")
    (tmp_path / "in" / "notes.md").write_text("# Notes\nThe canteen opens at 11:30.\n")
    ingestor.ingest([tmp_path / "in"])
    record = ingestor.services.catalog.find("handbook.pdf")
    assert record
    ingestor.delete(record.doc_id[:8])
    assert ingestor.services.catalog.find("handbook.pdf") is None
    assert ingestor.services.index.count(record.doc_id, live_only=False) == 0
    assert ingestor.services.index.count() > 0  # the other document is untouched
    with pytest.raises(NotFoundError):
        ingestor.delete("handbook.pdf")


def test_duplicate_content_under_two_names_is_indexed_once(ingestor: Ingestor,
                                                           tmp_path: Path) -> None:
    path = _write_handbook(tmp_path / "in")
    shutil.copy(path, tmp_path / "in" / "copy-of-handbook.pdf")
    report = ingestor.ingest([tmp_path / "in"])
    assert len(report.ingested) == 1 and len(report.skipped) == 1
    later = ingestor.ingest([tmp_path / "in" / "copy-of-handbook.pdf"])
    assert later.skipped == ["copy-of-handbook.pdf"]


def test_markdown_text_and_html(ingestor: Ingestor, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "vpn.md").write_text("# IT\n## VPN\nConnect with `acmevpn up` before 9am.\n")
    (folder / "faq.txt").write_text("Q: Where is the canteen?\nA: On floor 3.\n")
    (folder / "office.html").write_text(
        "<html><head><title>Office guide</title><style>.x{color:red}</style></head><body>"
        "<h1>Offices</h1><script>alert('owned')</script><p>Berlin office opens at 8:00.</p>"
        "<table><tr><th>City</th><th>Wi-Fi</th></tr><tr><td>Berlin</td><td>acme-ber</td></tr>"
        "</table></body></html>")
    report = ingestor.ingest([folder])
    assert sorted(report.ingested) == ["faq.txt", "office.html", "vpn.md"]
    catalog, index = ingestor.services.catalog, ingestor.services.index
    html = catalog.find("office.html")
    assert html and html.title == "Office guide"
    text = " ".join(c.text for c in index.chunks(html.doc_id))
    assert "Berlin office opens at 8:00." in text and "Berlin | acme-ber" in text
    assert "alert" not in text and "color" not in text
    vpn = catalog.find("vpn.md")
    assert vpn and index.chunks(vpn.doc_id)[0].section == "IT > VPN"


def test_groups_are_stored_and_can_change(ingestor: Ingestor, tmp_path: Path) -> None:
    _write_handbook(tmp_path / "in")
    ingestor.ingest([tmp_path / "in"], groups=["hr"])
    question = "hotel cap in London"
    assert _search(ingestor, question, groups=("everyone",)) == []
    assert _search(ingestor, question, groups=("hr",))
    ingestor.ingest([tmp_path / "in"], groups=["everyone"])  # unchanged file, new groups
    assert _search(ingestor, question, groups=("everyone",))
    record = ingestor.services.catalog.find("handbook.pdf")
    assert record and record.groups == ("everyone",)


def test_progress_is_reported(ingestor: Ingestor, tmp_path: Path) -> None:
    _write_handbook(tmp_path / "in")
    (tmp_path / "in" / "empty.txt").write_text("")
    steps: list[Progress] = []
    ingestor.ingest([tmp_path / "in"], progress=steps.append)
    stages = [(s.stage, s.source) for s in steps]
    assert ("indexed", "handbook.pdf") in stages and ("failed", "empty.txt") in stages
    assert steps[-1].files_done == steps[-1].files_total == 2
    embedding = [s for s in steps if s.stage == "embedding"]
    assert embedding and embedding[-1].chunks_done == embedding[-1].chunks_total > 0


# -- bad input: each a clear reason, the rest of the batch still processed ----------------

def test_bad_files_fail_clearly_and_the_batch_goes_on(
        ingestor: Ingestor, tmp_path: Path, open_services: Callable[..., Any]) -> None:
    folder = tmp_path / "in"
    good = _write_handbook(folder)
    (folder / "empty.pdf").write_bytes(b"")
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
    (folder / "picture.pdf").write_bytes(png + b"\x00" * 64)
    (folder / "truncated.pdf").write_bytes(good.read_bytes()[:700])
    encrypt(good, folder / "locked.pdf", user_password="s3cret")
    (folder / "blank.txt").write_text("   \n\n  ")
    report = ingestor.ingest([folder, tmp_path / "does-not-exist.pdf"])
    reasons = {Path(f.path).name: f.error for f in report.failed}
    assert report.ingested == ["handbook.pdf"]
    assert "empty" in reasons["empty.pdf"]
    assert "not a readable PDF" in reasons["picture.pdf"]
    assert "not a readable PDF" in reasons["truncated.pdf"]
    assert "password" in reasons["locked.pdf"]
    assert "no text" in reasons["blank.txt"]
    assert "no such file" in reasons["does-not-exist.pdf"]
    for reason in reasons.values():
        assert "\n" not in reason and "Traceback" not in reason
    statuses = {r.source: r.status for r in ingestor.services.catalog.list()}
    assert statuses["handbook.pdf"] is DocStatus.INDEXED
    assert statuses["locked.pdf"] is DocStatus.FAILED
    assert ingestor.services.index.count(live_only=False) == report.chunks


def test_pdf_encrypted_with_an_empty_password_opens(ingestor: Ingestor, tmp_path: Path) -> None:
    plain = _write_handbook(tmp_path / "plain")
    encrypt(plain, tmp_path / "in.pdf", user_password="")
    report = ingestor.ingest([tmp_path / "in.pdf"])
    assert report.ingested == ["in.pdf"]


def test_scanned_pages_are_flagged_for_ocr(ingestor: Ingestor, tmp_path: Path) -> None:
    write_image_only_pdf(tmp_path / "scan.pdf", pages=2)
    report = ingestor.ingest([tmp_path / "scan.pdf"])
    assert report.needs_ocr == ["scan.pdf"] and not report.failed and report.chunks == 0
    record = ingestor.services.catalog.find("scan.pdf")
    assert record and record.status is DocStatus.NEEDS_OCR and record.ocr_pages == (1, 2)


def test_a_file_over_the_size_limit_is_refused_without_reading_it(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    ingestor = Ingestor(open_services(max_file_mb=100))
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as f:  # 200 MB, sparse on disk
        f.truncate(200 * 1024 * 1024)
    report = ingestor.ingest([huge])
    assert "over the 100 MB limit" in report.failed[0].error


def test_a_folder_with_nothing_supported(ingestor: Ingestor, tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "cat.webp").write_bytes(b"RIFF")
    (tmp_path / "notes.pages").write_bytes(b"PK")
    report = ingestor.ingest([tmp_path / "pics", tmp_path / "notes.pages"])
    reasons = [f.error for f in report.failed]
    assert "holds no PDF" in reasons[0] and "unsupported file type '.pages'" in reasons[1]
