"""The document index: versions of documents on top of any ``PointStore``, written once.

Visibility protocol (crash safety): a new document version is written with ``state=pending``
and is invisible to search; ``publish`` flips it to ``live`` and then removes every other
version of that document. A crash before ``publish`` leaves only pending points, which
``delete_unpublished`` removes at the next start.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from retrieval.ports import PointStore
from retrieval.store.points import (
    LIVE,
    PENDING,
    HybridQuery,
    IndexedChunk,
    IndexInfo,
    PointFilter,
    point_id,
)
from retrieval.types import Chunk, Hit


class VectorIndex:
    """Chunks of document versions in one ``PointStore``. Thread-safe: the steps of a
    publish are never seen half-done by a search in this process."""

    def __init__(self, store: PointStore) -> None:
        self.store = store
        self._lock = threading.RLock()

    @property
    def location(self) -> str:
        return self.store.location

    # -- lifecycle -------------------------------------------------------------------------
    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        self.store.ensure_ready(dimension, embedder)

    def inspect(self) -> IndexInfo:
        return self.store.inspect()

    def close(self) -> None:
        with self._lock:
            self.store.close()

    def __enter__(self) -> VectorIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- versions --------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        """Write chunks as they are (new versions arrive pending: invisible until published)."""
        if chunks:
            with self._lock:
                self.store.upsert(chunks)

    def publish(self, doc_id: str, version: str) -> None:
        """Make ``version`` the live one, then delete all other versions of ``doc_id``."""
        with self._lock:
            self.store.set_payload(PointFilter(doc_id=doc_id, version=version), {"state": LIVE})
            self.store.delete(PointFilter(doc_id=doc_id, version=version, other_versions=True))
            self.store.flush()

    def delete_document(self, doc_id: str) -> None:
        with self._lock:
            self.store.delete(PointFilter(doc_id=doc_id))
            self.store.flush()

    def delete_unpublished(self) -> int:
        """Remove pending points left by an interrupted ingest; return how many there were."""
        pending = PointFilter(state=PENDING)
        with self._lock:
            n = self.store.count(pending)
            if n:
                self.store.delete(pending)
                self.store.flush()
        return n

    def set_groups(self, doc_id: str, groups: Sequence[str]) -> None:
        with self._lock:
            self.store.set_payload(PointFilter(doc_id=doc_id), {"groups": list(groups)})
            self.store.flush()

    # -- reads -----------------------------------------------------------------------------
    def search(self, query: HybridQuery) -> list[Hit]:
        with self._lock:
            return self.store.search(query)

    def count(self, doc_id: str | None = None, *, live_only: bool = True) -> int:
        return self.store.count(PointFilter(doc_id=doc_id, state=LIVE if live_only else None))

    def chunks(self, doc_id: str, *, live_only: bool = True) -> list[Chunk]:
        """All chunks of a document in reading order."""
        where = PointFilter(doc_id=doc_id, state=LIVE if live_only else None)
        found = [p.chunk for batch in self.store.scroll(where) for p in batch]
        return sorted(found, key=lambda c: (c.version, c.chunk_index))

    def chunks_at(self, doc_id: str, version: str, indexes: Sequence[int]) -> list[Chunk]:
        """The live chunks of one document version at these positions, in reading order."""
        ids = [point_id(doc_id, version, i) for i in sorted(set(indexes)) if i >= 0]
        if not ids:
            return []
        found = [p.chunk for p in self.store.retrieve(ids) if p.state == LIVE]
        return sorted(found, key=lambda c: c.chunk_index)

    def export_points(self, batch: int = 256) -> Iterator[list[IndexedChunk]]:
        """Every point (live and pending) with its vectors and state, in batches: what a
        migration or a backup copies, so nothing is embedded again."""
        yield from self.store.scroll(PointFilter(), batch=batch, vectors=True)
