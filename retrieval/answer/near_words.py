"""Question words a passage says in other words ("bike" for "bicycle", "grandmother" for
"grandparent"), found with the embedder's vectors of single words. Exact word matching
scores the passage that repeats the question's words over the one that answers it in its
own words; this closes part of that gap without a thesaurus that would fit one domain."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from retrieval.bm25 import STOPWORDS, terms
from retrieval.ports import Embedder
from retrieval.text import word_set

_WORD = re.compile(r"[^\W\d_][\w-]*")
#: number words are all near each other ("one" / "two"): a figure is not a paraphrase
_NUMBER_WORDS = word_set("""one two three four five six seven eight nine ten eleven twelve
twenty thirty hundred thousand million billion first second third fourth fifth once twice
half single double dozen""")


def words_of(text: str, most: int = 80) -> dict[str, set[str]]:
    """The words of ``text`` worth comparing (no stopwords, no figures, three letters or
    more), by their stem; the first ``most`` of them (a run-on "sentence" of a filing can
    hold thousands, and each costs an embedding)."""
    found: dict[str, set[str]] = {}
    for word in _WORD.findall(text.lower())[:most * 2]:
        if len(found) >= most:
            break
        if len(word) >= 3 and word not in STOPWORDS and word not in _NUMBER_WORDS:
            for stem in terms(word):
                found.setdefault(stem, set()).add(word)
    return found


class NearWords:
    """``threshold``: the cosine of two single words' vectors from which one stands for the
    other. With MiniLM: bike/bicycle 0.92, seats/seating 0.87, grandmother/grandparent 0.77
    are in; aunt/grandparent 0.57, motorbike/car 0.54, phone/laptop 0.49 are out."""

    def __init__(self, embedder: Embedder, threshold: float = 0.75,
                 cache_size: int = 50_000) -> None:
        self.embedder, self.threshold, self.cache_size = embedder, threshold, cache_size
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, words: Iterable[str]) -> dict[str, np.ndarray]:
        """The vectors of ``words``, as a dict of their own: the shared cache may be reset
        by another thread (another reader's question) while this one reads."""
        cache = self._cache
        wanted = set(words)
        missing = sorted(w for w in wanted if w not in cache)
        got = {w: cache[w] for w in wanted if w in cache}
        if missing:
            got.update(zip(missing, self.embedder.embed(missing), strict=True))
            if len(cache) + len(missing) > self.cache_size:
                self._cache = cache = {}  # a rare reset beats bookkeeping on every question
            cache.update((w, got[w]) for w in missing)
        return got

    def said_otherwise(self, asked: dict[str, set[str]], texts: Sequence[str],
                       threshold: float | None = None) -> list[set[str]]:
        """For each text, the stems of ``asked`` (stem -> the question's words) that the text
        does not contain but says with a near word (``threshold``: another cosine than the
        default, for a looser reading)."""
        least = self.threshold if threshold is None else threshold
        per_text = [words_of(t) for t in texts]
        missing = [{s for s in asked if s not in ws} for ws in per_text]
        if not any(missing):
            return [set() for _ in texts]
        needed = {w for m in missing for s in m for w in asked[s]}
        needed |= {w for ws, m in zip(per_text, missing, strict=True) if m
                   for group in ws.values() for w in group}
        vectors = self._vectors(needed)
        found: list[set[str]] = []
        for ws, m in zip(per_text, missing, strict=True):
            own = [w for group in ws.values() for w in group]
            if not m or not own:
                found.append(set())
                continue
            theirs = np.stack([vectors[w] for w in own])
            found.append({s for s in m
                          if max(float((theirs @ vectors[w]).max()) for w in asked[s])
                          >= least})
        return found
