"""Follow-up questions made standalone, and standalone questions left alone.

A question is rewritten only when it depends on the conversation: it opens with a connector
that continues the previous question ("and in Vienna?", "what about L5?", "same for Graz") or
it refers back with a pronoun and names nothing of its own ("how long does it take?"). A
question that names its own subject is never merged with the previous one, however short.

Offline, the rewrite fills the slot the follow-up changes: "and in Vienna?" after "What is
the hotel cap per night in Zurich?" becomes "What is the hotel cap per night in Vienna?". With
a model, the model rewrites (and the offline rewrite is the fallback).
"""

from __future__ import annotations

import re

from retrieval.text import word_set

_CONNECTOR = re.compile(
    r"^\s*(?:and|but|or|also|then|so)?\s*(?:what|how)\s+about\s+|"
    r"^\s*(?:and|also|but|or)\s+(?:the\s+same\s+)?|"
    r"^\s*(?:same|likewise|similarly)\s+(?=for|in|at|with)", re.I)
_PRONOUN = re.compile(r"\b(it|its|it's|they|them|their|that|this|those|these|there|he|she|"
                      r"him|her|his|one)\b", re.I)
_PREPOSITION = re.compile(r"^(in|for|at|on|with|from|during|to|about)\s+(.+)$", re.I)
_STOP = word_set("""
a an the of to in on at for with from by and or but is are was were be been
do does did can could may might must shall should will would what which who whom whose when
where why how i me my we our you your it its they them their this that these those there
here about also then so same please tell much many long often any some""")
#: a word that names something: capitalised, holding a digit, or a code like "EL-420"
_NAME = re.compile(r"\b(?:[A-Z][\w-]*|\w*\d[\w.,-]*)\b")


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w-]+", text) if w.lower() not in _STOP]


_PREPS = "in|for|at|on|with|from|during|to|about"
_PHRASE = re.compile(rf"\b({_PREPS})\s+(.+?)(?=\s+(?:{_PREPS}|and|or|if|when|but)\b|[?,.;!]|$)",
                     re.I)
_WHAT_IS = re.compile(r"^(?:what's|what is|what are|what about|how about)\s+", re.I)


def _shape(word: str) -> str:
    return re.sub(r"\d+", "9", re.sub(r"[A-Za-z]+", "A", word))


def _names(text: str) -> list[re.Match[str]]:
    """Names after the first word (a capitalised first word is just a sentence start)."""
    return [m for m in _NAME.finditer(text)
            if m.start() > 0 and m.group(0).lower() not in _STOP]


def depends_on_history(question: str) -> bool:
    """True when the question cannot be understood without the previous one."""
    if _CONNECTOR.match(question):
        return True
    pronoun = _PRONOUN.search(question)
    if not pronoun:
        return False
    words = question.split()
    # "Is that also allowed in Leipzig?", "Can it be extended?": a pronoun near the start of
    # a short question is its subject. A question that names its own subject and only later
    # says "it" ("Does Kestrelmoor offer stock options and who runs them?") stands alone.
    early = len(question[:pronoun.start()].split()) <= 3
    return (early and len(words) <= 8) or (len(_content_words(question)) <= 2
                                          and not _names(question))


def _strip(question: str) -> str:
    return question.strip().rstrip("?.! ").strip()


def _replace_phrase(rest: str, prev: str) -> str | None:
    """"in Vienna" replaces the previous question's "in Zurich"."""
    for new in reversed(list(_PHRASE.finditer(rest))):
        olds = [m for m in _PHRASE.finditer(prev) if m.group(1).lower() == new.group(1).lower()]
        if olds:
            old = olds[-1]
            return f"{prev[:old.start(2)]}{new.group(2)}{prev[old.end(2):]}?"
    return None


def _replace_name(rest: str, prev: str) -> str | None:
    """"L5" replaces "L4", "E303" replaces "E301", "Rotterdam" replaces "Leipzig"."""
    new_names = _names(" " + rest)
    if not new_names or len(rest.split()) > 6:
        return None
    new = new_names[0].group(0)
    olds = [m for m in _names(prev) if new.lower() != m.group(0).lower()]
    same = [m for m in olds if _shape(m.group(0)) == _shape(new)]
    kind = [m for m in olds if any(c.isdigit() for c in m.group(0))
            == any(c.isdigit() for c in new)]
    candidates = same or kind
    if not candidates:
        return None
    pick = candidates[-1]
    return f"{prev[:pick.start()]}{new}{prev[pick.end():]}?"


def fill_slot(question: str, previous: str) -> str:
    """The follow-up with the previous question's slot replaced (offline rewrite)."""
    prev = _strip(previous)
    connector = _CONNECTOR.match(question)
    rest = _strip(question[connector.end():] if connector else question)
    rest = _WHAT_IS.sub("", rest)
    replaced = _replace_phrase(rest, prev) or _replace_name(rest, prev)
    if replaced:
        return replaced
    if connector and rest:
        return f"{prev} ({rest})?"
    # A pronoun: the previous question's names stand in for it.
    names = [m.group(0) for m in _names(prev)]
    subject = " ".join(names) if names else " ".join(_content_words(prev)[-3:])
    return f"{_strip(question)} ({subject})?"


def standalone_offline(question: str, earlier_questions: list[str]) -> str:
    """The question as it would be asked alone, resolving earlier follow-ups in turn."""
    resolved = ""
    for earlier in earlier_questions:
        resolved = (fill_slot(earlier, resolved) if resolved and depends_on_history(earlier)
                    else earlier)
    if not resolved or not depends_on_history(question):
        return question
    return fill_slot(question, resolved)
