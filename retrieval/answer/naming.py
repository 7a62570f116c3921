"""Who and what a passage names: a person (not a role, a document or the organisation
itself), the holder of the asked role, an organisation for "which firm", something
particular for "which", an abbreviation or its spelled-out name, and the places a passage
lists together. The offline answerer (``retrieval.answer.extractive``) asks these of each
sentence or table row."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answer.asks import NOT_NAMES, NOT_NAMES_LOWER, WHO_HOLDS, WORD, has, names_in
from retrieval.bm25 import STOPWORDS
from retrieval.text import word_set

#: a name: capitalised words, with the particles of family names ("Piet van Drunen"), an
#: e-mail address, or an acronym
PERSONISH = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:(?:van|von|de|der|den|da|di|du|le|la|ten|"
                        r"ter)\s)*[A-Z][a-z]+)+\b|[\w.+-]+@[\w-]+\.\w+|"
                        r"\b[A-Z][\w&-]*[A-Z0-9][\w&-]*\b")
#: capitalised codes that are units, not anyone's name
NOT_ACRONYM_NAMES = word_set("""EUR USD CHF GBP JPY CET CEST UTC GMT PDF VAT KB MB GB TB
PM AM""")
#: words of a job title: "Managing Director" names a role, not who holds it
ROLE_WORDS = word_set("""head heads director directors manager managers officer officers lead
leader chief president vice ceo cfo cto coo cio ciso coordinator representative chair chairman
chairwoman secretary assistant supervisor team department board committee staff
specialist engineer administrator person persons""")
#: last words of a capitalised phrase that names a document or a thing, not someone
THING_WORDS = word_set("""policy policies procedure procedures guide guidelines handbook manual
standard act regulation regulations code agreement form template portal catalogue catalog
system line""")
#: column names whose cells name a person or a role: a table row under one answers "who"
WHO_COLUMN = re.compile(r"\b(?:approver|owner|contact|responsible|person|who|role|"
                         r"decides|signs|approved by|owned by|contact person)\b", re.I)


def names_role(role: Sequence[str], text: str) -> bool:
    """``text`` names the role the question asks about, as a phrase: "Chief Executive
    Officer", not "Executive Vice President and Chief Product Officer"."""
    words: list[str] = []
    for w in role:
        if not w[0].isalnum() or (words and w.lower() not in {"of", "and", "&"}
                                  and w.lower() in STOPWORDS):
            break
        words.append(w)
    while words and words[-1].lower() in {"of", "and", "&"}:
        words.pop()
    if not words:
        return True
    phrase = r"\W+".join(re.escape(w) for w in words)
    return re.search(rf"(?<!\w){phrase}s?(?!\w)", text, re.I) is not None


def gives_name(question: str, said: str, around: str, header: str = "",
               background: set[str] | frozenset[str] = frozenset()) -> bool:
    """A "who" question is answered by a unit that names someone (two capitalised words, an
    address or an acronym) the question does not already name; the organisation's own name
    (``background``: names every source carries), a sentence's first word ("In Rotterdam"),
    a document's title ("Information Security Policy") name no one, and a job title does not
    say who holds it ("Who is our Head of Marketing?"). ``said``: what the passage says (a
    table row with its column names), ``around``: its context, ``header``: a row's column
    names."""
    asked = question.lower()
    asks = WHO_HOLDS.search(question)
    role = WORD.findall(question[asks.end():])[:5] if asks is not None else []
    holder = any(w.lower() in ROLE_WORDS for w in role)
    if header and WHO_COLUMN.search(header) and not holder:
        return True  # "Up to EUR 500 | Line manager" under "… | Approver | …"
    if holder and not names_role(role, f"{said} {around}"):
        return False  # the name of another role's holder ("Chief Financial Officer")
    for m in PERSONISH.finditer(said):
        words = [w.strip("'’").removesuffix("'s") for w in m.group(0).lower().split()]
        if " " in m.group(0):
            while words and words[0] in NOT_NAMES_LOWER:
                words.pop(0)
            if len(words) < 2 or words[-1] in THING_WORDS:
                continue
            if holder and any(w in ROLE_WORDS for w in words):
                continue
        elif holder or m.group(0) in NOT_ACRONYM_NAMES or any(ch.isdigit() for ch in
                                                                 m.group(0).split("@")[0]):
            # a code with digits ("LAB-0112") is a thing's number
            continue  # an acronym ("HR") or a mailbox ("press@…") is not a person's name
        if any(w in background for w in words):
            continue
        if not all(w in asked for w in words):
            return True
    return False


