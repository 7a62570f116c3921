"""The offline answerer: picks the few sentences (or table rows) of the sources that answer
the question and cites each; refuses when nothing answers well enough.

A sentence is scored by how much of the question it covers (rare question words weigh more,
words of its section and table header count half), by its meaning (cosine with the question,
local embedder), and by the rank of its source. A question that asks for a quantity or a date
("how many", "when", "phone number") is only answered by a passage that holds a figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.answer.context import Source
from retrieval.bm25 import terms
from retrieval.ports import Embedder
from retrieval.text import split_sentences

_ROW = " | "

# What kind of answer a question asks for, and what a passage must hold to give it. A passage
# that cannot hold the answer ("call the emergency number 112" for "what is the phone number
# of ...") is not picked, however many words it shares with the question.
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|first|second|"
                 r"third|fourth|fifth|sixth|half|twice|once|double")
_MONTHS = r"jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*"
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("phone", re.compile(r"\b(phone|telephone|hotline|fax)\b", re.I),
     re.compile(r"\+?\d(?:[ ()/-]?\d){6,}")),
    ("money", re.compile(r"\b(price|prices|cost|costs|revenue|revenues|sales|salary|salaries|"
                         r"budget|fee|fees|allowance|per diem|spend|turnover|profit|income|"
                         r"how much (money|does|do|is|are|will|can|would))\b", re.I),
     re.compile(r"(eur|usd|chf|gbp|dollars?|euros?|[€$£])\s?\(?\d|\d[\d,.]*\s?(eur|usd|chf|"
                r"gbp|[€$£%]|percent|million|billion|k\b)", re.I)),
    ("time", re.compile(r"\b(when|what time|until what time|which (day|date|month|year)|"
                        r"what date|deadline|how soon|by when)\b", re.I),
     re.compile(rf"\b\d{{1,2}}[:.]\d{{2}}\b|\b(19|20)\d{{2}}\b|\b({_MONTHS})\b|\b(monday|"
                rf"tuesday|wednesday|thursday|friday|saturday|sunday|day|days|week|weeks|"
                rf"month|months|year|years|hour|hours)\b|\b\d+(st|nd|rd|th)\b", re.I)),
    ("number", re.compile(r"\b(how (many|long|often|far|old|big|large|high|fast|much)|"
                          r"what (percentage|percent|share|number|size|ratio|rate)|"
                          r"number of)\b", re.I),
     re.compile(rf"(?<![\w.])\d+([.,]\d+)*(?![\w])|\b({_NUMBER_WORDS})\b", re.I)),
)


_CURRENCY = re.compile(r"\b(eur|usd|chf|gbp|dollars?|euros?|currency)\b|[€$£]", re.I)
_AMOUNT = re.compile(r"\d")


def _holds(wanted: tuple[str, re.Pattern[str]], unit: Unit) -> bool:
    if wanted[1].search(unit.text):
        return True
    # A table row holds an amount when it has figures and the currency is in a column name
    # or cell of its own ("Zurich | 65 | CHF", header "... | Currency").
    return (wanted[0] == "money" and unit.is_row and bool(_AMOUNT.search(unit.text))
            and bool(_CURRENCY.search(f"{unit.text} {unit.context}")))


def answer_type(question: str) -> tuple[str, re.Pattern[str]] | None:
    for name, asks, holds in ANSWER_TYPES:
        if asks.search(question):
            return name, holds
    return None


@dataclass(frozen=True)
class Unit:
    """A sentence or table row of a source, with the words around it that give it context."""

    n: int
    rank: int
    text: str
    context: str
    is_row: bool
    header: str = ""

    def display(self) -> str:
        """A table row reads as "Column: value · Column: value" when its header fits."""
        if not self.is_row or not self.header:
            return self.text
        names = [c.strip() for c in self.header.split("|")]
        cells = [c.strip() for c in self.text.split("|")]
        if len(names) != len(cells) or not all(names):
            return self.text
        return " · ".join(f"{n}: {v}" for n, v in zip(names, cells, strict=True) if v)


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    score: float
    coverage: float
    similarity: float
    fits_type: bool = True


@dataclass(frozen=True)
class Extract:
    picks: list[ScoredUnit]
    confidence: float
    refused: bool

    def text(self) -> str:
        return " ".join(f"{p.unit.display()} [{p.unit.n}]" for p in self.picks)


def units_of(source: Source, rank: int) -> list[Unit]:
    chunk = source.hit.chunk
    head = " ".join(x for x in (chunk.title, chunk.section) if x)
    found: list[Unit] = []
    paragraph: list[str] = []
    caption = ""  # the line before a table
    header = ""  # the table's first row: its column names, never an answer on its own

    def flush() -> None:
        if paragraph:
            for sentence in split_sentences(" ".join(paragraph)):
                if len(sentence.split()) >= 3:
                    found.append(Unit(source.n, rank, sentence, head, False))
            paragraph.clear()

    previous = ""
    for raw in chunk.text.split("\n"):
        line = raw.strip()
        if _ROW in line:
            if not header:  # a new table starts
                flush()
                caption, header = previous, line
                continue
            found.append(Unit(source.n, rank, line, f"{head} {caption} {header}", True, header))
        elif header and len(line) < 60:
            continue  # a blank line or a cell's wrapped words: the table goes on
        elif line:
            header = ""
            paragraph.append(line)
            previous = line
        else:
            flush()
    flush()
    return found


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, *, threshold: float = 0.34, max_picks: int = 2,
                 max_units: int = 8, max_sources: int = 5) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.max_picks, self.max_units, self.max_sources = max_picks, max_units, max_sources

    def score(self, question: str, sources: Sequence[Source],
              question_vector: np.ndarray | None = None) -> list[ScoredUnit]:
        units = [u for rank, s in enumerate(sources[: self.max_sources])
                 for u in units_of(s, rank)]
        asked = set(terms(question))
        if not units or not asked:
            return []
        unit_terms = [set(terms(u.text)) for u in units]
        context_terms = [set(terms(u.context)) for u in units]
        total = len(units)
        df = {t: sum(1 for ts in unit_terms if t in ts) for t in asked}
        weight = {t: math.log(1 + total / (1 + df[t])) for t in asked}
        whole = sum(weight.values())
        coverage = []
        for u, ts, cs in zip(units, unit_terms, context_terms, strict=True):
            own = sum(weight[t] for t in asked & ts)
            near = sum(weight[t] for t in (asked & cs) - ts)
            # A row means little without its column names; a sentence stands on its own.
            coverage.append((own + (0.8 if u.is_row else 0.5) * near) / whole)
        # Only the most promising units are embedded: the cost grows with their number.
        order = sorted(range(total), key=lambda i: (-(coverage[i] + 0.2 / (1 + units[i].rank)),
                                                    i))[: self.max_units]
        wanted = answer_type(question)
        qv = question_vector if question_vector is not None else self.embedder.embed_one(question)
        # Only the unit itself is embedded, cut to its first words: its context already
        # counts through the words it shares with the question, and embedding time grows
        # with length and count (8 sentences of 40 words: ~60 ms on two cores).
        vectors = self.embedder.embed([" ".join(units[i].text.split()[:40]) for i in order])
        similarity = vectors @ qv
        scored = []
        for j, i in enumerate(order):
            sim = float(similarity[j])
            value = 0.45 * coverage[i] + 0.45 * max(sim, 0.0) + 0.1 / (1 + units[i].rank)
            fits = wanted is None or _holds(wanted, units[i])
            scored.append(ScoredUnit(units[i], value, coverage[i], sim, fits))
        scored.sort(key=lambda s: -s.score)  # stable: ties keep retrieval order
        return scored

    def answer(self, question: str, sources: Sequence[Source],
               question_vector: np.ndarray | None = None) -> Extract:
        scored = [s for s in self.score(question, sources, question_vector) if s.fits_type]
        if not scored:
            return Extract([], 0.0, True)
        best = scored[0]
        if best.score < self.threshold:
            return Extract([], best.score, True)
        picks = [best]
        for candidate in scored[1:]:
            if len(picks) >= self.max_picks:
                break
            if candidate.score >= 0.9 * best.score and candidate.unit.text not in {
                    p.unit.text for p in picks}:
                picks.append(candidate)
        return Extract(picks, best.score, False)
