"""The native PDF text path (PDFium's words laid out by ingest.pdf_lines) on real PDFs written
here: table rows stay one line with " | " between cells, whatever order the cells were drawn
in; prose keeps its words; blocks are apart; and pypdf takes over a page or a file PDFium
cannot read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from ingest import rasterise
from ingest.normalise import normalise_text
from ingest.pdf import page_texts, read_pdf, read_pdf_text
from ingest.pdf_lines import Word
from retrieval.errors import IngestError
from tests.pdfs import encrypt, write_image_only_pdf, write_pdf

#: label, then three (currency sign or "", amount) cells
STATEMENT = [
    ("Net sales", [("$", "34,229"), ("$", "35,355"), ("$", "32,184")]),
    ("Cost of sales", [("", "19,232"), ("", "18,795"), ("", "16,605")]),
    ("Selling, general and administrative expenses", [("", "9,049"), ("", "7,197"),
                                                      ("", "6,929")]),
    ("Gain on business divestitures", [("", "(2,724)"), ("", "—"), ("", "(389)")]),
    ("Net income attributable to 3M", [("$", "5,777"), ("$", "5,921"), ("$", "5,449")]),
]
EXPECTED_ROWS = [
    "(Millions) | 2022 | 2021 | 2020",
    "Net sales | $34,229 | $35,355 | $32,184",
    "Cost of sales | 19,232 | 18,795 | 16,605",
    "Selling, general and administrative expenses | 9,049 | 7,197 | 6,929",
    "Gain on business divestitures | (2,724) | — | (389)",
    "Net income attributable to 3M | $5,777 | $5,921 | $5,449",
]
COLUMNS = (330, 410, 490)  # right edges of the amount columns; "$" sits at the left


def _draw_statement(c: canvas.Canvas, top: float, order: str = "rows") -> None:
    """The statement as a report sets it: labels left, amounts right-aligned, the currency
    sign at the left of its column. ``order`` "columns" draws every label first, then each
    column from the right: the content stream's order is not the reading order."""
    c.setFont("Helvetica", 9)
    items: list[tuple[str, float, float, str]] = []  # (kind, x, y, text)
    for x, year in zip(COLUMNS, ("2022", "2021", "2020"), strict=True):
        items.append(("right", x, top, year))
    items.append(("left", 50, top, "(Millions)"))
    for i, (label, cells) in enumerate(STATEMENT, start=1):
        y = top - 14 * i
        items.append(("left", 50, y, label))
        for x, (sign, amount) in zip(COLUMNS, cells, strict=True):
            if sign:
                items.append(("left", x - 55, y, sign))
            items.append(("right", x, y, amount))
    if order == "columns":
        items.sort(key=lambda it: (it[0] == "right", -it[1]))
    for kind, at_x, at_y, text in items:
        if kind == "right":
            c.drawRightString(at_x, at_y, text)
        else:
            c.drawString(at_x, at_y, text)


def _statement_pdf(path: Path, order: str = "rows") -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(50, 780, "Consolidated Statement of Income")
    _draw_statement(c, 740, order)
    c.showPage()
    c.save()
    return path


def _rows(text: str) -> list[str]:
    return [line for line in normalise_text(text).split("\n") if line.strip()]


@pytest.mark.parametrize("order", ["rows", "columns"])
def test_a_statement_keeps_each_row_on_one_line_with_cells_apart(tmp_path: Path,
                                                                  order: str) -> None:
    pdf = _statement_pdf(tmp_path / f"statement-{order}.pdf", order)
    lines = _rows(read_pdf_text(pdf, engine="native").pages[0])
    assert lines[0] == "Consolidated Statement of Income"
    assert lines[1:] == EXPECTED_ROWS


def test_native_rows_match_pypdf_layout_rows(tmp_path: Path) -> None:
    """Same shape as today's layout mode, so chunking sees the same rows."""
    pdf = _statement_pdf(tmp_path / "statement.pdf")
    native = _rows(read_pdf_text(pdf, engine="native").pages[0])
    layout = _rows(read_pdf_text(pdf, engine="layout").pages[0])
    assert [ln for ln in native if "|" in ln] == [ln for ln in layout if "|" in ln]


def test_a_table_drawn_turned_on_a_portrait_page_reads_along_its_rows(tmp_path: Path) -> None:
    """A landscape statement rotated onto a portrait page (no /Rotate: the text itself is
    turned a quarter), as filings print wide tables."""
    path = tmp_path / "turned.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.translate(A4[0], 0)
    c.rotate(90)
    _draw_statement(c, 500)
    c.showPage()
    c.save()
    assert _rows(read_pdf_text(path, engine="native").pages[0]) == EXPECTED_ROWS


def test_a_landscape_page_reads_top_to_bottom(tmp_path: Path) -> None:
    path = tmp_path / "landscape.pdf"
    c = canvas.Canvas(str(path), pagesize=landscape(A4), invariant=1)
    c.setPageRotation(90)  # shown turned: the text is upright in the page's own space
    _draw_statement(c, 500)
    c.showPage()
    c.save()
    assert _rows(read_pdf_text(path, engine="native").pages[0]) == EXPECTED_ROWS


