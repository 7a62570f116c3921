"""What a parser hands to the chunker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    #: text of each page; index 0 is page 1. Markdown, text and HTML are one page.
    pages: tuple[str, ...]
    #: 1-based pages that show images but have no text layer (scans) and no recognised text:
    #: OCR did not run (no engine) or could not read them
    image_only_pages: tuple[int, ...] = ()
    #: whether lines starting with '#' are headings (Markdown and converted HTML)
    markdown_headings: bool = False
    #: a PDF to show for "open page" instead of the original: an Office file rendered by
    #: LibreOffice, a scan with its recognised text layer. Stored as ``<digest>.view.pdf``
    #: beside the original; its page n is the document's page n.
    view_pdf: bytes | None = None
    #: 1-based pages whose text was recognised by OCR (they had no text layer). A page OCR
    #: could not read is not here but still in ``image_only_pages``.
    ocr_pages: tuple[int, ...] = ()
