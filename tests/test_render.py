"""Page rendering with highlighted quotes, on real PDFs written here with reportlab, so the
position of every sentence is known and the yellow can be looked for where the text is."""

from __future__ import annotations

import io
import math
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ingest.normalise import normalise_pages
from ingest.pdf import read_pdf
from retrieval.errors import IngestError, NotFoundError
from tests.conftest import SAMPLE_DOCS
from tests.pdfs import encrypt
from ui.page_images import RenderedPage, page_count, render_page

FONT, SIZE = "Helvetica", 11
PAGE_W, PAGE_H = A4
LEFT = 60.0
Share = Callable[[tuple[int, int, int, int]], float]

# (page, baseline y in PDF points, text). Page 2 carries the quotes; page 1 and 3 repeat none.
LINES: list[tuple[int, float, str]] = [
    (1, 760, "Chapter one explains how the travel budget is planned every spring."),
    (1, 740, "Nothing on this page is ever quoted by the tests."),
    (2, 760, "The approver signs the request before any ticket is booked."),
    (2, 740, "Meeting rooms on the third floor are reserved through the portal."),
    (2, 700, "Claims that arrive after ninety days are rejected without"),
    (2, 686, "exception by the finance team in Leipzig."),
    (2, 640, "Employees submit the reimburse-"),
    (2, 626, "ment form with every original receipt."),
    (2, 580, "Contractors use the \"supplier\" portal - not the staff one."),
    (2, 400, "This closing line stays plain and is never highlighted."),
    (3, 760, "Page three talks about the canteen and its opening hours."),
]
# A table on page 2: cells far apart, as a word processor lays them out.
TABLE_Y = (520.0, 505.0)
TABLE = [("Hotel", "EUR 180", "per night"), ("Meals", "EUR 45", "per day")]
TABLE_X = (60.0, 220.0, 360.0)


def _write(path: Path, *, rotate: int = 0) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for number in (1, 2, 3):
        c.setFont(FONT, SIZE)
        for page, y, text in LINES:
            if page == number:
                c.drawString(LEFT, y, text)
        if number == 2:
            for row, y in zip(TABLE, TABLE_Y, strict=True):
                for cell, x in zip(row, TABLE_X, strict=True):
                    c.drawString(x, y, cell)
        c.showPage()
    c.save()
    if rotate:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(path))
        for sheet in writer.pages:
            sheet.rotate(rotate)
        with path.open("wb") as f:
            writer.write(f)
    return path


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("render") / "policy.pdf")


def _line(y: float) -> str:
    return next(text for page, ly, text in LINES if page == 2 and ly == y)


def _image(result: RenderedPage) -> Image.Image:
    image = Image.open(io.BytesIO(result.png))
    assert image.format == "PNG"
    return image.convert("RGB")


def _yellow_share(image: Image.Image, box: tuple[int, int, int, int],
                  plain: Image.Image) -> float:
    """Share of the paper in ``box`` that is highlighted: of the pixels that are white in the
    ``plain`` render, how many turned yellow (red stays high, blue drops). Glyphs are left out,
    so the share does not depend on how much of the box the letters cover."""
    paper = yellow = 0
    for before, after in zip(plain.crop(box).getdata(), image.crop(box).getdata(), strict=True):
        if before == (255, 255, 255):
            paper += 1
            yellow += after[0] > 230 and after[1] > 200 and after[2] < 200
    assert paper > 20, f"box {box} holds almost no paper"
    return yellow / paper


def _text_box(x: float, y: float, text: str, scale: float) -> tuple[int, int, int, int]:
    """Pixel box of a drawn string, between baseline and x-height (inside any highlight of it),
    on an unrotated page: PDF y grows upwards, image y downwards."""
    right = x + stringWidth(text, FONT, SIZE)
    top, bottom = y + 0.6 * SIZE, y + 0.1 * SIZE
    return (math.ceil(x * scale), math.ceil((PAGE_H - top) * scale),
            math.floor(right * scale), math.floor((PAGE_H - bottom) * scale))


