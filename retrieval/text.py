"""Plain-text helpers shared by chunking and answering: sentences, and finding a quoted
passage in a text despite differences in case, spacing, quotes and dashes."""

from __future__ import annotations

import re
import unicodedata

#: a year as a report or a question writes it ("2022", "FY2022")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)\]]?\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(
    r"(\b(e\.g|i\.e|etc|vs|approx|incl|no|nos|fig|figs|inc|ltd|co|corp|mr|mrs|ms|dr|st|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|u\.s|u\.k|ph\.d)\.|\b[A-Z]\.)$",
    re.I,
)
# Quotation marks are dropped (models add or drop them around words); dashes become one.
_FOLD = str.maketrans({"“": "", "”": "", "„": "", '"': "", "‘": "'", "’": "'", "–": "-",
                       "—": "-", "‑": "-", "−": "-", "\u00a0": " ",
                       # the prompt's escaped angle brackets (answer/prompts.py) fold back
                       "‹": "<", "›": ">"})
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` (word lists written as one string)."""
    return frozenset(text.split())


def split_sentences(paragraph: str) -> list[str]:
    pieces = _SENTENCE_END.split(paragraph)
    sentences: list[str] = []
    for piece in pieces:
        if sentences and _ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if s.strip()]


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased with typographic variants folded and runs of whitespace made one
    space; plus, for each character of the result, its offset in ``text``."""
    out: list[str] = []
    offsets: list[int] = []
    space = False
    for i, ch in enumerate(text):
        ch = unicodedata.normalize("NFKC", ch).translate(_FOLD).lower()
        if not ch:
            continue
        if ch.isspace():
            if not space and out:
                out.append(" ")
                offsets.append(i)
            space = True
            continue
        space = False
        for c in ch:
            out.append(c)
            offsets.append(i)
    return "".join(out).rstrip(), offsets


def fold(text: str) -> str:
    """``text`` folded for comparison (what ``locate`` compares), without offsets: fast."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).lower().split())


def locate(quote: str, text: str, min_chars: int = 8) -> int | None:
    """Offset in ``text`` where ``quote`` starts, or None if it does not occur.

    Case, spacing, curly quotes and dashes do not matter; "..." in the quote may skip words
    (each part must occur, in order). Parts shorter than ``min_chars`` in total are refused:
    a two-word "quote" proves nothing."""
    span = locate_span(quote, text, min_chars)
    return span[0] if span is not None else None


def locate_span(quote: str, text: str, min_chars: int = 8) -> tuple[int, int] | None:
    """Like ``locate``, but the (start, end) offsets in ``text`` of the whole quoted passage
    (from its first part to the end of its last)."""
    # Both sides folded by the same per-character routine, so their offsets agree.
    parts = [_folded_with_offsets(p)[0].strip()
             for p in _ELLIPSIS.split(quote.strip().strip('"').strip())]
    parts = [p.strip(" .,;:") for p in parts if p.strip(" .,;:")]
    if sum(len(p) for p in parts) < min_chars:
        return None
    haystack, offsets = _folded_with_offsets(text)
    position, first = 0, None
    for part in parts:
        found = haystack.find(part, position)
        if found < 0:
            return None
        if first is None:
            first = found
        position = found + len(part)
    if first is None or position == 0:
        return None
    return offsets[first], offsets[position - 1] + 1
