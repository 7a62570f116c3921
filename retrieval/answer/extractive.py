"""The offline answerer: picks the few sentences (or table rows) of the sources that answer
the question and cites each; refuses when nothing answers well enough.

A unit (a sentence, or a table row read with its full column names) may answer only when

* it states something: headings, captions ("Table 2: ...") and FAQ question lines ("Q: ...?")
  restate a topic, they never answer it;
* it holds the kind of fact asked for — the kind the question asks for first: a figure of
  the thing counted for "how many" (not "35 workstations" for "how many people"), a clock
  time for "what time", a date or duration for "when", an amount for "how much", a length,
  weight, temperature or voltage with its unit, a place for "where", a name for "who" (a
  person's name when it asks who holds a role: a job title does not say who), something
  particular for "which" and an organisation's name for "which firm" (``answer_type``,
  ``_counts``, and ``retrieval.answer.naming``);
* it shares the question's own words, not only its year, code or place;
* it is about what the question singles out: every code, level, model, version or year the
  question names ("L8", "E306", "EL-440", "2027") and every proper name it names ("Graz") is in
  the unit or in its context (section heading, table caption and header). A question about a
  city, level or code that the row does not name is not answered by that row. The one general
  exception: a table row for "all other ..." stands for names that no source lists at all.
  A figure stated for a list of names ("342 people at three locations: …") is their total;
* a table row is picked by the question's words, not only matched: when a sibling row with
  another value matches the same words and the question has a word neither says ("aunt"),
  neither answers.

An FAQ's question ("Q: …?") is the context of the answer after it. A table row that answers
is said as a sentence about the column asked for (``row_sentence``).

Among the units left, a unit scores by how much of the question it covers (question words
weighted by their rarity among the units; words of its context count less), by its meaning
(cosine with the question, local embedder), and by the rank of its source. It answers only
when it scores at least ``threshold`` (``Settings.refuse_below``), else the answerer refuses
and the pipeline offers the closest passages as "possibly related".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from retrieval.answer.asks import (
    ANSWER_TYPES,
    ASKS_CHANGE,
    CODE,
    OTHER_ROW,
    STAND_INS,
    WHICH,
    WHO,
    WHO_QUALIFIES,
    answer_type,
    codes_in,
    content_terms,
    counted,
    doer,
    has,
    in_range,
    names_in,
    part_reading,
    question_figures,
    question_parts,
    states_range,
)
from retrieval.answer.context import Source
from retrieval.answer.naming import (
    asks_organisation,
    gives_name,
    holders,
    listed_with,
    names_only_other,
    names_organisation,
    names_something,
    says_holder,
    starts_with_name,
)
from retrieval.answer.near_words import NearWords, words_of
from retrieval.answer.row_sentence import row_sentence
from retrieval.bm25 import terms
from retrieval.ports import Embedder
from retrieval.text import YEAR, split_sentences, word_set

_ROW = " | "

_PAGE_CELL = re.compile(r"^\s*\d{1,4}\s*\|")
_FORM_NAME = re.compile(r"(?<![\w-])\d+-[A-Za-z]\b")  # "10-K", "8-K": names, not figures
_CURRENCY = re.compile(r"\b(eur|usd|chf|gbp|dollars?|euros?|currency)\b|[€$£]", re.I)
_AMOUNT = re.compile(r"\d")


#: how long something takes is not when it happens: "The meeting takes 45 minutes" does not
#: answer "When is the meeting?" ("within 30 days of the trip" still does)
_LENGTH = re.compile(r"\b(?:takes?|took|taking|lasts?|lasted|lasting)\s+(?:about |around |"
                     r"roughly |up to |at most |at least |approximately )?(?:\d+(?:[.,]\d+)?|"
                     r"an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|half an?)"
                     r"[\s-]*(?:minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)


#: how often something happens is not when: "Evacuation drills take place twice a year" does
#: not answer "When is the next evacuation drill?"
_FREQUENCY = re.compile(r"\b(?:once|twice|\w+ times)\s+(?:a|per|each|every)\s+(?:day|week|"
                        r"month|quarter|year)\b|\b(?:every|each|per)\s+(?:day|week|month|"
                        r"quarter|year)\b", re.I)


#: column names whose cells say where something is
_PLACE_COLUMN = re.compile(r"\b(?:location|address|room|floor|building|site|office|where|"
                           r"place|city)\b", re.I)


def _holds(wanted: tuple[str, re.Pattern[str]], unit: Unit) -> bool:
    text = unit.text
    if wanted[0] == "time":
        text = _FREQUENCY.sub(" ", _LENGTH.sub(" ", text))
    elif wanted[0] == "number":  # the 40 of "ZX-40" or a year counts nothing
        text = CODE.sub(" ", text)
    if wanted[0] in ("number", "money") and unit.is_row:
        # nor a page number before a running header ("101 | … 2022 Annual Report on Form
        # 10-K (dollars in millions)"), nor its years
        text = _FORM_NAME.sub(" ", YEAR.sub(" ", _PAGE_CELL.sub(" ", text)))
    if wanted[1].search(text):
        return True
    if wanted[0] == "place" and unit.is_row:
        return bool(_PLACE_COLUMN.search(unit.header))  # "Room | Floor | Seats"
    # A table row holds an amount when it has figures and the currency is in a column name
    # or cell of its own ("Zurich | 65 | CHF", header "... | Currency").
    return (wanted[0] == "money" and unit.is_row and bool(_AMOUNT.search(text))
            and bool(_CURRENCY.search(f"{unit.text} {unit.context}")))


# -- what a unit is -------------------------------------------------------------------------
_CAPTION = re.compile(r"^\s*(?:Table|Figure|Fig\.|Chart|Exhibit|Diagram)\s+\d+[.:]?", re.I)
_QUESTION_LINE = re.compile(r"^\s*(?:Q\s*[:.)]|Question\s*:)", re.I)
_ANSWER_LABEL = re.compile(r"^\s*(?:A\s*[:.)]|Answer\s*:)\s*", re.I)
_BULLET = re.compile(r"(?:^|\s)[–•*-]\s+(?=[A-Z0-9*])")
_BULLET_CELL = re.compile(r"^\s*[•▪◦○●■□➢►–*-]\s*\|\s*(?=\S)")
_SENTENCE_END = re.compile(r"[.!?:;,)]\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+[A-Z]")
#: words that leave a table cell unfinished when it ends with them (it wrapped)
_OPEN_END = word_set("""a an the of to for and or per in on at by with from than after
before under over into during between within without not no""")


def is_heading(line: str, previous: str) -> bool:
    """A short line without closing punctuation that does not continue a wrapped sentence:
    a heading or a caption. It names a topic, it states nothing."""
    line = line.strip()
    if not line or _ROW in line or len(line) > 70:
        return False
    if _CAPTION.match(line) or _NUMBERED_HEADING.match(line):
        return True
    if _SENTENCE_END.search(line) or not (line[0].isupper() or line[0].isdigit()):
        return False
    return not previous or bool(_SENTENCE_END.search(previous)) or is_heading(previous, "")


def states_nothing(text: str) -> bool:
    """A caption, a question ("Q: ...?", "Can I ...?"), a heading run into a sentence, or a
    sentence that only introduces what follows ("The following summarizes the components
    of property, plant and equipment:")."""
    plain = text.strip()
    return (bool(_CAPTION.match(plain)) or bool(_QUESTION_LINE.match(plain))
            or plain.endswith("?") or plain.endswith(":"))


def _is_question(sentence: str) -> bool:
    plain = sentence.strip()
    return bool(_QUESTION_LINE.match(plain)) or plain.endswith("?")


@dataclass(frozen=True)
class Unit:
    """A sentence or table row of a source, with the words around it that give it context."""

    n: int
    rank: int
    text: str  # as it stands in the source (the quote behind the citation)
    context: str
    is_row: bool
    header: str = ""  # a row: its table's column names, " | " between them, wraps rejoined
    cells: tuple[str, ...] = ()  # a row: its cells, wrapped cell lines rejoined
    before: str = ""  # a sentence: the one before it in its paragraph
    heading: str = ""  # the heading or caption right above it (not the chunk's section)

    def next_to(self, other: Unit) -> bool:
        """Whether the two are neighbouring sentences of one paragraph."""
        return (self.n == other.n and not self.is_row and not other.is_row
                and (self.before == other.text or other.before == self.text))

    def display(self) -> str:
        """A table row reads as "Column: value · Column: value" with the table's full column
        names; a sentence as it stands (without an "A:" label)."""
        if not self.is_row:
            return _ANSWER_LABEL.sub("", self.text)
        cells = list(self.cells) or [c.strip() for c in self.text.split("|")]
        names = [c.strip() for c in self.header.split("|")] if self.header else []
        if len(names) != len(cells) or not all(names):
            return ": ".join(cells) if len(cells) == 2 else " | ".join(cells)
        return " · ".join(f"{n}: {v}" for n, v in zip(names, cells, strict=True) if v)

    def answer_text(self, question: str) -> str:
        """What the answer says: a table row as a sentence about the columns the question asks
        for ("The hotel cap per night in Zurich is CHF 260 (…)"), else ``display()``."""
        if self.is_row and self.header:
            names = [c.strip() for c in self.header.split("|")]
            said = row_sentence(names, list(self.cells) or _cells(self.text), question)
            if said:
                return said
        return self.display()


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
    question: str = ""  # what the picks answer: a table row is said as a sentence about it
    #: the parts of a two-part question that nothing answers, said to the reader
    unanswered: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Each sentence of each pick carries its citation, before its closing stop ("... 14
        characters long [1]."), so that no sentence of the answer is left without one."""
        return " ".join(_cite(sentence, p.unit.n) for p in self.picks
                        for sentence in split_sentences(p.unit.answer_text(self.question)))


def _cite(sentence: str, n: int) -> str:
    body = sentence.rstrip()
    stop = re.search(r"[.!?;:]+$", body)
    if stop is None:
        return f"{body} [{n}]"
    return f"{body[:stop.start()].rstrip()} [{n}]{stop.group(0)}"


def _cells(line: str) -> list[str]:
    """The cells of a table line; Markdown's outer pipes ("| a | b |") are not cells."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def _header_like(cells: list[str]) -> bool:
    """Column names: a few words each, none a bare figure or code, none a sentence."""
    return all(c and not re.fullmatch(r"[\W\d]*|[\w-]*\d[\w.,-]*", c)
               and len(c.split()) <= 6 and not c.endswith(".") for c in cells)


def _open_score(cell: str) -> float:
    """How unfinished a cell looks (so that a wrapped line continues it)."""
    cell = cell.strip()
    if not cell:
        return 0.0
    score = 0.5
    if cell.count("(") > cell.count(")"):
        score += 2.0
    last = cell.split()[-1].lower()
    if last in _OPEN_END or cell.endswith((",", "-", "–")):
        score += 1.0
    if cell[-1].isdigit() or cell.endswith((".", ";")):
        score = 0.0
    return score


def _continue_cells(cells: list[str], more: list[str]) -> list[str]:
    """Rejoins a wrapped line of cells with the row above: the same number of cells go one
    to one; fewer go to the cells that look unfinished (ties: spread out, then the last)."""
    if len(more) >= len(cells):
        joined = [f"{a} {b}".strip() for a, b in zip(cells, more, strict=False)]
        return joined + more[len(cells):]
    best: tuple[float, ...] | None = None
    chosen: tuple[int, ...] = ()
    for picked in combinations(range(len(cells)), len(more)):
        spread = picked[-1] - picked[0]
        key = (sum(_open_score(cells[i]) for i in picked), spread, picked[-1])
        if best is None or key > best:
            best, chosen = key, picked
    out = list(cells)
    for i, text in zip(chosen, more, strict=True):
        out[i] = f"{out[i]} {text}".strip()
    return out


def _continues(line: str, header_open: bool) -> bool:
    """A table line that continues the row above rather than starting a new one: it starts
    in lower case (a wrapped cell), or most of its cells do, or it closes a bracket."""
    cells = [c for c in _cells(line) if c]
    if not cells:
        return True
    lower = [c[0].islower() or c[0] in "([)]" for c in cells]
    if lower[0]:
        return True
    return len(cells) >= 2 and sum(lower[1:]) * 2 > len(cells) and not header_open


_LABEL_START = re.compile(r"^[A-Z][\w-]*(?: [\w-]+){0,2}:\s+\S")
_LABELLED_CELL = re.compile(r"^([^·:|]{1,60}?):\s+(\S.*)$")


def _labelled_row(line: str) -> tuple[list[str], list[str]] | None:
    """("Column", "value") pairs of a line written "Column: value · Column: value" (two
    pairs at least), or None."""
    parts = line.split(" · ")
    if len(parts) < 2:
        return None
    names, values = [], []
    for part in parts:
        m = _LABELLED_CELL.match(part.strip())
        if m is None:
            return None
        names.append(m.group(1).strip())
        values.append(m.group(2).strip())
    return names, values


def units_of(source: Source, rank: int, known_headers: Sequence[tuple[str, str]] = ()
             ) -> list[Unit]:
    """Sentences and table rows of a source. ``known_headers``: (column names, caption) of
    tables seen in other passages of the same document, for a passage that starts inside a
    table (its header is in the passage before)."""
    chunk = source.hit.chunk
    head = " ".join(x for x in (chunk.title, chunk.section) if x)
    found: list[Unit] = []
    paragraph: list[str] = []
    heading = ""  # the last heading or caption: part of the context of what follows
    caption = ""
    header: list[str] = []
    row: list[str] = []  # the cells of the row being read
    raw: list[str] = []  # its lines as they stand
    in_table = False
    rows_seen = 0

    def flush() -> None:
        nonlocal heading
        if paragraph:
            # list items run together in one line ("– Offers ... – Salaries ...") are
            # separate statements: each is a unit of its own
            items = _BULLET.split(" ".join(paragraph))
            for item in items:
                before = ""  # the sentence this one continues: "IT issues two keys to every
                # administrator" is about the "FIDO2 hardware security key" said just before
                for sentence in split_sentences(item.strip()):
                    if _is_question(sentence):
                        # an FAQ's question is what the answer after it is about: "On the
                        # first Thursday at 15:00 CET" answers "When are the all-hands
                        # meetings?"
                        heading, before = sentence, ""
                    elif len(sentence.split()) >= 3 and not states_nothing(sentence):
                        found.append(Unit(source.n, rank, sentence,
                                          f"{head} {heading} {before}", False,
                                          before=before, heading=heading))
                        before = sentence
            paragraph.clear()

    def emit() -> None:
        if row:
            names = " | ".join(header)
            found.append(Unit(source.n, rank, " ".join(raw), f"{head} {caption} {names}",
                              True, names, tuple(row), heading=caption))
        row.clear()
        raw.clear()

    previous = ""
    # "• | Start with a canary group …": a bullet the layout put in a column of its own is a
    # list item, not a table row
    lines = [_BULLET_CELL.sub("• ", x) for x in chunk.text.split("\n")]
    for number, line_raw in enumerate(lines):
        line = line_raw.strip()
        if in_table and re.fullmatch(r"[\s|:-]+", line) and "-" in line:
            continue  # a Markdown table's rule line
        if header and _cells(line) == header:
            continue  # the header repeated after a page break
        labelled = _labelled_row(line)
        if labelled is not None:
            # "Order code: EL-420-LTE · List price: EUR 849": a spreadsheet row as ingestion
            # writes it, its column names beside each value
            if in_table:
                emit()
                in_table, header, rows_seen = False, [], 0
            flush()
            names, values = labelled
            found.append(Unit(source.n, rank, line, f"{head} {heading} {' | '.join(names)}",
                              True, " | ".join(names), tuple(values)))
            previous = line
            continue
        if _ROW in line or (in_table and line.startswith("|")):
            if not in_table:
                flush()
                in_table, rows_seen = True, 0
                starts_passage = not any(x.strip() for x in lines[:number])
                cells = _cells(line)
                fitting = [h for h in known_headers
                           if len(_cells(h[0])) == len(cells)] if starts_passage else []
                if starts_passage and _continues(line, True):
                    header = []  # the wrapped end of a header or row of the passage before
                    continue
                if fitting:
                    header, caption = _cells(fitting[0][0]), fitting[0][1]
                    row[:], raw[:] = cells, [line]
                    rows_seen = 1
                elif not _header_like(cells):
                    header, caption = [], ""  # a row of a table whose header is not here
                    row[:], raw[:] = cells, [line]
                    rows_seen = 1
                else:
                    header, caption = cells, heading or previous
                previous = line
                continue
            if not header and not row:  # the passage started with a cut-off table line
                if _continues(line, True):
                    continue
                header, caption = (_cells(line) if _header_like(_cells(line)) else []), ""
                if not header:
                    row[:], raw[:] = _cells(line), [line]
                    rows_seen = 1
                fitting = [h for h in known_headers
                           if len(_cells(h[0])) == len(_cells(line))]
                if fitting:
                    header, caption = _cells(fitting[0][0]), fitting[0][1]
                    row[:], raw[:] = _cells(line), [line]
                    rows_seen = 1
                continue
            if not header and _header_like(_cells(line)):
                emit()  # the header of a table cut by the passage's start, repeated
                header, rows_seen = _cells(line), 0
                continue
            if _continues(line, rows_seen == 0) or (
                    row and 1 <= len(_cells(line)) < len(header or row) and sum(
                        _open_score(c) >= 1.5 for c in row) >= len(_cells(line))):
                if rows_seen == 0:
                    header = _continue_cells(header, [c for c in _cells(line) if c])
                else:
                    row[:] = _continue_cells(row, [c for c in _cells(line) if c])
                    raw.append(line)
                continue
            emit()
            row[:], raw[:] = _cells(line), [line]
            rows_seen += 1
        elif in_table and not line:
            continue  # a blank line inside a table
        elif in_table and len(line) < 60 and not _NUMBERED_HEADING.match(line) and (
                line[0].islower() or line[0] in "([)]" or (
                    len(line.split()) <= 3 and (line.endswith(".") or rows_seen == 0
                                                or any(_open_score(c) >= 1.5 for c in row)))):
            # a cell's wrapped words: the table goes on
            if rows_seen == 0:
                header = _continue_cells(header, [line])
            elif row:
                row[:] = _continue_cells(row, [line])
                raw.append(line)
        else:
            if in_table:
                emit()
                in_table, header, rows_seen = False, [], 0
            if not line:
                flush()
            elif len(line) <= 40 and line.endswith(":") and _ROW not in line:
                flush()  # a label ("Speaker notes:", "Steps:") introduces what follows
                heading = line.rstrip(":")
            elif _LABEL_START.match(line) and paragraph and not _SENTENCE_END.search(
                    paragraph[-1]):
                # "Speaker notes: …" after a bullet without a full stop: a new statement
                flush()
                paragraph.append(line)
            elif is_heading(line, previous):
                flush()
                heading = line
            else:
                paragraph.append(line)
            previous = line
    emit()
    flush()
    return found


def table_headers(source: Source) -> list[tuple[str, str]]:
    """(column names, caption) of the tables that start inside a source (not of one cut off
    by its start: its first line may be a row)."""
    found: list[tuple[str, str]] = []
    for u in units_of(source, 0):
        if u.is_row and u.header and (u.header, u.context) not in found:
            found.append((u.header, u.context))
    first = next((x for x in source.hit.chunk.text.split("\n") if x.strip()), "")
    return found[1:] if _ROW in first else found


_CHANGE = re.compile(r"\b(?:increased|decreased|grew|rose|fell|declined|dropped|was up|"
                     r"was down|went up|went down)\s+(?:by\s+)?(?:approximately\s+|about\s+)?"
                     r"(?:[$€£]|eur|usd|chf|gbp)?\s?\d", re.I)
_LEVEL = re.compile(r"\b(?:to|of|at|totall?ed|was|were|reached|amounted to)\s+"
                    r"(?:approximately\s+|about\s+)?(?:[$€£]|eur|usd|chf|gbp)?\s?\d", re.I)


def _states_share_of(text: str, asked: set[str]) -> bool:
    """The sentence's percentages are shares of the asked measure, not the measure ("13% of
    total revenues for 2021" for "What was the total revenue in 2021?")."""
    shares = _SHARE_OF.findall(text)
    return bool(shares) and all(set(terms(of)) & asked for of in shares) \
        and not _STATED_AMOUNT.search(_SHARE_OF.sub(" ", text))


_ASKS_SHARE = re.compile(r"\b(?:percent|percentage|share|proportion|portion|fraction|ratio|"
                         r"how much of|what part)\b", re.I)
_SHARE_OF = re.compile(r"\d[\d.,]*\s?(?:%|percent)(?:,?\s*(?:and|or)?\s*\d[\d.,]*\s?(?:%|percent))*"
                       r"\s+of\s+(?:the\s+|its\s+|our\s+)?"
                       r"((?:total\s+|net\s+|annual\s+)?[a-z]+)", re.I)
#: an amount or a percentage, as a money answer states it
_STATED_AMOUNT = next(holds for kind, _, holds in ANSWER_TYPES if kind == "money")


#: how many words from a figure the thing it counts may stand ("eight of these spaces have
#: charging points")
_COUNT_REACH = 5
_COUNT_WORD = re.compile(r"[\w.,+-]+")
_IS_FIGURE = re.compile(r"[+-]?\d[\d.,]*[+]?|one|two|three|four|five|six|seven|eight|nine|ten|"
                        r"eleven|twelve|twenty|thirty|forty|fifty|hundred|dozen", re.I)
#: words that count people: "How many people fit in the room?" is answered by its seats
#: ("employ" is left out: its stem is also that of "Employment Agreement")
_PEOPLE = frozenset(terms("""people persons person employees staff colleagues workers members
participants attendees guests visitors seats headcount"""))
_COUNT_NEAR = 0.58
_CLAUSE_BREAK = re.compile(r"[();]")
_EACH = re.compile(r"\b(?:each|every|per|respectively|apiece)\b", re.I)


def _figure_for_a_list(text: str, singled: set[str]) -> bool:
    """The sentence names what the question singles out together with two or more other
    names, and its figure is not said of each of them: it is their total."""
    if _EACH.search(text):
        return False
    named = names_in(text)
    return bool(named & singled) and len(named - singled) >= 2


def _states_change_only(text: str) -> bool:
    """The sentence's figure is how much something changed, not what it was ("increased
    $383.4 million", but not "increased 9% to $7.3 billion")."""
    return bool(_CHANGE.search(text)) and not _LEVEL.search(text)


_NEIGHBOUR_SHARE = 0.7


class ExtractiveAnswerer:
    # ``threshold`` (``Settings.refuse_below``) is calibrated on data/eval/golden.jsonl: answer
    # every question with threshold 0 (the rules above still refuse), record the best score,
    # then for t = 0.20, 0.22, ... 0.68 count an answer as refused when its score < t and
    # compute correctness (answerable items), refusal accuracy (unanswerable items) and false
    # refusals (``python -m bench.refusal_sweep``). The threshold kept is the one with the
    # best correctness + refusal accuracy among those with false refusals <= 0.10, and of
    # those within 0.01 of the best (half an unanswerable item) the one with the fewest false
    # refusals. Sweep (2 Dec 2026, 372 items; correctness / refusal accuracy / false
    # refusals): t 0.30: 0.879/0.780/0.034 · 0.34: 0.870/0.840/0.053 · 0.36: 0.870/0.880/
    # 0.056 (kept) · 0.40: 0.854/0.880/0.087 · 0.42: 0.851/0.900/0.099 · 0.46: 0.798/0.920/
    # 0.158. t = 0.42 meets all three golden targets by a hair, but on the held-out sets
    # (data/eval/heldout-*.jsonl) it cost more than it gained: heldout-2 correctness 0.80 ->
    # 0.75 and false refusals 0.075 -> 0.175 for refusal accuracy 0.45 -> 0.50.
    def __init__(self, embedder: Embedder, *, threshold: float = 0.36, max_picks: int = 2,
                 max_units: int = 8, max_sources: int = 5) -> None:
        self.embedder = embedder
        self.near = NearWords(embedder)
        self.threshold = threshold
        self.max_picks, self.max_units, self.max_sources = max_picks, max_units, max_sources

    def units(self, sources: Sequence[Source]) -> list[Unit]:
        used = list(sources[: self.max_sources])
        headers: dict[str, list[tuple[str, str]]] = {}
        for s in used:
            headers.setdefault(s.hit.chunk.doc_id, []).extend(table_headers(s))
        return [u for rank, s in enumerate(used)
                for u in units_of(s, rank, headers.get(s.hit.chunk.doc_id, []))]

    def score(self, question: str, sources: Sequence[Source],
              question_vector: np.ndarray | None = None, asks: str | None = None
              ) -> list[ScoredUnit]:
        """The units that may answer ``question``, best first. ``asks``: the part of it
        whose kind of answer is wanted (one part of a two-part question), else all of it."""
        asks = asks or question
        units = self.units(sources)
        # "Who owns the policy?" is answered by a row "Policy owner | …"
        asked = set(terms(f"{question} {doer(asks)}"))
        if not units or not asked:
            return []
        unit_terms = [set(terms(u.display())) for u in units]
        context_terms = [set(terms(u.context)) for u in units]
        total = len(units)
        df = {t: sum(1 for ts in unit_terms if t in ts) for t in asked}
        weight = {t: math.log(1 + total / (1 + df[t])) for t in asked}
        whole = sum(weight.values())
        # What the question singles out must be named by the unit or its context.
        codes = codes_in(question)
        asked_years = set(YEAR.findall(question))
        names = names_in(question) - codes
        everywhere = " ".join(f"{u.display()} {u.context}" for u in units).lower()
        listed_names = {w for w in names if has(w, everywhere)}
        # a name most units carry (the company's city, the product of a manual) is the topic
        # of the sources, not what the question singles out among them
        # (and a name the sources use as an e-mail or web domain is the organisation's own)
        topical = {w for w in listed_names
                   if sum(has(w, f"{u.display()} {u.context}".lower()) for u in units)
                   > 0.3 * total or re.search(rf"[@./]{re.escape(w)}\.", everywhere)}
        must = codes | (listed_names - topical)
        background = topical | {m.lower() for m in re.findall(r"[@./]([A-Za-z]+)\.", everywhere)}
        unlisted = names - listed_names
        singled = listed_names - topical
        wanted = answer_type(asks)
        # a question for an amount or figure that does not ask how it changed
        asks_level = (wanted is not None and wanted[0] in ("money", "number")
                      and not ASKS_CHANGE.search(asks))
        wants_name = bool(WHO.search(asks)) and not WHO_QUALIFIES.match(asks)
        wants_specific = wanted is None and bool(WHICH.match(asks))
        wants_organisation = wants_specific and asks_organisation(asks)
        siblings = listed_with(names, [u.text for u in units if not u.is_row])
        # one most units carry is the topic ("the VPN" in a VPN guide), not singled out
        held = {a for a in holders(question)
                if sum(says_holder(a, f"{u.display()} {u.context}") for u in units)
                <= 0.3 * total}
        figures = question_figures(question)
        about = content_terms(question)
        negated = set(re.findall(r"\bnon-?([a-z]{3,})", question.lower()))
        coverage: list[float] = []
        allowed: list[bool] = []
        for u, ts, cs in zip(units, unit_terms, context_terms, strict=True):
            own = sum(weight[t] for t in asked & ts)
            near = sum(weight[t] for t in (asked & cs) - ts)
            # A row means little without its column names; a sentence stands on its own.
            # a figure the question gives, inside a range the unit states, counts as much
            # as the question's rarest word
            fits_range = bool(figures) and in_range(figures, u.display())
            # a row "for all other locations" stands for the names no source lists
            # ("Madrid"): their words count as covered by it
            stands_for = (sum(weight.get(t, 0.0) for w in unlisted for t in set(terms(w)))
                          if unlisted and u.is_row and OTHER_ROW.match(
                              u.cells[0] if u.cells else u.text) else 0.0)
            coverage.append((own + (0.8 if u.is_row else 0.5) * near + stands_for
                             + (max(weight.values()) if fits_range else 0.0)) / whole)
            seen = f"{u.display()} {u.context}".lower()
            ok = all(has(w, seen) for w in must)
            # what belongs to an abbreviation ("the CISO's phone extension") is said by a
            # unit that names it, or spells it out ("Chief Information Security Officer")
            if ok and held:
                ok = all(says_holder(a, f"{u.display()} {u.context}") for a in held)
            # "a non-critical alarm" is not answered by what holds for a critical one
            if ok and negated:
                ok = not any(has(base, seen) and not re.search(rf"\bnon-?{base}", seen)
                             for base in negated)
            # a unit that states other years, not the asked one, is about another period
            # ("… were $5.3 billion for the year ended December 31, 2021" for "… in 2022?")
            if ok and asked_years:
                said_years = set(YEAR.findall(u.display()))
                ok = not said_years or bool(asked_years & said_years)
            # a figure stated for a list of places or names ("we employ 342 people at three
            # locations: … Leipzig, … Rotterdam, … Graz") is their total, not the figure
            # for the one the question singles out ("How many people work in Rotterdam?")
            if ok and asks_level and singled and not u.is_row:
                ok = not _figure_for_a_list(u.text, singled)
            # a name that no source lists: only a row "for all other ..." can answer
            if ok and unlisted:
                ok = u.is_row and bool(OTHER_ROW.match(u.cells[0] if u.cells else u.text))
            # a row for a range that holds none of the question's figures ("EUR 2,500.01
            # to EUR 10,000" for a EUR 450 trip) is the answer for other values
            if ok and figures and u.is_row and not fits_range and states_range(u.display()):
                ok = False
            # a unit that shares none of the question's own words, only its year, code or
            # place ("Next calibration due: 16 March 2027" for "When is the summer party in
            # 2027?"), is about something else
            if ok and about and not about & (ts | cs):
                ok = False
            if ok and wants_name:
                ok = gives_name(asks, u.display(), u.context, u.header if u.is_row else "",
                                background)
            elif ok and wants_specific and not u.is_row:
                ok = names_something(asks, u.text, background)
            elif ok and wants_organisation:
                # a row names a thing; only a name says which insurer or firm
                ok = any(names_organisation(asks, c, background,
                                            leads_with_name=starts_with_name(c))
                         for c in u.cells)
            # a unit that names another of the places the sources list together with the
            # asked one ("Rotterdam" in the heading of "It has 35 workstations") and not the
            # asked one is about that other place
            if ok and siblings and names_only_other(
                    f"{u.display()} {u.heading}".lower(), names, siblings):
                ok = False
            allowed.append(ok and not states_nothing(u.text))
        # Only the most promising units are embedded: the cost grows with their number.
        order = sorted((i for i in range(total) if allowed[i]),
                       key=lambda i: (-(coverage[i] + 0.2 / (1 + units[i].rank)), i)
                       )[: self.max_units]
        if not order:
            return []
        # a question word the unit says in other words ("bike" / "bicycle") counts as said
        asked_words = {t: ws for t, ws in words_of(f"{question} {doer(asks)}").items()
                       if t in asked}
        for i, said in zip(order, self.near.said_otherwise(
                asked_words, [f"{units[i].display()} {units[i].context}" for i in order]),
                strict=True):
            coverage[i] += sum(weight[t] for t in said) / whole
        qv = question_vector if question_vector is not None else self.embedder.embed_one(question)
        # Only the unit itself is embedded, cut to its first words: its context already
        # counts through the words it shares with the question, and embedding time grows
        # with length and count (8 sentences of 40 words: ~60 ms on two cores).
        vectors = self.embedder.embed([" ".join(units[i].display().split()[:40])
                                       for i in order])
        similarity = vectors @ qv
        counts = counted(asks) if wanted is not None and wanted[0] == "number" else {}
        scored = []
        for j, i in enumerate(order):
            sim = float(similarity[j])
            value = 0.45 * coverage[i] + 0.45 * max(sim, 0.0) + 0.1 / (1 + units[i].rank)
            fits = wanted is None or _holds(wanted, units[i])
            if fits and asks_level and _states_change_only(units[i].text):
                fits = False  # "revenue increased $383.4 million" is not what revenue was
            if fits and asks_level and not _ASKS_SHARE.search(asks) \
                    and _states_share_of(units[i].text, asked):
                fits = False  # "13% of total revenues" is not what the revenues were
            if fits and counts and not self._counts(units[i], counts):
                fits = False  # "It has 35 workstations" does not say how many people
            scored.append(ScoredUnit(units[i], value, coverage[i], sim, fits))
        scored.sort(key=lambda s: -s.score)  # stable: ties keep retrieval order
        return scored

    def answer(self, question: str, sources: Sequence[Source],
               question_vector: np.ndarray | None = None,
               part_sources: Sequence[Sequence[Source]] = ()) -> Extract:
        """``part_sources``: for a two-part question, the sources searched for each part on
        its own (else each part is looked for in ``sources``)."""
        scored = [s for s in self.score(question, sources, question_vector) if s.fits_type]
        parts = question_parts(question)
        if parts is not None:
            # each part gets its own best unit (not a near one of the whole), and one part
            # answered is an answer: the whole asks for the kind of its first part only
            whole = scored[:1] if scored and scored[0].score >= self.threshold else []
            picks, unanswered = self._answer_parts(
                parts, part_sources if len(part_sources) == 2 else (sources, sources), whole)
            top = max((p.score for p in picks), default=scored[0].score if scored else 0.0)
            if not picks:
                return Extract([], top, True)
            return Extract(picks, top, False, question, unanswered)
        scored = self._without_undecided_rows(question, scored)
        if not scored:
            return Extract([], 0.0, True)
        best = scored[0]
        if best.score < self.threshold:
            return Extract([], best.score, True)
        picks = [best]
        asked = set(terms(question))
        covered = asked & set(terms(best.unit.display()))
        for candidate in scored[1:]:
            if len(picks) >= self.max_picks:
                break
            if candidate.unit.text in {p.unit.text for p in picks}:
                continue
            # A second unit joins when it is nearly as good, or when it answers another part
            # of the question ("how long is probation and notice?"): it covers question
            # words the picks do not, and is still good.
            adds = (asked & set(terms(candidate.unit.display()))) - covered
            # a neighbouring sentence that holds the same kind of answer often completes it
            # ("... within 30 days after the trip. Claims submitted more than 90 days after
            # ... are not reimbursed.")
            if candidate.score >= 0.9 * best.score or (
                    adds and candidate.score >= 0.75 * best.score) or (
                    candidate.unit.next_to(best.unit)
                    and candidate.score >= _NEIGHBOUR_SHARE * best.score):
                picks.append(candidate)
                covered |= adds
        return Extract(picks, best.score, False, question)

    def _counts(self, unit: Unit, things: dict[str, set[str]]) -> bool:
        """The unit states a figure of what a "how many" question counts: the thing is said
        within a few words of a figure ("342 people", "leave days per year: 30"), in other
        words too ("20 local user accounts" for "users"), or is a column of its row."""
        if unit.is_row and set(things) & set(terms(unit.header)):
            return True
        # within its clause: "field devices (default 9,600 bit/s …)" counts bits, not devices
        clauses = [unit.display()] if unit.is_row else _CLAUSE_BREAK.split(unit.display())
        near = []
        for clause in clauses:
            words = _COUNT_WORD.findall(clause)
            near += [" ".join(words[max(0, k - _COUNT_REACH):k + _COUNT_REACH + 1])
                     for k, w in enumerate(words) if _IS_FIGURE.fullmatch(w)]
        if unit.is_row:
            near.append(unit.header)
        if not near:
            return False
        wanted = set(things)
        if wanted & _PEOPLE:  # people are counted as staff, seats or heads
            wanted |= _PEOPLE
        if any(wanted & set(terms(x)) for x in near):
            return True
        # a count is often said with a near word: "35 workstations" for "desks", "20 local
        # user accounts" for "users" (cosine 0.61, 0.60; "35 workstations" for "people"
        # 0.25)
        return any(self.near.said_otherwise(things, near, threshold=_COUNT_NEAR))

    def _without_undecided_rows(self, question: str, scored: list[ScoredUnit]
                                ) -> list[ScoredUnit]:
        """A table row is not an answer when the question's words pick it no more than a
        sibling row with another value that scores nearly as well, and the question has a
        word that neither says, not even in other words: that word was to pick the row
        ("How many days of special leave when my aunt dies?": the rows for a sibling or
        grandparent and for a parent match "days" alike, and no row says "aunt"). Those
        rows are dropped; what is left may still answer."""
        if not scored or not scored[0].unit.is_row:
            return scored
        best = scored[0]
        asked = set(terms(question))
        figures = question_figures(question)

        def picked_by(u: Unit) -> frozenset[str]:
            # a figure of the question inside the row's range picks it ("seven years": the
            # row for 6 to 9 years)
            ranged = {f"#{x}" for x in figures if in_range([x], u.display())}
            return frozenset(asked & set(terms(" ".join(u.cells or (u.text,))))) | ranged

        def same_table(u: Unit) -> bool:
            return u.is_row and u.n == best.unit.n and u.header == best.unit.header

        words = picked_by(best.unit)
        if not any(same_table(s.unit) and s.unit.cells != best.unit.cells
                   and s.score >= 0.9 * best.score and picked_by(s.unit) == words
                   for s in scored[1:]):
            return scored
        said = set(terms(f"{best.unit.display()} {best.unit.context}"))
        about = content_terms(question)
        unsaid = {t: ws for t, ws in words_of(question).items() if t in about and t not in said}
        if not unsaid or not set(unsaid) - self.near.said_otherwise(
                unsaid, [f"{best.unit.display()} {best.unit.context}"])[0]:
            return scored
        return [s for s in scored if not (same_table(s.unit) and picked_by(s.unit) == words)]

    def _answer_parts(self, parts: tuple[str, str],
                      sources: Sequence[Sequence[Source]], picks: list[ScoredUnit]
                      ) -> tuple[list[ScoredUnit], list[str]]:
        """A two-part question ("When are the all-hands meetings, and how long do they
        take?") is answered part by part: a part whose best unit is not among the picks gets
        it, when that unit holds the part's kind of answer, shares the part's own words (itself
        or its context) and scores as an answer would. Returns the picks, in the order of
        the parts they answer (a pick that answers neither first), and the parts that nothing
        answers."""
        picked = {p.unit.text for p in picks}
        answers: list[ScoredUnit] = []  # in the order of the parts
        unanswered: list[str] = []
        for (part, other), own_sources in zip((parts, parts[::-1]), sources, strict=True):
            own = content_terms(part) - STAND_INS
            best = next((s for s in self.score(part_reading(part, other), own_sources,
                                               asks=part) if s.fits_type), None)
            if best is not None and best.unit.text in picked:
                # a pick already answers this part
                answers += [p for p in picks if p.unit.text == best.unit.text
                            and p not in answers]
                continue
            if (best is None or best.score < self.threshold
                    or (own and not own & set(terms(f"{best.unit.display()} "
                                                    f"{best.unit.context}")))):
                unanswered.append(part)
                continue
            answers.append(best)
            picked.add(best.unit.text)
        return [p for p in picks if p not in answers] + answers, unanswered
