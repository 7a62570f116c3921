"""Qdrant server through ``qdrant-client`` (``DOCQA_QDRANT_URL``).

The same class runs against qdrant-client's local mode (``location=":memory:"`` or ``path=``),
which speaks the server's API; that is how the contract tests exercise it without a server.
The embedder's name is stored in the collection's metadata (Qdrant ≥ 1.16), so a second
deployment with another catalog cannot write incomparable vectors into the same collection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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


EMBEDDER_KEY = "docqa_embedder"


@dataclass(frozen=True)
class Snapshot:
    """A server-side snapshot of one collection (it stays on the Qdrant server's disk)."""

    name: str
    size_bytes: int
    created_at: str


def _reason(what: str, url: str | None, e: Exception) -> str:
    """One sentence for the person: the cause, not the SDK's exception chain."""
    cause = type(getattr(e, "source", None) or e.__context__ or e).__name__
    if url and cause in ("ConnectError", "ConnectionRefusedError", "RemoteProtocolError"):
        return f"cannot reach the Qdrant server at {url}; is it running?"
    if "Timeout" in cause:
        return (f"{what} timed out (DOCQA_QDRANT_TIMEOUT_S); the Qdrant server at {url} is "
                "overloaded or unreachable")
    status = getattr(e, "status_code", None)
    if status in (401, 403):
        return f"the Qdrant server refused the API key (HTTP {status}); check DOCQA_QDRANT_API_KEY"
    return f"{what} failed: server unreachable or refused the request ({e})"


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
        self.url = url
        self.location = f"{url or path or location}/{collection}"
        self._lock = threading.RLock()
        try:
            if url is not None:
                # No version probe at construction: a down server would only log a warning
                # there; the first real call reports it as one clear sentence instead.
                self._client = QdrantClient(url=url, api_key=api_key,
                                            timeout=max(1, round(timeout_s)),
                                            check_compatibility=False)
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
            raise IndexError_(self.location, _reason(what, self.url, e)) from e

    def inspect(self) -> IndexInfo:
        exists = self._call("checking the collection", self._client.collection_exists,
                            self.collection)
        if not exists:
            return IndexInfo(exists=False)
        info = self._call("reading the collection", self._client.get_collection,
                          self.collection)
        vectors = info.config.params.vectors
        size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
        metadata = getattr(info.config, "metadata", None) or {}
        return IndexInfo(True, size, str(metadata.get(EMBEDDER_KEY, "")),
                         self.count(live_only=False))

    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        found = self.inspect()
        if found.exists:
            dimension_mismatch(self.location, found.dimension, dimension)
            embedder_mismatch(self.location, found.embedder, embedder)
            return
        self._call(
            "creating the collection", self._client.create_collection, self.collection,
            vectors_config={DENSE: qm.VectorParams(size=dimension, distance=qm.Distance.COSINE)},
            sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            metadata={EMBEDDER_KEY: embedder} if embedder else None,
        )
        # Keyword indexes on every field a filter uses: without them the server scans
        # payloads for each ACL-filtered query.
        for field in INDEXED_FIELDS:
            self._call("creating a payload index", self._client.create_payload_index,
                       self.collection, field, qm.PayloadSchemaType.KEYWORD)

    def create_snapshot(self) -> Snapshot:
        """A snapshot on the server's disk (``/qdrant/snapshots/<collection>/``); restore it
        with Qdrant's recover API. qdrant-client's local mode has none."""
        try:
            made = self._call("creating a snapshot", self._client.create_snapshot,
                              self.collection, wait=True)
        except NotImplementedError as e:
            raise IndexError_(self.location, "snapshots need a Qdrant server "
                                             "(DOCQA_QDRANT_URL)") from e
        return Snapshot(made.name, int(made.size or 0), str(made.creation_time or ""))

    def list_snapshots(self) -> list[Snapshot]:
        try:
            found = self._call("listing snapshots", self._client.list_snapshots,
                               self.collection)
        except NotImplementedError as e:
            raise IndexError_(self.location, "snapshots need a Qdrant server "
                                             "(DOCQA_QDRANT_URL)") from e
        return [Snapshot(d.name, int(d.size or 0), str(d.creation_time or "")) for d in found]

    def export_points(self, batch: int = 256) -> Iterator[list[IndexedChunk]]:
        offset: Any = None
        while True:
            records, offset = self._call(
                "reading", self._client.scroll, self.collection, limit=batch, offset=offset,
                with_payload=True, with_vectors=True)
            yield [stored_point(r.payload, r.vector) for r in records]
            if offset is None:
                return

    def close(self) -> None:
        with self._lock:
            self._client.close()

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        points = [
            qm.PointStruct(
                id=point_id(c.chunk.doc_id, c.chunk.version, c.chunk.chunk_index),
                vector={DENSE: c.dense.tolist(), SPARSE: _sparse(c.sparse)},
                payload=chunk_payload(c.chunk, c.state),
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
