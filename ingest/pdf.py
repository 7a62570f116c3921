"""PDF text per page, and OCR for the pages that have no text layer. pypdf (this is the one
file that imports it) opens the file and says why one cannot be read; each page's text is
PDFium's words laid out by ``ingest.pdf_lines`` (the "native" engine, 16 to 20 times faster than
pypdf's layout mode on FinanceBench filings and at least as faithful: ``bench.parse_bench``),
with pypdf's layout mode for a page PDFium cannot read and for a file it cannot open.

Two stages: ``read_pdf_text`` (the text layer; it depends on the file's bytes only, so the
pipeline caches it and may run it in a child process) and ``recognise_scans`` (OCR).

pypdf raises many kinds of exceptions on damaged files, lazily (at open, at the page count, or
per page); every stage is guarded so that one bad file or page becomes a clear ``IngestError``
or an empty page, never a crashed batch.

A page with images and no text is a scan: it is rendered (``ingest.rasterise``) and recognised
(``ingest.ocr``); every other page keeps its own text layer, untouched. When at least one page
was recognised the document also gets a view PDF: the original with the recognised pages'
words laid over them as invisible text, so "open page" can box a quote on the scan. The pages
that had text are copied as they are.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import pypdf
from PIL import Image
from pypdf.errors import (
    DependencyError,
    EmptyFileError,
    FileNotDecryptedError,
    PdfReadError,
    PdfStreamError,
    WrongPasswordError,
)

from ingest.document import ParsedDocument
from ingest.ocr import DEFAULT_DPI, RecognisedPage, Tesseract
from ingest.pdf_lines import page_text
from ingest.rasterise import PDFIUM_VERSION, PageRenderer, TextLayer
from retrieval.errors import DocqaError, IngestError

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files log noisily; we report

#: how a page's text layer becomes text: "native" lays out PDFium's words (``ingest.pdf_lines``),
#: "layout" is pypdf's layout mode (the default until issue 16's measurements). "native"
#: falls back to "layout" for a page or a file PDFium cannot read.
TEXT_ENGINES = ("native", "layout")
DEFAULT_ENGINE = "native"
#: bumped whenever the text an engine gives for the same file may change, so that parses
#: cached by an earlier version are not used
_ENGINE_VERSIONS = {"native": "native-1", "layout": "layout-1"}

_GENERIC_TITLES = re.compile(r"^(untitled|document|microsoft word.*|.*\.(docx?|pdf)|\W*)$", re.I)


def parser_version(engine: str = DEFAULT_ENGINE) -> str:
    """Names what ``read_pdf_text`` makes of a file: part of the parse cache's key."""
    pdfium = f"-{PDFIUM_VERSION}" if engine == "native" else ""
    return f"pdf-{_ENGINE_VERSIONS[engine]}-pypdf{pypdf.__version__}{pdfium}"


_CELL_GAP = re.compile(r"(?<=\S) {4,}(?=\S)")
_CURRENCY_GAP = re.compile(r"([$€£]) +(?=[\d(])")


def _layout_lines(text: str) -> str:
    """pypdf's layout mode keeps a table row on one line, its cells apart by runs of spaces.
    Those runs become " | " so the row stays one unit; indentation is dropped."""
    lines = []
    for line in text.split("\n"):
        line = _CURRENCY_GAP.sub(r"\1", line.strip())
        lines.append(_CELL_GAP.sub(" | ", line))
    return "\n".join(lines)


def _page_text(page: pypdf.PageObject) -> str:
    """Layout mode keeps table rows together; the plain mode is the fallback when layout
    fails or finds nothing (it trips on some fonts and rotated pages)."""
    try:
        text = _layout_lines(page.extract_text(extraction_mode="layout") or "")
    except Exception as e:
        log.info("layout extraction failed (%s); using plain mode", e)
        text = ""
    if text.strip():
        return text
    return str(page.extract_text() or "")


def _has_images(page: pypdf.PageObject) -> bool:
    try:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                if ref.get_object().get("/Subtype") in ("/Image", "/Form"):
                    return True
        contents = page.get_contents()
        return contents is not None and b"BI" in contents.get_data()
    except Exception:  # a page we cannot inspect: treat as image-bearing, the safer flag
        return True


def _title(reader: pypdf.PdfReader, path: Path) -> str:
    try:
        meta = reader.metadata
        title = (meta.title or "").strip() if meta else ""
    except Exception:
        title = ""
    if len(title) >= 4 and not _GENERIC_TITLES.match(title):
        return title
    return title_from_name(path)


def title_from_name(path: Path) -> str:
    """The title of a PDF whose metadata has none worth showing."""
    return path.stem.replace("_", " ").replace("-", " ").strip()


