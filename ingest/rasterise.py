"""PDF pages as pixels, and where text stands on them (pypdfium2 lives here and nowhere else;
pypdf cannot rasterise). Three users: OCR renders pages without a text layer, the viewer renders
a cited page and boxes the quoted passage, and the PDF reader takes each page's words with
their boxes (``TextLayer``), from which ``ingest.pdf_lines`` lays out the page's text.

PDFium is not thread-safe, not even across different documents, and both users run on threads
of one process (the app indexes uploads on a worker while Streamlit serves each session from
its own thread), so every PDFium call runs under one process-wide lock. Objects are closed
explicitly inside that lock: left to pypdfium2's finalizers they would be freed later, from
whichever thread the garbage collector happens to run on. The lock is held for one page at a
time, never while a page is being recognised.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import pypdfium2 as pdfium  # ships no type information: its classes type-check as Any
import pypdfium2.raw as pdfium_c
from PIL import Image

from ingest.pdf_lines import Word
from retrieval.errors import IngestError, NotFoundError

log = logging.getLogger(__name__)

_PDFIUM_LOCK = threading.Lock()
#: names the PDFium build, whose text extraction a parser version depends on
PDFIUM_VERSION = f"pdfium{pdfium.PDFIUM_INFO.build}"

# A poster-sized page at the viewer's scale would allocate hundreds of MB; beyond this many
# pixels the scale is lowered instead (an A4 page at 1.6 is about 1.3 million).
MAX_VIEW_PIXELS = 16_000_000
# For OCR: an A4 page at 300 dpi is 8.7 million pixels; A3 still fits, a poster is scaled down.
MAX_OCR_PIXELS = 36_000_000

# pypdfium2 5.x load error codes (pdfium's FPDF_ERR_*), kept numeric to avoid raw imports.
_ERR_FILE, _ERR_FORMAT, _ERR_PASSWORD, _ERR_SECURITY = 2, 3, 4, 5

Box = tuple[int, int, int, int]
#: given a page's text (one character per PDFium char index), the char ranges to box
Locate = Callable[[str], list[tuple[int, int]]]


@dataclass(frozen=True)
class Raster:
    """What leaves the lock: plain pixels and boxes, no PDFium handles."""

    image: Image.Image
    page_count: int
    boxes: tuple[Box, ...]


def page_count(path: Path, password: str | None = None, name: str | None = None) -> int:
    with _PDFIUM_LOCK, _open(path, password, name or path.name) as doc:
        return len(doc)


def render_with_boxes(path: Path, number: int, scale: float, locate: Locate | None, *,
                      password: str | None = None, name: str | None = None) -> Raster:
    """Render 1-based page ``number`` as RGBA at ``scale`` and the pixel boxes of the char
    ranges ``locate`` picks from the page's text layer (none when ``locate`` is None).

    Raises ``NotFoundError`` for a missing file or a page out of range, ``IngestError`` for a
    file PDFium cannot open or render. A broken text layer is not an error: no boxes."""
    name = name or path.name
    with _PDFIUM_LOCK, _open(path, password, name) as doc:
        count = len(doc)
        _check_number(number, count)
        try:
            return _render_open_page(doc, number, scale, locate, count)
        except (IngestError, NotFoundError):
            raise
        except Exception as e:  # PdfiumError, ctypes and PIL errors on a damaged page
            raise IngestError(name, f"page {number} could not be rendered ({e})") from e


def text_layer(path: Path, number: int, password: str | None = None) -> str:
    """PDFium's text of 1-based page ``number`` (what a reader's search in a viewer finds):
    the reference the OCR benchmark compares against, and a check that a view PDF carries its
    recognised text."""
    with _PDFIUM_LOCK, _open(path, password, path.name) as doc:
        _check_number(number, len(doc))
        page = textpage = None
        try:
            page = doc[number - 1]
            textpage = page.get_textpage()
            return _page_text(textpage)
        finally:
            for obj in (textpage, page):
                if obj is not None:
                    obj.close()


class _OpenedPdf:
    """A PDF held open by PDFium for the ``with`` block, opened and closed under the lock;
    a file PDFium cannot open raises ``IngestError`` with the reason."""

    def __init__(self, source: Path | bytes, name: str) -> None:
        self.source = source
        self.name = name
        self._doc: pdfium.PdfDocument | None = None

    def __enter__(self) -> Self:
        with _PDFIUM_LOCK:
            try:
                self._doc = pdfium.PdfDocument(self.source)
            except pdfium.PdfiumError as e:
                raise IngestError(self.name, _load_reason(e.err_code, None)) from e
            except Exception as e:
                raise IngestError(self.name, f"the PDF could not be opened ({e})") from e
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with _PDFIUM_LOCK:
            if self._doc is not None:
                self._doc.close()
                self._doc = None


class PageRenderer(_OpenedPdf):
    """An open PDF whose pages are rendered one at a time for OCR, each call under the lock::

        with PageRenderer(path, name) as pdf:
            image = pdf.render(3, dpi=300)
    """


    def render(self, number: int, dpi: int) -> Image.Image:
        """Page ``number`` (1-based) in grey at ``dpi``, lowered for poster-sized pages. The
        image is 8-bit grey: colour adds nothing for OCR and triples the memory."""
        if self._doc is None:
            raise RuntimeError("PageRenderer used outside its with-block")
        with _PDFIUM_LOCK:
            _check_number(number, len(self._doc))
            page = bitmap = None
            try:
                page = self._doc[number - 1]
                width, height = page.get_size()
                scale = dpi / 72
                if width * height * scale * scale > MAX_OCR_PIXELS:
                    scale = (MAX_OCR_PIXELS / (width * height)) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True)
                # to_pil() may share the bitmap's buffer; convert() copies before it closes.
                image: Image.Image = bitmap.to_pil().convert("L")
                return image
            except Exception as e:
                raise IngestError(self.name,
                                  f"page {number} could not be rendered ({e})") from e
            finally:
                for obj in (bitmap, page):
                    if obj is not None:
                        obj.close()


class TextLayer(_OpenedPdf):
    """An open PDF whose pages' words are read one at a time, each page under the lock::

        with TextLayer(path, name) as pdf:
            words = pdf.words(3)

    Opening raises ``IngestError`` (the PDF reader then keeps to pypdf for the whole file);
    ``words`` raises whatever PDFium raises on a damaged page (that page goes to pypdf)."""

    def __init__(self, path: Path, name: str) -> None:
        super().__init__(path, name)
        self.path = path

    def __len__(self) -> int:
        if self._doc is None:
            raise RuntimeError("TextLayer used outside its with-block")
        with _PDFIUM_LOCK:
            return len(self._doc)

    def words(self, number: int) -> list[Word]:
        """The words of 1-based page ``number`` in PDFium's order, with their loose boxes."""
        if self._doc is None:
            raise RuntimeError("TextLayer used outside its with-block")
        with _PDFIUM_LOCK:
            page = textpage = None
            try:
                page = self._doc[number - 1]
                textpage = page.get_textpage()
                return _words(textpage)
            finally:
                for obj in (textpage, page):
                    if obj is not None:
                        obj.close()


