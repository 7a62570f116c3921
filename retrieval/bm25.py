"""BM25 as sparse vectors: term-frequency weights per chunk, IDF applied by Qdrant.

Written here rather than taken from a library because both index adapters must produce the
same vectors offline: qdrant-client's BM25 comes from fastembed, which downloads its files at
run time, and the embedded engine's built-in ``Bm25`` may only be used inside its adapter.
Stemming uses the ``snowballstemmer`` package (Porter2, pure Python).
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from collections import Counter

import snowballstemmer

from retrieval.types import SparseVector

# Numbers keep their inner separators ("34,229", "3.5") so that figures match as one term.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)

# A short English list: long lists remove words ("not", "no", "above") that matter in policies.
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
    "which", "who", "whom", "what", "when", "where", "how", "why", "do", "does", "did", "can",
    "could", "would", "should", "may", "might", "our", "we", "you", "your", "their", "they",
    "them", "he", "she", "his", "her", "i", "me", "my", "us", "than", "then", "there", "these",
    "those", "into", "about", "been", "being", "also", "such", "any", "each", "other", "some",
    # Contractions and question padding that carry no topic.
    "i'm", "i've", "i'd", "i'll", "it's", "what's", "that's", "there's", "we're", "you're",
    "let's", "am", "get", "got", "much", "many", "now", "please", "tell", "know",
})


@functools.cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=200_000)
def _term(token: str) -> str:
    if token[0].isdigit():
        return token.replace(",", "").rstrip("%")
    return str(_stemmer().stemWord(token))


def terms(text: str) -> list[str]:
    """Normalised, stemmed terms of ``text`` without stopwords."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return [_term(t) for t in _TOKEN.findall(folded) if t not in STOPWORDS]


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


class Bm25Encoder:
    """BM25 term weights; ``avg_len`` is the expected chunk length in terms."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, avg_len: float = 110.0) -> None:
        self.k1, self.b, self.avg_len = k1, b, avg_len

    def encode_document(self, text: str) -> SparseVector:
        counts = Counter(term_id(t) for t in terms(text))
        length = sum(counts.values())
        norm = self.k1 * (1 - self.b + self.b * length / self.avg_len)
        items = sorted(counts.items())
        return SparseVector(
            indices=tuple(i for i, _ in items),
            values=tuple(tf * (self.k1 + 1) / (tf + norm) for _, tf in items),
        )

    def encode_query(self, text: str) -> SparseVector:
        ids = sorted({term_id(t) for t in terms(text)})
        return SparseVector(indices=tuple(ids), values=tuple(1.0 for _ in ids))