def read_pdf(path: Path, ocr: Tesseract | None = None, *, recognise: bool = True,
             engine: str = DEFAULT_ENGINE) -> ParsedDocument:
    """The text of every page; pages without a text layer recognised by ``ocr`` (default: the
    engine the settings describe), or only listed in ``image_only_pages`` when ``recognise``
    is False. Raises ``IngestError`` for a file that cannot be read."""
    parsed = read_pdf_text(path, engine=engine)
    if not parsed.image_only_pages or not recognise:
        return parsed
    return recognise_scans(path, parsed, ocr)


def read_pdf_text(path: Path, *, engine: str = DEFAULT_ENGINE) -> ParsedDocument:
    """Each page's text layer, and the pages that are images without one; no OCR. Depends
    on the file's bytes and ``parser_version(engine)`` only, so it can be cached, and it
    pickles (it may run in a child process). Raises ``IngestError``."""
    _check_engine(engine)
    name = path.name
    with _limits(), ExitStack() as stack:
        reader, n_pages = _open(path, name)
        layer = _native_layer(stack, path, name, n_pages) if engine == "native" else None
        pages: list[str] = []
        image_only: list[int] = []
        broken = 0
        for number in range(1, n_pages + 1):
            text, page = _read_page(reader, layer, number, name)
            pages.append(text or "")
            if text is None:
                broken += 1
            elif page is not None and not text.strip() and _has_images(page):
                image_only.append(number)
        if broken == n_pages:
            raise IngestError(name, "no page of the PDF could be read (the file is damaged)")
        return ParsedDocument(title=_title(reader, path), pages=tuple(pages),
                              image_only_pages=tuple(image_only))


def page_texts(path: Path, numbers: Sequence[int], *,
               engine: str = DEFAULT_ENGINE) -> list[str]:
    """The text of the 1-based pages ``numbers`` as ``read_pdf_text`` reads them ("" for a
    page that cannot be read): the parse benchmark compares the engines on a few pages of
    large files. Raises ``IngestError`` as ``read_pdf_text`` does."""
    _check_engine(engine)
    name = path.name
    with _limits(), ExitStack() as stack:
        reader, n_pages = _open(path, name)
        layer = _native_layer(stack, path, name, n_pages) if engine == "native" else None
        return [_read_page(reader, layer, number, name)[0] or "" for number in numbers]


def _check_engine(engine: str) -> None:
    if engine not in TEXT_ENGINES:
        raise ValueError(f"unknown PDF text engine {engine!r}; one of {TEXT_ENGINES}")


def _read_page(reader: pypdf.PdfReader, layer: TextLayer | None, number: int,
               name: str) -> tuple[str | None, pypdf.PageObject | None]:
    """Page ``number``'s text (None: no engine could read it) and pypdf's page when pypdf
    read it (None when the native text was used: no need to look for images)."""
    if layer is not None:
        text = _native_text(layer, number, name)
        if text.strip():
            return text, None
    try:
        page = reader.pages[number - 1]
        return _page_text(page), page
    except Exception as e:
        log.info("%s page %d unreadable: %s", name, number, e)
        return None, None


def recognise_scans(path: Path, parsed: ParsedDocument,
                    ocr: Tesseract | None = None) -> ParsedDocument:
    """``parsed`` (from ``read_pdf_text``) with its image-only pages recognised by ``ocr``
    and the view PDF that lays their words over the scans. Raises ``IngestError`` when the
    document is a scan and nothing else and OCR cannot run."""
    if not parsed.image_only_pages:
        return parsed
    name = path.name
    image_only = parsed.image_only_pages
    pages = list(parsed.pages)
    engine = ocr if ocr is not None else Tesseract.from_settings()
    try:
        recognised = _recognise(path, image_only, engine, name)
    except IngestError as e:
        if not any(p.strip() for p in pages):
            raise  # a scan and nothing else: say why it cannot be read
        # Pages with text are worth indexing without OCR; the rest stays flagged.
        log.warning("%s: pages %s not recognised: %s", name, list(image_only), e.reason)
        return parsed
    overlays: dict[int, bytes] = {}
    for number, scan in recognised.items():
        if scan.readable:
            pages[number - 1] = scan.text
            if scan.pdf is not None:
                overlays[number] = scan.pdf
        else:
            log.info("%s page %d: OCR found no text%s", name, number,
                     f" ({scan.problem})" if scan.problem else "")
    ocr_pages = tuple(n for n in image_only if recognised.get(n) is not None
                      and recognised[n].readable)
    unread = tuple(n for n in image_only if n not in ocr_pages)
    with _limits():
        view_pdf = _view_pdf(path, overlays, name)
    return ParsedDocument(title=parsed.title, pages=tuple(pages), image_only_pages=unread,
                          view_pdf=view_pdf, ocr_pages=ocr_pages)


