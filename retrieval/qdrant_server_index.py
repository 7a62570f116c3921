"""Qdrant server through ``qdrant-client`` (``DOCQA_QDRANT_URL``).

The same class runs against qdrant-client's local mode (``location=":memory:"`` or ``path=``),
which speaks the server's API; that is how the contract tests exercise it without a server.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from retrieval.errors import IndexError_
from retrieval.index import (
    DENSE,
    INDEXED_FIELDS,
    LIVE,
    PENDING,
    SPARSE,
    HybridQuery,
    IndexedChunk,
    SearchFilter,
    VectorIndex,
    chunk_from_payload,
    chunk_payload,
    point_id,
    ranked,
)
from retrieval.types import Chunk, Hit, SparseVector


def _match(key: str, value: str) -> qm.FieldCondition:
    return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))


def _doc(doc_id: str) -> qm.Filter:
    return qm.Filter(must=[_match("doc_id", doc_id)])


def _search_filter(f: SearchFilter) -> qm.Filter:
    must: list[Any] = [_match("state", LIVE)]
    if f.groups is not None:
        must.append(qm.FieldCondition(key="groups", match=qm.MatchAny(any=list(f.groups))))
    if f.doc_ids is not None:
        must.append(qm.FieldCondition(key="doc_id", match=qm.MatchAny(any=list(f.doc_ids))))
    return qm.Filter(must=must)


def _sparse(v: SparseVector) -> qm.SparseVector:
    return qm.SparseVector(indices=list(v.indices), values=list(v.values))


class QdrantServerIndex(VectorIndex):
    def __init__(
        self,
        collection: str,
        *,
        url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 10.0,
        location: str | None = None,
        path: str | None = None,
    ) -> None:
        self.collection = collection
        self.location = f"{url or path or location}/{collection}"
        self._lock = threading.RLock()
        try:
            if url is not None:
                self._client = QdrantClient(url=url, api_key=api_key, timeout=int(timeout_s))
            elif path is not None:
                self._client = QdrantClient(path=path)
            else:
                self._client = QdrantClient(location=location or ":memory:")
        except Exception as e:
            raise IndexError_(self.location, f"could not connect ({e})") from e

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with self._lock:
                return fn(*args, **kwargs)
        except (ResponseHandlingException, UnexpectedResponse, ConnectionError, OSError) as e:
            raise IndexError_(self.location, f"{what} failed: server unreachable or "
                                             f"refused the request ({e})") from e

    def ensure_ready(self, dimension: int) -> None:
        exists = self._call("checking the collection", self._client.collection_exists,
                            self.collection)
        if exists:
            info = self._call("reading the collection", self._client.get_collection,
                              self.collection)
            vectors = info.config.params.vectors
            size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
            if size != dimension:
                raise IndexError_(
                    self.location,
                    f"it holds {size}-dimensional vectors but the embedder makes {dimension}; "
                    "run `docqa reindex` or use another collection",
                )
            return
        self._call(
            "creating the collection", self._client.create_collection, self.collection,
            vectors_config={DENSE: qm.VectorParams(size=dimension, distance=qm.Distance.COSINE)},
            sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
        )
        for field in INDEXED_FIELDS:
            self._call("creating a payload index", self._client.create_payload_index,
                       self.collection, field, qm.PayloadSchemaType.KEYWORD)

    def close(self) -> None:
        with self._lock:
            self._client.close()

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        points = [
            qm.PointStruct(
                id=point_id(c.chunk.doc_id, c.chunk.version, c.chunk.chunk_index),
                vector={DENSE: c.dense.tolist(), SPARSE: _sparse(c.sparse)},
                payload=chunk_payload(c.chunk, PENDING),
            )
            for c in chunks
        ]
        if points:
            self._call("writing", self._client.upsert, self.collection, points=points, wait=True)

    def publish(self, doc_id: str, version: str) -> None:
        this = qm.Filter(must=[_match("doc_id", doc_id), _match("version", version)])
        others = qm.Filter(must=[_match("doc_id", doc_id)], must_not=[_match("version", version)])
        self._call("publishing", self._client.set_payload, self.collection,
                   payload={"state": LIVE}, points=this, wait=True)
        self._call("deleting old versions", self._client.delete, self.collection,
                   points_selector=qm.FilterSelector(filter=others), wait=True)

    def delete_document(self, doc_id: str) -> None:
        self._call("deleting", self._client.delete, self.collection,
                   points_selector=qm.FilterSelector(filter=_doc(doc_id)), wait=True)

    def delete_unpublished(self) -> int:
        pending = qm.Filter(must=[_match("state", PENDING)])
        n = self._call("counting", self._client.count, self.collection, count_filter=pending,
                       exact=True).count
        if n:
            self._call("cleaning up", self._client.delete, self.collection,
                       points_selector=qm.FilterSelector(filter=pending), wait=True)
        return int(n)

    def set_groups(self, doc_id: str, groups: Sequence[str]) -> None:
        self._call("updating groups", self._client.set_payload, self.collection,
                   payload={"groups": list(groups)}, points=_doc(doc_id), wait=True)

    def search(self, query: HybridQuery) -> list[Hit]:
        fetch = query.limit + 10
        depth = max(query.prefetch_limit, fetch)
        prefetch: list[qm.Prefetch] = []
        for variant, vectors in query.plan():
            flt = _search_filter(variant)
            for dense, sparse in vectors:
                if dense is not None:
                    prefetch.append(qm.Prefetch(query=dense.tolist(), using=DENSE, filter=flt,
                                                limit=depth,
                                                params=qm.SearchParams(exact=True)))
                if sparse is not None and sparse.indices:
                    prefetch.append(qm.Prefetch(query=_sparse(sparse), using=SPARSE,
                                                filter=flt, limit=depth))
        if not prefetch:
            return []
        flt = _search_filter(query.filter)
        if len(prefetch) == 1:
            only = prefetch[0]
            response = self._call(
                "searching", self._client.query_points, self.collection, query=only.query,
                using=only.using, query_filter=flt, limit=fetch, with_payload=True,
                search_params=only.params)
        else:
            response = self._call(
                "searching", self._client.query_points, self.collection, prefetch=prefetch,
                query=qm.RrfQuery(rrf=qm.Rrf(k=query.rrf_k)), query_filter=flt, limit=fetch,
                with_payload=True)
        pairs = [(str(p.id), Hit(chunk_from_payload(p.payload or {}), float(p.score)))
                 for p in response.points]
        return ranked(pairs, query.limit)

    def chunks_at(self, doc_id: str, version: str, indexes: Sequence[int]) -> list[Chunk]:
        ids = [point_id(doc_id, version, i) for i in sorted(set(indexes)) if i >= 0]
        if not ids:
            return []
        records = self._call("reading", self._client.retrieve, self.collection, ids=ids,
                             with_payload=True, with_vectors=False)
        found = [chunk_from_payload(r.payload or {}) for r in records
                 if (r.payload or {}).get("state") == LIVE]
        return sorted(found, key=lambda c: c.chunk_index)

    def count(self, doc_id: str | None = None, *, live_only: bool = True) -> int:
        must: list[Any] = []
        if doc_id is not None:
            must.append(_match("doc_id", doc_id))
        if live_only:
            must.append(_match("state", LIVE))
        result = self._call("counting", self._client.count, self.collection,
                            count_filter=qm.Filter(must=must) if must else None, exact=True)
        return int(result.count)

    def chunks(self, doc_id: str, *, live_only: bool = True) -> list[Chunk]:
        must: list[Any] = [_match("doc_id", doc_id)]
        if live_only:
            must.append(_match("state", LIVE))
        found: list[Chunk] = []
        offset: Any = None
        while True:
            records, offset = self._call(
                "reading", self._client.scroll, self.collection,
                scroll_filter=qm.Filter(must=must), limit=512, offset=offset, with_payload=True)
            found.extend(chunk_from_payload(r.payload or {}) for r in records)
            if offset is None:
                break
        return sorted(found, key=lambda c: (c.version, c.chunk_index))
