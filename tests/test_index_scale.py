"""The embedded index past its exact-search size: HNSW over int8-quantized vectors (issue 16).

A few thousand points with the approximate path forced on (``exact_below`` set low), the
graph built for real by the engine, and searches compared with exact search on the same
index. Small and seeded, so the approximate results are the exact ones; what the tests pin is
that the approximate path is really taken, that the access filter is applied inside it, and
that a built index and an index of the previous release both open and search correctly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore, IndexBuild
from retrieval.bm25 import Bm25Encoder
from retrieval.store.dense_search import DenseSearch
from retrieval.store.index import VectorIndex
from retrieval.store.points import HybridQuery, IndexedChunk, SearchFilter
from retrieval.types import Chunk, Hit, SparseVector

DIM = 32
POINTS = 3000
DOC_CHUNKS = 10
RESTRICTED_EVERY = 5  # every fifth document: 20% of the points, readable by "hr" only
#: low enough that 3000 points are "large": segments get a graph, and a filter that leaves
#: 600 points walks it instead of scanning them
FORCED = DenseSearch(exact_below=200, build_after=0)
EXACT = replace(FORCED, exact_below=2**62)
WORDS = ("parking", "salary", "budget", "travel", "laptop", "holiday", "contract", "audit")
BM25 = Bm25Encoder()


def _restricted(doc: int) -> bool:
    return doc % RESTRICTED_EVERY == 0


def _vectors() -> np.ndarray:
    v = np.random.default_rng(16).normal(size=(POINTS, DIM)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _points(vectors: np.ndarray) -> list[IndexedChunk]:
    out = []
    for i, v in enumerate(vectors):
        doc = i // DOC_CHUNKS
        text = f"{WORDS[i % len(WORDS)]} {WORDS[doc % len(WORDS)]} note {i}"
        out.append(IndexedChunk(
            Chunk(doc_id=f"d{doc:04d}", version="v1", chunk_index=i % DOC_CHUNKS,
                  source=f"d{doc:04d}.pdf", title="t", page_start=1, page_end=1, section="",
                  text=text, groups=("hr",) if _restricted(doc) else ("everyone",),
                  n_tokens=4, ingested_at="2026-01-01"),
            v, BM25.encode_document(text), state="live"))
    return out


def _open(path: Path, dense: DenseSearch = FORCED) -> EmbeddedQdrantStore:
    store = EmbeddedQdrantStore(path, dense)
    store.ensure_ready(DIM, "test-embedder")
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, np.ndarray]]:
    """One index, written and built once for the module (the build is the slow part)."""
    path = tmp_path_factory.mktemp("scale") / "edge"
    vectors = _vectors()
    store = _open(path)
    for start in range(0, POINTS, 1000):
        store.upsert(_points(vectors)[start:start + 1000])
    store.flush()
    made = store.optimize()
    store.close()
    assert made.changed and made.after.points == POINTS
    assert made.after.indexed == POINTS  # every dense vector is in a graph: none scanned
    yield path, vectors


def _queries(vectors: np.ndarray, n: int = 25) -> np.ndarray:
    rng = np.random.default_rng(7)
    picked = vectors[rng.choice(len(vectors), n, replace=False)]
    q = picked + rng.normal(scale=0.3, size=picked.shape).astype(np.float32)
    out: np.ndarray = q / np.linalg.norm(q, axis=1, keepdims=True)
    return out


def _ids(hits: list[Hit]) -> list[tuple[str, int]]:
    return [(h.chunk.doc_id, h.chunk.chunk_index) for h in hits]


def _both(store: EmbeddedQdrantStore, query: HybridQuery) -> tuple[list[Hit], list[Hit]]:
    """(approximate, exact) results of one query on one open store."""
    store.dense = FORCED
    approx = store.search(query)
    store.dense = EXACT
    exact = store.search(query)
    store.dense = FORCED
    return approx, exact


def test_approximate_search_equals_exact_search_on_a_small_set(
        built: tuple[Path, np.ndarray]) -> None:
    path, vectors = built
    store = _open(path)
    try:
        assert store.approximate
        for q in _queries(vectors):
            approx, exact = _both(store, HybridQuery(dense=q, sparse=None, limit=10))
            assert len(exact) == 10
            assert _ids(approx) == _ids(exact)
            # Rescored with the float vectors: the int8 codes only chose the candidates.
            np.testing.assert_allclose([h.score for h in approx], [h.score for h in exact],
                                       rtol=1e-5)
            # Hybrid: a shallow dense prefetch, so that the fused page depends on the dense
            # ranks a graph walk finds for sure (deep ranks may differ: that is what recall
            # measures, in bench/scale_bench.py).
            text = f"{WORDS[0]} {WORDS[3]}"
            hybrid = HybridQuery(dense=q, sparse=BM25.encode_query(text), limit=10,
                                 prefetch_limit=20)
            approx, exact = _both(store, hybrid)
            assert _ids(approx) == _ids(exact)
    finally:
        store.close()


def test_the_access_filter_is_applied_inside_the_approximate_search(
        built: tuple[Path, np.ndarray]) -> None:
    path, vectors = built
    store = _open(path)
    try:
        restricted = [i for i in range(POINTS) if _restricted(i // DOC_CHUNKS)]
        for i in restricted[::60]:
            # The restricted chunk's own vector: unfiltered, it is the first hit.
            own = vectors[i]
            assert _ids(store.search(HybridQuery(dense=own, sparse=None, limit=1))) == [
                (f"d{i // DOC_CHUNKS:04d}", i % DOC_CHUNKS)]
            outsider = SearchFilter(groups=("everyone",))
            query = HybridQuery(dense=own, sparse=BM25.encode_query(WORDS[i % len(WORDS)]),
                                limit=10, prefetch_limit=20, filter=outsider)
            approx, exact = _both(store, query)
            # Filtered inside the search, not after it: a full page, none of it restricted,
            # and the same page exact search gives.
            assert len(approx) == 10
            assert not [h for h in approx if "hr" in h.chunk.groups]
            assert _ids(approx) == _ids(exact)
            # The reader of the group sees it first, through the same (approximate) path.
            hits = store.search(HybridQuery(dense=own, sparse=None, limit=10,
                                            filter=SearchFilter(groups=("hr",))))
            assert _ids(hits)[0] == (f"d{i // DOC_CHUNKS:04d}", i % DOC_CHUNKS)
            assert all(h.chunk.groups == ("hr",) for h in hits)
        # A reader of a small group (20% of the points) walks a graph mostly filtered away:
        # still the exact page (without ACORN, whole top hits went missing here).
        for q in _queries(vectors):
            approx, exact = _both(store, HybridQuery(dense=q, sparse=None, limit=10,
                                                     filter=SearchFilter(groups=("hr",))))
            assert len(exact) == 10
            assert _ids(approx) == _ids(exact)
    finally:
        store.close()


def test_a_built_index_reopens_without_rebuilding(built: tuple[Path, np.ndarray]) -> None:
    path, vectors = built
    store = _open(path)
    try:
        assert store.state().indexed == POINTS
        again = store.optimize()
        assert not again.changed
        q = _queries(vectors, 1)[0]
        approx, exact = _both(store, HybridQuery(dense=q, sparse=None))
        assert _ids(approx) == _ids(exact)
    finally:
        store.close()


def test_an_index_of_the_previous_release_is_migrated_in_place(tmp_path: Path) -> None:
    """Before issue 16 the shard was created without HNSW or quantization settings (and
    never built). Opening it now records them; the next build applies them; the points and
    the search results stay."""
    path = tmp_path / "edge"
    vectors = _vectors()[:1500]
    store = _open(path)
    store.upsert(_points(vectors))
    store.close()
    # What the previous release persisted: vectors only.
    (path / "edge_config.json").write_text(json.dumps({
        "vectors": {"dense": {"size": DIM, "distance": "Cosine"}},
        "sparse_vectors": {"bm25": {"modifier": "idf"}}}))
    store = EmbeddedQdrantStore(path, FORCED)
    index = VectorIndex(store)
    index.ensure_ready(DIM, "test-embedder")
    try:
        q = _queries(vectors, 1)[0]
        before = _ids(store.search(HybridQuery(dense=q, sparse=None)))
        assert store.state().indexed == 0  # never built before
        made = store.optimize()
        assert made.after.indexed == made.after.points == 1500
        # int8 codes were written beside the float vectors (engine layout: quantized.*)
        assert list(path.glob("segments/*/vector_storage-dense/quantized*"))
        approx, exact = _both(store, HybridQuery(dense=q, sparse=None))
        assert _ids(approx) == _ids(exact) == before
        assert index.count() == 1500
    finally:
        index.close()


def test_a_large_index_written_before_keeps_exact_search_and_says_how_to_build_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """More unindexed points than one build step: no build at some random write (minutes
    of pause, one big graph); a warning at open instead, and the scan stays exact."""
    import retrieval.adapters.qdrant_embedded as embedded

    vectors = _vectors()
    store = _open(tmp_path / "edge")
    store.upsert(_points(vectors)[:1500])
    store.close()
    monkeypatch.setattr(embedded, "SEGMENT_POINTS", 1000)  # "large": more than one step
    with caplog.at_level("WARNING", logger=embedded.__name__):
        store = _open(tmp_path / "edge", replace(FORCED, build_after=400))
    try:
        assert "1500 chunks were written before docqa built a search graph" in caplog.text
        assert "docqa reindex" in caplog.text
        store.upsert(_points(vectors)[1500:1600])
        store.flush()
        assert store.state().indexed == 0  # not built behind anyone's back
        q = _queries(vectors, 1)[0]
        approx, exact = _both(store, HybridQuery(dense=q, sparse=None))
        assert _ids(approx) == _ids(exact)  # a plain segment is scanned exactly
    finally:
        store.close()


def test_a_write_builds_the_index_once_enough_points_are_unindexed(tmp_path: Path) -> None:
    store = _open(tmp_path / "edge", replace(FORCED, build_after=1000))
    try:
        points = _points(_vectors()[:1500])
        store.upsert(points[:900])
        store.flush()
        assert store.state().indexed == 0  # 900 unindexed: scanned exactly, not built yet
        store.upsert(points[900:])  # 1500 unindexed >= 1000: built here, before any flush
        assert store.state().indexed == 1500
    finally:
        store.close()


def test_a_small_collection_stays_exact(tmp_path: Path) -> None:
    store = _open(tmp_path / "edge", DenseSearch())  # the defaults
    try:
        store.upsert(_points(_vectors()[:500]))
        store.flush()
        assert not store.approximate
    finally:
        store.close()


def test_chunks_without_terms_do_not_make_every_write_rebuild(tmp_path: Path) -> None:
    """A chunk whose text has no terms has no sparse vector, which the engine's count of
    indexed vectors cannot tell from an unindexed dense vector: after one build that finds
    nothing to do, such points no longer count as a backlog."""
    store = _open(tmp_path / "edge", replace(FORCED, build_after=500))
    try:
        empty = SparseVector((), ())
        points = [replace(p, sparse=empty) for p in _points(_vectors()[:1200])]
        store.upsert(points[:1000])  # built here: 1000 >= 500
        assert store.state().indexed < 1000  # the undercount
        builds = []
        real = store.optimize

        def counted() -> IndexBuild:
            builds.append(1)
            return real()

        store.optimize = counted  # type: ignore[method-assign]
        store.upsert(points[1000:1100])
        store.flush()
        assert builds == []
    finally:
        store.close()


def test_the_settings_reach_the_embedded_index(tmp_path: Path) -> None:
    from docqa.services import build_index
    from retrieval.settings import Settings

    settings = Settings(data_dir=tmp_path, exact_search_below=500, hnsw_ef=64,
                        index_build_after=1000)
    store = build_index(settings).store
    assert isinstance(store, EmbeddedQdrantStore)
    assert store.dense == DenseSearch(exact_below=500, hnsw_ef=64, build_after=1000)
