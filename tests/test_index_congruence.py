"""Congruence of the two ``PointStore`` adapters under the one ``VectorIndex``, in the spirit
of qdrant-client's local-vs-server congruence tests.

A seeded generator builds a random corpus (documents, versions, groups, unit dense vectors of
dimension 8, sparse vectors over a small vocabulary) and a random sequence of index
operations (upsert a pending version or retry one, publish, delete a document, set its
groups, delete unpublished points). The same sequence is applied to the embedded engine
(``EmbeddedQdrantStore``, qdrant-edge) and to the server client (``QdrantServerStore`` on
qdrant-client's local mode). After every step the two must agree on counts, chunks,
``chunks_at``, the exported points and the results of random searches (dense-only,
sparse-only, hybrid, with ``prefer_doc_ids`` and extra query vectors) under random filters.
Results are compared with each other, plus a small reference model of which points exist, in
which state, with which payload; never with fixed expectations.

Documented tolerances (engine differences, not adapter bugs):

* Scores are compared with a relative tolerance (float32 in the edge engine, float64 sums
  in local mode's fusion).
* Fused (RRF) rankings are compared up to ties: hits whose fused scores are equal (within
  that tolerance) may come in another order, and the last tie group may be cut by the limit
  with other members. Everything else must match position by position.
* IDF after deletes. The edge engine keeps counting deleted and overwritten points in its IDF
  statistics (N and document frequency) until the shard is loaded again; local mode counts
  live points only. So after a step that removed or overwrote points, the scenario first
  compares dense-only searches (no IDF involved), then reopens the embedded index and
  compares everything. ``test_sparse_scores_after_a_delete_agree_without_a_reopen`` pins the
  difference (strict xfail), so it cannot disappear or get fixed unnoticed.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
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

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:retrieval.adapters.qdrant_server")

DIM = 8
DOCS = tuple(f"doc-{i}" for i in range(8))
GROUPS = ("everyone", "hr", "legal", "finance")
VOCAB = 40  # sparse term ids come from a small range, so documents share terms
WORDS = ("parking", "leave", "salary", "budget", "policy", "Straße", "naïve", "日本語",
         "café", "🚀", "Ünïcødé", "")
STEPS = 24
QUERIES_PER_STEP = 6
SEEDS = range(6)
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
        #: point id -> the point as it must be stored (payload, vectors, state)
        self.model: dict[str, IndexedChunk] = {}
        #: every version written per document, with the points of that write
        self.written: dict[str, dict[str, list[IndexedChunk]]] = {d: {} for d in DOCS}
        #: documents the last step changed (checked one by one, with a random other one)
        self.touched: set[str] = set()
        #: points were removed or overwritten since the embedded index was opened, so its
        #: IDF statistics still count them (see the module docstring)
        self.idf_stale = False
        self.log: list[str] = []

    @property
    def edge(self) -> VectorIndex:
        return self.indexes["edge"]

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
        # a few ids beyond the vocabulary: query terms no document has
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
    def _removed(self, pids: list[str]) -> None:
        for pid in pids:
            self.touched.add(self.model.pop(pid).chunk.doc_id)
        self.idf_stale = self.idf_stale or bool(pids)

    def upsert(self, doc: str) -> None:
        versions = self.written[doc]
        if versions and self.rng.random() < 0.2:
            # A retried ingest of a version written before: the same points again (pending,
            # even if that version had been published).
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
        self.touched.add(doc)

    def publish(self, doc: str) -> None:
        pending = sorted({p.chunk.version for p in self.model.values()
                          if p.chunk.doc_id == doc and p.state == PENDING})
        version = self._choice(pending or sorted(self.written[doc]) or ["v-none"])
        self.log.append(f"publish({doc}, {version})")
        for index in self.indexes.values():
            index.publish(doc, version)
        for pid, p in list(self.model.items()):
            if p.chunk.doc_id == doc and p.chunk.version == version:
                self.model[pid] = dataclasses.replace(p, state=LIVE)
        self._removed([pid for pid, p in self.model.items()
                       if p.chunk.doc_id == doc and p.chunk.version != version])
        self.touched.add(doc)

    def delete_document(self, doc: str) -> None:
        self.log.append(f"delete_document({doc})")
        for index in self.indexes.values():
            index.delete_document(doc)
        self._removed([pid for pid, p in self.model.items() if p.chunk.doc_id == doc])
        self.touched.add(doc)

    def set_groups(self, doc: str) -> None:
        groups = self.groups(allow_empty=True)
        self.log.append(f"set_groups({doc}, {groups})")
        for index in self.indexes.values():
            index.set_groups(doc, groups)
        for pid, p in self.model.items():
            if p.chunk.doc_id == doc:
                self.model[pid] = dataclasses.replace(
                    p, chunk=dataclasses.replace(p.chunk, groups=groups))
        self.touched.add(doc)

    def delete_unpublished(self) -> None:
        self.log.append("delete_unpublished()")
        removed = {name: index.delete_unpublished() for name, index in self.indexes.items()}
        pending = [pid for pid, p in self.model.items() if p.state == PENDING]
        assert removed == {"edge": len(pending), "local": len(pending)}, self.where()
        self._removed(pending)

    def random_step(self) -> None:
        self.touched = set()
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
    def check_state(self, docs: set[str]) -> None:
        """Counts, chunks and chunks_at of ``docs``, and every exported point: equal in both
        indexes, and as modelled."""
        for live_only in (True, False):
            expected = sum(1 for p in self.model.values() if not live_only or p.state == LIVE)
            got = {n: i.count(live_only=live_only) for n, i in self.indexes.items()}
            assert got == {"edge": expected, "local": expected}, (live_only, self.where())
        for doc in sorted(docs):
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
        ids = sorted(self.model)
        for name, index in self.indexes.items():
            exported = _exported(index)
            assert sorted(exported) == ids, (name, self.where())
            stored = [exported[pid] for pid in ids]
            modelled = [self.model[pid] for pid in ids]
            assert [(p.chunk, p.state, p.sparse.indices) for p in stored] == [
                (p.chunk, p.state, p.sparse.indices) for p in modelled], (name, self.where())
            if ids:
                np.testing.assert_allclose(  # stored normalised (cosine): unit vectors come back
                    np.stack([p.dense for p in stored]), np.stack([p.dense for p in modelled]),
                    rtol=1e-5, atol=1e-6, err_msg=f"{name} {self.where()}")
                np.testing.assert_allclose(
                    np.concatenate([p.sparse.values for p in stored]),
                    np.concatenate([p.sparse.values for p in modelled]),
                    rtol=1e-6, err_msg=f"{name} {self.where()}")

    def random_query(self) -> HybridQuery:
        mode = self._choice(("dense", "sparse", "hybrid"))
        dense = sparse = None
        if mode != "sparse":
            live = [p for p in self.model.values() if p.state == LIVE]
            if live and self.rng.random() < 0.5:  # near a stored chunk, as a real question is
                near = live[int(self.rng.integers(len(live)))].dense
                noisy = near + self.rng.normal(scale=0.3, size=DIM).astype(np.float32)
                dense = (noisy / np.linalg.norm(noisy)).astype(np.float32)
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
        if _prefetches(query) > 1:
            _assert_same_up_to_ties(edge, local, context)
        else:  # one exact search: the same hits in the same order, the same scores
            assert [_key(h.chunk) for h in edge] == [_key(h.chunk) for h in local], context
            for a, b in zip(edge, local, strict=True):
                assert _close(a.score, b.score), (a.score, b.score, context)

    def _visible(self, f: SearchFilter) -> dict[Key, IndexedChunk]:
        return {_key(p.chunk): p for p in self.model.values()
                if p.state == LIVE
                and (f.groups is None or set(f.groups) & set(p.chunk.groups))
                and (f.doc_ids is None or p.chunk.doc_id in f.doc_ids)}

    def check(self, docs: set[str] | None = None) -> None:
        """After a step: the state, dense-only searches, then (on a reopened embedded index if
        its IDF statistics went stale) searches of every kind."""
        if docs is None:
            docs = self.touched | {self._choice(DOCS)}
        self.check_state(docs)
        for _ in range(QUERIES_PER_STEP // 2):  # dense only: IDF plays no part
            query = self.random_query()
            if query.dense is not None:
                self.check_search(dataclasses.replace(
                    query, sparse=None, also=tuple((d, None) for d, _ in query.also)))
        if self.idf_stale:
            self.reopen_edge()
        for _ in range(QUERIES_PER_STEP):
            self.check_search(self.random_query())


def _exported(index: VectorIndex) -> dict[str, IndexedChunk]:
    out: dict[str, IndexedChunk] = {}
    for batch in index.export_points(batch=7):  # several pages
        for p in batch:
            pid = point_id(*_key(p.chunk))
            assert pid not in out, "a point was exported twice"
            out[pid] = p
    return out


def _prefetches(query: HybridQuery) -> int:
    return sum(int(d is not None) + int(s is not None and bool(s.indices))
               for _, vectors in query.plan() for d, s in vectors)


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
    for ge, gl in list(zip(groups_e, groups_l, strict=True))[:-1]:
        assert {_key(h.chunk) for h in ge} == {_key(h.chunk) for h in gl}, context


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A directory for the embedded index, in memory where the machine has /dev/shm: every
    step flushes (fsync) and reopens it, which on a disk costs most of this file's runtime."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="docqa-congruence-") as d:
            yield Path(d)
    else:
        yield tmp_path


@pytest.fixture
def world_factory(scratch: Path) -> Iterator[Callable[[int], World]]:
    made: list[World] = []

    def make(seed: int) -> World:
        world = World(seed, scratch / f"seed-{seed}")
        made.append(world)
        return world

    yield make
    for world in made:
        world.close()


def _bootstrap(world: World) -> None:
    """A few published documents, so there is something to search from the start."""
    for doc in DOCS[:4]:
        world.touched = set()
        world.upsert(doc)
        world.publish(doc)
        world.check()


@pytest.mark.parametrize("seed", SEEDS)
def test_embedded_and_server_adapters_agree_step_by_step(
        seed: int, world_factory: Callable[[int], World]) -> None:
    world = world_factory(seed)
    world.check(set(DOCS))  # empty
    _bootstrap(world)
    for _ in range(STEPS):
        world.random_step()
        world.check()
    world.check(set(DOCS))


def test_the_random_scenarios_reach_what_they_claim(
        world_factory: Callable[[int], World]) -> None:
    """Guards the generator: across the seeds, every operation runs, the random queries hit
    every search shape, and searches find hits in several documents."""
    ops: set[str] = set()
    shapes: set[str] = set()
    found_docs: set[str] = set()
    for seed in SEEDS:
        world = world_factory(seed)
        for doc in DOCS[:4]:
            world.upsert(doc)
            world.publish(doc)
        for _ in range(STEPS):
            world.random_step()
            ops.add(world.log[-1].split("(")[0])
            query = world.random_query()
            shapes.add("fused" if _prefetches(query) > 1 else "dense" if query.dense is not None
                       else "sparse" if query.sparse is not None else "none")
            shapes.update(f"filter-{k}" for k, v in (("groups", query.filter.groups),
                                                     ("doc_ids", query.filter.doc_ids))
                          if v is not None)
        hits = world.edge.search(HybridQuery(dense=world.dense(), sparse=None, limit=50))
        found_docs |= {h.chunk.doc_id for h in hits}
    assert ops == {"upsert", "publish", "delete_document", "set_groups", "delete_unpublished"}
    assert {"dense", "sparse", "fused", "filter-groups", "filter-doc_ids"} <= shapes
    assert len(found_docs) >= 4


@pytest.mark.xfail(strict=True, reason=(
    "engine difference: the embedded engine (qdrant-edge) keeps deleted points in its IDF "
    "statistics until the shard is loaded again; qdrant-client's local mode counts live "
    "points only"))
def test_sparse_scores_after_a_delete_agree_without_a_reopen(scratch: Path) -> None:
    def point(doc: str, i: int, term: int) -> IndexedChunk:
        chunk = Chunk(doc, "v1", i, f"{doc}.pdf", doc, 1, 1, "", f"{doc} {i}", ("g",), 1, "")
        dense = np.eye(DIM, dtype=np.float32)[i]
        return IndexedChunk(chunk, dense, SparseVector((term,), (1.0,)))

    scores = {}
    for name, index in (("edge", VectorIndex(EmbeddedQdrantStore(scratch / "idf"))),
                        ("local", VectorIndex(QdrantServerStore("c", location=":memory:")))):
        with index:
            index.ensure_ready(DIM)
            index.upsert([point("a", 0, 1), point("a", 1, 2)])
            index.publish("a", "v1")
            index.upsert([point("b", 0, 2), point("b", 1, 3), point("b", 2, 3)])
            index.publish("b", "v1")
            index.delete_document("b")
            [hit] = index.search(HybridQuery(dense=None, sparse=SparseVector((1,), (1.0,))))
            scores[name] = hit.score
    # Live: 2 points, 1 with term 1 -> idf = ln((2 - 1 + 0.5) / (1 + 0.5) + 1) = ln 2. The
    # edge engine still counts the 3 deleted points: ln((5 - 1 + 0.5) / 1.5 + 1) = ln 4.
    assert scores["local"] == pytest.approx(np.log(2), rel=1e-6)
    assert scores["edge"] == pytest.approx(scores["local"], rel=1e-6)
