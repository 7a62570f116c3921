"""Markdown, plain text and HTML. HTML becomes Markdown-like text (headings as '#', table rows
as 'a | b'); script, style and other non-content elements are dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ingest.document import ParsedDocument
from retrieval.errors import IngestError

_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul",
          "ol", "table", "thead", "tbody", "blockquote", "pre", "br", "hr", "dl", "dt", "dd",
          "figure", "figcaption", "form"}


def _decode(path: Path, raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise IngestError(path.name, "this looks like a binary file, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


class _HtmlToText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.title = ""
        self._in_title = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIP:
            self.skipping += 1
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "tr":
            self._row = []
        elif tag in {"td", "th"}:
            self._cell = []
        elif tag in _BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.out.append("\n" + " | ".join(self._row) + "\n")
            self._row = None
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"} or tag in _BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self.skipping:
            return
        if self._cell is not None:
            self._cell.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def _first_heading(text: str) -> str:
    match = re.search(r"^#{1,3}\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else ""


def read_markdown(path: Path, raw: bytes) -> ParsedDocument:
    text = _decode(path, raw)
    title = _first_heading(text) or path.stem.replace("-", " ").replace("_", " ")
    return ParsedDocument(title=title, pages=(text,), markdown_headings=True)


def read_text(path: Path, raw: bytes) -> ParsedDocument:
    text = _decode(path, raw)
    return ParsedDocument(title=path.stem.replace("-", " ").replace("_", " "), pages=(text,))


def read_html(path: Path, raw: bytes) -> ParsedDocument:
    parser = _HtmlToText()
    parser.feed(_decode(path, raw))
    parser.close()
    text = re.sub(r"[ \t]+\n", "\n", "".join(parser.out))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    title = " ".join(parser.title.split()) or _first_heading(text) or path.stem
    return ParsedDocument(title=title, pages=(text,), markdown_headings=True)
