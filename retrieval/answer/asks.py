"""What a question asks for and what it singles out, read from its words alone.

The kind of answer it wants (a figure, a clock time, a date, an amount, a phone number, a
name), the codes, years and names it singles out ("L8", "EL-440", "2027", "Graz"), its own
topic words, the figures it gives ("seven years", "EUR 450") and the ranges that hold them,
and the forms of "who" and "which" questions. The offline answerer
(``retrieval.answer.extractive``) and the support check (``retrieval.answer.support``) use
these to judge whether a passage can answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.bm25 import STOPWORDS, terms
from retrieval.text import word_set

# What kind of answer a question asks for, and what a passage must hold to give it. A passage
# that cannot hold the answer ("call the emergency number 112" for "what is the phone number
# of ...") is not picked, however many words it shares with the question. The first kind that
# the question asks for wins: "when" before "salary" ("When do the new salaries take effect?").
# Ordinals ("the second floor") are not counts: "how many desks?" is not answered by them.
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                 r"half|twice|once|double")
#: units of time as figures carry them ("15 min", "10 working days"), and as words follow a
#: number word ("six months")
_TIME_UNITS = r"ms|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?"
_TIME_WORDS = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?"
_TENS = r"fifteen|twenty|thirty|sixty|ninety"
_LENGTH_UNITS = (r"mm|cm|m|km|metres?|meters?|millimet(?:re|er)s?|centimet(?:re|er)s?|"
                 r"kilomet(?:re|er)s?|ft|feet|foot|inch(?:es)?|miles?")
#: month names, whole or cut short ("Sept."), not words that start like one ("marked",
#: "decide", "junior")
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    # a number to call ("the 24-hour assistance number", "the CISO's phone extension"), not
    # a serial or order number; an extension is a short number
    ("extension", re.compile(r"\b(phone|telephone|internal|direct) extension|"
                             r"\bextension (number|no)\b", re.I),
     re.compile(r"\+?\d(?:[ ()/-]?\d){6,}|\b(?:ext\.?|extension|x)\s*\d{2,6}\b|"
                r"(?<![\d.,:/-])(?!(?:19|20)\d\d\b)\d{3,5}(?![\d.,:/-])", re.I)),
    ("phone", re.compile(r"\b((tele)?phone|mobile|fax) (number|no)\b|\bhotline\b|\bfax\b|"
                         r"\bnumber (to|should I|do I) (call|dial|ring)\b|"
                         r"\b(assistance|emergency|contact|support|helpline|service desk|"
                         r"helpdesk|help desk) (phone )?(number|no)\b", re.I),
     re.compile(r"\+?\d(?:[ ()/-]?\d){6,}")),
    ("email", re.compile(r"\b(e-?mail address(es)?|(which|what) (mailbox|e-?mail)(es)?|"
                         r"mailbox address)\b", re.I),
     re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")),
    ("clock", re.compile(r"\b(what time|until what time|at what time|from what time|"
                         r"what are the (opening|office) hours)\b", re.I),
     re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(am|pm)\b|\b(noon|midday|midnight)\b",
                re.I)),
    ("time", re.compile(r"\b(when|what time|until what time|(which|what) (day|date|month|year)|"
                        r"what date|deadline|how soon|how quickly|by when|"
                        # "how fast does IT respond?" asks how long it takes ("next working
                        # day"); "how fast is the CPU?" asks for a speed
                        r"how fast (?:do|does|did|will|would|can|could|should|must)\b)\b",
                        re.I),
     re.compile(rf"\b\d{{1,2}}[:.]\d{{2}}\b|\b(19|20)\d{{2}}\b|\b({_MONTHS})\b|\b(monday|"
                rf"tuesday|wednesday|thursday|friday|saturday|sunday|day|days|week|weeks|"
                rf"month|months|year|years|hour|hours|minute|minutes|seconds)\b|"
                rf"\d\s?(?:min|mins|h|hrs?|s|sec|secs|ms)\b|"
                rf"\b\d+(st|nd|rd|th)\b", re.I)),
    # a timeout is a length of time: "15 min", not "every Monday"
    ("duration", re.compile(r"\b(timeouts?|time-outs?|time limits?)\b", re.I),
     re.compile(rf"\d\s?(?:{_TIME_UNITS})\b|\b(?:{_NUMBER_WORDS}|{_TENS})\s+(?:{_TIME_WORDS})\b",
                re.I)),
    ("money", re.compile(r"\b(price|prices|cost|costs|revenue|revenues|sales|salary|salaries|"
                         r"budget|fee|fees|allowance|per diem|spend|turnover|profit|income|"
                         r"discount|discounts|rebate|rebates|surcharge|supplement|bonus|bonuses|"
                         r"how much (money|does|do|is|are|will|can|would))\b", re.I),
     re.compile(r"(eur|usd|chf|gbp|dollars?|euros?|[€$£])\s?\(?\d|\d[\d,.]*\s?(eur|usd|chf|"
                r"gbp|[€$£%]|percent|million|billion|k\b)", re.I)),
    # a physical measure is stated with its unit: a pin number or a part count does not say
    # how long a cable may be, a weight is in grams, a temperature in degrees
    ("length", re.compile(r"\b(lengths?|distance|width|height|depth|thickness|"
                          r"how (wide|tall|deep|thick))\b", re.I),
     # "the length of the probation period" is a duration
     re.compile(rf"\d\s?(?:{_LENGTH_UNITS})(?!\w)|\d\s?[\"″]|\b(?:hours?|days?|weeks?|"
                rf"months?|years?)\b", re.I)),
    ("weight", re.compile(r"\b(weight|weigh|weighs|how heavy)\b", re.I),
     re.compile(r"\d\s?(?:mg|g|kg|grams?|kilograms?|kilos?|t|tonnes?|tons?|lbs?|pounds?|oz|"
                r"ounces?)(?!\w)", re.I)),
    ("temperature", re.compile(r"\btemperatures?\b", re.I),
     re.compile(r"\d\s?(?:°|º|[Dd]egrees?\b|[CFK]\b)")),
    ("voltage", re.compile(r"\b(voltage|volts?)\b", re.I),
     re.compile(r"\d\s?(?:[mk]?V|VDC|VAC|V DC|V AC|[Vv]olts?)\b")),
    # "Where can I find the recordings?" is answered by a place, an address or a path: "is
    # recorded for colleagues who cannot attend" says that there are recordings, not where
    ("place", re.compile(r"^\s*where\b|\bwhere (?:can|could|do|does|did|is|are|should|will|"
                         r"would|must|may|to)\b", re.I),
     re.compile(r"\b(?:in|on|at|from|via|under|inside|outside|behind|beside|near|next to|"
                r"opposite|above|below|into|onto|through|within)\s+\S|"
                # "send it to the Travel Desk", not "streamed to all offices"
                r"\bto\s+(?:the|a|an|your|our|their|its)\s|\bto\s+(?-i:[A-Z])|https?://|"
                r"[A-Za-z][\w-]*/[A-Za-z]|"
                r"[\w.+-]+@[\w-]+\.\w|`", re.I)),
    # "How long does the welcome session last?" asks for a span of time (or a length, or
    # how many digits or characters), not a clock time ("every Monday at 09:30")
    ("span", re.compile(r"\bhow long\b", re.I),
     # ("10 working days", "30 calendar days": a word may stand between)
     re.compile(rf"\d[\d.,]*[\s-]*(?:[a-z]+\s+)?(?:{_TIME_UNITS}|digits?|characters?|chars)"
                rf"\b|\b(?:{_NUMBER_WORDS}|{_TENS}|a|an|half an?)[\s-]+(?:[a-z]+\s+)?"
                rf"(?:{_TIME_WORDS}|digits?|characters?)\b|\d\s?(?:{_LENGTH_UNITS})(?!\w)|"
                rf"\b({_MONTHS})\b|\b(?:19|20)\d{{2}}\b", re.I)),
    ("number", re.compile(r"\b(how (many|long|often|far|old|big|large|high|fast|much)|"
                          r"what (percentage|percent|share|number|size|ratio|rate|score|"
                          r"grade|age|speed|capacity|pass mark)|"
                          r"number of)\b", re.I),
     re.compile(rf"(?<![\w.])\d+([.,]\d+)*(?![\w])|\b({_NUMBER_WORDS})\b", re.I)),
)


#: a yes/no question: it starts with an auxiliary verb and asks nothing with a wh-word
_YES_NO = re.compile(r"^\s*(?:do|does|did|can|could|is|are|am|was|were|will|would|should|"
                     r"shall|may|might|must|have|has|had)\b", re.I)
#: statements before the first question of a text ("I'm starting in April. Do I …?")
_PREAMBLE = re.compile(r"^(?:[^?]*?[.!](?=\s+[A-Z]))+\s+(?=[^?]*\?)")
#: ("whose" is left out: "Can I run tests in a chamber whose certificate has expired?")
_WH_WORD = re.compile(r"\b(?:how|what|when|which|who|whom|where|why)\b", re.I)
#: words in brackets: what a follow-up carries over from the question before ("what about
#: humidity?" is searched as "humidity (temperature range EL-420 storage)?"); they do not
#: say what kind of answer it wants
_BRACKETED = re.compile(r"\([^()]*\)")


#: "What laptop …", "Which error code …": a question that names the thing it asks for right
#: after its question word (not "what is", "what kind of")
_WHAT_THING = re.compile(
    r"^\s*(?:what|which)\s+(?!(?:is|are|was|were|do|does|did|can|could|will|would|should|"
    r"must|may|has|have|had|happens|kind|sort|type|types|kinds|of|if)\b)[\w-]+(?:\s+[\w-]+)?",
    re.I)


def answer_type(question: str) -> tuple[str, re.Pattern[str]] | None:
    """The kind asked for first: a question's own question word comes before the words of
    its clauses ("How big is the canary group when I roll out firmware?" asks for a size,
    "Who do I ask about salaries?" for a name, not a time or an amount). Ties go to the
    kind listed first."""
    # what is said before the question is the situation, not what is asked: "Someone
    # joined on 1 November. Do they get a bonus for this year?" asks yes or no
    asked = _PREAMBLE.match(question)
    if asked is not None:
        question = question[asked.end():]
    if _YES_NO.match(question) and not _WH_WORD.search(question):
        return None  # "Do we get a 13th month's salary?" is answered "No. … twelve …"
    unbracketed = _BRACKETED.sub(" ", question)
    if re.search(r"[^\W\d_]", unbracketed):
        question = unbracketed
    found: list[tuple[int, int, str, re.Pattern[str]]] = []
    for order, (name, asks, holds) in enumerate(ANSWER_TYPES):
        m = asks.search(question)
        if m is not None:
            found.append((m.start(), order, name, holds))
    if not found:
        return None
    start, _, name, holds = min(found)
    head = _WHAT_THING.match(question)
    if head is not None and start >= head.end():
        # "Which error code do I get when …?", "What laptop does someone in sales get?": the
        # question names the thing it asks for; a later clause's "when" or "sales" does not
        return None
    who = WHO.search(question)
    if who is not None and who.start() < start:
        return None  # a name is asked for: ``naming.gives_name`` checks it
    return name, holds


_HOW_MANY = re.compile(r"\bhow many\s+((?:[\w-]+\s*){1,3})", re.I)


def counted(question: str) -> dict[str, set[str]]:
    """What a "how many" question counts, by stem: "How many paid days off …?" counts
    "paid days", "How many people work …?" "people work" (the words after "how many", up to
    the first function word; a verb among them does no harm)."""
    m = _HOW_MANY.search(question)
    if m is None:
        return {}
    found: dict[str, set[str]] = {}
    for word in re.findall(r"[\w-]+", m.group(1).lower()):
        if word in STOPWORDS:
            break
        for stem in terms(word):
            found.setdefault(stem, set()).add(word)
    return found


# -- what a question singles out ------------------------------------------------------------
#: a code, level, model, version or year: letters and digits together ("L8", "E306",
#: "EL-440", "RS-232", "P5"), a year, or a dotted version ("5.0")
CODE = re.compile(r"(?<![\w-])(?:[A-Za-z][\w-]*\d[\w-]*|(?:19|20)\d{2})(?![\w-])|"
                   r"\b(?:firmware|version|release)\s+v?(\d+(?:\.\d+)+)\b", re.I)
#: a capitalised word inside a sentence that is not part of a longer capitalised phrase: the
#: name of a place, a person or a thing ("Graz"); phrases ("Travel Desk") are matched as words
WORD = re.compile(r"[\w'’-]+|[^\w\s]")
#: capitalised words that are not names of anything a table or a passage would single out
NOT_NAMES = word_set("""I I'm I've The A An In On At For With From By And Or But If When
Where What Which Who How Why Yes No Not This That These Those It Its They Their There Can Do
Does Is Are Please Q A Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
February March April May June July August September October November December""")
NOT_NAMES_LOWER = frozenset(w.lower() for w in NOT_NAMES)
#: words any question may use that say nothing of what it is about
_QUESTION_WORDS = frozenset(terms("""how many much what which who whom whose when where why can
could do does did get gets got pay paid need needs take use find long often day days company
our my i we is are the a an there any give tell allowed have has must should will would may
might want like know mean means differ difference kind sort who's what's where's
when's how's it's"""))


