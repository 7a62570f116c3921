"""Image files (PNG, JPEG, TIFF, multi-page TIFF too): each frame is a page, recognised by OCR.

The view PDF shows each frame as a page with the recognised words laid invisibly over them
(Tesseract writes it in the same run), so "open page" can box a quote on the picture. A frame OCR
cannot read (blank, a photo without text) is still a page of that PDF and is reported in
``image_only_pages``; the other frames are indexed.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from ingest.document import ParsedDocument
from ingest.ocr import DEFAULT_DPI, Tesseract
from ingest.pdf import join_pdfs
from retrieval.errors import IngestError

log = logging.getLogger(__name__)

SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
MAX_FRAMES = 500  # a TIFF with more pages than this is an archive, not a document
MAX_PIXELS = 90_000_000  # a larger frame is refused unread (Pillow's own bomb limit)
MAX_OCR_PIXELS = 40_000_000  # larger frames are scaled down before OCR (A3 at 400 dpi fits)
_DPI_RANGE = (70, 1200)  # a stated resolution outside this is a placeholder, not a scan's


def read_image(path: Path, raw: bytes, ocr: Tesseract | None = None) -> ParsedDocument:
    """The recognised text of each frame of the image file ``path`` (``raw``: its bytes).
    Raises ``IngestError`` for a file that is not a readable image, or when OCR cannot run."""
    name = path.name
    engine = ocr if ocr is not None else Tesseract.from_settings()
    engine.check(name)
    try:
        image = Image.open(io.BytesIO(raw))
        _check_size(image, name)
        fmt: Literal["PNG", "JPEG"] = "JPEG" if image.format == "JPEG" else "PNG"
        first = _prepared(image)  # decoding the first frame proves the file is an image
    except IngestError:
        raise
    except Image.DecompressionBombError as e:
        raise IngestError(name, _TOO_LARGE) from e
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as e:
        raise IngestError(name, f"this is not a readable image (damaged, or another file "
                                f"type renamed: {e})") from e
    failed: list[int] = []

    def frames() -> Iterator[tuple[Image.Image, int] | None]:
        yield first
        for index in range(1, MAX_FRAMES + 1):
            try:
                image.seek(index)
            except EOFError:
                return
            except Exception as e:  # a damaged directory entry ends the frames
                log.info("%s: frames after %d unreadable (%s)", name, index, e)
                return
            if index == MAX_FRAMES:
                raise IngestError(name, f"the image has more than {MAX_FRAMES} pages")
            try:
                _check_size(image, name)
                yield _prepared(image)
            except Exception as e:  # one damaged frame is reported, not fatal
                log.info("%s page %d could not be decoded: %s", name, index + 1, e)
                failed.append(index + 1)
                yield None

    # Tesseract stores each frame in the view PDF as it was handed over: a photographed page
    # stays JPEG (as PNG it would be several times larger).
    pages: list[str] = []
    parts: list[bytes] = []
    read: list[int] = []
    unread: list[int] = []
    for number, page in enumerate(engine.recognise_all(frames(), name=name, pdf="full",
                                                       image_format=fmt), start=1):
        if page is not None and page.readable:
            pages.append(page.text)
            read.append(number)
        else:
            pages.append("")
            unread.append(number)
            log.info("%s page %d: OCR found no text%s", name, number,
                     f" ({page.problem})" if page is not None and page.problem else "")
        if page is not None and page.pdf:
            parts.append(page.pdf)
        else:  # the frame as it is, so the view PDF's page n stays the document's page n
            parts.append(_blank_pdf() if number in failed else _frame_pdf(image, number))
    try:
        view: bytes | None = join_pdfs(parts)
    except Exception as e:  # pypdf on Tesseract's own output: not expected, not fatal
        log.warning("%s: no view PDF (%s)", name, e)
        view = None
    return ParsedDocument(title=path.stem.replace("_", " ").replace("-", " ").strip(),
                          pages=tuple(pages), image_only_pages=tuple(unread),
                          view_pdf=view, ocr_pages=tuple(read))


_TOO_LARGE = f"the image is too large to read (over {MAX_PIXELS:,} pixels a page)"


def _check_size(image: Image.Image, name: str) -> None:
    if image.width * image.height > MAX_PIXELS:
        raise IngestError(name, _TOO_LARGE)


def _prepared(frame: Image.Image) -> tuple[Image.Image, int]:
    """The current frame upright, in a mode Tesseract reads, with its resolution (dpi)."""
    dpi = _dpi(frame.info.get("dpi"))
    page = ImageOps.exif_transpose(frame.copy())  # a phone photo is stored sideways
    if page.mode in ("RGBA", "LA", "PA", "P") or "transparency" in page.info:
        rgba = page.convert("RGBA")
        # Transparent pixels are paper: on black (the default) text would vanish.
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        page = Image.alpha_composite(white, rgba).convert("RGB")
    elif page.mode.startswith("I"):  # 16- and 32-bit grey
        page = page.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif page.mode not in ("1", "L", "RGB"):
        page = page.convert("RGB")  # CMYK, YCbCr, LAB, F
    pixels = page.width * page.height
    if pixels > MAX_OCR_PIXELS:
        factor = (MAX_OCR_PIXELS / pixels) ** 0.5
        page = page.resize((max(1, int(page.width * factor)), max(1, int(page.height * factor))))
        dpi = max(1, round(dpi * factor))
    return page, dpi


def _dpi(stated: object) -> int:
    """The frame's resolution when it states a plausible one, else 300 (a scanner's usual)."""
    try:
        x = float(stated[0]) if isinstance(stated, tuple) else 0.0
    except (TypeError, ValueError):
        x = 0.0
    return round(x) if _DPI_RANGE[0] <= x <= _DPI_RANGE[1] else DEFAULT_DPI


def _frame_pdf(image: Image.Image, number: int) -> bytes:
    """Frame ``number`` alone as a PDF page, for a frame Tesseract gave up on."""
    image.seek(number - 1)
    frame, dpi = _prepared(image)
    out = io.BytesIO()
    frame.convert(frame.mode if frame.mode in ("1", "L") else "RGB").save(
        out, format="PDF", resolution=dpi)
    return out.getvalue()


def _blank_pdf() -> bytes:
    """An empty A4 page standing in for a frame that could not be decoded."""
    out = io.BytesIO()
    Image.new("1", (827, 1169), 1).save(out, format="PDF", resolution=100)
    return out.getvalue()
