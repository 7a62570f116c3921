"""Embedded Qdrant (``qdrant-edge-py``): Qdrant's engine in-process, no server needed.

Dense search is exact while the collection is small (below ``DenseSearch.exact_below``
points): there it costs a few ms and returns exactly the nearest chunks. Exact search grows
linearly (≈50 ms at 100k chunks, ≈10× that at 1M), so a larger collection is searched
approximately: an HNSW graph over int8 scalar-quantized vectors, whose candidates are
rescored with the original float vectors. The access filter stays inside the engine's search
either way (filterable HNSW; keyword indexes on the filtered fields).

The engine has no background optimizer: the graph is built only by ``optimize()``, which
blocks the whole process (it holds the GIL). Until then new points sit in a plain segment
that every search scans exactly, so results stay right, only slower. A write builds the
graph itself once ``DenseSearch.build_after`` points wait outside it, so each build (and
the pause it causes) stays small: new points are merged into segments of at most
``SEGMENT_POINTS``. Existing indexes are migrated in place: opening one records the HNSW and
quantization config, and the next build applies it. An index written before, with more
unindexed points than one step should take, is not built by itself: it keeps exact search
and a warning at open says how to build it in steps.

The engine holds a lock on its WAL, so one process at a time may open a path; a second gets
a clear ``IndexError_``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.errors import IndexError_
from retrieval.ports import PointStore
from retrieval.store.dense_search import (
    ACORN_BELOW,
    DEFAULT_SEARCH,
    HNSW_EF_CONSTRUCT,
    HNSW_M,
    DenseSearch,
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

log = logging.getLogger(__name__)

_META = "docqa-index.json"
_LOCK_FILE = ".docqa-open.lock"
#: qdrant-edge reserves two 32 MB WAL segments when it opens a shard; on a disk without room
#: for them the process dies of SIGBUS instead of raising, so docqa checks first (64 MB for
#: the segments plus room for the catalog and a few writes)
MIN_FREE_BYTES = 80 * 2**20


@dataclass(frozen=True)
class IndexState:
    points: int
    #: dense vectors in HNSW-indexed segments (the rest are scanned exactly)
    indexed: int
    segments: int


@dataclass(frozen=True)
class IndexBuild:
    """What one ``optimize`` call did."""

    seconds: float
    changed: bool
    after: IndexState


#: Largest segment, sized in float32 dense vectors, so "points" only roughly: the engine
#: counts the sparse vectors too, and MiniLM + BM25 segments end up at 50–65k points (21
#: segments at 1M). One build step rebuilds at most one segment, which bounds its pause
#: (15–20 s per step on two busy cores); the engine's default (~330k here) took ~3 min. More
#: small graphs also found more of the true neighbours than one big one: at 1M, recall@10
#: 0.997 against 0.95 at the same hnsw_ef.
SEGMENT_POINTS = 100_000


def engine_config(dimension: int, dense: DenseSearch) -> qe.EdgeConfig:
    """The shard's config, for a new shard and for every load: an older shard, created
    without HNSW or quantization settings, takes them on and converges at the next build.

    One number, ``exact_below``, says where exact scanning stops being cheap, and the engine
    applies it per segment too: a smaller segment gets no graph, and a filtered search that
    leaves fewer points in a segment scans them exactly (through the keyword index) instead
    of walking the graph; no extra per-group graph is built below it either."""
    small = kb_of_vectors(dense.exact_below, dimension)
    return qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        hnsw_config=qe.HnswIndexConfig(m=HNSW_M, ef_construct=HNSW_EF_CONSTRUCT,
                                       full_scan_threshold=small),
        # int8 codes stay in RAM (a quarter of the float vectors) and drive the graph walk;
        # 0.99 clips outliers so the other values keep their resolution.
        quantization_config=qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8,
                                                        quantile=0.99, always_ram=True),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=small,
                                           max_segment_size=kb_of_vectors(SEGMENT_POINTS,
                                                                          dimension)),
    )


IN_USE = ("another docqa process has it open (the embedded index serves one process at a "
          "time; stop the other one, or use a Qdrant server via DOCQA_QDRANT_URL)")


def free_bytes(path: Path) -> int:
    """Free bytes on the file system that holds (or will hold) ``path``."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def check_free_space(path: Path) -> None:
    """Refuse to open the engine where it could not reserve its WAL (it would crash)."""
    free = free_bytes(path)
    if free < MIN_FREE_BYTES:
        raise IndexError_(str(path), f"not enough free disk space at {path}: "
                                     f"{free // 2**20} MB free, docqa needs at least "
                                     f"{MIN_FREE_BYTES // 2**20} MB to open the index")


