"""Embedded Qdrant (``qdrant-edge-py``): Qdrant's engine in-process, no server needed.

Dense search is exact: at RAG scale (≤ a few 100k chunks) it costs ~10 ms and the default
HNSW graph gave poor recall on hard data. The engine holds a lock on its WAL, so one process
at a time may open a path; a second gets a clear ``IndexError_``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.errors import IndexError_
from retrieval.ports import PointStore
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

_META = "docqa-index.json"
_LOCK_FILE = ".docqa-open.lock"
#: qdrant-edge reserves two 32 MB WAL segments when it opens a shard; on a disk without room
#: for them the process dies of SIGBUS instead of raising, so docqa checks first (64 MB for
#: the segments plus room for the catalog and a few writes)
MIN_FREE_BYTES = 80 * 2**20
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
    def __init__(self, path: Path) -> None:
        self.location = str(path)
        self._path = path
        self._lock = threading.RLock()
        self._shard: qe.EdgeShard | None = None
        self._lock_fd: int | None = None

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
                    self._shard = qe.EdgeShard.load(str(self._path))
                else:
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
                    self._write_meta({"dimension": dimension, "embedder": embedder})
            except IndexError_:
                self._abandon()
                raise
            except Exception as e:  # the engine raises plain Exception with a message
                self._abandon()
                if "WAL" in str(e) and "WouldBlock" in str(e):
                    raise IndexError_(self.location, IN_USE) from e
                raise IndexError_(self.location, f"could not open ({e})") from e

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
            self._update(qe.UpdateOperation.upsert_points(made))

    def set_payload(self, where: PointFilter, values: Mapping[str, Any]) -> None:
        self._update(qe.UpdateOperation.set_payload_by_filter(_filter(where), dict(values)))

    def delete(self, where: PointFilter) -> None:
        self._update(qe.UpdateOperation.delete_points_by_filter(_filter(where)))

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