def test_page_renders_as_png_of_the_page_size_times_scale(pdf: Path) -> None:
    for scale in (1.0, 1.6, 2.5):
        result = render_page(pdf, 1, scale=scale)
        image = _image(result)
        assert image.size == (math.ceil(PAGE_W * scale), math.ceil(PAGE_H * scale))
        assert (result.width, result.height) == image.size
        assert (result.page, result.page_count) == (1, 3)
        assert (result.highlighted, result.boxes) == (False, 0)
    # Something was drawn: the text line is dark, the margin is white.
    image = _image(render_page(pdf, 1))
    assert min(image.crop(_text_box(LEFT, 760, LINES[0][2], 1.6)).getdata()) < (80, 80, 80)
    assert set(image.crop((0, 0, 50, 50)).getdata()) == {(255, 255, 255)}


def _highlight(path: Path, page: int, quote: str, scale: float = 1.6,
               password: str | None = None) -> tuple[RenderedPage, Share]:
    """Render with the quote, and a function telling how much of a pixel box turned yellow
    compared with the same page rendered without it."""
    result = render_page(path, page, quote, scale=scale, password=password)
    image = _image(result)
    plain = _image(render_page(path, page, scale=scale, password=password))
    return result, lambda box: _yellow_share(image, box, plain)


def test_quote_is_boxed_in_yellow_where_it_stands_and_nowhere_else(pdf: Path) -> None:
    quote = _line(760)
    result, share = _highlight(pdf, 2, quote)
    assert result.highlighted and result.boxes == 1
    assert share(_text_box(LEFT, 760, quote, 1.6)) > 0.95
    assert share(_text_box(LEFT, 740, _line(740), 1.6)) == 0
    assert share(_text_box(LEFT, 400, _line(400), 1.6)) == 0
    assert share((0, 0, 60, 60)) == 0


def test_highlight_follows_the_scale(pdf: Path) -> None:
    quote = _line(740)
    result, share = _highlight(pdf, 2, quote, scale=0.8)
    assert (result.width, result.height) == (math.ceil(PAGE_W * 0.8), math.ceil(PAGE_H * 0.8))
    assert share(_text_box(LEFT, 740, quote, 0.8)) > 0.95
    assert share(_text_box(LEFT, 760, _line(760), 0.8)) == 0


def test_quote_running_over_a_line_break_boxes_both_lines(pdf: Path) -> None:
    # The quote has a space where the PDF has a line break, and different case.
    quote = "claims that arrive after ninety days are rejected without exception by the finance"
    result, share = _highlight(pdf, 2, quote)
    assert result.highlighted and result.boxes == 2
    assert share(_text_box(LEFT, 700, _line(700), 1.6)) > 0.95
    second = "exception by the finance"
    assert share(_text_box(LEFT, 686, second, 1.6)) > 0.95
    # "team in Leipzig." is on the second line but not in the quote.
    rest_x = LEFT + stringWidth(second + " ", FONT, SIZE)
    assert share(_text_box(rest_x + 3, 686, "team in Leipzig", 1.6)) == 0


def test_hyphenated_break_joined_by_normalisation_is_found(pdf: Path) -> None:
    # normalise_text turns "reimburse-\nment" into "reimbursement"; PDFium keeps a marker.
    result, share = _highlight(pdf, 2, "Employees submit the reimbursement form with every")
    assert result.highlighted and result.boxes == 2
    assert share(_text_box(LEFT, 640, "Employees submit the reimburse", 1.6)) > 0.95
    assert share(_text_box(LEFT, 626, "ment form with every", 1.6)) > 0.95
    rest_x = LEFT + stringWidth("ment form with every ", FONT, SIZE)
    assert share(_text_box(rest_x + 3, 626, "original receipt", 1.6)) == 0


def test_curly_quotes_and_dashes_in_the_quote_still_match(pdf: Path) -> None:
    result, share = _highlight(pdf, 2, "Contractors use the “supplier” portal – not the staff one.")
    assert result.highlighted and result.boxes == 1
    assert share(_text_box(LEFT, 580, _line(580), 1.6)) > 0.95