def content_terms(question: str) -> set[str]:
    """The words that say what a question is about: not its codes, years or names (those
    are checked on their own), not question words."""
    named: set[str] = set()
    # a code's own words count with it: "firmware" of "firmware 3.4"
    for x in [m.group(0) for m in CODE.finditer(question)] + sorted(names_in(question)):
        named |= set(terms(x))
    return {t for t in terms(question) if t not in _QUESTION_WORDS and t not in named
            and len(t) > 1 and not t.isdigit()}
#: a table row that stands for every value the table does not list ("All other locations")
OTHER_ROW = re.compile(r"^\s*(?:all|any|every)?\s*(?:other|others|rest|remaining)\b", re.I)


def question_codes(text: str) -> set[str]:
    """The codes, levels, models, versions and years a text names, in lower case."""
    return codes_in(text)


def says(word: str, text: str) -> bool:
    """``text`` (lower case) names ``word``, or a range of codes that holds it."""
    return has(word, text)


def codes_in(text: str) -> set[str]:
    return {(m.group(1) or m.group(0)).lower().rstrip(".-") for m in CODE.finditer(text)}


def names_in(question: str) -> set[str]:
    words = WORD.findall(question)
    found = set()
    for i, w in enumerate(words):
        if i == 0 or not w[0].isupper() or words[i - 1] in {".", "?", "!", ":"}:
            continue
        if not (len(w) > 1 and w[1].islower()) or w in NOT_NAMES:
            continue
        near = [words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
        if any(x[0].isupper() and x not in NOT_NAMES for x in near):
            continue  # part of a capitalised phrase ("Travel Desk"): matched as words
        if "-" in w or any(ch.isupper() for ch in w[1:]):
            continue  # "Wi-Fi", "EdgeLink": a technical term, matched as a word
        found.add(re.sub(r"['’]s$", "", w).lower())
    return found


_CODE_PARTS = re.compile(r"([a-z][a-z-]*?)-?(\d+)$")


def has(word: str, text: str) -> bool:
    """``word`` occurs in ``text`` (lower case) as a whole word, give or take a plural "s".
    A code with a number is also held by a range of its kind: "L2" by "L1-L3"."""
    stem = re.escape(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    if re.search(rf"(?<![\w-]){stem}(?:s|'s|’s)?(?![\w-]|\.\d)", text):
        return True
    parts = _CODE_PARTS.match(word)
    if parts is None:
        return False
    prefix, number = re.escape(parts.group(1)), int(parts.group(2))
    for m in re.finditer(rf"(?<![\w-]){prefix}-?(\d+)\s*(?:-|–|to|until)\s*(?:{prefix}-?)?"
                         rf"(\d+)(?![\w-])", text):
        if int(m.group(1)) <= number <= int(m.group(2)):
            return True
    return False


_WORD_NUMBERS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve"])}
_FIGURE = r"(\d[\d,]*(?:\.\d+)?)\s*(k\b)?"
_RANGES = (
    (re.compile(rf"{_FIGURE}\s*(?:to|-|–|until)\s*(?:eur|usd|chf|gbp|[€$£])?\s*{_FIGURE}", re.I),
     "between"),
    (re.compile(rf"{_FIGURE}\s*(?:\w+\s)?(?:or more|and more|or longer|or above|\+)", re.I),
     "from"),
    (re.compile(rf"(?:more than|over|above|from|at least)\s*(?:eur|usd|chf|gbp|[€$£])?\s*"
                rf"{_FIGURE}", re.I), "from"),
    (re.compile(rf"(?:up to|less than|under|below|at most|maximum of)\s*"
                rf"(?:eur|usd|chf|gbp|[€$£])?\s*{_FIGURE}", re.I), "to"),
)


def _value(digits: str, k: str | None) -> float:
    return float(digits.replace(",", "")) * (1000 if k else 1)


def question_figures(question: str) -> list[float]:
    """The figures a question gives ("seven years", "EUR 450", "6k")."""
    found = [_value(m.group(1), m.group(2))
             for m in re.finditer(rf"(?<![\w.-]){_FIGURE}(?![\w-])", question, re.I)]
    found += [float(_WORD_NUMBERS[w]) for w in re.findall(r"[a-z]+", question.lower())
              if w in _WORD_NUMBERS]
    return found


def in_range(figures: Sequence[float], text: str) -> bool:
    """A figure of the question falls in a range the text states: 7 in "6 to 9 years", 450
    in "Up to EUR 500", 12 in "10 years or more". A row for a range answers for each value."""
    for pattern, kind in _RANGES:
        for m in pattern.finditer(text):
            low = _value(m.group(1), m.group(2))
            high = _value(m.group(3), m.group(4)) if kind == "between" else low
            for x in figures:
                if ((kind == "between" and low <= x <= high) or (kind == "from" and x >= low)
                        or (kind == "to" and x <= low)):
                    return True
    return False


def states_range(text: str) -> bool:
    return any(pattern.search(text) for pattern, _ in _RANGES)


WHO = re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:who|whom) (?:is|are|do|does|should|can|to)\b|"
                  r"\bname of\b|\bwhat(?:'s| is) the name\b|\bwhich (?:\w+ )?(?:person|"
                  r"technician|engineer|employee|colleague|manager|contact|member|people)\b",
                  re.I)
