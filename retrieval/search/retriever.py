"""Hybrid search as users see it: one fused Qdrant query under the reader's groups, the
documents a question names preferred, overlapping neighbours merged, optional diversity."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from retrieval.access import may_read
from retrieval.bm25 import Bm25Encoder
from retrieval.ports import Embedder
from retrieval.search.doc_aliases import aliases
from retrieval.search.doc_names import DocMatch, DocumentMatcher, without_names
from retrieval.search.intent import spelled_out, statement_queries
from retrieval.search.passages import by_page_evidence, diversify, merge_adjacent, merge_chunks
from retrieval.store.catalog import Catalog
from retrieval.store.index import VectorIndex
from retrieval.store.points import HybridQuery, SearchFilter
from retrieval.text import split_sentences
from retrieval.types import DocStatus, Hit, SparseVector

Mode = Literal["hybrid", "dense", "sparse"]
_SEARCHABLE = (DocStatus.INDEXED, DocStatus.NEEDS_OCR)
_ALIAS_CHUNKS, _ALIAS_PAGES = 8, 2  # a document names itself on its cover and first page


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    named: tuple[DocMatch, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: NDArray[np.float32] | None = None


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


_STATEMENT_VOTES = 2


def sub_questions(question: str, most: int = 3) -> list[str]:
    """The sentences of a long question, when it has several: each is searched too, so a
    definition or an instruction ("base it on the balance sheet") finds its own pages."""
    sentences = [s for s in split_sentences(" ".join(question.split()))
                 if len(s.split()) >= 3]
    return sentences[:most] if len(sentences) > 1 else []


class Retriever:
    """Search with collaborators passed in; cheap to build, safe to share between threads."""

    def __init__(self, embedder: Embedder, sparse: Bm25Encoder, index: VectorIndex,
                 catalog: Catalog, *, prefetch: int = 100, rrf_k: int = 60,
                 multi_query: bool = True, intent: bool = True,
                 page_evidence: float = 0.0, strip_names: bool = True,
                 own_names: bool = True) -> None:
        self.embedder, self.sparse, self.index, self.catalog = embedder, sparse, index, catalog
        self.prefetch, self.rrf_k, self.multi_query = prefetch, rrf_k, multi_query
        self.intent, self.page_evidence = intent, page_evidence
        self.strip_names, self.own_names = strip_names, own_names
        self._matchers: dict[tuple[object, ...], DocumentMatcher] = {}
        self._aliases: dict[tuple[str, str], tuple[str, ...]] = {}

    def matcher(self, groups: tuple[str, ...] | None) -> DocumentMatcher:
        """Document names the reader may see (never hint at a document they may not read)."""
        key = (self.catalog.generation(), groups)
        found = self._matchers.get(key)
        if found is None:
            records = [r for r in self.catalog.list(_SEARCHABLE) if may_read(groups, r.groups)]
            found = DocumentMatcher(records, {r.doc_id: self.aliases(r.doc_id, r.version)
                                              for r in records} if self.own_names else None)
            self._matchers = {key: found}  # one reader's view at a time is plenty
        return found

    def aliases(self, doc_id: str, version: str) -> tuple[str, ...]:
        """The names a document version gives itself on its first pages (read once from the
        index, so documents indexed before this existed get them too)."""
        key = (doc_id, version)
        found = self._aliases.get(key)
        if found is None:
            first = self.index.chunks_at(doc_id, version, range(_ALIAS_CHUNKS))
            found = aliases(c.text for c in first if c.page_start <= _ALIAS_PAGES)
            self._aliases[key] = found
        return found

    def search(self, question: str, *, groups: Sequence[str] | None = None, k: int = 10,
               mode: Mode = "hybrid", doc_aware: bool = True, merge: bool = True,
               diversity: float = 0.0, scope: Sequence[str] | None = None,
               queries: Sequence[str] = ()) -> SearchResult:
        """``scope``: the documents (doc ids) the reader chose to ask within; applied inside
        the engine's query like the access filter, never after it. ``queries``: more search
        queries for the same question (a model's), searched everywhere it is and fused."""
        started = time.perf_counter()
        readers = tuple(groups) if groups is not None else None
        within = tuple(scope) if scope is not None else None
        named = tuple(self.matcher(readers).named(question)) if doc_aware else ()
        if within is not None:
            named = tuple(m for m in named if m.doc_id in within)
        # Sentences of a long question are searched on their own inside the documents it
        # names (FinanceBench page hit@10 0.65 -> 0.74); elsewhere they would cost as much
        # as the question itself for little gain.
        parts = sub_questions(question) if self.multi_query and named else []
        if self.intent and named:
            # A question about a measure is also searched with the title of the statement
            # that reports it, inside the documents it names (see retrieval.search.intent).
            # The title counts twice in the fusion: the question's own words already have
            # several votes (the question, its sentences, the question without names), the
            # statement one. FinanceBench dev page hit@10 0.870 -> 0.913; 444 template
            # questions for a statement's measure over the 10-Ks (quick ratio, capex, gross
            # margin, ...; `bench.statement_questions`) 0.903 -> 0.968, hit@1 0.315 -> 0.444.
            parts += statement_queries(question) * _STATEMENT_VOTES
            # Its abbreviations are read spelled out as well ("PPNE (property, plant and
            # equipment)"): inside the documents it names that finds the statement line;
            # across all documents the spelled-out words are in every report (FinanceBench
            # dev, page hit@10 0.848 -> 0.870 inside named documents only; everywhere: an
            # unnamed "SG&A" question fell from rank 14 to 77).
            question = spelled_out(question)
        # Inside the documents it names, the question is searched without their names.
        inside = (without_names(question, {t for m in named for t in m.terms})
                  if self.strip_names and named else question)
        extra = [inside] if inside.strip() and inside != question else []
        broad = [q for q in queries if q.strip()]
        texts = [question, *parts, *broad, *extra]
        # a text searched more than once (a statement title's second vote) is encoded once
        distinct = list(dict.fromkeys(texts))
        row = {t: i for i, t in enumerate(distinct)}
        dense_all = self.embedder.embed(distinct) if mode != "sparse" else None
        sparse_all = ([self.sparse.encode_query(t) for t in distinct] if mode != "dense"
                      else None)

        def vectors(i: int) -> tuple[NDArray[np.float32] | None, SparseVector | None]:
            j = row[texts[i]]
            return (dense_all[j] if dense_all is not None else None,
                    sparse_all[j] if sparse_all is not None else None)

        dense, sparse = vectors(0)
        also = tuple(vectors(i) for i in range(1, 1 + len(parts)))
        wide = tuple(vectors(i) for i in range(1 + len(parts), 1 + len(parts) + len(broad)))
        # Only BM25 reads the question without the names: a rare name (a ticker) outweighs
        # every other term there and pulls the cover up; the dense side is not ruled by one
        # term (FinanceBench dev, intent on: page hit@5 0.696 -> 0.739 with BM25 only,
        # 0.630 with both sides).
        within_named = (dense, vectors(len(texts) - 1)[1]) if extra else None
        embedded = time.perf_counter()
        # Fetch more than k: merging neighbours and diversity both shrink the list.
        fetch = k * 3 if (merge or diversity > 0) else k
        hits = self.index.search(HybridQuery(
            dense=dense, sparse=sparse, limit=fetch, prefetch_limit=max(self.prefetch, fetch),
            rrf_k=self.rrf_k, filter=SearchFilter(groups=readers, doc_ids=within),
            prefer_doc_ids=tuple(m.doc_id for m in named), also=also,
            within_named=within_named, broad=wide))
        searched = time.perf_counter()
        if self.page_evidence > 0:
            hits = by_page_evidence(hits, self.page_evidence)
        if merge:
            hits = merge_adjacent(hits)
        hits = diversify(hits, k, diversity) if diversity > 0 else hits[:k]
        done = time.perf_counter()
        return SearchResult(hits, named, {
            "embed": _ms(embedded - started), "search": _ms(searched - embedded),
            "rerank": _ms(done - searched), "total": _ms(done - started)}, dense)

    def expand(self, hit: Hit, window: int = 1) -> Hit:
        """The hit with up to ``window`` chunks before and after it, overlaps written once."""
        c = hit.chunk
        span = c.span
        wanted = [*range(c.chunk_index - window, c.chunk_index),
                  *range(c.chunk_index + span, c.chunk_index + span + window)]
        around = self.index.chunks_at(c.doc_id, c.version, wanted)
        passage = c
        for other in [x for x in around if x.chunk_index < c.chunk_index][::-1]:
            passage = merge_chunks(other, passage)
        for other in [x for x in around if x.chunk_index > c.chunk_index]:
            passage = merge_chunks(passage, other)
        return Hit(passage, hit.score)
