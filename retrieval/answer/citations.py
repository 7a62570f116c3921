"""Citations are checked, not trusted: each ``[n]`` must name a source that was sent, and its
quote must occur in that source. The page shown is the page where the quote starts."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace

from retrieval.answer.context import Source
from retrieval.answer.prompts import REFUSAL
from retrieval.text import fold, locate, split_sentences

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_QUOTES_BLOCK = re.compile(r"<quotes>(.*?)(?:</quotes>|$)", re.S | re.I)
_QUOTE_LINE = re.compile(r"^\s*[-*]?\s*\[(\d+)\]\s*[:\-–]?\s*(.+?)\s*$")


_SHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_DECKS = (".pptx", ".pptm", ".ppt", ".odp")


def place_label(source: str, page: int, section: str = "") -> str:
    """"sheet Price list 2026, rows 6–8", "slide 5" or "page 12"."""
    name = source.lower()
    if name.endswith(_SHEETS) and "›" in section:
        sheet, _, rows = section.rpartition("›")
        return f"sheet {sheet.strip()}, {rows.strip()}"
    if name.endswith(_DECKS):
        return f"slide {page}"
    return f"page {page}"


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    source: str
    title: str
    page: int
    quote: str
    verified: bool
    problem: str = ""
    #: the sentences citing it state only numbers and names found in its passage
    supported: bool = False
    #: the cited chunk's section path ("Price list 2026 › rows 6–8", "Slide 5: Rollouts")
    section: str = ""

    @property
    def place(self) -> str:
        """Where a person finds the passage in the original: the sheet and rows of a
        spreadsheet, the slide of a deck, else the page."""
        return place_label(self.source, self.page, self.section)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "n": self.n, "doc_id": self.doc_id, "source": self.source, "title": self.title,
            "page": self.page, "quote": self.quote, "verified": self.verified,
            "supported": self.supported, "section": self.section, "place": self.place}
        if self.problem:
            data["problem"] = self.problem
        return data


@dataclass(frozen=True)
class CitationCheck:
    citations: list[Citation]
    problems: list[str]

    @property
    def verified(self) -> bool:
        return not self.problems and all(c.verified for c in self.citations)



def _clip(text: str, width: int) -> str:
    """``text`` cut at a word boundary within ``width`` characters, "…" when cut."""
    return textwrap.shorten(text, width=width, placeholder=" …")

def split_reply(reply: str) -> tuple[str, dict[int, list[str]]]:
    """The answer text and the quotes listed after it (``<quotes>`` block)."""
    quotes: dict[int, list[str]] = {}
    match = _QUOTES_BLOCK.search(reply)
    text = reply[: match.start()] if match else reply
    if match:
        for line in match.group(1).splitlines():
            m = _QUOTE_LINE.match(line)
            if m:
                quote = m.group(2).strip().strip('"“”').strip()
                if quote:
                    quotes.setdefault(int(m.group(1)), []).append(quote)
    return text.strip(), quotes


def cited_numbers(text: str) -> list[int]:
    found: list[int] = []
    for m in _MARKER.finditer(text):
        for part in m.group(1).split(","):
            n = int(part)
            if n not in found:
                found.append(n)
    return found


def sentences_of(text: str) -> list[str]:
    """The answer's sentences, a trailing citation marker kept with its sentence."""
    sentences: list[str] = []
    for piece in split_sentences(text.replace("\n", " ")):
        if sentences and not _MARKER.sub("", piece).strip(" .,;"):
            sentences[-1] += " " + piece  # "… the rate. [2]": the marker ends the sentence
        else:
            sentences.append(piece)
    return sentences


def renumber(text: str, citations: Sequence[Citation]
             ) -> tuple[str, list[Citation], dict[int, int]]:
    """Citation numbers in order of first appearance, 1..n without gaps: the text's markers,
    the cards, and the mapping from the prompt's source numbers."""
    order = cited_numbers(text)
    known = {c.n for c in citations}
    mapping = {old: new for new, old in enumerate([n for n in order if n in known], start=1)}

    def swap(m: re.Match[str]) -> str:
        parts = [mapping.get(int(x), int(x)) for x in m.group(1).split(",")]
        return "[" + ", ".join(str(x) for x in parts) + "]"

    cards = sorted((replace(c, n=mapping[c.n]) for c in citations if c.n in mapping),
                   key=lambda c: c.n)
    return _MARKER.sub(swap, text), cards, mapping


def is_refusal(text: str) -> bool:
    return fold(REFUSAL).rstrip(".") in fold(text)


def check(text: str, quotes: dict[int, list[str]], sources: Sequence[Source]) -> CitationCheck:
    by_n = {s.n: s for s in sources}
    citations: list[Citation] = []
    problems: list[str] = []
    for n in cited_numbers(text):
        source = by_n.get(n)
        if source is None:
            problems.append(f"[{n}] does not point at any source that was sent")
            continue
        chunk = source.hit.chunk
        given = quotes.get(n, [])
        placed = [(q, locate(q, chunk.text)) for q in given]
        good = [(q, at) for q, at in placed if at is not None]
        if good:
            # One card per number: the first quote that was found.
            quote, at = good[0]
            assert at is not None
            citations.append(Citation(n, chunk.doc_id, chunk.source, chunk.title,
                                      chunk.page_at(at), quote, True, section=chunk.section))
            continue
        problem = ("its quote does not occur in the source" if given
                   else "no supporting quote was given")
        problems.append(f"[{n}]: {problem}")
        citations.append(Citation(n, chunk.doc_id, chunk.source, chunk.title,
                                  chunk.page_start, given[0] if given else "", False, problem,
                                  section=chunk.section))
    if not is_refusal(text):
        for sentence in sentences_of(text):
            if not _MARKER.search(sentence) and len(sentence.split()) >= 4:
                problems.append(f"no citation for: {_clip(sentence, 80)}")
        if not citations and text.strip():
            problems.append("the answer cites no source")
    return CitationCheck(citations, problems)
