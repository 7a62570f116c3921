"""PDF text per page with pypdf (the one file that imports it).

pypdf raises many kinds of exceptions on damaged files, lazily (at open, at the page count, or
per page); every stage is guarded so that one bad file or page becomes a clear ``IngestError``
or an empty page, never a crashed batch.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pypdf
from pypdf.errors import (
    DependencyError,
    EmptyFileError,
    FileNotDecryptedError,
    PdfReadError,
    PdfStreamError,
    WrongPasswordError,
)

from ingest.document import ParsedDocument
from retrieval.errors import IngestError

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files log noisily; we report

_GENERIC_TITLES = re.compile(r"^(untitled|document|microsoft word.*|.*\.(docx?|pdf)|\W*)$", re.I)


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
    return path.stem.replace("_", " ").replace("-", " ").strip()


def read_pdf(path: Path) -> ParsedDocument:
    name = path.name
    with pypdf.apply_configuration(array_maximum_element_count=2_000_000,
                                   dictionary_maximum_element_count=2_000_000):
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

        pages: list[str] = []
        image_only: list[int] = []
        broken = 0
        for number in range(1, n_pages + 1):
            try:
                page = reader.pages[number - 1]
                text = _page_text(page)
            except Exception as e:
                log.info("%s page %d unreadable: %s", name, number, e)
                broken += 1
                pages.append("")
                continue
            pages.append(text)
            if not text.strip() and _has_images(page):
                image_only.append(number)
        if broken == n_pages:
            raise IngestError(name, "no page of the PDF could be read (the file is damaged)")
        return ParsedDocument(title=_title(reader, path), pages=tuple(pages),
                              image_only_pages=tuple(image_only))