#: a code, a version or room number, an address, a quoted name or a menu path; not a plain
#: quantity ("15 percent" says how much, not which)
SPECIFIC = re.compile(r"\b\d+(?:\.\d+)+\b|[\w.+-]+@[\w-]+\.\w+|https?://|[\"“”`‘«»>/]|"
                       r"(?<![\w-])[A-Za-z][\w-]*\d[\w-]*|\d[\w-]*[A-Za-z](?![a-z])")


#: what "which firm …?" asks for: an organisation, named
ORGANISATIONS = word_set("""firm firms company companies provider providers vendor vendors
supplier suppliers agency agencies insurer insurers bank banks fund funds partner partners
contractor contractors carrier carriers courier couriers consultancy consultancies auditor
auditors broker brokers airline airlines organisation organisations organization
organizations""")
_WHICH_NOUN = re.compile(r"\bwhich\s+([\w-]+)(?:\s+([\w-]+))?", re.I)


def names_organisation(question: str, text: str, background: set[str] | frozenset[str],
                       *, leads_with_name: bool = False) -> bool:
    """For "which firm/insurer/bank …?": a sentence that names an organisation the question
    does not — a capitalised name inside the sentence, not a level or code ("L6"), not a
    department's initials ("the HR team"), not the organisation's own name (``background``).
    ``leads_with_name``: the text's first word is a name too (a table cell "Allianz")."""
    asked = question.lower()
    # the name of a document, system or place of the organisation's own ("the Expense
    # Portal", "the Travel Policy") names no organisation
    plain = _THING_NAME.sub(lambda m: m.group(0) if m.group(2).lower() not in _OWN_UNITS
                            else " ", _EMPHASIS.sub("", text))
    words = WORD.findall(plain)
    return any(w[0].isupper() and (len(w) > 2 or w[1:].islower()) and not _DIGIT.search(w)
               and w not in NOT_NAMES and w not in NOT_ACRONYM_NAMES and w.lower() not in asked
               and w.lower() not in background
               and (words[i - 1][0].isalnum() or words[i - 1] in {",", "&"} if i > 0
                    else leads_with_name)
               for i, w in enumerate(words))


_THING_NAME = re.compile(r"((?:[A-Z][\w&-]*\s+)+)([A-Z][\w-]*)")
#: last words of the name of a thing or a unit of the organisation's own ("the Travel Desk",
#: "the Expense Portal"): not another organisation
_OWN_UNITS = THING_WORDS | word_set("""desk team department office helpdesk point centre
center committee board""")


def listed_with(names: set[str], sentences: Sequence[str]) -> set[str]:
    """The names the sentences list together with one of ``names`` ("Leipzig, Rotterdam and
    Graz"): names of the same kind (three or more in one sentence)."""
    found: set[str] = set()
    if not names:
        return found
    for sentence in sentences:
        named = names_in(sentence)
        if len(named) >= 3 and named & names:
            found |= named
    return found - names


def names_only_other(text: str, names: set[str], siblings: set[str]) -> bool:
    return (any(has(w, text) for w in siblings) and not any(has(w, text) for w in names))


_ABBREVIATION = re.compile(r"(?<![\w-])([A-Z]{2,6})(?:'s|’s)(?![\w-])")


