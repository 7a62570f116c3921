"""Structure-following, token-aware chunking with page spans and section headings.

A page is cut into units that must not be split: headings, sentences, table rows, list items,
code blocks. Units are packed greedily up to ``chunk_tokens`` (tiktoken), a new section starts
a new chunk once the current one holds enough, and consecutive chunks share up to
``overlap_tokens`` of whole trailing units. Finally every chunk is checked against the
embedder's own input window (MiniLM reads 256 word pieces and silently drops the rest) and
split further until it fits, so nothing is lost at embedding time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.document import ParsedDocument
from retrieval.text import split_sentences
from retrieval.tokens import count_tokens

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^.!?:;]{1,80})$")
_ITEM_HEADING = re.compile(r"^(PART\s+[IVX]+|Item\s+\d+[A-Z]?\.)(\s.*)?$", re.I)
#: a numbered note of a financial report, under its "Item 8" ("NOTE 10. Income Taxes")
_NOTE_HEADING = re.compile(r"^Note\s+\d{1,2}[.:]?\s+[A-Z][^.!?;]{1,80}$", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•▪◦‣]|\(?[a-zA-Z0-9]{1,3}[.)])\s+\S")
_NUMBER = re.compile(r"(?<![\w.])[$€£(]?-?\d[\d,.]*%?\)?(?![\w])")
#: words a title leaves in lower case ("Statements of Cash Flows", "Years ended December 31")
_MINOR_WORDS = frozenset({
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or",
    "per", "the", "to", "vs", "with", "ended", "ending", "except", "including", "excluding",
    "other", "than", "plc"})
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
#: dates in a title ("Year ended 31 March 2026") are not the figures of a table row
_DATE = re.compile(rf"\b\d{{1,2}}\s+{_MONTH}|\b{_MONTH}\s+\d{{1,2}}\b|\b(?:19|20)\d\d\b", re.I)
_PAGE_TITLE_LINES = 4  # a page-top title block is at most this many lines

@dataclass(frozen=True)
class ChunkDraft:
    text: str
    page_start: int
    page_end: int
    section: str
    n_tokens: int
    #: (character offset, page) wherever the text moves on to another page
    page_breaks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int
    kind: str  # heading | sentence | row | item | code
    paragraph: int  # units of one paragraph are joined with a space, others with a newline
    tokens: int
    section: str  # heading path in force where the unit starts
    level: int = 0


def _is_row(line: str) -> bool:
    if "|" in line and line.count("|") >= 1 and len(line) < 600:
        return True
    return len(_NUMBER.findall(line)) >= 2 and len(line) <= 240


def _heading(line: str, markdown: bool) -> tuple[int, str] | None:
    if markdown:
        m = _MD_HEADING.match(line)
        return (len(m.group(1)), m.group(2).strip()) if m else None
    stripped = line.strip()
    if len(stripped) > 90:
        return None
    m = _NUMBERED_HEADING.match(stripped)
    if m and len(_NUMBER.findall(m.group(2))) < 2:
        return (m.group(1).count(".") + 1, stripped)
    if _ITEM_HEADING.match(stripped):
        return (1, stripped)
    if _NOTE_HEADING.match(stripped):
        return (2, stripped)
    letters = [c for c in stripped if c.isalpha()]
    if (len(letters) >= 4 and all(c.isupper() for c in letters) and len(stripped.split()) <= 8
            and not any(c.isdigit() for c in stripped)):
        return (1, stripped)
    return None


def _title_line(line: str) -> bool:
    """A short line in title case that is neither a table row nor a sentence: how reports
    title a page ("Consolidated Statements of Cash Flows", "NOTE 10. Income Taxes")."""
    stripped = line.strip()
    if not stripped or len(stripped) > 100 or "|" in stripped or stripped[-1] in ".,;:":
        return False
    words = stripped.split()
    if len(words) > 12 or len(_NUMBER.findall(_DATE.sub("", stripped))) >= 2:
        return False
    lettered = [w.strip("()[]\"'“”‘’") for w in words]
    lettered = [w for w in lettered if w and w[0].isalpha()]
    if len(lettered) < 2 or not (stripped[0].isupper() or stripped[0].isdigit()):
        return False
    return all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in lettered)


def first_heading(page: str, markdown: bool) -> str:
    """The first line of ``page`` the chunker would take for a heading ("" when none)."""
    for line in page.split("\n"):
        heading = _heading(line.rstrip(), markdown)
        if heading is not None and heading[1]:
            return heading[1]
    return ""


class _Sections:
    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))

    @property
    def path(self) -> str:
        return " > ".join(title for _, title in self.stack)


class Chunker:
    def __init__(
        self,
        chunk_tokens: int = 200,
        overlap_tokens: int = 30,
        fits: Callable[[str], bool] | None = None,
        count: Callable[[str], int] = count_tokens,
    ) -> None:
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self._fits = fits or (lambda _text: True)
        self._count = count

    # -- units -----------------------------------------------------------------------------
    def _units(self, doc: ParsedDocument) -> Iterator[_Unit]:
        sections = _Sections()
        paragraph_id = 0
        buffer: list[str] = []
        buffer_page = 1

        def flush() -> Iterator[_Unit]:
            nonlocal paragraph_id, buffer
            if buffer:
                paragraph_id += 1
                for sentence in split_sentences(" ".join(buffer)):
                    yield from self._sized(_Unit(sentence, buffer_page, "sentence", paragraph_id,
                                                 self._count(sentence), sections.path))
                buffer = []

        for page_number, page in enumerate(doc.pages, start=1):
            in_code = False
            code: list[str] = []
            lines = page.split("\n")
            top = [] if doc.markdown_headings else self._page_title(lines)
            if top:
                # The title a report prints at the top of a page ("Consolidated Statement
                # of Income") is the section of everything on that page, though it is set
                # in title case rather than numbered or in capitals.
                yield from flush()
                sections.enter(2, " · ".join(lines[i].strip() for i in top))
            for number, raw_line in enumerate(lines):
                line = raw_line.rstrip()
                if doc.markdown_headings and line.lstrip().startswith("```"):
                    yield from flush()
                    if in_code:
                        code.append(line)
                        text = "\n".join(code)
                        paragraph_id += 1
                        yield from self._sized(_Unit(text, page_number, "code", paragraph_id,
                                                     self._count(text), sections.path))
                        code = []
                    else:
                        code = [line]
                    in_code = not in_code
                    continue
                if in_code:
                    code.append(line)
                    continue
                if not line.strip():
                    yield from flush()
                    continue
                heading = _heading(line, doc.markdown_headings)
                if heading is None and number in top:
                    heading = (2, line.strip())
                if heading is not None:
                    yield from flush()
                    if number not in top:
                        sections.enter(*heading)
                    paragraph_id += 1
                    yield _Unit(heading[1], page_number, "heading", paragraph_id,
                                self._count(heading[1]), sections.path, heading[0])
                elif _LIST_ITEM.match(line) or _is_row(line):
                    yield from flush()
                    paragraph_id += 1
                    kind = "item" if _LIST_ITEM.match(line) else "row"
                    text = line.strip()
                    yield from self._sized(_Unit(text, page_number, kind, paragraph_id,
                                                 self._count(text), sections.path))
                else:
                    if not buffer:
                        buffer_page = page_number
                    buffer.append(line.strip())
            if code:
                text = "\n".join(code)
                paragraph_id += 1
                yield from self._sized(_Unit(text, page_number, "code", paragraph_id,
                                             self._count(text), sections.path))
            yield from flush()

    @staticmethod
    def _page_title(lines: list[str]) -> list[int]:
        """Indexes of the title block at the top of a page: the first lines, when they are
        title lines (see ``_title_line``) and more content follows them."""
        block: list[int] = []
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            if not _title_line(line) or len(block) == _PAGE_TITLE_LINES:
                return block if block and i < len(lines) else []
            block.append(i)
        return []  # a page of title lines only (a cover, a divider) titles nothing

    def _sized(self, unit: _Unit) -> Iterator[_Unit]:
        """A unit longer than a chunk (a run-on table, a wall of text) is cut at words."""
        if unit.tokens <= self.chunk_tokens:
            yield unit
            return
        words = unit.text.split(" ")
        piece: list[str] = []
        piece_tokens = 0
        for word in words:
            t = self._count(" " + word)
            if piece and piece_tokens + t > self.chunk_tokens:
                text = " ".join(piece)
                yield _Unit(text, unit.page, unit.kind, unit.paragraph, self._count(text),
                            unit.section)
                piece, piece_tokens = [], 0
            piece.append(word)
            piece_tokens += t
        if piece:
            text = " ".join(piece)
            yield _Unit(text, unit.page, unit.kind, unit.paragraph, self._count(text),
                        unit.section)

    # -- packing ---------------------------------------------------------------------------
    def _groups(self, units: Iterator[_Unit]) -> Iterator[list[_Unit]]:
        current: list[_Unit] = []
        tokens = 0
        min_fill = self.chunk_tokens // 3

        def has_content(group: list[_Unit]) -> bool:
            return any(u.kind != "heading" for u in group)

        for unit in units:
            if unit.kind == "heading" and has_content(current) and tokens >= min_fill:
                yield current
                current, tokens = [], 0
            elif (unit.kind != "heading" and has_content(current)
                  and tokens + unit.tokens > self.chunk_tokens):
                yield current
                carried: list[_Unit] = []
                carried_tokens = 0
                for prev in reversed(current):
                    if prev.kind == "heading" or carried_tokens + prev.tokens > self.overlap_tokens:
                        break
                    carried.insert(0, prev)
                    carried_tokens += prev.tokens
                current, tokens = carried, carried_tokens
            current.append(unit)
            tokens += unit.tokens
        if has_content(current):
            yield current

    @staticmethod
    def _join_with_breaks(units: list[_Unit]) -> tuple[str, tuple[tuple[int, int], ...]]:
        parts: list[str] = []
        breaks: list[tuple[int, int]] = []
        length = 0
        for i, unit in enumerate(units):
            if i:
                same = unit.paragraph == units[i - 1].paragraph and unit.kind == "sentence"
                parts.append(" " if same else "\n")
                length += 1
                if unit.page != units[i - 1].page:
                    breaks.append((length, unit.page))
            parts.append(unit.text)
            length += len(unit.text)
        return "".join(parts), tuple(breaks)

    @classmethod
    def _join(cls, units: list[_Unit]) -> str:
        return cls._join_with_breaks(units)[0]

    def _fitting(self, units: list[_Unit], prefix: str) -> Iterator[list[_Unit]]:
        if self._fits(prefix + self._join(units)):
            yield units
        elif len(units) > 1:
            middle = len(units) // 2
            yield from self._fitting(units[:middle], prefix)
            yield from self._fitting(units[middle:], prefix)
        else:
            words = units[0].text.split(" ")
            if len(words) < 2:  # one enormous "word": nothing sensible left to split
                yield units
                return
            middle = len(words) // 2
            for half in (words[:middle], words[middle:]):
                text = " ".join(half)
                yield from self._fitting(
                    [_Unit(text, units[0].page, units[0].kind, units[0].paragraph,
                           self._count(text), units[0].section)], prefix)

    def chunk(self, doc: ParsedDocument,
              prefix: Callable[[str], str] = lambda _section: "") -> list[ChunkDraft]:
        """Chunks of ``doc``; ``prefix(section)`` is what the embedder reads before the text."""
        drafts: list[ChunkDraft] = []
        for group in self._groups(self._units(doc)):
            content = [u for u in group if u.kind != "heading"]
            section = content[0].section if content else group[0].section
            for part in self._fitting(group, prefix(section)):
                text, breaks = self._join_with_breaks(part)
                drafts.append(ChunkDraft(
                    text=text,
                    page_start=part[0].page,
                    page_end=max(u.page for u in part),
                    section=section,
                    n_tokens=self._count(text),
                    page_breaks=breaks,
                ))
        return drafts