# --- PDFium (call only while holding _PDFIUM_LOCK) ---------------------------------------------

def _check_number(number: int, count: int) -> None:
    if not 1 <= number <= count:
        pages = "1 page" if count == 1 else f"{count} pages"
        raise NotFoundError(f"page {number} does not exist; the document has {pages}")


@contextmanager
def _open(path: Path, password: str | None, name: str) -> Iterator[pdfium.PdfDocument]:
    if not path.is_file():
        raise NotFoundError(f"the file {name} is not stored any more")
    if path.stat().st_size == 0:
        raise IngestError(name, "the file is empty")
    try:
        doc = pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as e:
        raise IngestError(name, _load_reason(e.err_code, password)) from e
    except Exception as e:  # OSError and anything else the binding may raise
        raise IngestError(name, f"the PDF could not be opened ({e})") from e
    try:
        yield doc
    finally:
        doc.close()


def _load_reason(code: int | None, password: str | None) -> str:
    if code == _ERR_PASSWORD:
        if password:
            return "the password given does not open this PDF"
        return "the PDF is protected by a password; upload an unprotected copy"
    if code == _ERR_SECURITY:
        return "the PDF uses a security handler that cannot be opened"
    if code == _ERR_FILE:
        return "the file could not be opened"
    return ("this is not a readable PDF (damaged, truncated or another file type renamed "
            "to .pdf)")


def _render_open_page(doc: pdfium.PdfDocument, number: int, scale: float,
                      locate: Locate | None, count: int) -> Raster:
    # Filled-in form fields are drawn as a reader shows them; a broken form layer still
    # leaves the page itself renderable.
    with suppress(Exception):
        doc.init_forms()
    page = doc[number - 1]
    textpage = bitmap = None
    try:
        width, height = page.get_size()
        if width * height * scale * scale > MAX_VIEW_PIXELS:
            scale = (MAX_VIEW_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale)
        # to_pil() may share the bitmap's buffer; convert() copies before the bitmap closes.
        image = bitmap.to_pil().convert("RGBA")
        boxes: tuple[Box, ...] = ()
        if locate is not None:
            # A page whose text layer is broken still shows; the viewer then says the passage
            # was not located, which is true.
            try:
                textpage = page.get_textpage()
                rects = _range_rects(textpage, locate)
                boxes = _to_pixels(rects, bitmap.get_posconv(page), image.size, scale)
            except Exception as e:
                log.info("page %d: quote not located, text layer unreadable (%s)", number, e)
        return Raster(image=image, page_count=count, boxes=boxes)
    finally:
        for obj in (textpage, bitmap, page):
            if obj is not None:
                obj.close()


