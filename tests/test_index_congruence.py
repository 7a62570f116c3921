"""Congruence of the two ``PointStore`` adapters under the one ``VectorIndex``, in the spirit
of qdrant-client's local-vs-server congruence tests.

A seeded generator builds a random corpus (documents, versions, groups, unit dense vectors of
dimension 8, sparse vectors) and a random sequence of index operations (upsert a pending
version, publish, delete a document, set its groups, delete unpublished points). The same
sequence is applied to the embedded engine (``EmbeddedQdrantStore``, qdrant-edge) and to the
server client (``QdrantServerStore`` on qdrant-client's local mode); after every step the two
must agree on counts, chunks, ``chunks_at``, the exported points and the results of random
searches under random filters. Results are compared with each other (plus a small reference
model of which points exist, in which state, with which payload), never with fixed
expectations.

Documented tolerances (engine differences, not adapter bugs):

* Scores are compared with a relative tolerance: the edge engine scores in float32, local
  mode in float64.
* Fused (RRF) rankings are compared up to ties: a group of hits whose fused scores are equal
  (within the float tolerance) may come back in a different order, and a tie group cut by
  the limit may hold different members. Everything else must match in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
from retrieval.adapters.qdrant_server import QdrantServerStore
from retrieval.store.index import VectorIndex
from retrieval.store.points import (
    LIVE,
    PENDING,
    HybridQuery,
    IndexedChunk,
    QueryVectors,
    SearchFilter,
    point_id,
)
from retrieval.types import Chunk, Hit, SparseVector

DIM = 8
DOCS = tuple(f"doc-{i}" for i in range(8))
GROUPS = ("everyone", "hr", "legal", "finance")
VOCAB = 40  # sparse term ids come from a small range, so documents share terms
WORDS = ("parking", "leave", "salary", "budget", "policy", "Straße", "naïve", "日本語",
         "café", "🚀", "Ünïcødé", "")
STEPS = 24
QUERIES_PER_STEP = 6
SEEDS = range(8)
SCORE_RTOL = 1e-4
SCORE_ATOL = 1e-6

Key = tuple[str, str, int]  # (doc_id, version, chunk_index)


def _key(chunk: Chunk) -> Key:
    return chunk.doc_id, chunk.version, chunk.chunk_index


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= SCORE_ATOL + SCORE_RTOL * max(abs(a), abs(b))


class World:
    """One random scenario applied to both indexes, with a reference model of the points."""

    def __init__(self, seed: int, tmp_path: Path) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.edge_path = tmp_path / "edge"
        self.indexes = {
            "edge": VectorIndex(EmbeddedQdrantStore(self.edge_path)),
            "local": VectorIndex(QdrantServerStore("c", location=":memory:")),
        }
        for index in self.indexes.values():
            index.ensure_ready(DIM, "congruence-test")
        #: points were deleted or overwritten since the edge engine was opened: its IDF
        #: statistics still count them (see the module docstring)
        self.idf_stale = False
        #: point id -> the point as it must be stored (payload, vectors, state)
        self.model: dict[str, IndexedChunk] = {}
        #: every version written per document, with the points of that write
        self.written: dict[str, dict[str, list[IndexedChunk]]] = {d: {} for d in DOCS}
        self.log: list[str] = []

    def close(self) -> None:
        for index in self.indexes.values():
            index.close()

    def reopen_edge(self) -> None:
        """Close and load the embedded index again: its IDF statistics are then rebuilt from
        the points it holds, as local mode's always are."""
        self.edge.close()
        self.indexes["edge"] = VectorIndex(EmbeddedQdrantStore(self.edge_path))
        self.edge.ensure_ready(DIM, "congruence-test")
        self.idf_stale = False

    def _removed(self, pids: list[str]) -> None:
        for pid in pids:
            del self.model[pid]
        self.idf_stale = self.idf_stale or bool(pids)

    @property
    def edge(self) -> VectorIndex:
        return self.indexes["edge"]

    @property
    def local(self) -> VectorIndex:
        return self.indexes["local"]

    def where(self) -> str:
        return f"seed={self.seed}, after: " + "; ".join(self.log[-6:])

    # -- random material ---------------------------------------------------------------------
    def _choice(self, options: tuple[str, ...] | list[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def _subset(self, options: tuple[str, ...], low: int, high: int) -> tuple[str, ...]:
        n = int(self.rng.integers(low, high + 1))
        return tuple(str(x) for x in self.rng.choice(options, size=n, replace=False))

    def dense(self) -> np.ndarray:
        v = self.rng.normal(size=DIM).astype(np.float32)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def sparse(self, low: int = 1, high: int = 7, ones: bool = False) -> SparseVector:
        n = int(self.rng.integers(low, high + 1))
        ids = sorted(int(i) for i in self.rng.choice(VOCAB + 5, size=n, replace=False))
        values = [1.0] * n if ones else [float(round(x, 4)) for x in
                                         self.rng.uniform(0.05, 2.0, size=n)]
        return SparseVector(tuple(ids), tuple(values))

    def text(self) -> str:
        return " ".join(self._choice(WORDS) for _ in range(int(self.rng.integers(0, 6))))

    def groups(self, allow_empty: bool = False) -> tuple[str, ...]:
        return self._subset(GROUPS, 0 if allow_empty else 1, 3)

    def version_points(self, doc: str, version: str) -> list[IndexedChunk]:
        groups = self.groups()
        out = []
        for i in range(int(self.rng.integers(1, 11))):
            page = int(self.rng.integers(1, 30))
            chunk = Chunk(
                doc_id=doc, version=version, chunk_index=i, source=f"{doc}.pdf",
                title=f"Title of {doc}", page_start=page, page_end=page + 1,
                section=self.text(), text=self.text(), groups=groups,
                n_tokens=int(self.rng.integers(0, 300)), ingested_at="2026-01-02T03:04:05",
                page_breaks=((int(self.rng.integers(0, 40)), page + 1),))
            out.append(IndexedChunk(chunk, self.dense(), self.sparse(), PENDING))
        return out

    # -- operations (each applied to both indexes and to the model) -------------------------
    def upsert(self, doc: str) -> None:
        versions = self.written[doc]
        if versions and self.rng.random() < 0.2:
            # A retried ingest of a version already written: the same points again.
            version = self._choice(sorted(versions))
            points = versions[version]
        else:
            version = f"v{len(versions) + 1}"
            points = versions[version] = self.version_points(doc, version)
        self.log.append(f"upsert({doc}, {version}, {len(points)} chunks)")
        for index in self.indexes.values():
            index.upsert(points)
        for p in points:
            pid = point_id(doc, version, p.chunk.chunk_index)
            self.idf_stale = self.idf_stale or pid in self.model  # an overwrite
            self.model[pid] = p

    def publish(self, doc: str) -> None:
        pending = sorted({p.chunk.version for p in self.model.values()
                          if p.chunk.doc_id == doc and p.state == PENDING})
        candidates = pending or sorted(self.written[doc]) or ["v-none"]
        version = self._choice(candidates)
        self.log.append(f"publish({doc}, {version})")
        for index in self.indexes.values():
            index.publish(doc, version)
        for pid, p in list(self.model.items()):
            if p.chunk.doc_id == doc and p.chunk.version == version:
                self.model[pid] = dataclasses.replace(p, state=LIVE)
        self._removed([pid for pid, p in self.model.items()
                       if p.chunk.doc_id == doc and p.chunk.version != version])

    def delete_document(self, doc: str) -> None:
        self.log.append(f"delete_document({doc})")
        for index in self.indexes.values():
            index.delete_document(doc)
        self._removed([pid for pid, p in self.model.items() if p.chunk.doc_id == doc])

    def set_groups(self, doc: str) -> None:
        groups = self.groups(allow_empty=True)
        self.log.append(f"set_groups({doc}, {groups})")
        for index in self.indexes.values():
            index.set_groups(doc, groups)
        for pid, p in self.model.items():
            if p.chunk.doc_id == doc:
                self.model[pid] = dataclasses.replace(
                    p, chunk=dataclasses.replace(p.chunk, groups=groups))

    def delete_unpublished(self) -> None:
        self.log.append("delete_unpublished()")
        removed = {name: index.delete_unpublished() for name, index in self.indexes.items()}
        pending = [pid for pid, p in self.model.items() if p.state == PENDING]
        assert removed == {"edge": len(pending), "local": len(pending)}, self.where()
        self._removed(pending)

    def random_step(self) -> None:
        op = self.rng.choice(["upsert", "publish", "delete_document", "set_groups",
                              "delete_unpublished"], p=[0.38, 0.32, 0.08, 0.14, 0.08])
        doc = self._choice(DOCS)
        if op == "upsert":
            self.upsert(doc)
        elif op == "publish":
            self.publish(doc)
        elif op == "delete_document":
            self.delete_document(doc)
        elif op == "set_groups":
            self.set_groups(doc)
        else:
            self.delete_unpublished()

    # -- comparisons -------------------------------------------------------------------------
    def check_state(self) -> None:
        """Counts, chunks, chunks_at and the exported points: equal in both, and as modelled."""
        for live_only in (True, False):
            expected = sum(1 for p in self.model.values() if not live_only or p.state == LIVE)
            got = {n: i.count(live_only=live_only) for n, i in self.indexes.items()}
            assert got == {"edge": expected, "local": expected}, (live_only, self.where())
        for doc in DOCS:
            for live_only in (True, False):
                wanted = sorted((p.chunk for p in self.model.values() if p.chunk.doc_id == doc
                                 and (not live_only or p.state == LIVE)),
                                key=lambda c: (c.version, c.chunk_index))
                counts = {n: i.count(doc, live_only=live_only) for n, i in self.indexes.items()}
                assert counts == {"edge": len(wanted), "local": len(wanted)}, (
                    doc, live_only, self.where())
                for name, index in self.indexes.items():
                    assert index.chunks(doc, live_only=live_only) == wanted, (
                        name, doc, live_only, self.where())
            for version in [*sorted(self.written[doc]), "v-none"]:
                asked = [int(i) for i in self.rng.integers(-2, 12, size=4)]
                wanted = sorted((p.chunk for p in self.model.values()
                                 if _key(p.chunk)[:2] == (doc, version) and p.state == LIVE
                                 and p.chunk.chunk_index in asked),
                                key=lambda c: c.chunk_index)
                for name, index in self.indexes.items():
                    assert index.chunks_at(doc, version, asked) == wanted, (
                        name, doc, version, asked, self.where())
        exported = {name: self._exported(index) for name, index in self.indexes.items()}
        assert set(exported["edge"]) == set(exported["local"]) == set(self.model), self.where()
        for pid, want in self.model.items():
            for name, got_points in exported.items():
                got = got_points[pid]
                assert (got.chunk, got.state) == (want.chunk, want.state), (name, self.where())
                np.testing.assert_allclose(got.dense, want.dense, rtol=1e-5, atol=1e-6,
                                           err_msg=f"{name} {self.where()}")
                assert got.sparse.indices == want.sparse.indices, (name, self.where())
                np.testing.assert_allclose(got.sparse.values, want.sparse.values, rtol=1e-6,
                                           err_msg=f"{name} {self.where()}")

    @staticmethod
    def _exported(index: VectorIndex) -> dict[str, IndexedChunk]:
        out: dict[str, IndexedChunk] = {}
        for batch in index.export_points(batch=7):  # several pages
            for p in batch:
                pid = point_id(*_key(p.chunk))
                assert pid not in out, "a point was exported twice"
                out[pid] = p
        return out

    def random_query(self) -> HybridQuery:
        mode = self._choice(("dense", "sparse", "hybrid"))
        dense = sparse = None
        if mode != "sparse":
            live = [p for p in self.model.values() if p.state == LIVE]
            if live and self.rng.random() < 0.5:  # near a stored chunk, as a real question is
                near = live[int(self.rng.integers(len(live)))].dense
                dense = near + self.rng.normal(scale=0.3, size=DIM).astype(np.float32)
                dense = (dense / np.linalg.norm(dense)).astype(np.float32)
            else:
                dense = self.dense()
        if mode != "dense":
            sparse = self.sparse(1, 4, ones=bool(self.rng.random() < 0.5))
        roll = self.rng.random()
        groups = None if roll < 0.3 else () if roll < 0.38 else self._subset(GROUPS, 1, 2)
        roll = self.rng.random()
        doc_ids = (None if roll < 0.6 else () if roll < 0.65
                   else self._subset((*DOCS, "doc-missing"), 1, 3))
        prefer: tuple[str, ...] = ()
        also: tuple[QueryVectors, ...] = ()
        if self.rng.random() < 0.35:
            prefer = self._subset((*DOCS, "doc-missing"), 1, 2)
            if self.rng.random() < 0.4:
                also = tuple((self.dense() if self.rng.random() < 0.5 else None,
                              self.sparse(1, 3, ones=True))
                             for _ in range(int(self.rng.integers(1, 3))))
        return HybridQuery(dense=dense, sparse=sparse, limit=int(self.rng.integers(1, 16)),
                           prefetch_limit=int(self._choice(("100", "5", "20"))),
                           filter=SearchFilter(groups, doc_ids), prefer_doc_ids=prefer,
                           also=also)

    def check_search(self, query: HybridQuery) -> None:
        results = {name: index.search(query) for name, index in self.indexes.items()}
        context = (query, self.where())
        visible = self._visible(query.filter)
        for name, hits in results.items():
            assert len(hits) <= query.limit, (name, context)
            keys = [_key(h.chunk) for h in hits]
            assert len(set(keys)) == len(keys), (name, "duplicate hits", context)
            for h in hits:  # only live points the filter admits, with the modelled payload
                assert _key(h.chunk) in visible, (name, h.chunk, context)
                assert h.chunk == visible[_key(h.chunk)].chunk, (name, context)
        edge, local = results["edge"], results["local"]
        prefetches = sum(int(d is not None) + int(s is not None and bool(s.indices))
                         for _, vectors in query.plan() for d, s in vectors)
        fused = prefetches > 1
        if fused:
            _assert_same_up_to_ties(edge, local, context)
        else:
            assert [_key(h.chunk) for h in edge] == [_key(h.chunk) for h in local], context
            for a, b in zip(edge, local, strict=True):
                assert _close(a.score, b.score), (a.score, b.score, context)

    def _visible(self, f: SearchFilter) -> dict[Key, IndexedChunk]:
        return {_key(p.chunk): p for p in self.model.values()
                if p.state == LIVE
                and (f.groups is None or set(f.groups) & set(p.chunk.groups))
                and (f.doc_ids is None or p.chunk.doc_id in f.doc_ids)}

    def check(self) -> None:
        self.check_state()
        for _ in range(QUERIES_PER_STEP // 2):  # dense only: IDF plays no part
            query = self.random_query()
            if query.dense is not None:
                self.check_search(dataclasses.replace(query, sparse=None, also=tuple(
                    (d, None) for d, _ in query.also)))
        if self.idf_stale:
            self.reopen_edge()
        for _ in range(QUERIES_PER_STEP):
            self.check_search(self.random_query())


def _tie_groups(hits: list[Hit]) -> list[list[Hit]]:
    groups: list[list[Hit]] = []
    for h in hits:
        if groups and _close(groups[-1][0].score, h.score):
            groups[-1].append(h)
        else:
            groups.append([h])
    return groups


def _assert_same_up_to_ties(edge: list[Hit], local: list[Hit], context: object) -> None:
    """Same length and scores position by position; the same members in every group of tied
    scores, except the last group, which the limit may cut (any members of the tie)."""
    assert len(edge) == len(local), context
    for a, b in zip(edge, local, strict=True):
        assert _close(a.score, b.score), (a.score, b.score, context)
    groups_e, groups_l = _tie_groups(edge), _tie_groups(local)
    assert [len(g) for g in groups_e] == [len(g) for g in groups_l], context
    for i, (ge, gl) in enumerate(zip(groups_e, groups_l, strict=True)):
        if i == len(groups_e) - 1:
            break  # may be cut by the limit
        assert {_key(h.chunk) for h in ge} == {_key(h.chunk) for h in gl}, context


@pytest.fixture
def world_factory(tmp_path: Path) -> Iterator[Callable[[int], World]]:
    made: list[World] = []

    def make(seed: int) -> World:
        world = World(seed, tmp_path / f"seed-{seed}")
        made.append(world)
        return world

    yield make
    for world in made:
        world.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_embedded_and_server_adapters_agree_step_by_step(
        seed: int, world_factory: Callable[[int], World]) -> None:
    world = world_factory(seed)
    world.check()  # empty
    for doc in DOCS[:4]:  # a few published documents to search from the start
        world.upsert(doc)
        world.publish(doc)
        world.check()
    for _ in range(STEPS):
        world.random_step()
        world.check()


def test_the_random_scenarios_exercise_what_they_claim(
        world_factory: Callable[[int], World]) -> None:
    """Guards the generator: the scenarios must actually reach the interesting states."""
    world = world_factory(0)
    for doc in DOCS[:4]:
        world.upsert(doc)
        world.publish(doc)
    ops: set[str] = set()
    for _ in range(STEPS):
        world.random_step()
        ops.add(world.log[-1].split("(")[0])
    assert ops == {"upsert", "publish", "delete_document", "set_groups", "delete_unpublished"}
    states = {p.state for p in world.model.values()}
    assert LIVE in states
    hits = world.edge.search(HybridQuery(dense=world.dense(), sparse=None, limit=50))
    assert len({h.chunk.doc_id for h in hits}) >= 2