def _limits() -> AbstractContextManager[object]:
    """Some real 10-Qs exceed pypdf's default limits on arrays and dictionaries."""
    return pypdf.apply_configuration(array_maximum_element_count=2_000_000,
                                     dictionary_maximum_element_count=2_000_000)


def _open(path: Path, name: str) -> tuple[pypdf.PdfReader, int]:
    """The reader and the page count, or the ``IngestError`` that says why not. pypdf's
    errors come lazily (at open, at decryption, at the page count), so all three are here."""
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(name, "the PDF is protected by a password; upload an "
                                    "unprotected copy")
        n_pages = len(reader.pages)
    except IngestError:
        raise
    except (FileNotDecryptedError, WrongPasswordError) as e:
        raise IngestError(name, "the PDF is protected by a password; upload an "
                                "unprotected copy") from e
    except DependencyError as e:
        raise IngestError(name, f"the PDF needs a missing decoder ({e})") from e
    except EmptyFileError as e:
        raise IngestError(name, "the file is empty") from e
    except (PdfStreamError, PdfReadError) as e:
        raise IngestError(name, "this is not a readable PDF (damaged, truncated or "
                                f"another file type renamed to .pdf: {e})") from e
    except Exception as e:
        raise IngestError(name, f"the PDF is damaged and could not be read ({e})") from e
    if n_pages == 0:
        raise IngestError(name, "the PDF has no pages")
    return reader, n_pages


def _native_layer(stack: ExitStack, path: Path, name: str, n_pages: int) -> TextLayer | None:
    """PDFium's view of the file, or None when PDFium cannot open it or counts other pages
    than pypdf (then pypdf reads every page: its page numbers are the document's)."""
    try:
        layer = stack.enter_context(TextLayer(path, name))
        count = len(layer)
    except DocqaError as e:
        log.info("%s: PDFium cannot open it (%s); reading it with pypdf", name, e)
        return None
    if count != n_pages:
        log.info("%s: PDFium counts %d pages, pypdf %d; reading it with pypdf", name, count,
                 n_pages)
        return None
    return layer


def _native_text(layer: TextLayer, number: int, name: str) -> str:
    """The page laid out from PDFium's words; "" sends the page to pypdf (no text, or
    PDFium failed on it)."""
    try:
        return page_text(layer.words(number))
    except Exception as e:  # PdfiumError and ctypes errors on a damaged page
        log.info("%s page %d: PDFium could not read its text (%s); using pypdf", name,
                 number, e)
        return ""


def _recognise(path: Path, numbers: Sequence[int], engine: Tesseract,
               name: str) -> dict[int, RecognisedPage]:
    """OCR of ``numbers`` (1-based); a page that cannot be rendered or read is left out or
    comes back unreadable. Raises ``IngestError`` when OCR cannot run at all."""
    engine.check(name)
    results: dict[int, RecognisedPage] = {}
    with PageRenderer(path, name) as renderer:
        def images() -> Iterator[tuple[Image.Image, int] | None]:
            for number in numbers:
                try:
                    yield renderer.render(number, DEFAULT_DPI), DEFAULT_DPI
                except DocqaError as e:
                    log.info("%s page %d could not be rendered for OCR: %s", name, number, e)
                    yield None

        read = engine.recognise_all(images(), name=name, pdf="text")
        for number, page in zip(numbers, read, strict=True):
            if page is not None:
                results[number] = page
    return results


def _view_pdf(path: Path, overlays: dict[int, bytes], name: str) -> bytes | None:
    """The original with each recognised page's invisible text laid over it, scaled to the
    page's visible box; None when nothing was recognised or the PDF cannot be rewritten
    (the viewer then shows the original, without a highlight on the scans)."""
    if not overlays:
        return None
    try:
        reader, _count = _open(path, name)
        writer = pypdf.PdfWriter(clone_from=reader)
        for number, data in overlays.items():
            text_page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
            page = writer.pages[number - 1]
            # The text page is drawn upright, as the page is shown; baking /Rotate into the
            # content first makes the page's own coordinates upright too.
            page.transfer_rotation_to_content()
            box = page.cropbox
            scale_x = float(box.width) / float(text_page.mediabox.width)
            scale_y = float(box.height) / float(text_page.mediabox.height)
            page.merge_transformed_page(
                text_page, pypdf.Transformation().scale(scale_x, scale_y).translate(
                    float(box.left), float(box.bottom)))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except Exception as e:  # a damaged original pypdf can read but not rewrite
        log.warning("%s: no view PDF with the recognised text (%s)", name, e)
        return None


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF of the pages of ``parts``, in order (a recognised multi-page image's view)."""
    writer = pypdf.PdfWriter()
    for part in parts:
        writer.append(pypdf.PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
