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
_BACK_REFERENCE = re.compile(r"(?:that|this|the same)\b", re.I)
#: "at that level", "for the same city": a slot whose value the previous question gave
_BACK_PHRASE = re.compile(rf"\b(?:{_PREPS})\s+(?:that|this|the\s+same)\s+(?!is\b|was\b)\w+", re.I)
_WHAT_IS = re.compile(r"^(?:what's|what is|what are|what about|how about)\s+", re.I)


def _shape(word: str) -> str:
    return re.sub(r"\d+", "9", re.sub(r"[A-Za-z]+", "A", word))


def _names(text: str) -> list[re.Match[str]]:
    """Names after the first word (a capitalised first word is just a sentence start)."""
    return [m for m in _NAME.finditer(text)
            if m.start() > 0 and m.group(0).lower() not in _STOP]


_QUESTION_START = re.compile(
    r"^(?:what|what's|which|who|who's|whom|whose|when|where|why|how|can|could|do|does|did|"
    r"is|are|was|were|will|would|should|shall|may|must|has|have)\b", re.I)


def _own_question(text: str) -> re.Match[str] | None:
    """A whole question inside the text ("… in Vienna? what is the hotel cap"): the clause
    that starts with a question word, when it has a subject of its own."""
    for clause in re.split(r"[?.!;]\s*|,\s+", text):
        if _QUESTION_START.match(clause) and len(_content_words(clause)) >= 2:
            return _QUESTION_START.match(clause)
    return None


def depends_on_history(question: str) -> bool:
    """True when the question cannot be understood without the previous one."""
    connector = _CONNECTOR.match(question)
    rest = question[connector.end():] if connector else question
    pronoun = _PRONOUN.search(rest)
    if connector and not (pronoun or not _own_question(rest)):
        # "and in Vienna? what is the hotel cap": the connector opens a question that names
        # its own subject; merging it with the previous one would answer something else.
        return False
    if connector or _BACK_PHRASE.search(question):
        return True
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
        if olds and not _BACK_REFERENCE.match(new.group(2)):
            old = olds[-1]
            return f"{prev[:old.start(2)]}{new.group(2)}{prev[old.end(2):]}?"
    return None


def _fill_back_reference(rest: str, prev: str) -> str | None:
    """"the pension contribution at that level?" after "… at L2?": the new question keeps
    its own words and takes the old slot's value."""
    for new in _PHRASE.finditer(rest):
        if not _BACK_REFERENCE.match(new.group(2)):
            continue
        olds = [m for m in _PHRASE.finditer(prev) if m.group(1).lower() == new.group(1).lower()]
        if olds:
            return f"{rest[:new.start(2)]}{olds[-1].group(2)}{rest[new.end(2):]}?"
    return None


_CONDITION = re.compile(r"\b(?:if|when|whenever|in case|once|after|before|while)\s+\S", re.I)


def _replace_condition(rest: str, prev: str) -> str | None:
    """"and if just the printer is broken?" after "How fast does IT respond when my laptop
    doesn't start?": the new condition replaces the previous question's condition."""
    new = _CONDITION.match(rest)
    old = next((m for m in _CONDITION.finditer(prev) if m.start() > 0), None)
    if new is None or old is None:
        return None
    return f"{prev[:old.start()]}{rest}?"


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


def _subject(prev: str) -> str:
    """What a pronoun or a new attribute refers back to: the previous question's words
    without its question words (its names and nouns: "warranty EL-420")."""
    words = _content_words(re.sub(r"[()]", " ", prev))
    return " ".join(dict.fromkeys(words[-4:]))


def fill_slot(question: str, previous: str, subject: str = "") -> str:
    """The follow-up with the previous question's slot replaced (offline rewrite).
    ``subject``: what the conversation is about when the previous question was itself a
    follow-up ("Which port does it use?" about the VPN); else taken from ``previous``."""
    prev = _strip(previous)
    about = subject or _subject(prev)
    connector = _CONNECTOR.match(question)
    rest = _strip(question[connector.end():] if connector else question)
    if connector and _QUESTION_START.match(rest):
        # "and how long before it kicks me out?": a question of its own about the previous
        # subject, not a slot of the previous question.
        return f"{rest} ({about})?"
    back = _fill_back_reference(rest, prev) or _replace_condition(rest, prev)
    if back:
        return back
    rest = _WHAT_IS.sub("", rest)
    replaced = _replace_phrase(rest, prev) or _replace_name(rest, prev)
    if replaced:
        return replaced
    if connector and rest and not _PREPOSITION.match(rest) and len(rest.split()) <= 3:
        # "what about humidity?": a new attribute of the same thing.
        return f"{rest} ({about})?"
    if connector and rest:
        return f"{prev} ({rest})?"
    # A pronoun: the previous question's names and nouns stand in for it.
    return f"{_strip(question)} ({about})?"


def _is_reference(question: str) -> bool:
    """A follow-up that refers back to the subject ("Which port does it use?") rather than
    changing a slot ("and in Vienna?"): the subject carries on to the next turn."""
    connector = _CONNECTOR.match(question)
    return connector is None or bool(_QUESTION_START.match(question[connector.end():]))


def standalone_offline(question: str, earlier_questions: list[str]) -> str:
    """The question as it would be asked alone, resolving earlier follow-ups in turn."""
    resolved, subject = "", ""
    for earlier in earlier_questions:
        if resolved and depends_on_history(earlier):
            carried = subject if _is_reference(earlier) else ""
            resolved = fill_slot(earlier, resolved, carried)
            subject = carried or _subject(_strip(resolved))
        else:
            resolved, subject = earlier, _subject(_strip(earlier))
    if not resolved or not depends_on_history(question):
        return question
    return fill_slot(question, resolved, subject)