def test_prose_keeps_its_words_in_order_and_blocks_apart(tmp_path: Path) -> None:
    path = tmp_path / "prose.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("Helvetica", 10)
    paragraphs = [["Every employee receives 28 days of paid leave per calendar year.",
                   "Leave requests go through the HR portal two weeks in advance."],
                  ["The hotel cap in London is 210 GBP per night."]]
    y = 760
    # drawn bottom-up: the reading order comes from positions, not from the stream
    placed = []
    for paragraph in paragraphs:
        for line in paragraph:
            placed.append((y, line))
            y -= 13
        y -= 20  # the gap between paragraphs
    for y, line in reversed(placed):
        c.drawString(50, y, line)
    c.showPage()
    c.save()
    text = normalise_text(read_pdf_text(path, engine="native").pages[0])
    assert text == ("Every employee receives 28 days of paid leave per calendar year.\n"
                    "Leave requests go through the HR portal two weeks in advance.\n\n"
                    "The hotel cap in London is 210 GBP per night.")


def test_the_same_words_as_pypdf_on_a_multi_page_document(tmp_path: Path) -> None:
    pages = [f"{n}. Section {n}\nThe hotel cap in London is {200 + n} GBP per night. Economy "
             "class is the default for flights under six hours." for n in range(1, 4)]
    pdf = write_pdf(tmp_path / "doc.pdf", pages, header="Acme - Travel", footer=True,
                    title="Travel Policy")
    native, layout = (read_pdf_text(pdf, engine=e) for e in ("native", "layout"))
    assert native.title == layout.title == "Travel Policy"
    assert [normalise_text(p).split() for p in native.pages] == [
        normalise_text(p).split() for p in layout.pages]


def test_a_password_free_encrypted_pdf_is_read_natively(tmp_path: Path) -> None:
    plain = _statement_pdf(tmp_path / "plain.pdf")
    locked = encrypt(plain, tmp_path / "locked.pdf", user_password="")
    assert _rows(read_pdf_text(locked, engine="native").pages[0])[1:] == EXPECTED_ROWS


@pytest.mark.parametrize("engine", ["native", "layout"])
def test_broken_files_fail_with_the_same_sentences_on_both_engines(
        tmp_path: Path, engine: str) -> None:
    good = _statement_pdf(tmp_path / "good.pdf")
    cases: dict[str, tuple[bytes | None, str]] = {
        "empty.pdf": (b"", "the file is empty"),
        "truncated.pdf": (good.read_bytes()[:700], "this is not a readable PDF"),
        "picture.pdf": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "this is not a readable PDF"),
        "locked.pdf": (None, "the PDF is protected by a password; upload an unprotected copy"),
    }
    encrypt(good, tmp_path / "locked.pdf", user_password="s3cret")
    for name, (data, reason) in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
        with pytest.raises(IngestError) as caught:
            read_pdf_text(tmp_path / name, engine=engine)
        assert caught.value.reason.startswith(reason), (name, caught.value.reason)


def test_a_scan_is_listed_for_ocr_on_the_native_path(tmp_path: Path) -> None:
    scan = write_image_only_pdf(tmp_path / "scan.pdf", pages=2)
    parsed = read_pdf(scan, recognise=False, engine="native")
    assert parsed.image_only_pages == (1, 2) and not any(p.strip() for p in parsed.pages)


# -- pypdf takes over where PDFium fails (the failure is injected at PDFium's door) ----------
def _fail_on(page: int) -> Callable[[rasterise.TextLayer, int], Sequence[Word]]:
    real = rasterise.TextLayer.words

    def words(self: rasterise.TextLayer, number: int) -> Sequence[Word]:
        if number == page:
            raise RuntimeError("PDFium could not load the page")
        return real(self, number)

    return words


def test_a_page_pdfium_cannot_read_is_read_by_pypdf(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = write_pdf(tmp_path / "doc.pdf", ["Page one says alpha.", "Page two says bravo.",
                                           "Page three says charlie."])
    layout = read_pdf_text(pdf, engine="layout").pages
    monkeypatch.setattr(rasterise.TextLayer, "words", _fail_on(2))
    native = read_pdf_text(pdf, engine="native").pages
    assert native[1] == layout[1] and "bravo" in native[1]
    assert "alpha" in native[0] and "charlie" in native[2]


def test_a_file_pdfium_cannot_open_is_read_by_pypdf(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = _statement_pdf(tmp_path / "statement.pdf")
    layout = read_pdf_text(pdf, engine="layout")

    def refuse(self: rasterise.TextLayer) -> rasterise.TextLayer:
        raise IngestError(self.name, "the PDF could not be opened (injected)")

    monkeypatch.setattr(rasterise.TextLayer, "__enter__", refuse)
    assert read_pdf_text(pdf, engine="native") == layout
    assert page_texts(pdf, [1], engine="native") == [layout.pages[0]]