def holders(question: str) -> set[str]:
    """Who or what a question asks something of: an abbreviation's ("the CISO's phone
    extension", "the DPO's e-mail address", not currencies or units), a thing's ("the
    canteen's lunch hours") or a capitalised name's after "of the" ("the phone extension of
    the Data Protection Officer"). (Any abbreviation would be too much: "HQ", "OK", "CVs"
    and "LTE" are said otherwise or in a code, "EL-420-LTE".)"""
    found = {m.group(1) for m in _ABBREVIATION.finditer(question)
             if m.group(1) not in NOT_ACRONYM_NAMES and m.group(1) != "I"}
    found |= {m.group(1) for m in _HOLDER.finditer(question)}
    found |= {m.group(1) for m in _POSSESSIVE.finditer(question)}
    return found


#: "the canteen's", "our team's": a thing that has what is asked
_POSSESSIVE = re.compile(r"\b(?:the|our|your)\s+([a-z][a-z-]{2,})(?:'s|’s)(?![\w-])")


#: "of the Data Protection Officer", "of our Travel Desk": two capitalised words or more
_HOLDER = re.compile(r"\bof (?:the|our|your) ((?:[A-Z][\w&-]*\s+)+[A-Z][\w&-]*)")


def says_holder(holder: str, text: str) -> bool:
    """``text`` names the holder, or spells out its abbreviation: capitalised words with its
    initials ("Data Protection Officer" for "DPO"); a name by all its words or its initials."""
    if " " in holder:
        words = holder.split()
        lower = text.lower()
        initials = "".join(w[0] for w in words if w.lower() not in {"of", "and", "for", "&"})
        return all(has(w.lower(), lower) for w in words) or has(initials.lower(), lower)
    if has(holder.lower(), text.lower()):
        return True
    return holder in _initial_runs(re.findall(r"[A-Za-z][\w-]*", text), len(holder))


def _initial_runs(words: Sequence[str], n: int) -> set[str]:
    """The initials of each run of ``n`` capitalised words (small joining words skipped):
    "Chief Information Security Officer" -> "CISO"."""
    capital = [w for w in words if w.lower() not in {"of", "and", "for", "the", "&"}]
    found = set()
    for i in range(len(capital) - n + 1):
        run = capital[i:i + n]
        if all(w[0].isupper() for w in run):
            found.add("".join(w[0] for w in run))
    return found


def starts_with_name(cell: str) -> bool:
    """A table cell that starts with a name: one word ("Allianz") or capitalised words
    ("Allianz Leben"), not "Twice the annual base"."""
    words = cell.split()
    return len(words) == 1 or (len(words) > 1 and words[1][:1].isupper())


_EMPHASIS = re.compile(r"\*\*?|__?")
_DIGIT = re.compile(r"\d")


def asks_organisation(question: str) -> bool:
    """"Which firm do we hire …?", "Which pension fund …?", not "Which company laptop …?"."""
    m = _WHICH_NOUN.search(question)
    if m is None:
        return False
    first, second = m.group(1).lower(), (m.group(2) or "").lower()
    return second in ORGANISATIONS or (first in ORGANISATIONS
                                        and (not second or second in STOPWORDS))


def names_something(question: str, text: str,
                     background: set[str] | frozenset[str] = frozenset()) -> bool:
    """For "which" questions: a sentence that names something particular the
    question does not — a capitalised word inside the sentence, a figure or code, an address,
    a quoted name or a path ("The company pension plan is provided through a group contract
    with a pension fund" names no fund). A question for a firm, insurer or bank wants an
    organisation's name (``names_organisation``)."""
    if asks_organisation(question):
        return names_organisation(question, text, background)
    asked = question.lower()
    if SPECIFIC.search(text):
        return True
    words = WORD.findall(text)
    return any(w[0].isupper() and w not in NOT_NAMES and w.lower() not in asked
               for i, w in enumerate(words) if i > 0 and words[i - 1] not in {".", ":"})
