"""One contract, every ``VectorIndex`` adapter: the embedded engine and the server client
(against qdrant-client's local mode, which speaks the server's API)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.bm25 import Bm25Encoder
from retrieval.errors import IndexError_
from retrieval.store.index import VectorIndex
from retrieval.store.points import HybridQuery, IndexedChunk, SearchFilter
from retrieval.types import Chunk

DIM = 8
BM25 = Bm25Encoder()


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _chunks(doc_id: str, version: str, texts: list[str], groups: tuple[str, ...] = ("everyone",),
            seed: int = 0) -> list[IndexedChunk]:
    return [
        IndexedChunk(
            Chunk(doc_id=doc_id, version=version, chunk_index=i, source=f"{doc_id}.pdf",
                  title=doc_id, page_start=i + 1, page_end=i + 1, section="S", text=text,
                  groups=groups, n_tokens=len(text.split()), ingested_at="2026-01-01"),
            _vector(seed + i), BM25.encode_document(text))
        for i, text in enumerate(texts)
    ]


def _embedded(path: Path) -> VectorIndex:
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.store.index import VectorIndex

    return VectorIndex(EmbeddedQdrantStore(path / "edge"))


def _server(path: Path) -> VectorIndex:
    from retrieval.adapters.qdrant_server import QdrantServerStore
    from retrieval.store.index import VectorIndex

    return VectorIndex(QdrantServerStore("contract", location=":memory:"))


ADAPTERS: dict[str, Callable[[Path], VectorIndex]] = {"embedded": _embedded, "server": _server}


@pytest.fixture(params=sorted(ADAPTERS))
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    idx = ADAPTERS[request.param](tmp_path)
    idx.ensure_ready(DIM)
    yield idx
    idx.close()


def _query(text: str, dense: np.ndarray | None = None, **kw: object) -> HybridQuery:
    return HybridQuery(dense=dense, sparse=BM25.encode_query(text), **kw)  # type: ignore[arg-type]


def test_pending_points_are_invisible_until_published(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["parking garage rules", "holiday leave days"]))
    assert index.count("a") == 0
    assert index.search(_query("parking")) == []
    index.publish("a", "v1")
    assert index.count("a") == 2
    assert index.search(_query("parking"))[0].chunk.text == "parking garage rules"


def test_publish_replaces_the_old_version(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["old text one", "old text two", "old text three"]))
    index.publish("a", "v1")
    index.upsert(_chunks("a", "v2", ["new text"], seed=10))
    assert index.count("a") == 3  # the old version stays live while the new one is written
    index.publish("a", "v2")
    assert [c.text for c in index.chunks("a")] == ["new text"]
    assert index.count(live_only=False) == 1


def test_delete_document_removes_all_its_chunks(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["alpha one", "alpha two"]))
    index.upsert(_chunks("b", "v1", ["beta one"], seed=5))
    index.publish("a", "v1")
    index.publish("b", "v1")
    index.delete_document("a")
    assert index.count("a", live_only=False) == 0
    assert index.count("b") == 1


def test_delete_unpublished_cleans_up_an_interrupted_write(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["kept"]))
    index.publish("a", "v1")
    index.upsert(_chunks("b", "v1", ["half written one", "half written two"], seed=3))
    assert index.delete_unpublished() == 2
    assert index.count(live_only=False) == 1


def test_group_filter_is_applied_inside_the_query(index: VectorIndex) -> None:
    index.upsert(_chunks("pub", "v1", ["salary review process overview"]))
    index.upsert(_chunks("hr", "v1", ["salary bands level five"], groups=("hr",), seed=7))
    index.publish("pub", "v1")
    index.publish("hr", "v1")
    q = _query("salary", dense=_vector(7), filter=SearchFilter(groups=("everyone",)))
    assert {h.chunk.doc_id for h in index.search(q)} == {"pub"}
    q = _query("salary", dense=_vector(7), filter=SearchFilter(groups=("everyone", "hr")))
    assert {h.chunk.doc_id for h in index.search(q)} == {"pub", "hr"}
    index.set_groups("hr", ["everyone"])
    q = _query("salary", filter=SearchFilter(groups=("everyone",)))
    assert {h.chunk.doc_id for h in index.search(q)} == {"pub", "hr"}


def test_doc_filter_and_dense_only_and_hybrid(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["red apples", "green pears", "yellow bananas"]))
    index.publish("a", "v1")
    dense_only = index.search(HybridQuery(dense=_vector(1), sparse=None, limit=3))
    assert dense_only[0].chunk.text == "green pears"  # the chunk stored with _vector(1)
    hybrid = index.search(_query("bananas", dense=_vector(2), limit=3))
    assert hybrid[0].chunk.text == "yellow bananas"  # first in both lists
    none = index.search(_query("bananas", filter=SearchFilter(doc_ids=("zzz",))))
    assert none == []


def test_equal_scores_come_back_in_a_stable_order(index: VectorIndex) -> None:
    texts = [f"identical words here {i}" for i in range(30)]
    index.upsert(_chunks("a", "v1", texts))
    index.publish("a", "v1")
    q = _query("identical words", limit=10)
    first = [h.chunk.chunk_index for h in index.search(q)]
    for _ in range(3):
        assert [h.chunk.chunk_index for h in index.search(q)] == first


def test_payload_round_trips(index: VectorIndex) -> None:
    [chunk] = _chunks("a", "v1", ["round trip"], groups=("hr", "legal"))
    index.upsert([chunk])
    index.publish("a", "v1")
    assert index.chunks("a") == [chunk.chunk]


def test_a_different_dimension_is_refused(tmp_path: Path) -> None:
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.store.index import VectorIndex

    first = VectorIndex(EmbeddedQdrantStore(tmp_path / "edge"))
    first.ensure_ready(DIM)
    first.close()
    again = VectorIndex(EmbeddedQdrantStore(tmp_path / "edge"))
    with pytest.raises(IndexError_, match="dimensional"):
        again.ensure_ready(DIM * 2)


def test_a_second_process_on_one_embedded_index_gets_a_clear_message(tmp_path: Path) -> None:
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.store.index import VectorIndex

    holder = VectorIndex(EmbeddedQdrantStore(tmp_path / "edge"))
    holder.ensure_ready(DIM)
    try:
        with pytest.raises(IndexError_, match="another docqa process"):
            VectorIndex(EmbeddedQdrantStore(tmp_path / "edge")).ensure_ready(DIM)
    finally:
        holder.close()


def test_preferred_documents_rank_higher_without_hiding_others(index: VectorIndex) -> None:
    index.upsert(_chunks("x", "v1", ["quarterly revenue grew strongly revenue revenue"]))
    index.upsert(_chunks("y", "v1", ["revenue figures for the year"], seed=5))
    index.publish("x", "v1")
    index.publish("y", "v1")
    plain = index.search(_query("revenue", dense=_vector(0)))
    assert [h.chunk.doc_id for h in plain] == ["x", "y"]
    preferred = index.search(_query("revenue", dense=_vector(0), prefer_doc_ids=("y",)))
    assert [h.chunk.doc_id for h in preferred] == ["y", "x"]
    # The group filter still holds inside the preferred prefetches.
    index.set_groups("y", ["hr"])
    hidden = index.search(_query("revenue", dense=_vector(0), prefer_doc_ids=("y",),
                                 filter=SearchFilter(groups=("everyone",))))
    assert [h.chunk.doc_id for h in hidden] == ["x"]


def test_chunks_at_returns_live_neighbours_in_order(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["zero", "one", "two", "three"]))
    assert index.chunks_at("a", "v1", [1, 2]) == []  # pending: invisible
    index.publish("a", "v1")
    got = index.chunks_at("a", "v1", [3, 1, -1, 9])
    assert [c.text for c in got] == ["one", "three"]
    assert index.chunks_at("a", "v2", [1]) == []


def test_extra_query_vectors_join_the_fusion(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["balance sheet totals", "revenue by segment",
                                      "weather report"]))
    index.publish("a", "v1")
    plain = index.search(_query("revenue", limit=2))
    assert [h.chunk.text for h in plain] == ["revenue by segment"]
    also = ((None, BM25.encode_query("balance sheet")),)
    # Extra vectors search the preferred documents only.
    alone = index.search(HybridQuery(dense=None, sparse=BM25.encode_query("revenue"), limit=3,
                                     also=also))
    assert [h.chunk.text for h in alone] == ["revenue by segment"]
    both = index.search(HybridQuery(dense=None, sparse=BM25.encode_query("revenue"), limit=3,
                                    also=also, prefer_doc_ids=("a",)))
    assert {h.chunk.text for h in both} == {"revenue by segment", "balance sheet totals"}


def test_export_points_gives_back_vectors_payload_and_state(index: VectorIndex) -> None:
    written = _chunks("a", "v1", ["live one", "live two"]) + _chunks("b", "v1", ["pending"],
                                                                     seed=4)
    index.upsert(written)
    index.publish("a", "v1")
    exported = [p for batch in index.export_points(batch=2) for p in batch]
    assert len(exported) == 3
    by_text = {p.chunk.text: p for p in exported}
    assert {t: p.state for t, p in by_text.items()} == {
        "live one": "live", "live two": "live", "pending": "pending"}
    for original in written:
        got = by_text[original.chunk.text]
        assert got.chunk == original.chunk
        np.testing.assert_allclose(got.dense, original.dense, atol=1e-6)  # stored normalised
        assert got.sparse.indices == original.sparse.indices
        np.testing.assert_allclose(got.sparse.values, original.sparse.values, rtol=1e-6)


def test_upsert_keeps_the_state_of_an_exported_point(index: VectorIndex) -> None:
    index.upsert(_chunks("a", "v1", ["copied live"]))
    index.publish("a", "v1")
    [point] = [p for batch in index.export_points() for p in batch]
    index.delete_document("a")
    index.upsert([point])  # e.g. into another index: still live, no publish needed
    assert [c.text for c in index.chunks("a")] == ["copied live"]


def test_inspect_reports_dimension_embedder_and_points(tmp_path: Path) -> None:
    for make in ADAPTERS.values():
        idx = make(tmp_path)
        assert not idx.inspect().exists
        idx.ensure_ready(DIM, "model-a")
        idx.upsert(_chunks("a", "v1", ["one", "two"]))
        info = idx.inspect()
        assert (info.exists, info.dimension, info.embedder, info.points) == (
            True, DIM, "model-a", 2)
        idx.close()


def _reopened(kind: str, tmp_path: Path) -> tuple[VectorIndex, VectorIndex]:
    """Two handles on one stored index: the second opened after the first is closed."""
    if kind == "embedded":
        from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
        from retrieval.store.index import VectorIndex

        first = VectorIndex(EmbeddedQdrantStore(tmp_path / "edge"))
        first.ensure_ready(DIM, "model-a")
        first.close()
        return first, VectorIndex(EmbeddedQdrantStore(tmp_path / "edge"))
    from retrieval.adapters.qdrant_server import QdrantServerStore
    from retrieval.store.index import VectorIndex

    first = VectorIndex(QdrantServerStore("c", path=str(tmp_path / "local")))
    first.ensure_ready(DIM, "model-a")
    first.close()
    return first, VectorIndex(QdrantServerStore("c", path=str(tmp_path / "local")))


@pytest.mark.parametrize("kind", sorted(ADAPTERS))
def test_another_dimension_or_embedder_is_refused(kind: str, tmp_path: Path) -> None:
    _, again = _reopened(kind, tmp_path)
    try:
        with pytest.raises(IndexError_, match=f"built with {DIM}-dimensional vectors but the "
                                              f"embedder makes {DIM * 2}; run `docqa reindex`"):
            again.ensure_ready(DIM * 2, "model-a")
        with pytest.raises(IndexError_, match="built with the embedder 'model-a' but "
                                              "'model-b' is configured"):
            again.ensure_ready(DIM, "model-b")
        again.ensure_ready(DIM, "model-a")
    finally:
        again.close()


def test_a_server_that_is_down_is_named_in_one_sentence() -> None:
    import socket

    from retrieval.adapters.qdrant_server import QdrantServerStore
    from retrieval.store.index import VectorIndex

    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        idx = VectorIndex(QdrantServerStore("docqa", url=url, timeout_s=2))
        with pytest.raises(IndexError_) as e:
            idx.ensure_ready(DIM)
    assert str(e.value) == (f"Vector index at {url}/docqa: cannot reach the Qdrant server at "
                            f"{url}; is it running?")


def test_snapshots_need_a_server() -> None:
    from retrieval.adapters.qdrant_server import QdrantServerStore
    from retrieval.store.index import VectorIndex

    store = QdrantServerStore("c", location=":memory:")
    VectorIndex(store).ensure_ready(DIM)
    with pytest.raises(IndexError_, match="snapshots need a Qdrant server"):
        store.create_snapshot()
