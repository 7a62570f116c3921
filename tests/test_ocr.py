"""OCR with the real Tesseract on scans we make ourselves: a text PDF written by reportlab is
rendered to pixels and wrapped back into a PDF (or an image file) that has no text layer, so the
text a scan should yield is known exactly."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from ingest.document import ParsedDocument
from ingest.images import read_image
from ingest.ocr import MISSING, Tesseract
from ingest.pdf import read_pdf
from ingest.pipeline import Ingestor
from ingest.rasterise import PageRenderer, page_count, text_layer
from retrieval.errors import ConfigError, IngestError
from retrieval.settings import load_settings
from retrieval.store.points import HybridQuery, SearchFilter
from retrieval.types import DocStatus
from tests.conftest import REPO, SAMPLE_DOCS
from tests.pdfs import write_pdf
from ui.page_images import render_page

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="tesseract is not installed (make tools)")

WARRANTY = "The warranty for the EdgeLink gateway lasts 36 months from the day of delivery."
INVOICE = "Invoices from Kestrelmoor are payable within 30 days without any deduction."
GERMAN = "Größere Änderungen am Vertrag werden schriftlich vereinbart."
FIRMWARE = "Firmware updates for the gateway are published on the first Monday of each quarter."
SCAN_PAGES = [f"Terms of delivery\n{WARRANTY}\n{GERMAN}", f"Payment\n{INVOICE}\n{FIRMWARE}"]


def _render(pdf: Path, dpi: int = 200) -> list[Image.Image]:
    with PageRenderer(pdf, pdf.name) as renderer:
        return [renderer.render(n, dpi) for n in range(1, page_count(pdf) + 1)]


def _scan(folder: Path, name: str, pages: Sequence[str | None], dpi: int = 200) -> Path:
    """An image-only PDF: each text page typeset, rendered, and stored as a picture; None is a
    blank sheet through the scanner (paper tone, no text)."""
    text = write_pdf(folder.parent / "typeset" / name, [p or "" for p in pages])
    images = [image if page is not None else Image.new("L", image.size, 236)
              for page, image in zip(pages, _render(text, dpi), strict=True)]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / name
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out


def _search(ingestor: Ingestor, text: str) -> list[Any]:
    services = ingestor.services
    return services.index.search(HybridQuery(
        dense=services.embedder.embed_one(text), sparse=services.sparse.encode_query(text),
        limit=3, filter=SearchFilter(groups=None)))


def _changed_box(plain: bytes, marked: bytes) -> tuple[int, int, int, int] | None:
    """Pixel box of what a highlight changed between two renders of the same page."""
    a, b = Image.open(io.BytesIO(plain)).convert("RGB"), Image.open(io.BytesIO(marked))
    return ImageChops.difference(a, b.convert("RGB")).getbbox()


@pytest.fixture
def ingestor(open_services: Callable[..., Any]) -> Ingestor:
    return Ingestor(open_services())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ParsedDocument]:
    """The two-page scan of ``SCAN_PAGES`` and what read_pdf made of it (read once)."""
    scan = _scan(tmp_path_factory.mktemp("scan") / "in", "scan.pdf", SCAN_PAGES)
    return scan, read_pdf(scan, Tesseract())


def test_a_scanned_pdf_is_recognised_indexed_and_searchable(
        ingestor: Ingestor, scanned: tuple[Path, ParsedDocument]) -> None:
    scan, parsed = scanned
    assert parsed.ocr_pages == (1, 2) and parsed.image_only_pages == ()
    assert WARRANTY in " ".join(parsed.pages[0].split())
    assert GERMAN in " ".join(parsed.pages[0].split())  # eng+deu by default: umlauts, ß

    report = ingestor.ingest([scan])
    assert report.ingested == ["scan.pdf"] and not report.failed and not report.needs_ocr
    record = ingestor.services.catalog.find("scan.pdf")
    assert record is not None and record.status is DocStatus.INDEXED and record.chunks > 0
    hit = _search(ingestor, "How long is the warranty for the EdgeLink gateway?")[0]
    assert hit.chunk.source == "scan.pdf" and "36 months" in hit.chunk.text
    assert hit.chunk.page_of("36 months") == 1
    hit = _search(ingestor, "When are firmware updates published?")[0]
    assert hit.chunk.page_of("published on the first Monday") == 2


def test_only_pages_without_a_text_layer_are_recognised(tmp_path: Path) -> None:
    text = write_pdf(tmp_path / "text.pdf", ["Chapter one is typeset text about the canteen."])
    scanned = _scan(tmp_path, "scanned.pdf", [SCAN_PAGES[1]])
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(str(text))
    writer.append(str(scanned))
    mixed = tmp_path / "mixed.pdf"
    writer.write(mixed)

    parsed = read_pdf(mixed, Tesseract())
    assert parsed.ocr_pages == (2,) and parsed.image_only_pages == ()
    assert parsed.pages[0] == read_pdf(text, Tesseract()).pages[0]  # the text layer, untouched
    assert INVOICE in " ".join(parsed.pages[1].split())
    # The view PDF: page 1 exactly as it was (text and pixels), page 2 with a text layer.
    assert parsed.view_pdf is not None
    view = tmp_path / "mixed.view.pdf"
    view.write_bytes(parsed.view_pdf)
    assert page_count(view) == 2
    assert text_layer(view, 1) == text_layer(mixed, 1)
    assert _render(view, 60)[0].tobytes() == _render(mixed, 60)[0].tobytes()
    assert text_layer(mixed, 2).strip() == ""
    assert "payable within 30 days" in " ".join(text_layer(view, 2).split())


def test_a_recognised_page_highlights_the_quote_where_it_stands(
        tmp_path: Path, scanned: tuple[Path, ParsedDocument]) -> None:
    scan, parsed = scanned
    assert parsed.view_pdf is not None
    view = tmp_path / "scan.view.pdf"
    view.write_bytes(parsed.view_pdf)

    plain = render_page(view, 1)
    page = render_page(view, 1, WARRANTY)
    assert page.highlighted and (page.width, page.height) == (plain.width, plain.height)
    box = _changed_box(plain.png, page.png)
    # The second line of the typeset page (write_pdf: first baseline 60 pt below the top, 13 pt
    # apart on an 842 pt page): the box lies in that band, from the left margin.
    assert box is not None
    top, bottom = box[1] / page.height * 842, box[3] / page.height * 842
    assert top >= 60 and bottom <= 60 + 13 * 3 + 6, (top, bottom)
    assert box[0] / page.width * 595 < 60
    # The page as scanned shows exactly what the original shows (the text is invisible).
    original = render_page(scan, 1)
    assert original.png == plain.png
    assert not render_page(view, 1, FIRMWARE).highlighted  # a quote from page 2


def test_a_rotated_scan_is_highlighted_on_the_upright_text(tmp_path: Path) -> None:
    """A sheet scanned sideways and stored with /Rotate 90, as scanners do: the overlay must
    follow the page as shown."""
    upright = _scan(tmp_path, "upright.pdf", SCAN_PAGES[:1])
    image = _render(upright)[0].rotate(90, expand=True)  # the pixels lie on their side
    lying = tmp_path / "lying.pdf"
    image.save(lying, format="PDF", resolution=200)
    from pypdf import PdfReader, PdfWriter

    sideways = tmp_path / "sideways.pdf"
    writer = PdfWriter(clone_from=PdfReader(lying))
    writer.pages[0].rotate(90)  # ...and the page turns them upright for display
    writer.write(sideways)

    parsed = read_pdf(sideways, Tesseract())
    assert parsed.ocr_pages == (1,) and WARRANTY in " ".join(parsed.pages[0].split())
    assert parsed.view_pdf is not None
    view = tmp_path / "sideways.view.pdf"
    view.write_bytes(parsed.view_pdf)
    expected_view = tmp_path / "upright.view.pdf"
    expected_view.write_bytes(read_pdf(upright, Tesseract()).view_pdf or b"")
    boxes = []
    for path in (view, expected_view):
        plain, marked = render_page(path, 1), render_page(path, 1, WARRANTY)
        assert marked.highlighted and (marked.width, marked.height) == (plain.width,
                                                                         plain.height)
        box = _changed_box(plain.png, marked.png)
        assert box is not None
        boxes.append(box)
    assert all(abs(a - b) <= 6 for a, b in zip(*boxes, strict=True)), boxes


def test_png_and_multi_page_tiff_are_read_page_by_page(tmp_path: Path) -> None:
    text = write_pdf(tmp_path / "src.pdf", SCAN_PAGES)
    first, second = _render(text)
    png = tmp_path / "letter.png"
    first.convert("RGBA").save(png, dpi=(200, 200))  # alpha: transparent paper stays paper
    parsed = read_image(png, png.read_bytes(), Tesseract())
    assert parsed.ocr_pages == (1,) and parsed.image_only_pages == ()
    assert WARRANTY in " ".join(parsed.pages[0].split())
    assert parsed.view_pdf is not None

    tiff = tmp_path / "fax.tiff"
    blank = Image.new("L", first.size, 255)
    first.save(tiff, save_all=True, append_images=[blank, second], dpi=(200, 200),
               compression="tiff_lzw")
    parsed = read_image(tiff, tiff.read_bytes(), Tesseract())
    assert len(parsed.pages) == 3
    assert parsed.ocr_pages == (1, 3) and parsed.image_only_pages == (2,)  # blank: reported
    assert INVOICE in " ".join(parsed.pages[2].split()) and parsed.pages[1] == ""
    assert parsed.view_pdf is not None
    view = tmp_path / "fax.view.pdf"
    view.write_bytes(parsed.view_pdf)
    assert page_count(view) == 3  # page n of the view is page n of the document
    assert render_page(view, 3, INVOICE).highlighted
    assert not render_page(view, 2, INVOICE).highlighted


def test_an_unreadable_page_is_reported_and_the_batch_goes_on(ingestor: Ingestor,
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    half = _scan(folder, "half.pdf", [SCAN_PAGES[0], None])
    parsed = read_pdf(half, Tesseract())
    assert parsed.ocr_pages == (1,) and parsed.image_only_pages == (2,)
    _scan(folder, "blank.pdf", [None])
    write_pdf(folder / "notes.pdf", ["Plain notes with a text layer about the canteen menu."])

    report = ingestor.ingest([folder])
    assert not report.failed
    assert sorted(report.ingested) == ["half.pdf", "notes.pdf"]
    assert sorted(report.needs_ocr) == ["blank.pdf", "half.pdf"]
    half_record = ingestor.services.catalog.find("half.pdf")
    assert half_record is not None and half_record.status is DocStatus.NEEDS_OCR
    assert half_record.ocr_pages == (2,)  # the page that could not be read


def test_a_page_tesseract_gives_up_on_is_reported_not_fatal(
        scanned: tuple[Path, ParsedDocument]) -> None:
    parsed = read_pdf(scanned[0], Tesseract(timeout_s=0.01))
    assert parsed.ocr_pages == () and parsed.image_only_pages == (1, 2)
    assert parsed.view_pdf is None


def test_missing_tesseract_is_one_clear_sentence(ingestor: Ingestor, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    scan = _scan(tmp_path, "scan.pdf", SCAN_PAGES[:1])
    png = tmp_path / "page.png"
    _render(scan)[0].save(png)
    mixed_src = write_pdf(tmp_path / "text.pdf", ["Typeset text about the canteen menu."])
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(str(mixed_src))
    writer.append(str(scan))
    writer.write(tmp_path / "mixed.pdf")

    for engine in (Tesseract(binary=str(tmp_path / "no" / "tesseract")), None):
        if engine is None:  # no tesseract on PATH at all, the engine from the settings
            monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        with pytest.raises(IngestError) as e:
            read_image(png, png.read_bytes(), engine)
        assert str(e.value) == "page.png: OCR needs Tesseract; run make tools"
        with pytest.raises(IngestError, match="OCR needs Tesseract; run make tools"):
            read_pdf(scan, engine)
        # Pages with text are still worth indexing; the scanned one stays flagged.
        mixed = read_pdf(tmp_path / "mixed.pdf", engine)
        assert mixed.image_only_pages == (2,) and mixed.ocr_pages == ()
        assert "canteen" in mixed.pages[0]

    report = ingestor.ingest([scan])  # PATH still empty
    assert report.failed and report.failed[0].error.endswith(MISSING)


def test_languages_come_from_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scan = _scan(tmp_path, "scan.pdf", SCAN_PAGES[:1])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCQA_OCR_LANGUAGES", "eng+xyz")
    with pytest.raises(IngestError, match=r"OCR language xyz is not installed.*tesseract-ocr-xyz"):
        read_pdf(scan)
    monkeypatch.setenv("DOCQA_OCR_LANGUAGES", "eng deu")
    with pytest.raises(ConfigError, match="DOCQA_OCR_LANGUAGES"):
        load_settings()
    monkeypatch.setenv("DOCQA_OCR_LANGUAGES", "eng")
    assert Tesseract.from_settings().languages == "eng"
    assert read_pdf(scan).ocr_pages == (1,)


SAMPLE = SAMPLE_DOCS / "public" / "calibration-certificate-climate-chamber.pdf"


def test_the_scanned_sample_is_a_scan_that_reads(tmp_path: Path) -> None:
    assert SAMPLE.stat().st_size < 300_000
    assert text_layer(SAMPLE, 1).strip() == ""  # a real scan: pictures only
    parsed = read_pdf(SAMPLE, Tesseract())
    assert parsed.ocr_pages == (1,)
    text = " ".join(parsed.pages[0].split())
    for fact in ("KS-CAL-2026-0417", "Next calibration due: 16 March 2027",
                 "technician Marta Quednau", "locked with a red tag"):
        assert fact in text
    # The committed file is what the script writes.
    out = tmp_path / "sample.pdf"
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "make_scanned_sample.py"),
                          "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _render(out, 50)[0].tobytes() == _render(SAMPLE, 50)[0].tobytes()
