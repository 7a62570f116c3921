"""Word-processing and presentation files (.docx/.docm/.doc/.odt/.rtf, .pptx/.pptm/.ppt/.odp),
rendered to PDF by LibreOffice and read page by page (the one file that imports ``docx`` and
``pptx``).

Route, and why: a person finds a passage of a Word file by its page and of a deck by its slide,
and "Open page" must show that place with the passage highlighted. Rendering to PDF with
LibreOffice headless (``ingest.libreoffice``) gives exactly that: the pages are read by the same
PDF reader as every other PDF (``ingest.pdf.read_pdf``), so citations, page spans and the viewer
work unchanged, and the rendered PDF is kept beside the original as ``view_pdf``. Reading the XML
alone (python-docx) would give text without pages, and no maintained Python library reads the
legacy binary formats at all. What the PDF loses, the structure, is recovered from the file
itself with python-docx / python-pptx (maintained, the usual choice):

- Legacy and OpenDocument files (.doc, .odt, .rtf, .ppt, .odp), and OOXML files python-docx or
  python-pptx cannot open (.docm), are first converted to .docx/.pptx by LibreOffice, so one
  reader applies the same rules to every format. A file even that fails on is rendered as it is,
  without the structure below.
- Word: the heading path (Heading 1–9 and Title styles, or an outline level) becomes the section
  of every chunk. Tracked changes are resolved before rendering: deletions (and moved-away text,
  and deleted table rows) are removed, insertions kept, so deleted text is never indexed. Comments
  are not rendered, so not indexed (review remarks are not the document's content). Headers and
  footers are rendered; a line that repeats on every page (most pages of a long document) is a
  running header and is dropped, like a PDF's. Hidden text (Word's "hidden" format) is not
  rendered. Footnotes, text boxes and tables are rendered and indexed (tables as "a | b" rows).
- PowerPoint: page n is slide n. A slide's section is "Slide n: <title>". Speaker notes are
  indexed with their slide, after a "Speaker notes:" line (they often hold what the slide only
  hints at). Hidden slides are not indexed and are rendered blank (so later slides keep their
  numbers and the viewer shows nothing of them). Comments are not indexed.
- Macros never run (see ``ingest.libreoffice``).
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pptx
from docx.opc.part import XmlPart
from lxml import etree

from ingest import libreoffice
from ingest.document import ParsedDocument
from ingest.normalise import normalise_pages
from ingest.office_guard import open_container
from ingest.pdf import read_pdf
from retrieval.errors import IngestError

log = logging.getLogger(__name__)

WORD = {".docx", ".docm", ".dotx", ".doc", ".odt", ".rtf"}
PRESENTATION = {".pptx", ".pptm", ".ppsx", ".ppt", ".odp"}
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título|titolo)\s*(\d)$", re.I)
_MARKDOWN_LINE = re.compile(r"^(\s*)(#{1,6}(?=\s)|```)")
#: what may stand before a heading's text on the rendered page: its list number ("2.1", "A.")
_NUMBERING = r"(?:[\dA-Za-z]{1,3}[.)]?(?:\d{1,3}[.)]?){0,4}\s+)?"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
MAX_HEADINGS = 5000


@dataclass(frozen=True)
class _Prepared:
    """A file ready to render, and what was learnt about its structure."""
    raw: bytes  # the bytes LibreOffice renders
    suffix: str  # what they are (".docx", ".pptx" or the original's suffix)
    title: str = ""
    headings: tuple[tuple[int, str], ...] = ()  # Word: (level, text) in document order
    slides: tuple[tuple[str, str, bool], ...] | None = None  # (title, notes, hidden)


# -- Word ---------------------------------------------------------------------------------
def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def resolve_tracked_changes(root: Any) -> int:
    """Accept every tracked change in a WordprocessingML tree: deleted (and moved-away)
    content and deleted table rows go, inserted content stays as plain text. Returns how many
    changes were resolved."""
    changes = 0
    for element in list(root.iter(f"{{{_W}}}del", f"{{{_W}}}moveFrom", f"{{{_W}}}ins",
                                  f"{{{_W}}}moveTo", f"{{{_W}}}rPrChange", f"{{{_W}}}pPrChange",
                                  f"{{{_W}}}tblPrChange", f"{{{_W}}}trPrChange",
                                  f"{{{_W}}}tcPrChange", f"{{{_W}}}sectPrChange")):
        parent = element.getparent()
        if parent is None:
            continue
        changes += 1
        name, holder = _local(element), _local(parent)
        if name in ("del", "moveFrom") and holder == "trPr":  # a deleted table row
            row = parent.getparent()
            if row is not None and row.getparent() is not None:
                row.getparent().remove(row)
        elif name in ("ins", "moveTo") and holder not in ("rPr", "trPr", "pPr"):
            index = parent.index(element)  # unwrap: the inserted runs stay
            for offset, child in enumerate(list(element)):
                parent.insert(index + offset, child)
            parent.remove(element)
        else:  # deleted content, or a marker / old formatting
            parent.remove(element)
    return changes


def _heading_level(paragraph: Any) -> int | None:
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        m = _HEADING_STYLE.match(name)
        if m:
            return max(1, int(m.group(1)))
        style = style.base_style
        seen += 1
    ppr = paragraph._p.pPr
    if ppr is not None:
        outline = ppr.find(f"{{{_W}}}outlineLvl")
        if outline is not None:
            value = outline.get(f"{{{_W}}}val", "")
            if value.isdigit() and int(value) < 9:
                return int(value) + 1
    return None


def _clean_parts(document: Any) -> int:
    changes = 0
    for part in document.part.package.iter_parts():
        content_type = getattr(part, "content_type", "")
        if "wordprocessingml" not in content_type:
            continue
        if isinstance(part, XmlPart):
            changes += resolve_tracked_changes(part.element)
        elif content_type.endswith(("footnotes+xml", "endnotes+xml")):
            try:
                root = etree.fromstring(part.blob, _SAFE_XML)
            except etree.XMLSyntaxError:
                continue
            if resolve_tracked_changes(root):
                changes += 1
                part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                            standalone=True)
    return changes


def _prepare_word(name: str, raw: bytes) -> _Prepared:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = docx.Document(io.BytesIO(raw))
    headings: list[tuple[int, str]] = []
    first_title = ""
    for paragraph in document.paragraphs:
        level = _heading_level(paragraph)
        if level is None:
            continue
        text = " ".join(paragraph.text.split())
        if text and len(text) <= 200:
            headings.append((level, text))
            if not first_title and paragraph.style is not None and (
                    paragraph.style.name or "").lower() == "title":
                first_title = text
        if len(headings) >= MAX_HEADINGS:
            break
    changes = _clean_parts(document)
    if changes:
        log.info("%s: %d tracked changes resolved before rendering", name, changes)
    title = (document.core_properties.title or "").strip() or first_title
    out = io.BytesIO()
    document.save(out)
    return _Prepared(out.getvalue(), ".docx", title, tuple(headings))


# -- PowerPoint ---------------------------------------------------------------------------
def _slide_title(slide: Any) -> str:
    try:
        shape = slide.shapes.title
    except Exception:
        shape = None
    text = shape.text_frame.text if shape is not None and shape.has_text_frame else ""
    return " ".join(text.split())


def _notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return frame.text.strip() if frame is not None else ""


def _blank(slide: Any) -> None:
    """Remove every shape of a hidden slide and show it: it renders as an empty page, so the
    slides after it keep their numbers and nothing hidden reaches the viewer."""
    for shape in list(slide.shapes):
        element = shape._element
        element.getparent().remove(element)
    slide._element.attrib.pop("show", None)


def _prepare_presentation(name: str, raw: bytes) -> _Prepared:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deck = pptx.Presentation(io.BytesIO(raw))
    slides: list[tuple[str, str, bool]] = []
    for slide in deck.slides:
        hidden = slide._element.get("show") in ("0", "false")
        if hidden:
            _blank(slide)
            slides.append(("", "", True))
        else:
            slides.append((_slide_title(slide), _notes(slide), False))
    title = (deck.core_properties.title or "").strip()
    if not title:
        title = next((t for t, _, hidden in slides if t and not hidden), "")
    out = io.BytesIO()
    deck.save(out)
    return _Prepared(out.getvalue(), ".pptx", title, slides=tuple(slides))


# -- rendering and structure --------------------------------------------------------------
def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _plain(line: str) -> str:
    """A rendered line that starts like a Markdown heading or code fence must not become one:
    the page is read with Markdown headings (the ones this module marks)."""
    return _MARKDOWN_LINE.sub(lambda m: m.group(1) + m.group(2).replace("#", "No.").replace(
        "```", "'''"), line)


def mark_headings(pages: list[str], headings: Iterable[tuple[int, str]]) -> list[str]:
    """Prefix each heading's line on the rendered pages with '#' marks, in document order:
    a heading is looked for after the previous one found; one not found is skipped. A heading
    wrapped over two or three lines is joined back into one."""
    lines = [[_plain(line) for line in page.split("\n")] for page in pages]
    cursor = (0, 0)
    for level, text in headings:
        wanted = _fold(text)
        if not wanted:
            continue
        pattern = re.compile(_NUMBERING + re.escape(wanted))
        found = _find(lines, cursor, wanted, pattern)
        if found is None:
            continue
        page, index, span = found
        joined = " ".join(lines[page][index:index + span]).strip()
        lines[page][index:index + span] = [f"{'#' * min(level, 6)} {joined}"]
        cursor = (page, index + 1)
    return ["\n".join(page) for page in lines]


def _find(lines: list[list[str]], cursor: tuple[int, int], wanted: str,
          pattern: re.Pattern[str]) -> tuple[int, int, int] | None:
    start_page, start_line = cursor
    for page in range(start_page, len(lines)):
        page_lines = lines[page]
        for index in range(start_line if page == start_page else 0, len(page_lines)):
            line = page_lines[index]
            if line.startswith("#"):
                continue
            folded = _fold(line)
            if not folded:
                continue
            for span in (1, 2, 3):
                candidate = folded if span == 1 else _fold(
                    " ".join(page_lines[index:index + span]))
                if pattern.fullmatch(candidate):
                    return page, index, span
                if len(candidate) >= len(wanted) + 12:
                    break
    return None


def _slide_pages(pages: list[str], slides: tuple[tuple[str, str, bool], ...]) -> list[str]:
    out = []
    for number, (page, (title, notes, hidden)) in enumerate(zip(pages, slides, strict=True),
                                                             start=1):
        if hidden:
            out.append("")
            continue
        heading = f"# Slide {number}: {title}" if title else f"# Slide {number}"
        body = "\n".join(_plain(line) for line in page.split("\n"))
        if notes:
            notes_text = "\n".join(_plain(line) for line in notes.split("\n"))
            body = f"{body}\n\nSpeaker notes:\n{notes_text}"
        out.append(f"{heading}\n{body}".strip())
    return out


def _render(name: str, raw: bytes, suffix: str) -> tuple[bytes, list[str], tuple[int, ...]]:
    pdf = libreoffice.convert(name, raw, suffix, "pdf")
    with tempfile.TemporaryDirectory(prefix="docqa-view-") as tmp:
        path = Path(tmp) / "rendered.pdf"
        path.write_bytes(pdf)
        try:
            parsed = read_pdf(path)
        except IngestError as e:
            raise IngestError(name, f"the rendered file could not be read ({e.reason})") from e
    return pdf, list(parsed.pages), parsed.image_only_pages


def _prepared(name: str, raw: bytes, suffix: str, presentation: bool) -> _Prepared:
    """The file as .docx/.pptx with its structure; falls back to the file as it is."""
    container = open_container(name, raw)
    data, kind = container.raw, container.kind
    native = kind == "zip" and suffix not in (".odt", ".odp")
    prepare = _prepare_presentation if presentation else _prepare_word
    if native:
        try:
            return prepare(name, data)
        except Exception as e:  # python-docx/-pptx refuse .docm and odd packages
            log.info("%s: %s; converting through LibreOffice first", name, e)
    target = "pptx:Impress MS PowerPoint 2007 XML" if presentation else "docx:MS Word 2007 XML"
    source_suffix = suffix if kind != "ole" or suffix not in (".docx", ".pptx") else (
        ".ppt" if presentation else ".doc")
    converted = libreoffice.convert(name, data, source_suffix, target)
    open_container(name, converted)
    try:
        return prepare(name, converted)
    except Exception as e:
        log.info("%s: structure not readable after conversion (%s); rendering as is", name, e)
        return _Prepared(data, source_suffix)


def read_office(path: Path, raw: bytes, name: str) -> ParsedDocument:
    """A Word or PowerPoint (or OpenDocument, RTF) file: the rendered PDF's pages, headings
    or slide titles as sections, and the rendered PDF to view."""
    suffix = path.suffix.lower()
    presentation = suffix in PRESENTATION
    if not libreoffice.available():
        raise IngestError(name, libreoffice.MISSING)
    prepared = _prepared(name, raw, suffix, presentation)
    pdf, pages, image_only = _render(name, prepared.raw, prepared.suffix)
    pages = normalise_pages(pages)  # running headers and footers go before sections are marked
    if prepared.slides is not None and len(prepared.slides) == len(pages):
        pages = _slide_pages(pages, prepared.slides)
        hidden = {n for n, (_, _, h) in enumerate(prepared.slides, start=1) if h}
        image_only = tuple(n for n in image_only if n not in hidden)
    elif presentation:
        pages = [f"# Slide {n}\n{page}" if page.strip() else page
                 for n, page in enumerate((_plain_page(p) for p in pages), start=1)]
    else:
        pages = mark_headings(pages, prepared.headings)
    title = prepared.title or Path(name).stem.replace("_", " ").replace("-", " ").strip()
    return ParsedDocument(title=title, pages=tuple(pages), image_only_pages=image_only,
                          markdown_headings=True, view_pdf=pdf)


def _plain_page(page: str) -> str:
    return "\n".join(_plain(line) for line in page.split("\n"))
