"""Scale benchmark of the embedded index (issue 16): build time, disk, memory, search latency
and recall of approximate against exact dense search, at N chunks. Figures, not tests: it
prints and never asserts.

    python -m bench.scale_bench --n 100000            # development size, ~5 min here
    nice -n 10 python -m bench.scale_bench             # 1,000,000 chunks, ~40 min here

Vectors. Real MiniLM embeddings (the project's embedder) of the 5,183 BEIR SciFact abstracts,
expanded to N: each chunk is a real abstract's embedding plus small Gaussian noise
(``--noise`` per dimension), renormalised. So every chunk sits near a real embedding and the
neighbourhoods keep the real topic structure between abstracts (uniform random vectors have
none, and HNSW behaves differently on them). Around each abstract sit N/5,183 noisy copies:
at the default noise two copies have cosine ≈0.80, closer than real neighbouring abstracts
(≈0.68 median): many near-ties, a hard case for recall counted by ids. Each chunk carries
its abstract's real text and BM25
sparse vector and a payload like an ingested chunk; documents are runs of 20 chunks and every
tenth document is readable by the group ``restricted`` only (10% of the points).
Queries are held-out real embeddings: SciFact queries embedded by the same model, never
indexed. The embeddings are computed once and cached (``--cache``).

Runs. The index is built in a throwaway directory (removed at the end unless ``--keep``):
by default as the app builds it (``--build incremental``: the adapter builds the graph during
the writes, every ``build_after`` points, into segments of at most ``SEGMENT_POINTS``; the
longest of those pauses is printed), or written whole and built in one step (``--build
once``: what a large index written before issue 16 gets at its first build). Then it is
measured in a fresh child process, so that the memory figures are the index's own: open
time, RSS, then per reader (no group filter; ``everyone``, 90% of the points; ``restricted``,
10%) p50/p95 of dense-only and hybrid searches with exact and approximate dense search
(``--hnsw-ef`` takes several values: exact search runs once for all), and recall@10 of
approximate against exact (for hybrid: the overlap of the fused top 10). ``--measure DIR``
measures an index kept earlier.

SciFact is read from ../shared/corpora/scifact; without it the bench exits with a message.
Latency depends on what else runs: the load average is printed at start and at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.store.points import HybridQuery, IndexedChunk, PointFilter, SearchFilter

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
QUERY_POOL = 600  # queries embedded (and cached) once; --queries takes the first ones
DOC_CHUNKS = 20  # chunks per synthetic document
RESTRICTED_EVERY = 10  # every tenth document is readable by "restricted" only
READERS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("all (no group filter)", None),
    ("everyone (90%)", ("everyone",)),
    ("restricted (10%)", ("restricted",)),
)


# -- conditions ------------------------------------------------------------------------------
def conditions() -> str:
    load = os.getloadavg()
    return (f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores, "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d %H:%M')}")


def memory() -> dict[str, float]:
    """MB: resident now (all, anonymous, file-backed: the engine maps its files, and mapped
    pages that were read count as resident) and the peak."""
    found = {"VmRSS": 0.0, "RssAnon": 0.0, "RssFile": 0.0, "VmHWM": 0.0}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in found:
                found[key] = int(value.split()[0]) / 1024
    except OSError:  # not Linux: the peak only
        found["VmHWM"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found


def _mem_line(label: str) -> str:
    m = memory()
    return (f"{label}: RSS {m['VmRSS']:.0f} MB (anonymous {m['RssAnon']:.0f}, file-backed "
            f"{m['RssFile']:.0f}), peak {m['VmHWM']:.0f} MB")


_SAMPLER = """
import signal, sys, time
status = f"/proc/{sys.argv[1]}/status"
peak = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
def stop(*_):
    print(" ".join(f"{k}={v}" for k, v in peak.items()), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    try:
        with open(status) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in peak:
                    peak[key] = max(peak[key], int(value.split()[0]))
    except OSError:
        stop()
    time.sleep(0.25)
"""


class PeakMemory:
    """Peak RSS of this process sampled from outside: the engine's build holds the GIL, so
    no thread of ours could sample it."""

    def __enter__(self) -> PeakMemory:
        self.peak: dict[str, float] = {}
        self._proc = None
        if Path("/proc/self/status").exists():
            self._proc = subprocess.Popen([sys.executable, "-c", _SAMPLER, str(os.getpid())],
                                          stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        out, _ = self._proc.communicate(timeout=10)
        for pair in out.split():
            key, _, value = pair.partition("=")
            self.peak[key] = int(value) / 1024

    def line(self, label: str) -> str:
        if not self.peak:
            return f"{label}: (no /proc: peak not sampled)"
        return (f"{label}: peak RSS {self.peak['VmRSS']:.0f} MB (peak anonymous "
                f"{self.peak['RssAnon']:.0f}, peak file-backed {self.peak['RssFile']:.0f})")


def disk_usage(root: Path) -> dict[str, int]:
    """Bytes on disk (allocated blocks, not apparent sizes) by what they hold."""
    parts: dict[str, int] = {}
    for dirpath, _, files in os.walk(root):
        rel = Path(dirpath).relative_to(root).parts
        for name in files:
            path = Path(dirpath) / name
            try:
                size = path.stat().st_blocks * 512
            except OSError:
                continue
            parts[_part(rel, name)] = parts.get(_part(rel, name), 0) + size
    return parts


def _part(rel: tuple[str, ...], name: str) -> str:
    if rel and rel[0] == "wal":
        return "write-ahead log"
    joined = "/".join(rel)
    if "vector_storage-dense" in joined:
        return "dense int8 codes" if name.startswith("quantized") else "dense float vectors"
    if "vector_index-dense" in joined:
        return "HNSW graph"
    if "bm25" in joined:
        return "BM25 sparse vectors + inverted index"
    if "payload_storage" in joined:
        return "payloads (chunk text)"
    if "payload_index" in joined:
        return "payload indexes"
    return "other (id tracker, config)"


# -- vectors ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    texts: list[str]
    vectors: NDArray[np.float32]
    queries: list[str]
    query_vectors: NDArray[np.float32]


def source(cache: Path, n_queries: int) -> Source:
    folder = CORPORA / "scifact"
    if not (folder / "corpus.jsonl").exists():
        sys.exit(f"SciFact not found at {folder}: this bench needs its abstracts "
                 "(see ../shared/corpora/README.md)")
    from evals.beir import corpus_records

    texts = [f"{r.title}\n{r.text}".strip() for r in corpus_records(folder)]
    with (folder / "queries.jsonl").open(encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f if line.strip()][:QUERY_POOL]
    if n_queries > len(queries):
        sys.exit(f"--queries: at most {len(queries)}")
    key = hashlib.sha256("\x00".join([*texts, "|", *queries]).encode()).hexdigest()[:16]
    file = cache / f"minilm-{key}.npz"
    if not file.exists():
        from docqa.services import build_embedder
        from retrieval.settings import load_settings

        print(f"embedding {len(texts)} abstracts and {len(queries)} queries once "
              f"(cached in {cache})…", file=sys.stderr)
        embedder = build_embedder(load_settings(data_dir=cache / "settings"))
        t0 = time.perf_counter()
        vectors = np.concatenate([embedder.embed(texts[i:i + 256])
                                  for i in range(0, len(texts), 256)])
        query_vectors = embedder.embed(queries)
        print(f"embedded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(file, texts=vectors, queries=query_vectors)
    got = np.load(file)
    return Source(texts, got["texts"].astype(np.float32), queries[:n_queries],
                  got["queries"][:n_queries].astype(np.float32))


def noisy(base: NDArray[np.float32], rng: np.random.Generator,
          sigma: float) -> NDArray[np.float32]:
    v = base + rng.normal(scale=sigma, size=base.shape).astype(np.float32)
    out: NDArray[np.float32] = v / np.linalg.norm(v, axis=-1, keepdims=True)
    return out


def chunks(src: Source, n: int, sigma: float, batch: int = 2000) -> Iterator[list[IndexedChunk]]:
    """``n`` live chunks in batches: point ``i`` is abstract ``i mod 5183`` plus noise."""
    from retrieval.bm25 import Bm25Encoder
    from retrieval.store.points import LIVE
    from retrieval.types import Chunk

    encoder = Bm25Encoder()
    sparse = [encoder.encode_document(t) for t in src.texts]
    rng = np.random.default_rng(16)
    nb = len(src.texts)
    for start in range(0, n, batch):
        ids = np.arange(start, min(n, start + batch))
        dense = noisy(src.vectors[ids % nb], rng, sigma)
        out = []
        for row, i in enumerate(ids.tolist()):
            doc = i // DOC_CHUNKS
            text = src.texts[i % nb]
            groups = ("restricted",) if doc % RESTRICTED_EVERY == 0 else ("everyone",)
            page = i % DOC_CHUNKS + 1
            out.append(IndexedChunk(
                Chunk(doc_id=f"doc-{doc:07d}", version="v1", chunk_index=i % DOC_CHUNKS,
                      source=f"doc-{doc:07d}.pdf", title=text.split("\n", 1)[0][:120],
                      page_start=page, page_end=page, section="", text=text, groups=groups,
                      n_tokens=len(text.split()), ingested_at="2026-01-01T00:00:00Z"),
                dense[row], sparse[i % nb], state=LIVE))
        yield out


# -- build -----------------------------------------------------------------------------------
def build(args: argparse.Namespace, src: Source, target: Path) -> None:
    """``incremental``: as the app ingests, a flush after every batch (publish flushes after
    every document), so the adapter builds the graph whenever ``build_after`` unindexed
    points have piled up and segments stay at most ``SEGMENT_POINTS``. ``once``: everything
    written first, then one build (a migrated or re-indexed large index): one big segment."""
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.store.dense_search import DenseSearch

    once = args.build == "once"
    store = EmbeddedQdrantStore(target, DenseSearch(build_after=0) if once else DenseSearch())
    store.ensure_ready(src.vectors.shape[1], "sentence-transformers/all-MiniLM-L6-v2")
    t0 = time.perf_counter()
    written = 0
    pauses: list[float] = []
    with PeakMemory() as peak:
        for batch in chunks(src, args.n, args.noise):
            # Timed write by write: the adapter builds inside a write once enough points wait.
            started = time.perf_counter()
            store.upsert(batch)
            if not once:
                store.flush()
            pauses.append(time.perf_counter() - started)
            written += len(batch)
            if written % 100_000 < len(batch):
                print(f"\r  written {written:,}/{args.n:,}", end="", file=sys.stderr,
                      flush=True)
        store.flush()
    write_s = time.perf_counter() - t0
    print(file=sys.stderr)
    # A write that built the graph takes seconds; the others take well under one.
    builds = [p for p in pauses if p > 3.0]
    print(f"write {args.n:,} chunks: {write_s:.0f} s ({args.n / write_s:,.0f} chunks/s)"
          + (f", of which {len(builds)} index builds inside writes: {sum(builds):.0f} s, "
             f"longest pause {max(builds, default=0):.0f} s, median "
             f"{statistics.median(builds) if builds else 0:.0f} s" if not once else ""))
    print(peak.line("while writing" + ("" if once else " and building")))
    print(_mem_line("build process after writing"))
    with PeakMemory() as peak:
        made = store.optimize()
    print(f"{'index build' if once else 'final build'} (HNSW m=16 + int8 quantization): "
          f"{made.seconds:.0f} s, {made.after.indexed:,} of {made.after.points:,} dense "
          f"vectors indexed, {made.after.segments} segments")
    print(peak.line("during that build"))
    print(_mem_line("build process after the index build"))
    store.close()


# -- measure ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    ms: list[float]
    top: list[list[tuple[str, int]]]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _run(store: EmbeddedQdrantStore, make: Callable[[int], HybridQuery], n: int) -> Run:
    ms: list[float] = []
    top: list[list[tuple[str, int]]] = []
    for i in range(n):
        query = make(i)
        t0 = time.perf_counter()
        hits = store.search(query)
        ms.append((time.perf_counter() - t0) * 1000)
        top.append([(h.chunk.doc_id, h.chunk.chunk_index) for h in hits])
    return Run(ms, top)


def _recall(approx: Run, exact: Run) -> float:
    return statistics.mean(len(set(a) & set(e)) / max(1, len(e))
                           for a, e in zip(approx.top, exact.top, strict=True))


def measure(args: argparse.Namespace, target: Path) -> None:
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.bm25 import Bm25Encoder

    src = source(args.cache, args.queries)
    encoder = Bm25Encoder()
    sparse = [encoder.encode_query(q) for q in src.queries]
    print(_mem_line("measuring process before opening the index"))
    t0 = time.perf_counter()
    store = EmbeddedQdrantStore(target)
    store.ensure_ready(src.query_vectors.shape[1])
    points = store.count(PointFilter())
    print(f"open {points:,} points: {time.perf_counter() - t0:.1f} s")
    print(_mem_line("after open"))
    parts = disk_usage(target)
    total = sum(parts.values())
    print(f"disk {total / 2**30:.2f} GiB ({total / max(1, points) / 1024:.2f} KiB per chunk):")
    for name, size in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<38} {size / 2**20:9,.0f} MiB")
    n = len(src.queries)
    base = replace(store.dense, oversampling=args.oversampling or store.dense.oversampling)
    exact = replace(base, exact_below=2**62)
    approx = [replace(base, exact_below=0, hnsw_ef=ef)
              for ef in (args.hnsw_ef or [store.dense.hnsw_ef])]
    for mode in (exact, approx[0]):  # warm-up: file pages, caches
        store.dense = mode
        _run(store, lambda i: HybridQuery(dense=src.query_vectors[i], sparse=sparse[i]),
             min(n, 20))
    print(_mem_line("after warm-up"))
    print(f"{n} queries per row (held-out SciFact queries), top 10, prefetch depth 100, "
          f"oversampling {base.oversampling}; hybrid recall = overlap of the fused top 10")
    print(f"{'reader':<24} {'search':<7} {'exact p50/p95 ms':>17} {'ef':>5} "
          f"{'approx p50/p95 ms':>18} {'recall@10':>10}")
    for label, groups in READERS:
        flt = SearchFilter(groups=groups)
        for kind in ("dense", "hybrid"):
            def make(i: int, f: SearchFilter = flt, k: str = kind) -> HybridQuery:
                return HybridQuery(dense=src.query_vectors[i],
                                   sparse=sparse[i] if k == "hybrid" else None, filter=f)

            store.dense = exact
            e = _run(store, make, n)
            for mode in approx:
                store.dense = mode
                a = _run(store, make, n)
                print(f"{label:<24} {kind:<7} {statistics.median(e.ms):8.1f}/"
                      f"{_pct(e.ms, .95):<8.1f} {mode.hnsw_ef:>5} "
                      f"{statistics.median(a.ms):9.1f}/{_pct(a.ms, .95):<8.1f}"
                      f" {_recall(a, e):10.3f}", flush=True)
    print(_mem_line("after the searches"))
    store.close()
    print(f"end: {conditions()}")


# -- main ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="chunks to index")
    parser.add_argument("--queries", type=int, default=300,
                        help="held-out queries per row (at least 200 for a stable p95)")
    parser.add_argument("--noise", type=float, default=0.025,
                        help="Gaussian noise per dimension added to a real embedding "
                             "(0.025: a chunk keeps cosine ≈0.9 with its abstract)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()),
                        help="where the throwaway index directory is made")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "docqa-scale-bench-cache",
                        help="where the MiniLM embeddings of the corpus are cached")
    parser.add_argument("--build", choices=("incremental", "once"), default="incremental",
                        help="incremental: flush after every batch and let the adapter build "
                             "as the app does (default); once: write all, then one build")
    parser.add_argument("--keep", action="store_true", help="keep the index directory")
    parser.add_argument("--measure", type=Path, metavar="DIR",
                        help="only measure an index built (and kept) earlier")
    parser.add_argument("--hnsw-ef", type=int, nargs="+", metavar="EF",
                        help="approximate search with these hnsw_ef values (default: the "
                             "adapter's); exact search runs once for all")
    parser.add_argument("--oversampling", type=float,
                        help="override the adapter's oversampling")
    args = parser.parse_args()
    print(f"start: {conditions()}", flush=True)
    if args.measure:
        measure(args, args.measure)
        return
    src = source(args.cache, args.queries)
    print(f"{args.n:,} chunks from {len(src.texts):,} real MiniLM embeddings + noise "
          f"{args.noise}/dim; {len(src.queries)} held-out queries", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="docqa-scale-", dir=args.work))
    try:
        build(args, src, folder / "index")
        # A fresh process: the memory figures are the index's, not the build's.
        cmd = [sys.executable, "-m", "bench.scale_bench", "--measure", str(folder / "index"),
               "--queries", str(args.queries), "--cache", str(args.cache)]
        if args.hnsw_ef:
            cmd += ["--hnsw-ef", *map(str, args.hnsw_ef)]
        if args.oversampling:
            cmd += ["--oversampling", str(args.oversampling)]
        subprocess.run(cmd, check=True, cwd=REPO)
    finally:
        if args.keep:
            print(f"kept {folder / 'index'} (measure again: python -m bench.scale_bench "
                  f"--measure {folder / 'index'})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
