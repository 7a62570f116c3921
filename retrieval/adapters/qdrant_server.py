"""Qdrant server through ``qdrant-client`` (``DOCQA_QDRANT_URL``).

The same class runs against qdrant-client's local mode (``location=":memory:"`` or ``path=``),
which speaks the server's API; that is how the contract tests exercise it without a server.
The embedder's name is stored in the collection's metadata (Qdrant ≥ 1.16), so a second
deployment with another catalog cannot write incomparable vectors into the same collection.

Dense search follows the embedded adapter (``qdrant_embedded``): a new collection gets an
HNSW graph over int8 scalar-quantized vectors, searched with rescoring by the float vectors,
and exact scanning where that is cheap, with the same figures (``retrieval.store.
dense_search``). The server's background optimizer builds the graph only for segments above
``exact_below`` points (its indexing threshold), and a plain segment is always scanned
exactly, so a small collection keeps exact results without a count per query. A collection
created before keeps its own config (and gets the same search params).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from retrieval.errors import IndexError_
from retrieval.ports import PointStore
from retrieval.store.dense_search import (
    ACORN_BELOW,
    DEFAULT_SEARCH,
    HNSW_EF_CONSTRUCT,
    HNSW_M,
    kb_of_vectors,
)
from retrieval.store.points import (
    DENSE,
    INDEXED_FIELDS,
    LIVE,
    SPARSE,
    HybridQuery,
    IndexedChunk,
    IndexInfo,
    PointFilter,
    SearchFilter,
    chunk_from_payload,
    chunk_payload,
    dimension_mismatch,
    embedder_mismatch,
    point_id,
    ranked,
    stored_point,
)
from retrieval.types import Hit, SparseVector


def _match(key: str, value: str) -> qm.FieldCondition:
    return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))


def _filter(where: PointFilter) -> qm.Filter | None:
    must: list[Any] = []
    must_not: list[Any] = []
    if where.doc_id is not None:
        must.append(_match("doc_id", where.doc_id))
    if where.version is not None:
        (must_not if where.other_versions else must).append(_match("version", where.version))
    if where.state is not None:
        must.append(_match("state", where.state))
    if not must and not must_not:
        return None
    return qm.Filter(must=must, must_not=must_not or None)


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


def _dense_params(depth: int) -> qm.SearchParams:
    # ACORN: a restrictive group filter leaves the graph in islands (see the embedded one).
    return qm.SearchParams(hnsw_ef=max(DEFAULT_SEARCH.hnsw_ef, depth),
                           quantization=qm.QuantizationSearchParams(
                               rescore=True, oversampling=DEFAULT_SEARCH.oversampling),
                           acorn=qm.AcornSearchParams(enable=True, max_selectivity=ACORN_BELOW))


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


class QdrantServerStore(PointStore):
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
                         self.count(PointFilter()))

    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        found = self.inspect()
        if found.exists:
            dimension_mismatch(self.location, found.dimension, dimension)
            embedder_mismatch(self.location, found.embedder, embedder)
            return
        small = kb_of_vectors(DEFAULT_SEARCH.exact_below, dimension)
        self._call(
            "creating the collection", self._client.create_collection, self.collection,
            vectors_config={DENSE: qm.VectorParams(size=dimension, distance=qm.Distance.COSINE)},
            sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            hnsw_config=qm.HnswConfigDiff(m=HNSW_M, ef_construct=HNSW_EF_CONSTRUCT,
                                          full_scan_threshold=small),
            # int8 codes in RAM drive the graph walk; 0.99 clips outliers.
            quantization_config=qm.ScalarQuantization(scalar=qm.ScalarQuantizationConfig(
                type=qm.ScalarType.INT8, quantile=0.99, always_ram=True)),
            optimizers_config=qm.OptimizersConfigDiff(indexing_threshold=small),
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

    def flush(self) -> None:
        """Writes wait for the server (``wait=True``): nothing is buffered here."""

    def close(self) -> None:
        with self._lock:
            self._client.close()

    def upsert(self, points: Sequence[IndexedChunk]) -> None:
        made = [
            qm.PointStruct(
                id=point_id(c.chunk.doc_id, c.chunk.version, c.chunk.chunk_index),
                vector={DENSE: c.dense.tolist(), SPARSE: _sparse(c.sparse)},
                payload=chunk_payload(c.chunk, c.state),
            )
            for c in points
        ]
        if made:
            self._call("writing", self._client.upsert, self.collection, points=made, wait=True)

    def set_payload(self, where: PointFilter, values: Mapping[str, Any]) -> None:
        self._call("updating", self._client.set_payload, self.collection,
                   payload=dict(values), points=_filter(where) or qm.Filter(), wait=True)

    def delete(self, where: PointFilter) -> None:
        self._call("deleting", self._client.delete, self.collection,
                   points_selector=qm.FilterSelector(filter=_filter(where) or qm.Filter()),
                   wait=True)

    def search(self, query: HybridQuery) -> list[Hit]:
        fetch = query.limit + 10
        depth = max(query.prefetch_limit, fetch)
        prefetch: list[qm.Prefetch] = []
        for variant, vectors in query.plan():
            flt = _search_filter(variant)
            for dense, sparse in vectors:
                if dense is not None:
                    prefetch.append(qm.Prefetch(query=dense.tolist(), using=DENSE, filter=flt,
                                                limit=depth, params=_dense_params(depth)))
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

    def retrieve(self, ids: Sequence[str]) -> list[IndexedChunk]:
        records = self._call("reading", self._client.retrieve, self.collection, ids=list(ids),
                             with_payload=True, with_vectors=False)
        return [stored_point(r.payload, None) for r in records]

    def count(self, where: PointFilter) -> int:
        result = self._call("counting", self._client.count, self.collection,
                            count_filter=_filter(where), exact=True)
        return int(result.count)

    def scroll(self, where: PointFilter, *, batch: int = 512,
               vectors: bool = False) -> Iterator[list[IndexedChunk]]:
        offset: Any = None
        while True:
            records, offset = self._call(
                "reading", self._client.scroll, self.collection, scroll_filter=_filter(where),
                limit=batch, offset=offset, with_payload=True, with_vectors=vectors)
            yield [stored_point(r.payload, r.vector if vectors else None) for r in records]
            if offset is None:
                return
