"""Passages built from ranked chunks: consecutive chunks merged (their overlap written once),
neighbours folded into the better-ranked hit, and an optional diversity re-ranking (MMR)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retrieval.bm25 import terms
from retrieval.types import Chunk, Hit


def merge_chunks(first: Chunk, second: Chunk) -> Chunk:
    """One passage from two consecutive chunks, the overlap they share written once."""
    a, b = first.text, second.text
    overlap = 0
    probe = b[:6]  # short: the shared part may be a single short sentence
    start = a.find(probe) if probe else -1
    while start >= 0:
        if b.startswith(a[start:]):
            overlap = len(a) - start
            break
        start = a.find(probe, start + 1)
    sep = "" if overlap else "\n"
    offset = len(a) + len(sep) - overlap  # where b's characters land in the merged text
    breaks = list(first.page_breaks)
    last_page = first.page_at(len(a) - 1) if a else first.page_start
    continuing = second.page_at(overlap)
    if continuing != last_page:
        breaks.append((len(a) + len(sep), continuing))
    breaks.extend((o + offset, p) for o, p in second.page_breaks if o > overlap)
    return replace(
        first, text=a + sep + b[overlap:], page_end=max(first.page_end, second.page_end),
        page_start=min(first.page_start, second.page_start),
        n_tokens=first.n_tokens + second.n_tokens, page_breaks=tuple(breaks),
        span=second.chunk_index + second.span - first.chunk_index)


def by_page_evidence(hits: Sequence[Hit], weight: float) -> list[Hit]:
    """Hits ordered by the evidence for their page: the best chunk's score plus ``weight``
    times the others' on the same page, so a page several chunks point at (a statement
    whose rows match the question) outranks a page one chunk matches as well. The chunks
    of one page stay together, best first."""
    pages: dict[tuple[str, str, int], float] = {}
    for hit in hits:  # best first: the first score of a page is its best
        c = hit.chunk
        key = (c.doc_id, c.version, c.page_start)
        pages[key] = pages[key] + weight * hit.score if key in pages else hit.score
    order = {key: rank for rank, key in enumerate(
        sorted(pages, key=lambda k: -pages[k]))}
    return sorted(hits, key=lambda h: order[(h.chunk.doc_id, h.chunk.version,
                                             h.chunk.page_start)])


def merge_adjacent(hits: Sequence[Hit]) -> list[Hit]:
    """Fold hits that are consecutive chunks of one document into the better-ranked one."""
    merged: list[Hit] = []
    for hit in hits:
        c = hit.chunk
        for i, kept in enumerate(merged):
            k = kept.chunk
            if k.doc_id != c.doc_id or k.version != c.version:
                continue
            lo, hi = k.chunk_index, k.chunk_index + k.span - 1
            if c.chunk_index == hi + 1:
                merged[i] = Hit(merge_chunks(k, c), kept.score)
                break
            if c.chunk_index == lo - 1:
                merged[i] = Hit(merge_chunks(c, k), kept.score)
                break
            if lo <= c.chunk_index <= hi:
                break  # already inside a merged passage
        else:
            merged.append(hit)
    return merged


def diversify(hits: Sequence[Hit], k: int, diversity: float) -> list[Hit]:
    """Maximal marginal relevance over the hits' term sets (no vectors needed).

    ``diversity`` 0 keeps the ranking; 1 ignores relevance and only avoids repetition."""
    if diversity <= 0 or len(hits) <= 1:
        return list(hits[:k])
    sets = [set(terms(h.chunk.text)) for h in hits]
    top = max(h.score for h in hits) or 1.0
    chosen: list[int] = []
    remaining = list(range(len(hits)))
    while remaining and len(chosen) < k:
        def value(i: int) -> float:
            overlap = max((_jaccard(sets[i], sets[j]) for j in chosen), default=0.0)
            return (1 - diversity) * hits[i].score / top - diversity * overlap
        best = max(remaining, key=value)  # max keeps the first of equals: stable
        chosen.append(best)
        remaining.remove(best)
    return [hits[i] for i in chosen]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
