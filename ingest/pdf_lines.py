"""A page's text rebuilt from where its words stand: the native PDF text path.

PDFium (``ingest.rasterise``) gives each word with its box; this module lays them out again the
way a reader sees the page, in the same shape as pypdf's layout mode after
``ingest.pdf._layout_lines``: one line per baseline, words left to right, a wide gap between
two words written as " | " (so a table row stays one unit with its cells apart), a currency
sign joined to its amount ("$ 34,229" becomes "$34,229"), and a blank line where the vertical
gap is wider than ordinary line spacing. Pure geometry, no PDF library: testable with made-up
boxes, and cheap next to the calls that measure them.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple


class Word(NamedTuple):
    """One run of non-space characters as PDFium reports it, in PDF points (origin bottom
    left). The box is the loose one (the font's ascent to descent, the glyphs' advance), so
    the words of one line share a height whatever their letters."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    #: of the word's first character, in radians counter-clockwise; 0 is upright
    angle: float = 0.0


#: a horizontal gap at least this many line heights wide separates cells. Measured on
#: FinanceBench filings and our PDFs: gaps between words are 0.1 to 0.5 heights (0.65 in
#: loosely justified lines), between table columns 0.7 and more
CELL_GAP = 0.75
#: words whose vertical centres are closer than this share of the taller one's height are on
#: one line; table rows are at least about one height apart
SAME_LINE = 0.5
#: a step from one line to the next of more than this many of the lower line's heights is a
#: gap between blocks: ordinary line spacing is 1.1 to 1.4 heights, and pypdf's layout mode
#: leaves a blank line from two font sizes on (a loose box is 0.9 to 1.1 font sizes high)
BLOCK_GAP = 1.9
#: words turned this far (radians) from a quarter turn are drawn askew (a watermark, a
#: chart label): they do not take part in the layout and follow it in drawing order
_ASKEW = math.radians(5)
_CURRENCY = frozenset("$€£")


class _Box(NamedTuple):
    """A word in the reading frame: ``start``/``end`` along the baseline, ``middle`` and
    ``height`` across it (up is towards the top of the glyphs)."""

    start: float
    end: float
    middle: float
    height: float
    text: str


def page_text(words: Sequence[Word]) -> str:
    """The page's text, top to bottom, in the shape described in the module docstring."""
    if not words:
        return ""
    turn, askew = _reading_turn(words)
    boxes = [_turned(w, turn) for w, off in zip(words, askew, strict=True) if not off]
    out: list[str] = []
    previous: float | None = None  # the middle of the line above
    for line in _lines(boxes):
        middle = line[0].middle  # the line's anchor
        height = statistics.median(b.height for b in line)
        line.sort(key=_start)
        if previous is not None and previous - middle > BLOCK_GAP * height:
            out.append("")
        out.append(_join(line, height))
        previous = middle
    strays = [w.text for w, off in zip(words, askew, strict=True) if off]
    if strays:
        # Askew words have no line to join; kept in drawing order so nothing is lost.
        out.extend(["", " ".join(strays)])
    return "\n".join(out)


def _quarter(angle: float) -> tuple[int, bool]:
    """The nearest quarter turn (0-3) and whether the angle is askew of it."""
    turns = angle / (math.pi / 2)
    nearest = round(turns)
    return nearest % 4, abs(turns - nearest) * (math.pi / 2) > _ASKEW


def _reading_turn(words: Sequence[Word]) -> tuple[int, list[bool]]:
    """The page's reading direction as quarter turns (the one most of its letters follow),
    and for each word whether it strays from it. A landscape table drawn turned on a portrait
    page reads along its own baseline; the odd turned label does not take the page with it."""
    if not any(w.angle for w in words):  # nearly every page: all upright
        return 0, [False] * len(words)
    quarters = [_quarter(w.angle) for w in words]
    weight: Counter[int] = Counter()
    for (quarter, off), word in zip(quarters, words, strict=True):
        if not off:
            weight[quarter] += len(word.text)
    turn = weight.most_common(1)[0][0] if weight else 0
    return turn, [off or quarter != turn for quarter, off in quarters]


def _turned(word: Word, turn: int) -> _Box:
    """The word's box in the reading frame of a page turned ``turn`` quarters."""
    left, bottom, right, top = word.left, word.bottom, word.right, word.top
    if turn == 1:  # reads upwards: along is +y, the glyphs' top points to -x
        left, bottom, right, top = bottom, -right, top, -left
    elif turn == 2:  # upside down
        left, bottom, right, top = -right, -top, -left, -bottom
    elif turn == 3:  # reads downwards
        left, bottom, right, top = -top, left, -bottom, right
    return _Box(left, right, (bottom + top) / 2, max(top - bottom, 0.1), word.text)


def _lines(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes grouped by baseline, top line first; each line's first box is its topmost, the
    anchor the others are measured against, so a slightly sloping row cannot chain into the
    next one."""
    lines: list[list[_Box]] = []
    anchor: _Box | None = None
    for box in sorted(boxes, key=_downwards):
        if anchor is not None and (anchor.middle - box.middle
                                   <= SAME_LINE * max(anchor.height, box.height)):
            lines[-1].append(box)
        else:
            lines.append([box])
            anchor = box
    return lines


def _downwards(box: _Box) -> float:
    return -box.middle


def _start(box: _Box) -> float:
    return box.start


def _join(line: list[_Box], height: float) -> str:
    parts: list[str] = []
    previous: _Box | None = None
    for box in line:
        if previous is None:
            parts.append(box.text)
        elif (box.text == previous.text
              and abs(box.start - previous.start) < 0.3 * height):
            continue  # drawn twice, a little offset: "fake bold"
        elif previous.text in _CURRENCY and (box.text[0].isdigit() or box.text[0] == "("):
            parts.append(box.text)  # "$" set apart from its amount, as in a statement
        elif box.start - previous.end >= CELL_GAP * height:
            parts.append(f" | {box.text}")
        else:
            parts.append(f" {box.text}")
        previous = box
    return "".join(parts)
