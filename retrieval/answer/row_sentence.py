"""A table row said as a sentence about the column a question asks for."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answer.asks import OTHER_ROW, codes_in, has
from retrieval.bm25 import terms

#: a column that gives the unit of the figures beside it ("Currency: CHF")
_UNIT_COLUMN = re.compile(r"^(?:currency|unit|units|unit of measure)$", re.I)
#: a first column naming a place: its rows read "in Zurich", not "for Zurich"
_PLACE_COLUMN = re.compile(r"\b(?:city|country|location|office|site|region|place|town)\b",
                           re.I)
_QUESTION_HEADER = re.compile(r"^(?:how|what|who|when|where|why|which)\b", re.I)
_EMPTY_CELL = re.compile(r"[\s\-–—/.]*|n/?a", re.I)
_PLAIN_FIGURE = re.compile(r"\d[\d,.]*")
_AMOUNT_KEY = re.compile(r"^(?:(?:up to|more than|less than|over|under|from|at least|at most|"
                         r"below|above)\s+)?(?:eur|usd|chf|gbp|[€$£])?\s*\d", re.I)


def _plain_words(text: str) -> set[str]:
    """Stemmed words without the letters and digits a code splits into ("L4" → "l", "4"):
    codes are matched as codes."""
    return {t for t in terms(text) if len(t) > 1 and not t.isdigit()}


def _lower_first(name: str) -> str:
    """"Hotel cap per night" → "hotel cap per night"; "SLA", "VPN access" stay."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def row_sentence(names: Sequence[str], cells: Sequence[str], question: str) -> str | None:
    """A table row said as a sentence: the first cell is what the row is about, the columns
    whose names share words with the question are what is asked; the other cells follow in
    brackets, so nothing the row states is lost. None when the question names no column
    but the first (the row itself then answers, as "Column: value" pairs)."""
    if len(names) != len(cells) or len(cells) < 2 or not all(names) or not cells[0]:
        return None
    if any(_QUESTION_HEADER.match(n) for n in names):
        return None  # "How you get access": the "Column: value" pairs read better
    asked_words = _plain_words(question)
    asked_codes = codes_in(question)

    def shared_with_question(text: str) -> int:
        folded = text.lower()
        return (len(asked_words & _plain_words(text))
                + sum(1 for c in asked_codes if has(c, folded)))

    units = [i for i, n in enumerate(names) if _UNIT_COLUMN.match(n)]
    unit = cells[units[0]] if units else ""

    def value(i: int) -> str:
        v = cells[i].rstrip(" .;")  # the sentence ends once, after the brackets
        return f"{unit} {v}" if unit and _PLAIN_FIGURE.fullmatch(v) else v

    rest = [i for i in range(1, len(cells)) if not _EMPTY_CELL.fullmatch(cells[i])
            and i not in units]
    # the columns sharing the most words with the question ("per" alone does not make
    # "Meal per diem" the asked column of "hotel cap per night")
    shared = {i: shared_with_question(names[i]) for i in rest}
    most = max(shared.values(), default=0)
    key_name, key = names[0], cells[0]
    key_shared = shared_with_question(key)
    if not most:
        if len(rest) == 1 and key_shared:  # "Parameter | Value": the row names the measure
            return f"The {_lower_first(key)} is {value(rest[0])}."
        return None
    asked = [i for i in rest if shared[i] == most]
    if key_shared > most and not _PLACE_COLUMN.search(key_name):
        # the row names the measure and the column the case ("Annual learning budget" under
        # "Plus tier (L4-L5)"): the budget for the tier, not the tier for the budget
        first = (f"The {_lower_first(key)} for {_lower_first(names[asked[0]])} is "
                 f"{value(asked[0])}")
        said = [f"for {_lower_first(names[i])} {value(i)}" for i in asked[1:]]
        others = [f"{names[i]}: {value(i)}" for i in rest if i not in asked]
        return (", ".join([first, *said]) + (f" ({'; '.join(others)})" if others else "")
                + ".")
    if OTHER_ROW.match(key):
        about = f"for {_lower_first(key)}"  # "for all other locations"
    elif _PLACE_COLUMN.search(key_name):
        about = f"in {key}"
    elif _AMOUNT_KEY.match(key):  # "6 to 9 years", "Up to EUR 500": say what it counts
        about = f"for {_lower_first(key_name)} {_lower_first(key)}"
    else:
        about = f"for {key}"
    said = [f"the {_lower_first(names[i])} is {value(i)}" for i in asked]
    first = f"The {_lower_first(names[asked[0]])} {about} is {value(asked[0])}"
    sentence = ", and ".join([first, *said[1:]])
    others = [f"{names[i]}: {value(i)}" for i in rest if i not in asked]
    if others:
        sentence += f" ({'; '.join(others)})"
    return sentence + "."
