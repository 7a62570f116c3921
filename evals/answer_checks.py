"""Answer metrics that need no model: citation validity against the indexed page text, and
similarity of the answer to the reference (meaning with the local embedder, wording with
rapidfuzz)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from retrieval.answer.citations import Citation
from retrieval.ports import Embedder
from retrieval.search.pages import page_text
from retrieval.store.catalog import Catalog
from retrieval.store.index import VectorIndex
from retrieval.text import fold, locate

_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


class PageTexts:
    """Page text as indexed, fetched once per (document, page): a citation is valid when its
    quote occurs in the page it names, whatever the answerer's own check said."""

    def __init__(self, catalog: Catalog, index: VectorIndex) -> None:
        self.catalog, self.index = catalog, index
        self._pages: dict[tuple[str, int], str] = {}

    def text(self, doc_id: str, page: int) -> str:
        key = (doc_id, page)
        if key not in self._pages:
            record = self.catalog.get(doc_id)
            self._pages[key] = page_text(self.index, record, page) if record else ""
        return self._pages[key]

    def valid(self, citation: Citation) -> bool:
        text = self.text(citation.doc_id, citation.page)
        return bool(text) and locate(citation.quote, text) is not None

    def count_valid(self, citations: Sequence[Citation]) -> int:
        return sum(self.valid(c) for c in citations)


def without_markers(answer: str) -> str:
    return _MARKERS.sub("", answer).strip()


def semantic_similarity(embedder: Embedder, answer: str, reference: str) -> float:
    """Cosine of the two texts' embeddings (the local embedder returns unit vectors)."""
    vectors = embedder.embed([without_markers(answer), reference])
    return float(np.clip(np.dot(vectors[0], vectors[1]), -1.0, 1.0))


def string_similarity(answer: str, reference: str) -> float | None:
    """rapidfuzz token-set ratio in 0..1: word overlap that tolerates the extra words of an
    extractive answer. None when rapidfuzz (the ``eval`` extra) is not installed."""
    try:
        from rapidfuzz import fuzz
    except ImportError:
        return None
    return float(fuzz.token_set_ratio(without_markers(answer).lower(), reference.lower())) / 100


def _normal(text: str) -> str:
    """Case, spacing, dashes and thousands separators do not matter for a fact, nor the
    form of a duration ("six-month" is "six months")."""
    folded = re.sub(r"(?<=\d)[,\u202f ](?=\d{3}\b)", "", fold(text))
    return _DURATION.sub(r"\1 \2", folded)


_DURATION = re.compile(r"\b(\w+)[- ](second|minute|hour|day|week|month|year)s?\b")


def holds_fact(answer: str, fact: str) -> bool:
    """The key fact occurs in the answer (citation markers and table separators ignored)."""
    plain = re.sub(r"\[\d+(?:\s*,\s*\d+)*\]", " ", answer).replace(" · ", " ").replace("|", " ")
    # whole words: "2 months" is not in "12 months"
    wanted = re.escape(_normal(fact).strip())
    return re.search(rf"(?<![\w.,]){wanted}(?!\w)", _normal(plain)) is not None
