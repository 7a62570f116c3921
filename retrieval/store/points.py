"""Points as the vector engines store them: a chunk with its dense and sparse vectors, its
payload and its visibility state, and the typed queries and filters the engines understand."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import IndexError_
from retrieval.types import Chunk, Hit, SparseVector

DENSE = "dense"
SPARSE = "bm25"
LIVE = "live"
PENDING = "pending"
INDEXED_FIELDS = ("doc_id", "groups", "state", "version")
_ID_NAMESPACE = uuid.UUID("6f1b2c1e-5d0a-4c55-9a53-2f5d1b8f7e01")


@dataclass(frozen=True)
class IndexedChunk:
    """A chunk with its vectors. ``state`` is what ``upsert`` writes: pending for a new
    version; an exported point keeps its own, so a copied index is the same index."""

    chunk: Chunk
    dense: NDArray[np.float32]
    sparse: SparseVector
    state: str = PENDING


@dataclass(frozen=True)
class IndexInfo:
    """What an index holds, read without creating or changing anything."""

    exists: bool
    dimension: int | None = None
    #: the embedder name recorded when the collection was created ("" if not recorded)
    embedder: str = ""
    points: int = 0  # live and pending


@dataclass(frozen=True)
class PointFilter:
    """Which points a write, count or scroll touches: all conditions must hold. ``version``
    with ``other_versions`` selects every version of the document but that one."""

    doc_id: str | None = None
    version: str | None = None
    other_versions: bool = False
    state: str | None = None


@dataclass(frozen=True)
class SearchFilter:
    """``groups=None`` means no access filter (admin tools, evaluation); else any-of."""

    groups: tuple[str, ...] | None = None
    doc_ids: tuple[str, ...] | None = None


QueryVectors = tuple[NDArray[np.float32] | None, SparseVector | None]


@dataclass(frozen=True)
class HybridQuery:
    """Dense and/or sparse; with both, the two prefetches are fused with RRF(k)."""

    dense: NDArray[np.float32] | None
    sparse: SparseVector | None
    limit: int = 10
    prefetch_limit: int = 100
    rrf_k: int = 60
    filter: SearchFilter = SearchFilter()
    #: Documents the question names: their chunks are fetched by two more prefetches (same
    #: filter, restricted to these documents) and fused with the rest, so they rank higher
    #: without hiding other documents.
    prefer_doc_ids: tuple[str, ...] = ()
    #: More (dense, sparse) query vectors searched in the preferred documents and fused into
    #: the same ranking: the sentences of a long question, each on its own.
    also: tuple[QueryVectors, ...] = ()
    #: The question as searched inside the preferred documents (their names taken out:
    #: within a document, its own name points at its cover, not at the answer); None: as is.
    within_named: QueryVectors | None = None
    #: More query vectors searched everywhere the question is (search queries a model wrote)
    broad: tuple[QueryVectors, ...] = ()

    def plan(self) -> list[tuple[SearchFilter, list[QueryVectors]]]:
        """The prefetches to fuse: (filter, vectors) pairs. Everything is searched with the
        question; the preferred documents with the question and its extra vectors (a search
        restricted to a few documents costs next to nothing; one more over the whole index
        costs as much as the first)."""
        main: QueryVectors = (self.dense, self.sparse)
        wanted = self.prefer_doc_ids
        if wanted and self.filter.doc_ids is not None:
            wanted = tuple(d for d in wanted if d in self.filter.doc_ids)
        if not wanted:
            return [(self.filter, [main, *self.broad])]
        inside = self.within_named if self.within_named is not None else main
        return [(self.filter, [main, *self.broad]),
                (SearchFilter(self.filter.groups, wanted), [inside, *self.also])]


def point_id(doc_id: str, version: str, chunk_index: int) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{doc_id}/{version}/{chunk_index}"))


def chunk_payload(chunk: Chunk, state: str) -> dict[str, Any]:
    return {
        "doc_id": chunk.doc_id,
        "version": chunk.version,
        "chunk_index": chunk.chunk_index,
        "source": chunk.source,
        "title": chunk.title,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "section": chunk.section,
        "text": chunk.text,
        "groups": list(chunk.groups),
        "n_tokens": chunk.n_tokens,
        "ingested_at": chunk.ingested_at,
        "page_breaks": [list(b) for b in chunk.page_breaks],
        "state": state,
    }


def embedder_mismatch(location: str, stored: str, wanted: str) -> None:
    """Refuse an index built by another embedder: its vectors would not be comparable, even
    at the same dimension. An index that recorded no name (older ones) is accepted."""
    if stored and wanted and stored != wanted:
        raise IndexError_(location, f"it was built with the embedder {stored!r} but {wanted!r} "
                                    "is configured; run `docqa reindex` or use another "
                                    "collection")


def dimension_mismatch(location: str, stored: int | None, wanted: int) -> None:
    if stored != wanted:
        raise IndexError_(location, f"it was built with {stored}-dimensional vectors but the "
                                    f"embedder makes {wanted}; run `docqa reindex` or use "
                                    "another collection")


def chunk_from_payload(payload: Mapping[str, Any]) -> Chunk:
    return Chunk(
        doc_id=str(payload["doc_id"]),
        version=str(payload["version"]),
        chunk_index=int(payload["chunk_index"]),
        source=str(payload["source"]),
        title=str(payload["title"]),
        page_start=int(payload["page_start"]),
        page_end=int(payload["page_end"]),
        section=str(payload.get("section", "")),
        text=str(payload["text"]),
        groups=tuple(payload.get("groups", ())),
        n_tokens=int(payload.get("n_tokens", 0)),
        ingested_at=str(payload.get("ingested_at", "")),
        page_breaks=tuple((int(o), int(p)) for o, p in payload.get("page_breaks", ())),
    )


_NO_VECTOR = np.zeros(0, dtype=np.float32)


def stored_point(payload: Mapping[str, Any] | None,
                 vectors: Mapping[str, Any] | None) -> IndexedChunk:
    """A point as read back from either engine (both return the sparse vector as an object
    with ``indices`` and ``values``), with the state it was stored in. Read without vectors,
    it carries empty ones."""
    payload, vectors = payload or {}, vectors or {}
    sparse = vectors.get(SPARSE)
    dense = vectors.get(DENSE)
    return IndexedChunk(
        chunk_from_payload(payload),
        np.asarray(dense, dtype=np.float32) if dense is not None else _NO_VECTOR,
        SparseVector(tuple(sparse.indices), tuple(sparse.values)) if sparse is not None
        else SparseVector((), ()),
        state=str(payload.get("state", PENDING)))


def ranked(hits: list[tuple[str, Hit]], limit: int) -> list[Hit]:
    """Order by score, then by point id, so equal scores always come back in the same order."""
    hits.sort(key=lambda pair: (-pair[1].score, pair[0]))
    return [hit for _, hit in hits[:limit]]