def _match(key: str, value: str) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchValue(value=value))


def _filter(where: PointFilter) -> qe.Filter:
    must: list[Any] = []
    must_not: list[Any] = []
    if where.doc_id is not None:
        must.append(_match("doc_id", where.doc_id))
    if where.version is not None:
        (must_not if where.other_versions else must).append(_match("version", where.version))
    if where.state is not None:
        must.append(_match("state", where.state))
    return qe.Filter(must=must, must_not=must_not) if must_not else qe.Filter(must=must)


def _search_filter(f: SearchFilter) -> qe.Filter:
    must: list[Any] = [_match("state", LIVE)]
    if f.groups is not None:
        must.append(qe.FieldCondition(key="groups", match=qe.MatchAny(any=list(f.groups))))
    if f.doc_ids is not None:
        must.append(qe.FieldCondition(key="doc_id", match=qe.MatchAny(any=list(f.doc_ids))))
    return qe.Filter(must=must)


def _sparse(v: SparseVector) -> qe.SparseVector:
    return qe.SparseVector(indices=list(v.indices), values=list(v.values))


class EmbeddedQdrantStore(PointStore):
    def __init__(self, path: Path, dense: DenseSearch = DEFAULT_SEARCH) -> None:
        self.location = str(path)
        #: may be replaced while open (the scale bench compares exact with approximate)
        self.dense = dense
        self._path = path
        self._lock = threading.RLock()
        self._shard: qe.EdgeShard | None = None
        self._lock_fd: int | None = None
        #: points in the shard (live and pending) and, of their dense vectors, those in no
        #: graph yet; as of the last open, write, flush or build. Read per search and per
        #: write, so they are kept rather than asked for.
        self._points = 0
        self._unbuilt = 0
        #: what still counted as unbuilt right after the last build: a tail too small for a
        #: graph, or the undercount ``state`` explains; only points beyond it are a backlog
        self._settled = 0

    # -- lifecycle -------------------------------------------------------------------------
    def _meta(self) -> dict[str, Any] | None:
        meta_path = self._path / _META
        return dict(json.loads(meta_path.read_text())) if meta_path.exists() else None

    def _write_meta(self, meta: dict[str, Any]) -> None:
        """Atomically: a reader never sees half a file."""
        tmp = self._path / f"{_META}.part"
        tmp.write_text(json.dumps(meta))
        tmp.replace(self._path / _META)

    def _take_process_lock(self) -> None:
        """One process at a time, decided before the engine is touched: two processes
        starting together on a new data dir would otherwise both create the shard, and the
        loser would fail inside the engine ("path already contains segment data")."""
        self._path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            raise IndexError_(self.location, IN_USE) from e
        self._lock_fd = fd

    def _release_process_lock(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        with self._lock:
            if self._shard is not None:
                return
            check_free_space(self._path)
            self._take_process_lock()
            try:
                meta = self._meta()
                if meta is not None:
                    dimension_mismatch(self.location, meta["dimension"], dimension)
                    embedder_mismatch(self.location, meta.get("embedder", ""), embedder)
                    self._shard = qe.EdgeShard.load(str(self._path),
                                                    engine_config(dimension, self.dense))
                else:
                    self._shard = qe.EdgeShard.create(str(self._path),
                                                      engine_config(dimension, self.dense))
                    # Keyword indexes: exact filter cardinalities for the query planner, and
                    # the filterable HNSW graph gets extra links per group, so a reader who
                    # may see few chunks still walks a connected graph.
                    for field in INDEXED_FIELDS:
                        self._shard.update(qe.UpdateOperation.create_field_index(
                            field, qe.PayloadSchemaType.Keyword))
                    self._write_meta({"dimension": dimension, "embedder": embedder})
                self._warn_of_a_long_build(self.state())
            except IndexError_:
                self._abandon()
                raise
            except Exception as e:  # the engine raises plain Exception with a message
                self._abandon()
                if "WAL" in str(e) and "WouldBlock" in str(e):
                    raise IndexError_(self.location, IN_USE) from e
                raise IndexError_(self.location, f"could not open ({e})") from e

    def _one_step(self) -> int:
        """The largest backlog a write builds by itself: beyond it, one build would pause
        docqa for minutes and make one large graph (at 1M points it found 95% of the true
        top 10, where graphs built in steps found 99.7%)."""
        return max(SEGMENT_POINTS, 2 * self.dense.build_after)

    def _warn_of_a_long_build(self, now: IndexState) -> None:
        """An index written before docqa built graphs holds more unindexed points than one
        build step should take: it stays searched exactly (correct, as before, slower)."""
        waiting = now.points - now.indexed
        if (self.dense.build_after and now.points >= self.dense.exact_below
                and waiting > self._one_step()):
            log.warning(
                "%s: %d chunks were written before docqa built a search graph, so every "
                "question scans them all (exact, but about 250 ms per million chunks on two "
                "cores). docqa does not build that graph by itself: in one step it would "
                "pause docqa for roughly %d min. Re-index into a new collection (docqa "
                "reindex), which builds it in small steps.",
                self.location, waiting, max(1, round(waiting / 100_000)))

    def _abandon(self) -> None:
        """After a failed open: nothing stays open or locked."""
        if self._shard is not None:
            with contextlib.suppress(Exception):
                self._shard.close()
            self._shard = None
        self._release_process_lock()

    def inspect(self) -> IndexInfo:
        """Opening the engine takes its lock, so this fails clearly while another process
        has the index open."""
        meta = self._meta()
        if meta is None:
            return IndexInfo(exists=False)
        self.ensure_ready(int(meta["dimension"]))
        return IndexInfo(True, int(meta["dimension"]), str(meta.get("embedder", "")),
                         self.count(PointFilter()))

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
            try:
                if self._shard is not None:
                    self._shard.flush()
                    self._shard.close()
                    self._shard = None
            finally:
                self._release_process_lock()

    def flush(self) -> None:
        with self._lock:
            self._s().flush()
            self.state()  # deletes and overwrites are counted exactly here
            self._build_if_due()

    def _build_if_due(self) -> None:
        """Build the graph once ``build_after`` points wait outside it in a large collection.
        Checked after every write, not only at flush: a copy or a restore writes everything
        before it flushes, and the unindexed segment would grow into one huge build (a long
        pause and, measured at 1M points, a poorer graph than several ≤100k segments)."""
        build_after = self.dense.build_after
        backlog = self._unbuilt - self._settled
        if (build_after and self._points >= self.dense.exact_below
                and build_after <= backlog <= self._one_step()):
            self.optimize()

    def optimize(self) -> IndexBuild:
        """Build the HNSW graph and the quantized vectors for the segments that need them,
        merge small segments and drop deleted points. Blocks the process until done."""
        with self._lock:
            shard = self._s()
            started = time.perf_counter()
            try:
                changed = shard.optimize()
                shard.flush()
            except Exception as e:
                raise IndexError_(self.location, f"building the index failed ({e})") from e
            after = self.state()
            self._settled = after.points - after.indexed
            return IndexBuild(time.perf_counter() - started, bool(changed), after)

    def state(self) -> IndexState:
        """How much of the collection the graph covers now."""
        with self._lock:
            info = self._s().info()
            # The engine counts indexed vectors of both names, and a sparse vector is indexed
            # as soon as it is written, so what is left over is the dense vectors in HNSW
            # segments. A chunk without a single term has no sparse vector and makes this an
            # undercount (which ``_settled`` absorbs after the next build).
            dense = min(info.points_count, max(0, info.indexed_vectors_count - info.points_count))
            self._points, self._unbuilt = info.points_count, info.points_count - dense
            return IndexState(info.points_count, dense, info.segments_count)

    @property
    def approximate(self) -> bool:
        """Whether dense search is approximate now (the collection is large)."""
        return self._points >= self.dense.exact_below

    def _dense_params(self, depth: int) -> qe.SearchParams:
        if not self.approximate:
            # Exact means exact: the int8 codes are not used even where they exist.
            return qe.SearchParams(exact=True,
                                   quantization=qe.QuantizationSearchParams(ignore=True))
        return qe.SearchParams(
            hnsw_ef=max(self.dense.hnsw_ef, depth),
            quantization=qe.QuantizationSearchParams(rescore=True,
                                                     oversampling=self.dense.oversampling),
            # A reader who may see few chunks (a restrictive group filter) leaves the graph
            # in islands: ACORN also walks neighbours of neighbours there. Without it,
            # recall@10 under a 20% filter was 0.97 with whole top hits missing; with it, 1.0.
            acorn=qe.AcornSearchParams(enable=True, max_selectivity=ACORN_BELOW))

    # -- writes ----------------------------------------------------------------------------
    def upsert(self, points: Sequence[IndexedChunk]) -> None:
        made = [
            qe.Point(
                id=point_id(c.chunk.doc_id, c.chunk.version, c.chunk.chunk_index),
                vector={DENSE: c.dense.tolist(), SPARSE: _sparse(c.sparse)},
                payload=chunk_payload(c.chunk, c.state),
            )
            for c in points
        ]
        if made:
            with self._lock:
                self._update(qe.UpdateOperation.upsert_points(made))
                # An overwrite counts twice here; the next flush counts exactly.
                self._points += len(made)
                self._unbuilt += len(made)
                self._build_if_due()

    def set_payload(self, where: PointFilter, values: Mapping[str, Any]) -> None:
        self._update(qe.UpdateOperation.set_payload_by_filter(_filter(where), dict(values)))

    def delete(self, where: PointFilter) -> None:
        self._update(qe.UpdateOperation.delete_points_by_filter(_filter(where)))

    # -- reads -----------------------------------------------------------------------------
    def search(self, query: HybridQuery) -> list[Hit]:
        # Fetch a little more than asked, so ties at the cut are ordered by id, not by chance.
        fetch = query.limit + 10
        depth = max(query.prefetch_limit, fetch)
        dense_params = self._dense_params(depth)
        prefetches = []
        for variant, vectors in query.plan():
            flt = _search_filter(variant)
            for dense, sparse in vectors:
                if dense is not None:
                    prefetches.append(qe.Prefetch(
                        limit=depth, query=qe.Query.Nearest(dense.tolist(), using=DENSE),
                        filter=flt, params=dense_params))
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

    def retrieve(self, ids: Sequence[str]) -> list[IndexedChunk]:
        with self._lock:
            records = self._s().retrieve(list[int | uuid.UUID | str](ids), True, False)
        return [stored_point(r.payload, None) for r in records]

    def count(self, where: PointFilter) -> int:
        with self._lock:
            return int(self._s().count(qe.CountRequest(filter=_filter(where))))

    def scroll(self, where: PointFilter, *, batch: int = 512,
               vectors: bool = False) -> Iterator[list[IndexedChunk]]:
        offset: Any = None
        while True:
            # One page per lock hold, so search stays responsive. The copy is consistent when
            # nothing else writes: the engine's WAL lock keeps other processes out, so a
            # command that opened the index itself (backup, migrate) reads a still index.
            with self._lock:
                records, offset = self._s().scroll(qe.ScrollRequest(
                    offset=offset, limit=batch, filter=_filter(where), with_payload=True,
                    with_vector=vectors))
            # Named vectors (dense + bm25) always come back as a dict; the stub says more.
            yield [stored_point(r.payload, r.vector if vectors else None)  # type: ignore[arg-type]
                   for r in records]
            if offset is None:
                return
