"""Office files through the real pipeline: real .docx/.xlsx/.pptx written here with python-docx,
openpyxl and python-pptx, real LibreOffice conversions, a real index. Plus the awkward files of
../shared/corpora/office (a deterministic sample; bench/office_bench.py runs all of them)."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pptx
import pytest
from docx.oxml import parse_xml

from ingest import libreoffice
from ingest.office_guard import open_container
from ingest.pipeline import Ingestor
from ingest.sources import SourceFile
from retrieval.errors import IngestError
from retrieval.types import DocStatus
from tests.conftest import REPO, corpus

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CHANGE = 'w:author="R" w:date="2026-01-01T00:00:00Z"'


def _ingestor(open_services: Callable[..., Any]) -> Ingestor:
    return Ingestor(open_services())


def _chunks(ingestor: Ingestor, source: str) -> list[Any]:
    record = ingestor.services.catalog.find(source)
    assert record is not None, source
    return sorted(ingestor.services.index.chunks(record.doc_id), key=lambda c: c.chunk_index)


def _one_sentence(reason: str) -> bool:
    return bool(reason) and "\n" not in reason and "Traceback" not in reason and len(reason) < 300


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Bicycle Policy"
    document.sections[0].header.paragraphs[0].text = "Acme Widgets — Bicycle Policy"
    document.add_heading("Bicycle Policy", level=0)
    document.add_heading("1. Leasing", level=1)
    document.add_paragraph("Employees may lease up to two bicycles through the company. " * 8)
    document.add_heading("1.1 Monthly contribution", level=2)
    paragraph = document.add_paragraph("The company pays EUR 25 per month towards each lease, ")
    paragraph._p.append(parse_xml(f'<w:del {_W} w:id="1" {_CHANGE}><w:r><w:delText>'
                                  'formerly EUR 15 zanzibar</w:delText></w:r></w:del>'))
    paragraph._p.append(parse_xml(f'<w:ins {_W} w:id="2" {_CHANGE}><w:r><w:t>paid with the '
                                  'salary</w:t></w:r></w:ins>'))
    document.add_comment(paragraph.runs, text="Check the quokka figure", author="R")
    document.add_heading("2. Parking", level=1)
    document.add_paragraph("Bicycle parking is in the courtyard behind building C.")
    table = document.add_table(rows=0, cols=3)
    for row in (("Site", "Spaces", "Charging"), ("Leipzig", "40", "Yes"), ("Graz", "12", "No")):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for n in range(40):  # more pages, so the header repeats and is dropped
        code = hashlib.sha1(str(n).encode()).hexdigest()[:10]
        document.add_paragraph(f"Rule {n + 1}: rack {code} is for bicycles with working lights.")
    document.save(path)
    return path


def write_xlsx(path: Path, rows: int = 40) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget 2026"
    sheet.append(["Acme budget 2026"])
    sheet.append(["Cost centre", "Owner", "Budget (EUR)", "Share"])
    for n in range(rows):
        sheet.append([f"CC-{n:03d}", f"Owner {n}", 1000 * n + 500, 0.25])
        sheet.cell(row=sheet.max_row, column=4).number_format = "0%"
    other = book.create_sheet("Travel")
    other.append(["Destination", "Days"])
    other.append(["Lisbon", 4])
    secret = book.create_sheet("Salaries")
    secret.append(["Name", "Salary"])
    secret.append(["Wombat Maier", 123456])
    secret.sheet_state = "hidden"
    book.save(path)
    return path


def write_pptx(path: Path) -> Path:
    deck = pptx.Presentation()
    slides = [("Safety Training", "Welcome", "", False),
              ("Fire exits", "Use the stairs, never the lift", "Exits are checked monthly", False),
              ("Secret draft", "The platypus budget doubles", "", True),
              ("Assembly point", "Meet at the flagpole in the car park", "Count your team", False)]
    for title, bullet, notes, hidden in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        assert slide.shapes.title is not None
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = bullet
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        if hidden:
            slide._element.set("show", "0")
    deck.save(path)
    return path


# -- Word ---------------------------------------------------------------------------------
def test_a_word_file_is_rendered_with_its_headings_as_sections(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    ingestor = _ingestor(open_services)
    report = ingestor.ingest([write_docx(tmp_path / "bicycles.docx")])
    assert report.ingested == ["bicycles.docx"] and not report.failed
    record = ingestor.services.catalog.find("bicycles.docx")
    assert record is not None and record.status is DocStatus.INDEXED
    assert record.title == "Bicycle Policy" and record.pages >= 2
    chunks = _chunks(ingestor, "bicycles.docx")
    text = "\n".join(c.text for c in chunks)
    contribution = next(c for c in chunks if "EUR 25 per month" in c.text)
    assert contribution.section.endswith("1.1 Monthly contribution")
    assert "1. Leasing" in contribution.section and contribution.page_start == 1
    assert "paid with the salary" in text  # a tracked insertion is kept ...
    assert "zanzibar" not in text and "EUR 15" not in text  # ... a tracked deletion is not
    assert "quokka" not in text  # comments are not indexed
    assert "Leipzig | 40 | Yes" in text  # a table row keeps its cells together
    assert "Acme Widgets — Bicycle Policy" not in text  # the running header is dropped
    view = ingestor.services.settings.originals_dir / f"{Path(record.stored_path).stem}.view.pdf"
    assert view.read_bytes().startswith(b"%PDF")  # "Open page" shows the rendered page


def test_tracked_changes_in_a_converted_legacy_doc_are_resolved_too(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    source = write_docx(tmp_path / "src.docx")
    legacy = tmp_path / "in" / "bicycles.doc"
    legacy.parent.mkdir()
    legacy.write_bytes(libreoffice.convert("src.docx", source.read_bytes(), ".docx",
                                           "doc:MS Word 97"))
    ingestor = _ingestor(open_services)
    report = ingestor.ingest([legacy])
    assert report.ingested == ["bicycles.doc"], report.failed
    chunks = _chunks(ingestor, "bicycles.doc")
    text = "\n".join(c.text for c in chunks)
    assert "EUR 25 per month" in text and "zanzibar" not in text
    assert any(c.section.endswith("1.1 Monthly contribution") for c in chunks)


# -- Excel and CSV ------------------------------------------------------------------------
def test_a_workbook_reads_by_sheet_and_row_range_without_its_hidden_sheet(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    ingestor = _ingestor(open_services)
    report = ingestor.ingest([write_xlsx(tmp_path / "budget.xlsx")])
    assert report.ingested == ["budget.xlsx"] and not report.failed
    record = ingestor.services.catalog.find("budget.xlsx")
    assert record is not None and record.pages == 2  # two visible sheets
    chunks = _chunks(ingestor, "budget.xlsx")
    text = "\n".join(c.text for c in chunks)
    assert "Wombat" not in text and "123456" not in text and "Salaries" not in text
    row = "Cost centre: CC-007 · Owner: Owner 7 · Budget: EUR 7500 · Share: 25%"
    hit = next(c for c in chunks if row in c.text)
    first, last = map(int, re.fullmatch(r"Budget 2026 › rows (\d+)–(\d+)", hit.section).groups())
    assert first <= 10 <= last  # CC-007 is in row 10 of the sheet
    assert hit.page_start == hit.page_end == 1
    travel = next(c for c in chunks if "Destination: Lisbon · Days: 4" in c.text)
    assert (travel.page_start, travel.section) == (2, "Travel › rows 1–2")


def test_a_long_sheet_names_its_columns_and_rows_in_every_chunk(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    ingestor = _ingestor(open_services)
    ingestor.ingest([write_xlsx(tmp_path / "long.xlsx", rows=300)])
    chunks = [c for c in _chunks(ingestor, "long.xlsx") if c.page_start == 1]
    assert len(chunks) > 10
    covered: list[int] = []
    for chunk in chunks:
        m = re.fullmatch(r"Budget 2026 › rows? (\d+)(?:–(\d+))?", chunk.section)
        assert m, chunk.section
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        rows = [int(n) + 3 for n in re.findall(r"CC-(\d{3})", chunk.text)]
        assert rows and all(first <= r <= last for r in rows), (chunk.section, rows)
        assert all("Owner:" in line for line in chunk.text.split("\n") if "CC-" in line)
        covered.extend(rows)
    assert sorted(set(covered)) == list(range(3, 303))  # every row, in some chunk


def test_csv_dialect_and_encoding_are_recognised(open_services: Callable[..., Any],
                                                 tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes("Artikel;Preis;Währung\nKaffee groß;2,50;EUR\nTee;1,80;EUR\n"
                     .encode("cp1252"))
    ingestor = _ingestor(open_services)
    assert ingestor.ingest([path]).ingested == ["prices.csv"]
    text = "\n".join(c.text for c in _chunks(ingestor, "prices.csv"))
    assert "Artikel: Kaffee groß · Preis: 2,50 · Währung: EUR" in text


# -- PowerPoint ---------------------------------------------------------------------------
def test_a_deck_cites_slide_numbers_keeps_notes_and_skips_hidden_slides(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    ingestor = _ingestor(open_services)
    report = ingestor.ingest([write_pptx(tmp_path / "safety.pptx")])
    assert report.ingested == ["safety.pptx"] and not report.failed
    record = ingestor.services.catalog.find("safety.pptx")
    assert record is not None and record.pages == 4  # page n is slide n, hidden ones too
    chunks = _chunks(ingestor, "safety.pptx")
    text = "\n".join(c.text for c in chunks)
    assert "platypus" not in text and "Secret draft" not in text
    assembly = next(c for c in chunks if "flagpole" in c.text)
    assert assembly.page_of("Meet at the flagpole") == 4
    exits = next(c for c in chunks if "Use the stairs" in c.text)
    assert exits.page_of("Use the stairs") == 2 and "Exits are checked monthly" in exits.text
    assert any(c.section == "Slide 4: Assembly point" for c in chunks)


# -- protection, bombs, damage -----------------------------------------------------------
def test_a_password_protected_file_says_so(open_services: Callable[..., Any],
                                           tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    (tmp_path / "in").mkdir()
    for name, plain in (("locked.docx", write_docx(tmp_path / "plain.docx")),
                        ("locked.xlsx", write_xlsx(tmp_path / "plain.xlsx"))):
        locked = io.BytesIO()
        OOXMLFile(io.BytesIO(plain.read_bytes())).encrypt("secret", locked)
        (tmp_path / "in" / name).write_bytes(locked.getvalue())
    report = _ingestor(open_services).ingest([tmp_path / "in"])
    assert {f.error for f in report.failed} == {
        "the file is protected by a password; upload an unprotected copy"}
    assert len(report.failed) == 2


def test_a_zip_bomb_and_xml_entities_are_refused_before_parsing(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * 2**20
            for _ in range(600):  # 600 MB of zeros, packed into about 600 KB
                part.write(block)
    started = time.perf_counter()
    with pytest.raises(IngestError, match="zip bomb"):
        open_container("bomb.docx", bomb.getvalue())
    assert time.perf_counter() - started < 2

    lol = ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    plain = write_xlsx(tmp_path / "plain.xlsx").read_bytes()
    source, out = zipfile.ZipFile(io.BytesIO(plain)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = (lol + body.decode()).replace("Acme budget 2026", "&c;").encode()
            target.writestr(info.filename, body)
    with pytest.raises(IngestError, match="declares entities"):
        open_container("lol.xlsx", out.getvalue())


def test_a_broken_file_in_a_batch_does_not_stop_the_rest(open_services: Callable[..., Any],
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    good = write_xlsx(folder / "a-good.xlsx").read_bytes()
    (folder / "b-truncated.xlsx").write_bytes(good[: len(good) // 2])
    (folder / "c-garbage.pptx").write_bytes(b"PK\x03\x04" + b"\x13" * 500)
    (folder / "d-random.doc").write_bytes(bytes(range(256)) * 8)
    (folder / "~$lock.docx").write_bytes(b"\x05owner")  # an Office lock file: not a document
    write_pptx(folder / "e-good.pptx")
    ingestor = _ingestor(open_services)
    report = ingestor.ingest([folder])
    assert sorted(report.ingested) == ["a-good.xlsx", "e-good.pptx"]
    failed = {Path(f.path).name: f.error for f in report.failed}
    assert set(failed) == {"b-truncated.xlsx", "c-garbage.pptx", "d-random.doc"}
    assert all(_one_sentence(reason) for reason in failed.values()), failed
    for name in failed:  # listed as failed with the reason, nothing half-indexed
        record = ingestor.services.catalog.find(name)
        assert record is not None and record.status is DocStatus.FAILED and record.chunks == 0
        assert ingestor.services.index.count(record.doc_id) == 0


def test_without_libreoffice_word_files_fail_with_the_fix_and_sheets_still_read(
        open_services: Callable[..., Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice, "soffice", lambda: None)
    folder = tmp_path / "in"
    folder.mkdir()
    write_docx(folder / "policy.docx")
    write_xlsx(folder / "budget.xlsx")
    report = _ingestor(open_services).ingest([folder])
    assert report.ingested == ["budget.xlsx"]
    [failure] = report.failed
    assert "needs LibreOffice, which is not installed; run `make tools`" in failure.error
    assert _one_sentence(failure.error)


def test_images_fail_with_a_sentence_when_ocr_is_not_installed(
        open_services: Callable[..., Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ingest.images", None)  # importing it raises ImportError
    (tmp_path / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    report = _ingestor(open_services).ingest([tmp_path / "scan.png"])
    assert [f.error for f in report.failed] == [
        "image files need OCR support, which is not installed"]


def test_a_conversion_over_its_time_limit_is_killed_with_its_children(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = write_docx(tmp_path / "slow.docx").read_bytes()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the converter's folder is ours
    started = time.perf_counter()
    with pytest.raises(IngestError, match=r"took longer than 0\.5 seconds"):
        libreoffice.convert("slow.docx", raw, ".docx", "pdf", timeout=0.5)
    assert time.perf_counter() - started < 10
    time.sleep(0.5)
    alive = [p for p in Path("/proc").glob("[0-9]*/cmdline")
             if str(tmp_path).encode() in _read(p)]
    assert not alive
    assert not list(tmp_path.glob("docqa-office-*"))  # and its folder is gone


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


# -- the awkward corpus -------------------------------------------------------------------
@pytest.mark.corpus
@pytest.mark.slow
def test_awkward_office_files_are_read_or_refused_with_one_sentence() -> None:
    """40 of the 591 POI files, spread evenly (the same each run): each yields text or fails
    with one clear sentence, in its own child process under a time limit (a hang or a crash
    fails the test). The full run is ``python -m bench.office_bench``."""
    from bench.office_bench import corpus_files, leftovers, run_one, sample, warm_up

    files = sample(corpus_files(corpus("office")), 40)
    before = leftovers()  # a run killed earlier may have left some: only ours count
    warm_up()
    outcomes = [run_one(path, timeout=180) for path in files]
    crashed = [o for o in outcomes if o.status == "crashed"]
    assert not crashed, crashed
    assert sum(o.status == "indexed" for o in outcomes) >= 25
    assert all(_one_sentence(o.reason) for o in outcomes if o.status == "failed")
    assert leftovers() == before


def test_the_sample_office_documents_are_what_the_script_writes(tmp_path: Path) -> None:
    import subprocess

    subprocess.run([sys.executable, str(REPO / "scripts" / "make_office_docs.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True)
    for path in tmp_path.rglob("*.*"):
        committed = REPO / "data" / "docs" / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), path.name


def test_a_source_file_kind_follows_the_extension() -> None:
    kinds = {name: SourceFile(Path(name), name).kind
             for name in ("a.DOCX", "b.ppt", "c.ods", "d.csv", "e.tiff", "f.rtf")}
    assert kinds == {"a.DOCX": "word", "b.ppt": "presentation", "c.ods": "spreadsheet",
                     "d.csv": "spreadsheet", "e.tiff": "image", "f.rtf": "word"}


def test_a_huge_string_shared_by_many_cells_is_read_within_bounds(tmp_path: Path) -> None:
    """The "shared strings" trick: one long string referenced by thousands of cells would
    expand to gigabytes of text. Cells stop at Excel's own 32,767 characters and a workbook
    at a character budget; the rest is said to be left out."""
    from ingest import spreadsheet

    book = openpyxl.Workbook()
    sheet = book.active
    import random

    rng = random.Random(7)  # not a repeated letter: that would be refused as a zip bomb
    long = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(200_000))
    for row in range(1, 401):
        for col in range(1, 4):
            sheet.cell(row=row, column=col, value=long)
    path = tmp_path / "shared.xlsx"
    book.save(path)
    started = time.monotonic()
    parsed = spreadsheet.read_spreadsheet(path, path.read_bytes(), path.name)
    text = "\n".join(parsed.pages)
    assert time.monotonic() - started < 120
    assert len(text) <= spreadsheet.MAX_CHARS + 100_000
    assert long[:spreadsheet.MAX_CELL_CHARS + 1] not in text
    assert "larger than docqa reads" in text