def test_table_row_joined_with_pipes_is_found(pdf: Path) -> None:
    result, share = _highlight(pdf, 2, "Hotel | EUR 180 | per night")
    assert result.highlighted and result.boxes == 3  # one box per cell
    for cell, x in zip(TABLE[0], TABLE_X, strict=True):
        assert share(_text_box(x, TABLE_Y[0], cell, 1.6)) > 0.95, cell
    for cell, x in zip(TABLE[1], TABLE_X, strict=True):
        assert share(_text_box(x, TABLE_Y[1], cell, 1.6)) == 0, cell


def test_ellipsis_and_words_not_on_the_page_highlight_the_parts_that_are(pdf: Path) -> None:
    # Segment 1 is on the page; segment 2 is a table row; segment 3 exists nowhere; segment 4
    # is half on the page (its first five words) and half invented.
    quote = ("The approver signs the request ... Meals | EUR 45 | per day … the canteen menu "
             "changes weekly on Mondays … This closing line stays plain, somewhere else")
    result, share = _highlight(pdf, 2, quote)
    assert result.highlighted
    assert share(_text_box(LEFT, 760, "The approver signs the request", 1.6)) > 0.95
    after = LEFT + stringWidth("The approver signs the request ", FONT, SIZE)
    assert share(_text_box(after + 3, 760, "before any ticket", 1.6)) == 0
    for cell, x in zip(TABLE[1], TABLE_X, strict=True):
        assert share(_text_box(x, TABLE_Y[1], cell, 1.6)) > 0.95, cell
    assert share(_text_box(LEFT, 400, "This closing line stays plain", 1.6)) > 0.95
    tail_x = LEFT + stringWidth("This closing line stays plain ", FONT, SIZE)
    assert share(_text_box(tail_x + 3, 400, "and is never", 1.6)) == 0
    assert share(_text_box(TABLE_X[0], TABLE_Y[0], "Hotel", 1.6)) == 0


def test_quote_from_another_page_renders_without_highlight(pdf: Path) -> None:
    result = render_page(pdf, 2, LINES[0][2])  # a page 1 sentence
    assert (result.highlighted, result.boxes) == (False, 0)
    assert _image(result).size == (result.width, result.height)
    # Short common words alone are not taken as a match.
    assert not render_page(pdf, 2, "on the ... by the ... in a").highlighted
    assert not render_page(pdf, 2, "the travel budget is planned every autumn").highlighted
    # A quote of a few words is taken whole, since it is all there is.
    assert render_page(pdf, 2, "finance team").boxes == 1
    assert render_page(pdf, 1, LINES[0][2]).highlighted


def test_pages_outside_the_document_are_not_found(pdf: Path) -> None:
    for number in (0, -1, 4, 12):
        with pytest.raises(NotFoundError) as err:
            render_page(pdf, number)
        assert f"page {number} does not exist; the document has 3 pages" in str(err.value)
    with pytest.raises(NotFoundError):
        render_page(pdf.with_name("gone.pdf"), 1)


def test_broken_files_raise_ingest_error_not_pdfium_errors(tmp_path: Path, pdf: Path) -> None:
    junk = tmp_path / "scan.pdf"
    junk.write_bytes(os.urandom(4096))
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.pdf"
    truncated.write_bytes(pdf.read_bytes()[:300])
    for path in (junk, empty, truncated):
        for call in (lambda p=path: render_page(p, 1), lambda p=path: page_count(p)):
            with pytest.raises(IngestError) as err:
                call()
            assert err.value.path == path.name
            assert "PDF" in err.value.reason or "empty" in err.value.reason
    with pytest.raises(IngestError, match="empty"):
        render_page(empty, 1)


def test_password_protected_pdf(tmp_path: Path, pdf: Path) -> None:
    locked = encrypt(pdf, tmp_path / "locked.pdf", "s3cret")
    with pytest.raises(IngestError, match="protected by a password") as err:
        render_page(locked, 1)
    assert err.value.path == "locked.pdf"
    with pytest.raises(IngestError, match="password given does not open"):
        render_page(locked, 1, password="wrong")
    result = render_page(locked, 2, _line(760), password="s3cret")
    assert result.highlighted and result.page_count == 3
    assert page_count(locked, password="s3cret") == 3


