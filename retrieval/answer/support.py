""""Supported", checked apart from "quotes found": every number, date and name a sentence
states occurs in the passages it cites, and the answer gives the kind of fact the question
asks for (an amount, a date, a number…) and touches the question's distinctive words.

This is what a green badge may claim. A real quote beside an unrelated claim ("Employees get
99 days of leave [1]" citing a true sentence about leave) fails here, not in the quote check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from retrieval.answer.asks import answer_type, doer, question_codes, says
from retrieval.answer.citations import cited_numbers, sentences_of
from retrieval.bm25 import terms
from retrieval.text import fold, word_set

_CURRENCY = re.compile(r"\b(eur|usd|chf|gbp|pln|sgd|dollars?|euros?)\b|[€$£]", re.I)
_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_NOT_A_CLAIM = re.compile(r"^\s*(?:Q\s*:|(?:Table|Figure|Fig\.|Chart)\s+\d+[.:]?)", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.' ]*\d(?![\w])|(?<![\w.])\d(?![\w])")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w&'-]*[A-Za-z0-9]\b")
#: capitalised words that are not names when they start a clause or are common words
_COMMON = word_set("""
I The A An In On At For With From By And Or But If When Where What Which
Who How Why Yes No Not This That These Those It Its They Their There Each Every All Any Some
Employees Employee You Your We Our Please Note See Page Section Table""")
_GENERIC = frozenset(terms("what which who when where how many much long often is are do does "
                           "can could should would will may the a an of to in on for my our "
                           "i we you get need have has there"))


@dataclass(frozen=True)
class SupportCheck:
    supported: bool
    by_citation: dict[int, bool]
    problems: list[str]


def _digits(text: str) -> str:
    return re.sub(r"[^\d]", "", text)


def facts_of(sentence: str) -> list[str]:
    """Numbers (with their digits) and names a sentence states."""
    plain = _MARKER.sub("", sentence)
    numbers = [m.group(0).strip() for m in _NUMBER.finditer(plain)]
    names = [m.group(0) for m in _NAME.finditer(plain) if m.group(0) not in _COMMON]
    return numbers + names


def _holds(fact: str, passage: str, passage_digits: str) -> bool:
    if any(ch.isdigit() for ch in fact) and not any(ch.isalpha() for ch in fact):
        digits = _digits(fact)
        # "1,500" and "1500" and "1 500" are one number; compare digit runs of the passage.
        return digits in passage_digits or fold(fact) in passage
    return fold(fact) in passage


def check_support(question: str, text: str, passages: Mapping[int, str],
                  refused: bool, quotes: Sequence[str] = ()) -> SupportCheck:
    """``passages``: the text of each source number the answer may cite; ``quotes``: the
    words the citations quote (what the answer stands on, narrower than whole passages)."""
    if refused or not text.strip():
        return SupportCheck(False, {}, ["the answer gives no fact"])
    by_citation: dict[int, bool] = {}
    problems: list[str] = []
    for sentence in sentences_of(text):
        numbers = cited_numbers(sentence)
        if not numbers:
            continue
        cited = " ".join(passages.get(n, "") for n in numbers)
        folded = fold(cited)
        digit_runs = " ".join(_digits(w) for w in cited.split())
        missing = [f for f in facts_of(sentence) if not _holds(f, folded, digit_runs)]
        ok = not missing and all(n in passages for n in numbers)
        for n in numbers:
            by_citation[n] = by_citation.get(n, True) and ok
        if missing:
            problems.append(f"not in the cited source: {', '.join(missing[:3])}")
    if not by_citation:
        problems.append("no sentence cites a source")
    addressed = _addresses(question, text, quotes)
    if not addressed:
        problems.append("the answer does not give what the question asks for")
    supported = bool(by_citation) and all(by_citation.values()) and addressed
    return SupportCheck(supported, by_citation, problems)


def _other_code(code: str, said: str) -> bool:
    """The answer names codes of the asked kind ("L7", "E305") but not the asked one
    ("L8", "E306"), nor a range that holds it: it answers for something else."""
    kind = re.match(r"([a-z]+)-?\d", code)
    if kind is None or says(code, said) or code in said:
        return False
    return re.search(rf"(?<![\w-]){kind.group(1)}-?\d", said) is not None


def _addresses(question: str, text: str, cited: Sequence[str]) -> bool:
    """The answer holds the asked-for kind of fact and shares the question's key words
    (in its own words or the words it quotes; a whole passage would match too much)."""
    plain = _MARKER.sub("", text)
    claims = [c for c in (_MARKER.sub("", x).strip() for x in sentences_of(text)) if c]
    # A question line ("Q: Can I …?") or a caption ("Table 1: …") restates, it does not answer.
    if claims and all(c.endswith("?") or _NOT_A_CLAIM.match(c) for c in claims):
        return False
    wanted = answer_type(question)
    stated = _NOT_A_CLAIM.sub("", plain)
    # An amount in a table row may have its currency in a cell of its own ("65 · CHF").
    fits = wanted is not None and (bool(wanted[1].search(stated)) or (
        wanted[0] == "money" and bool(re.search(r"\d", stated))
        and bool(_CURRENCY.search(stated))))
    if wanted is not None and not fits:
        return False
    # Every code, level, model or year the question names ("L8", "E306", "2027") must be in
    # the answer or its quotes: an answer about another level does not answer it.
    said = f"{plain} {' '.join(cited)}".lower()
    if any(_other_code(code, said) for code in question_codes(question)):
        return False
    key = {t for t in terms(question) if t not in _GENERIC}
    if not key:
        return True
    # A third of the question's key words: a paraphrased question ("how long does my
    # password need to be") shares few words with a right answer; the figure, the codes and
    # the quotes found in the passage carry the rest of the check.
    seen = set(terms(text + " " + " ".join(cited)))
    # "Who owns the policy?" is answered by its "owner": the doer stands for the verb
    doing = doer(question)
    if doing and set(terms(doing)) & seen:
        seen |= set(terms(question.split()[1]))
    share = len(key & seen) / len(key)
    return share >= 0.4