#: "Who gets a company credit card?" asks which people qualify ("employees who travel more
#: than six times a year"), not for a name
WHO_QUALIFIES = re.compile(r"^\s*who (?:gets|get|receives|qualifies|is eligible|are eligible|"
                            r"is entitled|are entitled)\b", re.I)

#: "who is our Head of IT?", "the name of the office manager": the question asks who holds a
#: role, so a role ("the Managing Director") does not answer it, only a person's name does
WHO_HOLDS = re.compile(
    r"^\s*who(?:'s| is| are| was)\s+(?:our|the|your|my|their|[A-Z][\w&.-]*['’]s)(?!\w)|"
    r"\bname of (?:our|the|your|my|their)\b|\bwhat(?:'s| is) the name\b", re.I)


#: "Which pension fund …?": the answer is something particular ("where" is not: "in the key
#: safe next to the garage entrance" names a place without a name)
WHICH = re.compile(r"^\s*(?:(?:in|on|at|from|to|for|with|by|under|through) )?which\b", re.I)

#: a question about how an amount changed, not what it was
ASKS_CHANGE = re.compile(r"\b(?:increas|decreas|grow|grew|chang|rise|rose|risen|fall|fell|"
                         r"drop|declin|improv|compar|differ|more than|less than|up|down|"
                         r"by how much)", re.I)