def _page_text(textpage: pdfium.PdfTextPage) -> str:
    """The page text with exactly one character per PDFium char index. ``get_text_range``
    gives that for ordinary pages (its CRLF line breaks are chars PDFium generated); when it
    skips or inserts characters, reading char by char keeps the indices honest."""
    n = textpage.count_chars()
    text: str = textpage.get_text_range()
    if len(text) == n:
        return text
    return "".join((textpage.get_text_range(i, 1) or "\x00")[:1] for i in range(n))


#: what separates words in PDFium's text: spaces it read or generated, its CRLF line breaks,
#: and the NUL that ``_page_text`` puts where a character has no text
_BREAKS = frozenset(" \t\r\n\x00\xa0\u2002\u2003\u2009\u3000")
CharBox = tuple[float, float, float, float]  # left, bottom, right, top


def _words(textpage: pdfium.PdfTextPage) -> list[Word]:
    """Runs of non-space characters with their loose boxes. Only a word's first and last
    characters are measured (each PDFium call costs, and a page has thousands of characters);
    a run whose ends are not on one line (PDFium put no break between them) is measured
    character by character and cut where the line changes, so no word spans two lines."""
    # PDFium writes U+FFFE for a hyphen that breaks a word at the end of a line; as "-" the
    # clean-up joins the word again, as it does for pypdf's text
    text = _page_text(textpage).replace("\ufffe", "-")
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    loose_box, char_angle = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharAngle

    def box(i: int) -> CharBox:
        if not loose_box(raw, i, rect):
            raise pdfium.PdfiumError("Failed to get a character box.")
        return rect.left, rect.bottom, rect.right, rect.top

    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in _BREAKS:
            i += 1
            continue
        end = i + 1
        while end < n and text[end] not in _BREAKS:
            end += 1
        # PDFium measures clockwise (-1: unknown); a Word's angle is counter-clockwise
        clockwise = float(char_angle(raw, i))
        angle = (2 * math.pi - clockwise) % (2 * math.pi) if clockwise > 0 else 0.0
        # Turned a quarter (text read upwards or downwards): a line runs along y, not x.
        upright = round(angle / (math.pi / 2)) % 2 == 0
        first = box(i)
        if end - i == 1:
            words.append(Word(text[i], *first, angle))
        elif _one_line(first, last := box(end - 1), upright):
            words.append(Word(text[i:end], *_union(first, last), angle))
        else:
            words.extend(_cut_at_line_changes(text, i, end, box, angle, upright))
        i = end
    return words


def _one_line(a: CharBox, b: CharBox, upright: bool) -> bool:
    if upright:
        return abs((a[1] + a[3]) - (b[1] + b[3])) <= (a[3] - a[1])
    return abs((a[0] + a[2]) - (b[0] + b[2])) <= (a[2] - a[0])


def _union(a: CharBox, b: CharBox) -> CharBox:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _cut_at_line_changes(text: str, start: int, end: int, box: Callable[[int], CharBox],
                         angle: float, upright: bool) -> list[Word]:
    out: list[Word] = []
    first, span = start, box(start)
    for i in range(start + 1, end):
        b = box(i)
        if _one_line(span, b, upright):
            span = _union(span, b)
        else:
            out.append(Word(text[first:i], *span, angle))
            first, span = i, b
    out.append(Word(text[first:end], *span, angle))
    return out


def _range_rects(textpage: pdfium.PdfTextPage,
                 locate: Locate) -> list[tuple[float, float, float, float]]:
    """PDF-space rectangles (left, bottom, right, top) covering the ranges ``locate`` picks."""
    rects: list[tuple[float, float, float, float]] = []
    for start, end in locate(_page_text(textpage)):
        # count_rects computes the rectangles of this range; get_rect reads them back.
        for i in range(textpage.count_rects(start, end - start)):
            rects.append(textpage.get_rect(i))
    return rects


def _to_pixels(rects: list[tuple[float, float, float, float]], posconv: pdfium.PdfPosConv,
               size: tuple[int, int], scale: float) -> tuple[Box, ...]:
    """PDF points (origin bottom-left) -> image pixels (origin top-left). PDFium's own
    page-to-device transform is used because it also applies /Rotate and the crop box."""
    pad = max(1, round(scale))
    boxes = []
    for left, bottom, right, top in rects:
        corners = [posconv.to_bitmap(x, y) for x in (left, right) for y in (bottom, top)]
        xs = [c[0] for c in corners]
        ys = [c[1] for c in corners]
        x0, y0 = max(0, min(xs) - pad), max(0, min(ys) - pad)
        x1, y1 = min(size[0] - 1, max(xs) + pad), min(size[1] - 1, max(ys) + pad)
        if x1 > x0 and y1 > y0:
            boxes.append((x0, y0, x1, y1))
    return tuple(boxes)
