"""Text clean-up shared by every format: Unicode NFKC (which also expands ligatures such as
'ﬂ'), invisible characters, words hyphenated across line breaks, and running headers and
footers that repeat on most pages of a PDF."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
#: NUL and the other control characters (not tab, newline, carriage return): a PDF's text layer
#: or a metadata field can hold them, and they break display, logs and JSON consumers
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
#: a content hash or a UUID, possibly with a re-index suffix (the name of a stored original)
_HASHLIKE = re.compile(r"[0-9a-f]{12,}(-r[0-9a-f]+)?|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
                       re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")
_HYPHEN_BREAK = re.compile(r"(\w)-\n\s*([a-z])")
_DIGITS = re.compile(r"\d+")
_EDGE_LINES = 4  # how many lines at the top and bottom of a page may be header/footer


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = re.sub(r"[ \u00a0]{2,}", " ", text)
    text = re.sub(r" +\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_title(title: str) -> str:
    """A title on one line: Unicode NFKC, without control or invisible characters."""
    title = _INVISIBLE.sub("", unicodedata.normalize("NFKC", title))
    return " ".join(_CONTROL.sub("", title).split())


def is_identifier(title: str) -> bool:
    """Whether a title names nothing a reader recognises: empty, a hash, or an identifier
    such as an SEC accession number ("0000764478-17-000008") or "DOC_20170001"."""
    t = title.strip()
    if not t or _HASHLIKE.fullmatch(t) or not _WORD.search(t):
        return True
    digits = sum(c.isdigit() for c in t)
    return " " not in t and len(t) >= 8 and digits * 3 >= len(t)


def _shape(line: str) -> str:
    """Page numbers differ from page to page; compare lines with digits masked."""
    return _DIGITS.sub("#", " ".join(line.split()).lower())


def strip_running_lines(pages: list[str], min_share: float = 0.5) -> list[str]:
    """Remove lines near the top or bottom that recur on at least ``min_share`` of pages."""
    texted = [p for p in pages if p.strip()]
    if len(texted) < 2:
        return pages
    counts: Counter[str] = Counter()
    for page in texted:
        lines = [ln for ln in page.split("\n") if ln.strip()]
        edge = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        counts.update({_shape(ln) for ln in edge})
    # Short documents: a line counts as running only if it is on every page.
    threshold = len(texted) if len(texted) < 6 else max(3, int(min_share * len(texted)))
    running = {shape for shape, n in counts.items() if n >= threshold and len(shape) < 160}
    if not running:
        return pages
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        content = [i for i, ln in enumerate(lines) if ln.strip()]
        edge_rows = set(content[:_EDGE_LINES] + content[-_EDGE_LINES:])
        kept = [ln for i, ln in enumerate(lines) if not (i in edge_rows and _shape(ln) in running)]
        # A page made only of "running" lines is content that repeats, not a header: keep it.
        cleaned.append("\n".join(kept) if any(ln.strip() for ln in kept) else page)
    return cleaned


def normalise_pages(pages: list[str]) -> list[str]:
    return strip_running_lines([normalise_text(p) for p in pages])
