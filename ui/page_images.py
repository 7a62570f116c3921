"""One page of an original PDF as a PNG, with a cited passage boxed in yellow. PDFium itself
(rendering, the text layer, its locking) is in ``ingest/rasterise.py``; this module decides what
to box and draws it.

Quotes arrive as pypdf layout-mode text after ``normalise_text`` (whitespace collapsed, table
cells joined by " | ", hyphenated breaks joined, "..." for skipped words). PDFium's own text of
the same page differs in exactly those places, so both sides are compared with only their
letters and digits kept (see ``_fold``); a character map leads back to PDFium's indices. A
recognised scan is shown from its view PDF, whose invisible text layer is the OCR text, so the
same matching finds a quote there.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from ingest import rasterise

_FILL = (255, 214, 0, 96)  # translucent yellow: the text under it stays readable
_OUTLINE = (214, 150, 0, 220)  # darker edge so the box still shows on a downscaled screenshot

_ELLIPSIS = re.compile(r"\[?\s*(?:\.\s*){3,}\]?|\[?\s*…\s*\]?")
_MIN_WINDOW_WORDS = 4  # shorter runs of a partial quote match too easily by accident
_MIN_WINDOW_CHARS = 12  # ...and so do four words as short as "of the in a"
_MAX_QUOTE_WORDS = 400  # the window search is quadratic; a citation is never this long


@dataclass(frozen=True)
class RenderedPage:
    png: bytes  # the page as PNG
    page: int  # 1-based page number shown
    page_count: int
    width: int  # pixels
    height: int
    highlighted: bool  # True when at least part of the quote was found and boxed
    boxes: int  # number of highlight rectangles drawn
    #: the band of the page around the highlight (full width), as PNG; None when nothing is
    #: highlighted. A reader sees the passage at once without scrolling a tall page.
    focus_png: bytes | None = None


FOCUS_MARGIN = 0.08  # of the page height, above and below the highlighted lines


def page_count(path: Path, password: str | None = None) -> int:
    return rasterise.page_count(path, password)


def render_page(path: Path, page: int, quote: str = "", *, scale: float = 1.6,
                password: str | None = None, name: str | None = None) -> RenderedPage:
    """Render 1-based ``page`` and box every part of ``quote`` found on it. Errors name the
    document as ``name`` (its name for readers; the stored file's name is internal).

    Raises ``NotFoundError`` for a missing file or a page out of range, ``IngestError`` for a
    file PDFium cannot open or render. A quote that is not on the page is not an error: the page
    comes back with ``highlighted=False``.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    locate = (lambda text: _quote_ranges(text, quote)) if quote.strip() else None
    raster = rasterise.render_with_boxes(path, page, scale, locate, password=password,
                                         name=name)
    image = _draw_boxes(raster.image, raster.boxes)
    focus = None
    if raster.boxes:
        margin = int(image.height * FOCUS_MARGIN)
        top = max(0, min(b[1] for b in raster.boxes) - margin)
        bottom = min(image.height, max(b[3] for b in raster.boxes) + margin)
        focus = _png(image.crop((0, top, image.width, bottom)))
    return RenderedPage(png=_png(image), page=page, page_count=raster.page_count,
                        width=image.width, height=image.height,
                        highlighted=bool(raster.boxes), boxes=len(raster.boxes),
                        focus_png=focus)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _quote_ranges(text: str, quote: str) -> list[tuple[int, int]]:
    """The char ranges of the page ``text`` (PDFium's indices) that show the quote."""
    folded, origin = _fold(text)
    return _char_ranges(_match_spans(folded, quote), origin, text)


def _char_ranges(spans: list[tuple[int, int]], origin: list[int],
                 text: str) -> list[tuple[int, int]]:
    """Folded spans -> PDFium char ranges, neighbours merged so no spot is boxed twice (two
    translucent boxes over each other look like a different, darker highlight)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((origin[s], origin[e - 1] + 1) for s, e in spans):
        # Runs apart by only spaces, line breaks or punctuation read as one passage.
        if merged and (start <= merged[-1][1]
                       or not any(c.isalnum() for c in text[merged[-1][1]:start])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _draw_boxes(image: Image.Image, boxes: tuple[tuple[int, int, int, int], ...]) -> Image.Image:
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in boxes:
            draw.rectangle(box, fill=_FILL, outline=_OUTLINE, width=1)
        image = Image.alpha_composite(image, overlay)
    return image.convert("RGB")


def _fold(text: str) -> tuple[str, list[int]]:
    """Letters and digits only, NFKC and case-folded, with each kept char's source index.

    Everything the two extractions disagree on is outside that set: spaces against line breaks,
    the " | " cell joints pypdf's layout adds, curly against straight quotes, en dashes against
    hyphens, PDFium's U+FFFE marker where it joined a hyphenated line break, ligatures."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char.isascii():
            if char.isalnum():
                out.append(char.lower())
                origin.append(i)
            continue
        for c in unicodedata.normalize("NFKC", char).casefold():
            if c.isalnum():
                out.append(c)
                origin.append(i)
    return "".join(out), origin


def _match_spans(folded_page: str, quote: str) -> list[tuple[int, int]]:
    """Spans of ``folded_page`` that show the quote: each "..."-separated segment whole if it is
    there, otherwise its longest runs of at least four words (see ``_cover``)."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    whole_quote_is_short = len(quote.split()) < _MIN_WINDOW_WORDS
    for segment in _ELLIPSIS.split(quote):
        words = [w for w in (_fold(w)[0] for w in segment.split()) if w][:_MAX_QUOTE_WORDS]
        if not words:
            continue
        joined = "".join(words)
        # Short pieces such as "on the" are found on nearly every page, so a segment is taken
        # whole only when it is long enough to mean something, or when it is the whole quote.
        if len(joined) >= _MIN_WINDOW_CHARS or whole_quote_is_short:
            found = _find(folded_page, joined, cursor)
            if found is not None:
                spans.append(found)
                cursor = found[1]
                continue
        # A word missing from the page rules out every window holding it, so only runs of
        # present words are searched; a quote from another page costs almost nothing.
        run: list[str] = []
        for word in [*words, ""]:
            if word and word in folded_page:
                run.append(word)
                continue
            spans.extend(_cover(folded_page, run, 0, len(run)))
            run = []
    return spans


def _cover(folded_page: str, words: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """Longest run of ``words[lo:hi]`` that occurs on the page, then the same on either side of
    it, so a quote broken by a reordered table cell or an extraction slip lights up in parts."""
    offsets = [0]
    for word in words:
        offsets.append(offsets[-1] + len(word))
    joined = "".join(words)
    for size in range(hi - lo, _MIN_WINDOW_WORDS - 1, -1):
        for i in range(lo, hi - size + 1):
            needle = joined[offsets[i]:offsets[i + size]]
            if len(needle) < _MIN_WINDOW_CHARS:
                continue
            found = _find(folded_page, needle, 0)
            if found is not None:
                before = _cover(folded_page, words, lo, i)
                return [*before, found, *_cover(folded_page, words, i + size, hi)]
    return []


def _find(haystack: str, needle: str, start: int) -> tuple[int, int] | None:
    """First occurrence at or after ``start`` (quotes read in page order), else anywhere."""
    at = haystack.find(needle, start)
    if at < 0 and start > 0:
        at = haystack.find(needle)
    return None if at < 0 else (at, at + len(needle))
