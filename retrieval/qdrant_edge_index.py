"""Embedded Qdrant (``qdrant-edge-py``): Qdrant's engine in-process, no server needed.

Dense search is exact: at RAG scale (≤ a few 100k chunks) it costs ~10 ms and the default
HNSW graph gave poor recall on hard data. The engine holds a lock on its WAL, so one process
at a time may open a path; a second gets a clear ``IndexError_``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.errors import IndexError_
from retrieval.index import (
    DENSE,
    INDEXED_FIELDS,
    LIVE,
    PENDING,
    SPARSE,
    HybridQuery,
    IndexedChunk,
    IndexInfo,
    SearchFilter,
    VectorIndex,
    chunk_from_payload,
    chunk_payload,
    dimension_mismatch,
    embedder_mismatch,
    point_id,
    ranked,
    stored_point,
)
from retrieval.types import Chunk, Hit, SparseVector

_META = "docqa-index.json"


def _match(key: str, value: str) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchValue(value=value))


def _doc(doc_id: str) -> qe.Filter:
    return qe.Filter(must=[_match("doc_id", doc_id)])


def _search_filter(f: SearchFilter) -> qe.Filter:
    must: list[Any] = [_match("state", LIVE)]
    if f.groups is not None:
        must.append(qe.FieldCondition(key="groups", match=qe.MatchAny(any=list(f.groups))))
    if f.doc_ids is not None:
        must.append(qe.FieldCondition(key="doc_id", match=qe.MatchAny(any=list(f.doc_ids))))
    return qe.Filter(must=must)


def _sparse(v: SparseVector) -> qe.SparseVector:
    return qe.SparseVector(indices=list(v.indices), values=list(v.values))


class EmbeddedQdrantIndex(VectorIndex):
    def __init__(self, path: Path) -> None:
        self.location = str(path)
        self._path = path
        self._lock = threading.RLock()
        self._shard: qe.EdgeShard | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def _meta(self) -> dict[str, Any] | None:
        meta_path = self._path / _META
        return dict(json.loads(meta_path.read_text())) if meta_path.exists() else None

    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        with self._lock:
            if self._shard is not None:
                return
            try:
                meta = self._meta()
                if meta is not None:
                    dimension_mismatch(self.location, meta["dimension"], dimension)
                    embedder_mismatch(self.location, meta.get("embedder", ""), embedder)
                    self._shard = qe.EdgeShard.load(str(self._path))
                else:
                    self._path.mkdir(parents=True, exist_ok=True)
                    config = qe.EdgeConfig(
                        vectors={DENSE: qe.EdgeVectorParams(size=dimension,
                                                            distance=qe.Distance.Cosine)},
                        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(
                            modifier=qe.Modifier.Idf)},
                    )
                    self._shard = qe.EdgeShard.create(str(self._path), config)
                    for field in INDEXED_FIELDS:
                        self._shard.update(qe.UpdateOperation.create_field_index(
                            field, qe.PayloadSchemaType.Keyword))
                    (self._path / _META).write_text(
                        json.dumps({"dimension": dimension, "embedder": embedder}))
            except IndexError_:
                raise
            except Exception as e:  # the engine raises plain Exception with a message
                if "WAL" in str(e) and "WouldBlock" in str(e):
                    raise IndexError_(
                        self.location,
                        "another docqa process has it open (the embedded index serves one "
                        "process at a time; stop the other one, or use a Qdrant server via "
                        "DOCQA_QDRANT_URL)",
                    ) from e
                raise IndexError_(self.location, f"could not open ({e})") from e

    def inspect(self) -> IndexInfo:
        """Opening the engine takes its lock, so this fails clearly while another process
        has the index open."""
        meta = self._meta()
        if meta is None:
            return IndexInfo(exists=False)
        self.ensure_ready(int(meta["dimension"]))
        return IndexInfo(True, int(meta["dimension"]), str(meta.get("embedder", "")),
                         self.count(live_only=False))

    def _s(self) -> qe.EdgeShard:
        if self._shard is None:
            raise IndexError_(self.location, "not opened (call ensure_ready first)")
        return self._shard

    def _update(self, op: qe.UpdateOperation) -> None:
        with self._lock:
            try:
                self._s().update(op)
            except Exception as e:
                raise IndexError_(self.location, f"write failed ({e})") from e

    def close(self) -> None:
        with self._lock:
            if self._shard is not None:
                self._shard.flush()
                self._shard.close()
                self._shard = None

    # -- writes ----------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        points = [
            qe.Point(
                id=point_id(c.chunk.doc_id, c.chunk.version, c.chunk.chunk_index),
                vector={DENSE: c.dense.tolist(), SPARSE: _sparse(c.sparse)},
                payload=chunk_payload(c.chunk, c.state),
            )
            for c in chunks
        ]
        if points:
            self._update(qe.UpdateOperation.upsert_points(points))

    def publish(self, doc_id: str, version: str) -> None:
        this = qe.Filter(must=[_match("doc_id", doc_id), _match("version", version)])
        others = qe.Filter(must=[_match("doc_id", doc_id)],
                           must_not=[_match("version", version)])
        with self._lock:
            self._update(qe.UpdateOperation.set_payload_by_filter(this, {"state": LIVE}))
            self._update(qe.UpdateOperation.delete_points_by_filter(others))
            self._s().flush()

    def delete_document(self, doc_id: str) -> None:
        with self._lock:
            self._update(qe.UpdateOperation.delete_points_by_filter(_doc(doc_id)))
            self._s().flush()

    def delete_unpublished(self) -> int:
        pending = qe.Filter(must=[_match("state", PENDING)])
        with self._lock:
            n = self._s().count(qe.CountRequest(filter=pending))
            if n:
                self._update(qe.UpdateOperation.delete_points_by_filter(pending))
                self._s().flush()
        return int(n)

    def set_groups(self, doc_id: str, groups: Sequence[str]) -> None:
        with self._lock:
            self._update(qe.UpdateOperation.set_payload_by_filter(
                _doc(doc_id), {"groups": list(groups)}))
            self._s().flush()

    # -- reads -----------------------------------------------------------------------------
    def search(self, query: HybridQuery) -> list[Hit]:
        exact = qe.SearchParams(exact=True)
        # Fetch a little more than asked, so ties at the cut are ordered by id, not by chance.
        fetch = query.limit + 10
        depth = max(query.prefetch_limit, fetch)
        prefetches = []
        for variant, vectors in query.plan():
            flt = _search_filter(variant)
            for dense, sparse in vectors:
                if dense is not None:
                    prefetches.append(qe.Prefetch(
                        limit=depth, query=qe.Query.Nearest(dense.tolist(), using=DENSE),
                        filter=flt, params=exact))
                if sparse is not None and sparse.indices:
                    prefetches.append(qe.Prefetch(
                        limit=depth, query=qe.Query.Nearest(_sparse(sparse), using=SPARSE),
                        filter=flt))
        if not prefetches:
            return []
        flt = _search_filter(query.filter)
        if len(prefetches) == 1:
            only = prefetches[0]
            request = qe.QueryRequest(limit=fetch, query=only.query, filter=flt,
                                      params=only.params, with_payload=True)
        else:
            request = qe.QueryRequest(limit=fetch, prefetches=prefetches,
                                      query=qe.Fusion.Rrf(k=query.rrf_k),  # type: ignore[arg-type]
                                      filter=flt,
                                      with_payload=True)
        with self._lock:
            try:
                points = self._s().query(request)
            except Exception as e:
                raise IndexError_(self.location, f"search failed ({e})") from e
        pairs = [(str(p.id), Hit(chunk_from_payload(p.payload or {}), float(p.score)))
                 for p in points]
        return ranked(pairs, query.limit)

    def chunks_at(self, doc_id: str, version: str, indexes: Sequence[int]) -> list[Chunk]:
        ids = [point_id(doc_id, version, i) for i in sorted(set(indexes)) if i >= 0]
        if not ids:
            return []
        with self._lock:
            records = self._s().retrieve(list[int | uuid.UUID | str](ids), True, False)
        found = [chunk_from_payload(r.payload or {}) for r in records
                 if (r.payload or {}).get("state") == LIVE]
        return sorted(found, key=lambda c: c.chunk_index)

    def count(self, doc_id: str | None = None, *, live_only: bool = True) -> int:
        must: list[Any] = []
        if doc_id is not None:
            must.append(_match("doc_id", doc_id))
        if live_only:
            must.append(_match("state", LIVE))
        with self._lock:
            return int(self._s().count(qe.CountRequest(filter=qe.Filter(must=must) if must
                                                       else None)))

    def chunks(self, doc_id: str, *, live_only: bool = True) -> list[Chunk]:
        must: list[Any] = [_match("doc_id", doc_id)]
        if live_only:
            must.append(_match("state", LIVE))
        found: list[Chunk] = []
        offset: Any = None
        with self._lock:
            while True:
                records, offset = self._s().scroll(qe.ScrollRequest(
                    offset=offset, limit=512, filter=qe.Filter(must=must), with_payload=True))
                found.extend(chunk_from_payload(r.payload or {}) for r in records)
                if offset is None:
                    break
        return sorted(found, key=lambda c: (c.version, c.chunk_index))

    def export_points(self, batch: int = 256) -> Iterator[list[IndexedChunk]]:
        offset: Any = None
        while True:
            # One page per lock hold, so search stays responsive. The copy is consistent when
            # nothing else writes: the engine's WAL lock keeps other processes out, so a
            # command that opened the index itself (backup, migrate) reads a still index.
            with self._lock:
                records, offset = self._s().scroll(qe.ScrollRequest(
                    offset=offset, limit=batch, with_payload=True, with_vector=True))
            # Named vectors (dense + bm25) always come back as a dict; the stub says more.
            yield [stored_point(r.payload, r.vector) for r in records]  # type: ignore[arg-type]
            if offset is None:
                return
