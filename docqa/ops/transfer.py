"""Moving an index without embedding anything again: copy every point (vectors, payload,
state) to another index, or to and from a file for backups. Point ids are derived from
(doc_id, version, chunk_index), so a copy has the same ids and re-running a copy is safe."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

from retrieval.errors import IndexError_
from retrieval.store.index import VectorIndex
from retrieval.store.points import DENSE, SPARSE, IndexedChunk, chunk_payload, stored_point
from retrieval.types import SparseVector

ProgressFn = Callable[[int, int], None]  # (points done, points total)


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    points: int  # live and pending
    live: int
    dimension: int
    embedder: str
    seconds: float


def copy_index(source: VectorIndex, target: VectorIndex, *, resume: bool = False,
               batch: int = 256, progress: ProgressFn | None = None) -> CopyReport:
    """Copy every point of ``source`` into ``target`` (created with the same dimension and
    embedder name), then check both hold the same counts. The source is only read."""
    started = time.perf_counter()
    info = source.inspect()
    if not info.exists or info.dimension is None:
        raise IndexError_(source.location, "there is no index here to copy")
    target.ensure_ready(info.dimension, info.embedder)
    already = target.inspect().points
    if already and not resume:
        raise IndexError_(target.location, f"it already holds {already} points; copy into a "
                                           "new collection, or pass --resume to finish an "
                                           "interrupted copy")
    done = 0
    for points in source.export_points(batch):
        target.upsert(points)
        done += len(points)
        if progress is not None:
            progress(done, info.points)
    live = source.count()
    got_all, got_live = target.count(live_only=False), target.count()
    if (got_all, got_live) != (info.points, live):
        raise IndexError_(target.location, f"the copy holds {got_all} points ({got_live} live) "
                                           f"but the source holds {info.points} ({live} live)")
    return CopyReport(source.location, target.location, info.points, live, info.dimension,
                      info.embedder, time.perf_counter() - started)


# -- points as JSON lines (backups) ----------------------------------------------------------
# Dense vectors are stored as base64 of little-endian float32: exact, and a quarter of the
# size of decimal text.
def point_line(point: IndexedChunk) -> str:
    dense = np.asarray(point.dense, dtype="<f4").tobytes()
    return json.dumps({
        "payload": chunk_payload(point.chunk, point.state),
        "dense": base64.b64encode(dense).decode("ascii"),
        "sparse": {"indices": list(point.sparse.indices), "values": list(point.sparse.values)},
    }, ensure_ascii=False)


def point_from_line(line: str) -> IndexedChunk:
    row = json.loads(line)
    dense = np.frombuffer(base64.b64decode(row["dense"]), dtype="<f4").astype(np.float32)
    sparse = SparseVector(tuple(row["sparse"]["indices"]), tuple(row["sparse"]["values"]))
    return stored_point(row["payload"], {DENSE: dense, SPARSE: sparse})


def write_points(batches: Iterable[list[IndexedChunk]], out: IO[str]) -> int:
    n = 0
    for points in batches:
        for p in points:
            out.write(point_line(p) + "\n")
        n += len(points)
    return n


def read_points(lines: Iterable[str], batch: int = 256) -> Iterator[list[IndexedChunk]]:
    points: list[IndexedChunk] = []
    for line in lines:
        if line.strip():
            points.append(point_from_line(line))
        if len(points) >= batch:
            yield points
            points = []
    if points:
        yield points