# -- questions of two parts ------------------------------------------------------------------
_WH = r"(?:how|what|what's|when|which|who|whom|whose|where|why|by when|until when)\b"
_AUX = (r"(?:do|does|did|can|could|is|are|was|were|will|would|should|shall|may|must|have|"
        r"has)\b")
#: ", and how long …?", ", and do I have to pay?", " and when should I …?": a second question
#: joined to the first (without a comma only a wh-word starts one: "X and Y" is one topic)
_SECOND_QUESTION = re.compile(rf",\s*(?:and|or|but)\s+(?={_WH}|{_AUX})|\s(?:and|or)\s+(?={_WH})",
                              re.I)


def question_parts(question: str) -> tuple[str, str] | None:
    """The two questions of "When are the all-hands meetings, and how long do they take?",
    or None for a question of one part. Each part must ask something of its own: the first
    has its own topic words, the second a question word or an auxiliary verb."""
    m = _SECOND_QUESTION.search(question)
    if m is None:
        return None
    first, second = question[:m.start()].strip(), question[m.end():].strip()
    if not (content_terms(first) or codes_in(first) or names_in(first)) \
            or len(WORD.findall(second)) < 2:
        return None
    return first, second


#: words that stand for what the other part of a question names ("how long does one last?")
STAND_INS = word_set("one ones it its they them their this that these those")


def part_reading(part: str, other: str) -> str:
    """How one part of a two-part question is read on its own: a part of fewer than two
    words of its own is read with the other part's words ("how long does one last?" is
    about the rounds the first part names, not about anything that lasts)."""
    return part if len(content_terms(part) - STAND_INS) >= 2 else f"{part} {other}"


_WHO_DOES = re.compile(r"^\s*who\s+([a-z]{3,}?)(e?s)\b", re.I)


def doer(question: str) -> str:
    """The noun for who does what a who-question asks about: "Who owns the policy?" is
    answered by its "owner", "Who approves a trip?" by its "approver" ("" when none)."""
    m = _WHO_DOES.match(question)
    if m is None or m.group(1).lower() == "doe":  # "who does ...": no doer
        return ""
    stem = m.group(1)
    return f"{stem}r" if m.group(2).lower() == "s" and stem.endswith("e") else f"{stem}er"
