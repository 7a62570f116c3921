"""One page of an original PDF as a PNG, with a cited passage boxed in yellow (pypdfium2 lives
here and nowhere else; pypdf cannot rasterise).

PDFium is not thread-safe, not even across different documents, and Streamlit serves each
session from its own thread, so every PDFium call runs under one process-wide lock. Objects are
closed explicitly inside that lock: left to pypdfium2's finalizers they would be freed later,
from whichever thread the garbage collector happens to run on.

Quotes arrive as pypdf layout-mode text after ``normalise_text`` (whitespace collapsed, table
cells joined by " | ", hyphenated breaks joined, "..." for skipped words). PDFium's own text of
the same page differs in exactly those places, so both sides are compared with only their
letters and digits kept (see ``_fold``); a character map leads back to PDFium's indices.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium  # ships no type information: its classes type-check as Any
from PIL import Image, ImageDraw

from retrieval.errors import IngestError, NotFoundError

log = logging.getLogger(__name__)

_PDFIUM_LOCK = threading.Lock()

# A poster-sized page at the default scale would allocate hundreds of MB; beyond this many
# pixels the scale is lowered instead (an A4 page at 1.6 is about 1.3 million).
_MAX_PIXELS = 16_000_000

_FILL = (255, 214, 0, 96)  # translucent yellow: the text under it stays readable
_OUTLINE = (214, 150, 0, 220)  # darker edge so the box still shows on a downscaled screenshot

_ELLIPSIS = re.compile(r"\[?\s*(?:\.\s*){3,}\]?|\[?\s*…\s*\]?")
_MIN_WINDOW_WORDS = 4  # shorter runs of a partial quote match too easily by accident
_MIN_WINDOW_CHARS = 12  # ...and so do four words as short as "of the in a"
_MAX_QUOTE_WORDS = 400  # the window search is quadratic; a citation is never this long

# pypdfium2 5.x load error codes (pdfium's FPDF_ERR_*), kept numeric to avoid raw imports.
_ERR_FILE, _ERR_FORMAT, _ERR_PASSWORD, _ERR_SECURITY = 2, 3, 4, 5


@dataclass(frozen=True)
class RenderedPage:
    png: bytes  # the page as PNG
    page: int  # 1-based page number shown
    page_count: int
    width: int  # pixels
    height: int
    highlighted: bool  # True when at least part of the quote was found and boxed
    boxes: int  # number of highlight rectangles drawn
    #: the band of the page around the highlight (full width), as PNG; None when nothing is
    #: highlighted. A reader sees the passage at once without scrolling a tall page.
    focus_png: bytes | None = None


FOCUS_MARGIN = 0.08  # of the page height, above and below the highlighted lines


@dataclass(frozen=True)
class _Raster:
    """What leaves the lock: plain pixels and boxes, no PDFium handles."""

    image: Image.Image
    page_count: int
    boxes: tuple[tuple[int, int, int, int], ...]


def page_count(path: Path, password: str | None = None) -> int:
    with _PDFIUM_LOCK, _open(path, password, path.name) as doc:
        return len(doc)


def render_page(path: Path, page: int, quote: str = "", *, scale: float = 1.6,
                password: str | None = None, name: str | None = None) -> RenderedPage:
    """Render 1-based ``page`` and box every part of ``quote`` found on it. Errors name the
    document as ``name`` (its name for readers; the stored file's name is internal).

    Raises ``NotFoundError`` for a missing file or a page out of range, ``IngestError`` for a
    file PDFium cannot open or render. A quote that is not on the page is not an error: the page
    comes back with ``highlighted=False``.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    with _PDFIUM_LOCK:
        raster = _rasterise(path, page, quote, scale, password, name or path.name)
    image = _draw_boxes(raster.image, raster.boxes)
    focus = None
    if raster.boxes:
        margin = int(image.height * FOCUS_MARGIN)
        top = max(0, min(b[1] for b in raster.boxes) - margin)
        bottom = min(image.height, max(b[3] for b in raster.boxes) + margin)
        focus = _png(image.crop((0, top, image.width, bottom)))
    return RenderedPage(png=_png(image), page=page, page_count=raster.page_count,
                        width=image.width, height=image.height,
                        highlighted=bool(raster.boxes), boxes=len(raster.boxes),
                        focus_png=focus)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- PDFium (call only while holding _PDFIUM_LOCK) ---------------------------------------------

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


def _rasterise(path: Path, number: int, quote: str, scale: float,
               password: str | None, name: str) -> _Raster:
    with _open(path, password, name) as doc:
        count = len(doc)
        if not 1 <= number <= count:
            pages = "1 page" if count == 1 else f"{count} pages"
            raise NotFoundError(f"page {number} does not exist; the document has {pages}")
        try:
            return _render_open_page(doc, number, quote, scale, count)
        except (IngestError, NotFoundError):
            raise
        except Exception as e:  # PdfiumError, ctypes and PIL errors on a damaged page
            raise IngestError(name, f"page {number} could not be rendered ({e})") from e


def _render_open_page(doc: pdfium.PdfDocument, number: int, quote: str, scale: float,
                      count: int) -> _Raster:
    # Filled-in form fields are drawn as a reader shows them; a broken form layer still
    # leaves the page itself renderable.
    with suppress(Exception):
        doc.init_forms()
    page = doc[number - 1]
    textpage = bitmap = None
    try:
        width, height = page.get_size()
        if width * height * scale * scale > _MAX_PIXELS:
            scale = (_MAX_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale)
        # to_pil() may share the bitmap's buffer; convert() copies before the bitmap closes.
        image = bitmap.to_pil().convert("RGBA")
        boxes: tuple[tuple[int, int, int, int], ...] = ()
        if quote.strip():
            # A page whose text layer is broken still shows; the viewer then says the passage
            # was not located, which is true.
            try:
                textpage = page.get_textpage()
                rects = _quote_rects(textpage, quote)
                boxes = _to_pixels(rects, bitmap.get_posconv(page), image.size, scale)
            except Exception as e:
                log.info("page %d: quote not located, text layer unreadable (%s)", number, e)
        return _Raster(image=image, page_count=count, boxes=boxes)
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


def _quote_rects(textpage: pdfium.PdfTextPage,
                 quote: str) -> list[tuple[float, float, float, float]]:
    """PDF-space rectangles (left, bottom, right, top) covering the quote's matched parts."""
    text = _page_text(textpage)
    folded, origin = _fold(text)
    rects: list[tuple[float, float, float, float]] = []
    for start, end in _char_ranges(_match_spans(folded, quote), origin, text):
        # count_rects computes the rectangles of this range; get_rect reads them back.
        for i in range(textpage.count_rects(start, end - start)):
            rects.append(textpage.get_rect(i))
    return rects


def _char_ranges(spans: list[tuple[int, int]], origin: list[int],
                 text: str) -> list[tuple[int, int]]:
    """Folded spans -> PDFium char ranges, neighbours merged so no spot is boxed twice (two
    translucent boxes over each other look like a different, darker highlight)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((origin[s], origin[e - 1] + 1) for s, e in spans):
        # Runs apart by only spaces, line breaks or punctuation read as one passage.
        if merged and (start <= merged[-1][1]
                       or not any(c.isalnum() for c in text[merged[-1][1]:start])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _to_pixels(rects: list[tuple[float, float, float, float]], posconv: pdfium.PdfPosConv,
               size: tuple[int, int], scale: float) -> tuple[tuple[int, int, int, int], ...]:
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


# --- pure Python from here on ------------------------------------------------------------------

def _draw_boxes(image: Image.Image, boxes: tuple[tuple[int, int, int, int], ...]) -> Image.Image:
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in boxes:
            draw.rectangle(box, fill=_FILL, outline=_OUTLINE, width=1)
        image = Image.alpha_composite(image, overlay)
    return image.convert("RGB")


def _fold(text: str) -> tuple[str, list[int]]:
    """Letters and digits only, NFKC and case-folded, with each kept char's source index.

    Everything the two extractions disagree on is outside that set: spaces against line breaks,
    the " | " cell joints pypdf's layout adds, curly against straight quotes, en dashes against
    hyphens, PDFium's U+FFFE marker where it joined a hyphenated line break, ligatures."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char.isascii():
            if char.isalnum():
                out.append(char.lower())
                origin.append(i)
            continue
        for c in unicodedata.normalize("NFKC", char).casefold():
            if c.isalnum():
                out.append(c)
                origin.append(i)
    return "".join(out), origin


def _match_spans(folded_page: str, quote: str) -> list[tuple[int, int]]:
    """Spans of ``folded_page`` that show the quote: each "..."-separated segment whole if it is
    there, otherwise its longest runs of at least four words (see ``_cover``)."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    whole_quote_is_short = len(quote.split()) < _MIN_WINDOW_WORDS
    for segment in _ELLIPSIS.split(quote):
        words = [w for w in (_fold(w)[0] for w in segment.split()) if w][:_MAX_QUOTE_WORDS]
        if not words:
            continue
        joined = "".join(words)
        # Short pieces such as "on the" are found on nearly every page, so a segment is taken
        # whole only when it is long enough to mean something, or when it is the whole quote.
        if len(joined) >= _MIN_WINDOW_CHARS or whole_quote_is_short:
            found = _find(folded_page, joined, cursor)
            if found is not None:
                spans.append(found)
                cursor = found[1]
                continue
        # A word missing from the page rules out every window holding it, so only runs of
        # present words are searched; a quote from another page costs almost nothing.
        run: list[str] = []
        for word in [*words, ""]:
            if word and word in folded_page:
                run.append(word)
                continue
            spans.extend(_cover(folded_page, run, 0, len(run)))
            run = []
    return spans


def _cover(folded_page: str, words: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """Longest run of ``words[lo:hi]`` that occurs on the page, then the same on either side of
    it, so a quote broken by a reordered table cell or an extraction slip lights up in parts."""
    offsets = [0]
    for word in words:
        offsets.append(offsets[-1] + len(word))
    joined = "".join(words)
    for size in range(hi - lo, _MIN_WINDOW_WORDS - 1, -1):
        for i in range(lo, hi - size + 1):
            needle = joined[offsets[i]:offsets[i + size]]
            if len(needle) < _MIN_WINDOW_CHARS:
                continue
            found = _find(folded_page, needle, 0)
            if found is not None:
                before = _cover(folded_page, words, lo, i)
                return [*before, found, *_cover(folded_page, words, i + size, hi)]
    return []


def _find(haystack: str, needle: str, start: int) -> tuple[int, int] | None:
    """First occurrence at or after ``start`` (quotes read in page order), else anywhere."""
    at = haystack.find(needle, start)
    if at < 0 and start > 0:
        at = haystack.find(needle)
    return None if at < 0 else (at, at + len(needle))