def test_page_count(pdf: Path) -> None:
    assert page_count(pdf) == 3


def test_rotated_page_puts_the_box_on_the_rotated_text(tmp_path: Path) -> None:
    rotated = _write(tmp_path / "landscape.pdf", rotate=90)
    quote = _line(760)
    result, share = _highlight(rotated, 2, quote, scale=1.0)
    assert result.highlighted
    assert (result.width, result.height) == (math.ceil(PAGE_H), math.ceil(PAGE_W))
    # Turned 90° clockwise: PDF (x, y) lands at pixel (y, x); the line now runs downwards.
    x0, x1 = math.ceil(LEFT), math.floor(LEFT + stringWidth(quote, FONT, SIZE))

    def band(y: float) -> tuple[int, int, int, int]:
        return (math.ceil(y + 0.1 * SIZE), x0, math.floor(y + 0.6 * SIZE), x1)

    assert share(band(760)) > 0.95
    assert share(band(740)) == 0


def test_oversized_page_is_scaled_down_to_a_sane_bitmap(tmp_path: Path) -> None:
    poster = tmp_path / "poster.pdf"
    c = canvas.Canvas(str(poster), pagesize=(5000, 5000), invariant=1)
    c.setFont(FONT, 40)
    c.drawString(100, 4800, "A poster headline that is quoted here")
    c.showPage()
    c.save()
    result = render_page(poster, 1, "a poster headline that is quoted", scale=1.6)
    assert result.width * result.height <= 16_000_000
    assert result.width == result.height > 3000
    assert result.highlighted


def test_concurrent_renders_agree_with_a_serial_one(pdf: Path) -> None:
    # PDFium is not thread-safe; the module serialises it, so threads must neither crash nor
    # produce different pixels.
    expected = render_page(pdf, 2, _line(700)).png
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                results.append(render_page(pdf, 2, _line(700)).png)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 12


SAMPLE = SAMPLE_DOCS / "public" / "travel-and-expense-policy.pdf"


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample documents not generated")
def test_quotes_from_our_own_extraction_match_the_sample_pdf() -> None:
    # The text the pipeline indexes: pypdf layout mode, then normalise_pages.
    pages = normalise_pages(list(read_pdf(SAMPLE).pages))
    assert page_count(SAMPLE) == len(pages) == 6
    page2 = pages[1].split("\n")
    # A quote over two layout lines, whitespace collapsed as a chunk would have it.
    start = next(i for i, line in enumerate(page2) if line.startswith("Every business trip"))
    quote = " ".join(" ".join(page2[start:start + 2]).split())
    result = render_page(SAMPLE, 2, quote)
    assert result.highlighted and result.boxes >= 2
    # A table row, whose cells pypdf joined with " | ".
    row = next(line for line in pages[3].split("\n") if line.startswith("Leipzig |"))
    assert row.count(" | ") == 4
    table = render_page(SAMPLE, 4, row)
    assert table.highlighted and table.boxes == 5  # one box per cell
    # The same quotes are not found on a page that does not contain them.
    assert not render_page(SAMPLE, 5, quote).highlighted
    assert not render_page(SAMPLE, 2, row).highlighted


def test_errors_name_the_document_not_the_stored_file(tmp_path: Path) -> None:
    """The stored original is named by its content hash; a reader must never see that name."""
    stored = tmp_path / "3f9a1c0d8e7b6a5f.pdf"
    stored.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    with pytest.raises(IngestError) as failed:
        render_page(stored, 1, name="travel-policy.pdf")
    assert "travel-policy.pdf" in str(failed.value) and stored.stem not in str(failed.value)
    stored.unlink()
    with pytest.raises(NotFoundError) as gone:
        render_page(stored, 1, name="travel-policy.pdf")
    assert stored.stem not in str(gone.value)
