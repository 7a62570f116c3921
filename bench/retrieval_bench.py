"""Retrieval and answering benchmarks (figures, not tests).

    python -m bench.retrieval_bench scifact      [--data DIR]   # BEIR SciFact train queries
    python -m bench.retrieval_bench financebench [--data DIR]   # all 74 filings, dev questions
    python -m bench.retrieval_bench latency      [--data DIR] [--collection NAME] [--scale 100000]
    python -m bench.retrieval_bench ablation     [--data DIR] [--collection NAME]

Each data dir is built on first use (SciFact: ~5k abstracts; FinanceBench: all 74 PDFs, which
takes an hour on two cores) and reused afterwards. Corpora are read from ../shared/corpora.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.beir import corpus_records
from retrieval.search.retriever import Mode

if TYPE_CHECKING:
    from docqa.services import Services
    from ingest.pipeline import Progress
    from retrieval.answer.pipeline import Answerer

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"


def _open(data: Path, collection: str = "docqa") -> Services:
    from docqa.services import open_services
    from retrieval.settings import load_settings

    return open_services(load_settings(data_dir=data, collection=collection, user="bench"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _progress(total: int) -> Callable[[Progress], None]:
    def show(p: Progress) -> None:
        print(f"\r  indexed {p.files_done}/{total}", end="", file=sys.stderr, flush=True)
    return show


# -- SciFact ---------------------------------------------------------------------------------
# Both benchmarks score through evals.run, the pipeline of `docqa eval run`: same search,
# same ranking keys, same metrics.
def scifact(args: argparse.Namespace) -> None:
    from evals.beir import beir_items
    from evals.run import RunOptions, evaluate, summarise
    from ingest.pipeline import ingest_records

    folder = CORPORA / "scifact"
    if not folder.exists():
        sys.exit(f"SciFact not found at {folder}")
    services = _open(args.data, "scifact")
    records = list(corpus_records(folder))
    if len(services.catalog.list()) < len(records):
        t0 = time.perf_counter()
        report = ingest_records(services, records, progress=_progress(len(records)))
        print(f"\nindexed {len(report.ingested)} abstracts, {report.chunks} chunks in "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    items = beir_items(folder, args.split)
    print(f"SciFact {args.split}: {len(items)} queries, {len(records)} abstracts")
    print(f"{'mode':<22} {'nDCG@10':>8} {'R@100':>7} {'MRR':>6} {'p50 ms':>7}")
    variants: tuple[tuple[str, Mode, bool], ...] = (
        ("dense (MiniLM)", "dense", False), ("sparse (BM25)", "sparse", False),
        ("hybrid RRF", "hybrid", False), ("hybrid + doc-aware", "hybrid", True))
    for label, mode, aware in variants:
        options = RunOptions(k=100, mode=mode, doc_aware=aware, merge=False, answers=False,
                             level="doc")
        results = evaluate(services, items, options)
        m = summarise(results, options).metrics
        times = [r.timings_ms["retrieval"] for r in results]
        print(f"{label:<22} {m['ndcg@10']:>8.3f} {m['recall@100']:>7.3f} {m['mrr']:>6.3f} "
              f"{statistics.median(times):>7.1f}")
    print("published BEIR test figures: BM25 0.679, MiniLM 0.645, bge-small 0.713 (nDCG@10)")
    services.close()


# -- FinanceBench ----------------------------------------------------------------------------
def financebench(args: argparse.Namespace) -> None:
    from evals.financebench import holds_figure, load_financebench
    from evals.run import RunOptions, evaluate, summarise

    folder = CORPORA / "financebench"
    if not folder.exists():
        sys.exit(f"FinanceBench not found at {folder}")
    services = _open(args.data)
    if len(services.catalog.list()) < 74:
        from ingest.pipeline import Ingestor

        print("indexing all 74 FinanceBench PDFs (about an hour on two cores)…", file=sys.stderr)
        Ingestor(services).ingest([folder / "pdfs"], progress=_progress(74))
    items = load_financebench(folder / "questions_dev.jsonl")
    print(f"FinanceBench dev: {len(items)} questions over {len(services.catalog.list())} filings")
    print(f"{'variant':<20} {'page@5':>7} {'page@10':>8} {'doc@10':>7} {'MRR':>6}")
    for label, aware in (("hybrid", False), ("hybrid + doc-aware", True)):
        options = RunOptions(k=10, doc_aware=aware, merge=True, answers=False)
        results = evaluate(services, items, options)
        m = summarise(results, options).metrics
        d10 = statistics.mean(
            1.0 if {r.document for r in res.item.references}
            & {key.split("#")[0] for key in res.retrieved} else 0.0 for res in results)
        print(f"{label:<20} {m['hit@5']:>7.3f} {m['hit@10']:>8.3f} {d10:>7.3f} "
              f"{m['mrr']:>6.3f}")
    answerer = services.new_answerer(None)  # extractive and unlogged
    contains, refused = 0, 0
    for item in items:
        answer = answerer.ask(item.question)
        refused += answer.refused
        contains += bool(holds_figure(answer.text, item.answer))
    print(f"extractive answer holds a gold figure: {contains}/{len(items)} "
          f"({contains / len(items):.2f}); refused {refused}")
    services.close()


# -- ablation --------------------------------------------------------------------------------
#: (label, Retriever options and the search mode)
ABLATION: tuple[tuple[str, dict[str, Any]], ...] = (
    ("file names only", {"intent": False, "strip_names": False, "own_names": False}),
    ("+ names a document gives itself", {"intent": False, "strip_names": False}),
    ("+ question without the names inside them", {"intent": False}),
    ("+ statement titles for measures", {}),
    ("+ page evidence 0.5", {"page_evidence": 0.5}),
    ("default, dense only", {"mode": "dense"}),
    ("default, BM25 only", {"mode": "sparse"}),
)


def ablation(args: argparse.Namespace) -> None:
    """Each retrieval stage's contribution on FinanceBench dev, one index (build it with
    `docqa eval run --dataset …/questions_dev.jsonl --docs …/pdfs`, collection financebench).
    Index-time stages (page titles as sections, sections in BM25) need a second index."""
    from evals.financebench import load_financebench
    from evals.run import ranked_keys, ranking_scores
    from retrieval.search.retriever import Retriever

    folder = CORPORA / "financebench"
    if not folder.exists():
        sys.exit(f"FinanceBench not found at {folder}")
    services = _open(args.data, args.collection)
    if not services.catalog.list():
        sys.exit(f"no documents in collection {args.collection!r} under {args.data}")
    items = load_financebench(folder / "questions_dev.jsonl")
    base = services.retriever()
    print(f"FinanceBench dev: {len(items)} questions over {len(services.catalog.list())} "
          f"documents, ranking depth 100")
    print(f"{'variant':<44} {'page@5':>7} {'page@10':>8} {'doc@1':>6} {'doc@10':>7} "
          f"{'MRR':>6}  page@10 by question type")
    for label, options in ABLATION:
        opts = dict(options)
        mode = opts.pop("mode", "hybrid")
        retriever = Retriever(base.embedder, base.sparse, base.index, base.catalog, **opts)
        rows = []
        for item in items:
            # As `docqa eval run` ranks: depth 100, neighbouring chunks not merged.
            found = retriever.search(item.question, k=100, mode=mode, merge=False)
            rows.append((item, ranking_scores(ranked_keys(found.hits, "page"), item.relevant)))
        m = {k: statistics.mean(s[k] for _, s in rows)
             for k in ("hit@5", "hit@10", "doc@1", "doc@10", "mrr")}
        tags: dict[str, list[float]] = {}
        for item, s in rows:
            for tag in item.tags:
                tags.setdefault(tag, []).append(s["hit@10"])
        by_tag = " ".join(f"{t}={statistics.mean(v):.2f}" for t, v in sorted(tags.items()))
        print(f"{label:<44} {m['hit@5']:>7.3f} {m['hit@10']:>8.3f} {m['doc@1']:>6.3f} "
              f"{m['doc@10']:>7.3f} {m['mrr']:>6.3f}  {by_tag}", flush=True)
    services.close()


# -- latency ---------------------------------------------------------------------------------
def latency(args: argparse.Namespace) -> None:
    services = _open(args.data, args.collection)
    questions = [json.loads(line)["question"] for line in
                 (CORPORA / "financebench" / "questions_dev.jsonl").open()][:60]
    _measure(services, questions, f"FinanceBench index ({services.index.count()} chunks)")
    services.close()
    if args.scale:
        _measure_scaled(args, questions)


def _measure(services: Services, questions: list[str], label: str) -> None:
    for multi in (True, False):
        # extractive, and unlogged: benchmark questions stay out of the query log
        answerer = services.new_answerer(None)
        answerer.retriever.multi_query = multi
        _measure_one(answerer, questions, f"{label}, multi-query {'on' if multi else 'off'}")


def _measure_one(answerer: Answerer, questions: list[str], label: str) -> None:
    retriever = answerer.retriever
    for q in questions[:3]:  # warm up: model, caches, file pages
        answerer.ask(q, groups=["everyone"])
    search_ms: list[float] = []
    answer_ms: list[float] = []
    stages: dict[str, list[float]] = {"embed": [], "search": [], "generate": []}
    for q in questions:
        t0 = time.perf_counter()
        retriever.search(q, groups=["everyone"], k=8)
        search_ms.append((time.perf_counter() - t0) * 1000)
        a = answerer.ask(q, groups=["everyone"])
        answer_ms.append(a.timings_ms["total"])
        for key in stages:
            stages[key].append(a.timings_ms[key])
    print(f"{label}: {len(questions)} questions, warm process")
    print(f"  search            p50 {statistics.median(search_ms):6.1f} ms   "
          f"p95 {_pct(search_ms, 0.95):6.1f} ms")
    print(f"  extractive answer p50 {statistics.median(answer_ms):6.1f} ms   "
          f"p95 {_pct(answer_ms, 0.95):6.1f} ms")
    for key, values in stages.items():
        print(f"    {key:<8} p50 {statistics.median(values):6.1f} ms   "
              f"p95 {_pct(values, 0.95):6.1f} ms")


def _measure_scaled(args: argparse.Namespace, questions: list[str]) -> None:
    """An index of ``--scale`` chunks: the real FinanceBench chunks, repeated under other
    document ids with random dense vectors. Exact search costs the same whatever the
    vectors hold, and the answers still read real filing text."""
    import numpy as np

    from retrieval.store.points import IndexedChunk

    target = args.data.parent / f"{args.data.name}-scale{args.scale}"
    scaled = _open(target)
    have = scaled.index.count()
    if have < args.scale:
        source = _open(args.data, args.collection)
        chunks = [c for r in source.catalog.list() for c in source.index.chunks(r.doc_id)]
        source.close()
        rng = np.random.default_rng(7)
        copy, written = 0, have
        print(f"building {args.scale} chunks at {target}…", file=sys.stderr)
        while written < args.scale:
            batch = []
            for c in chunks[: args.scale - written]:
                moved = replace(c, doc_id=f"{c.doc_id}-{copy}", source=f"{copy}-{c.source}")
                v = rng.normal(size=scaled.embedder.dimension).astype(np.float32)
                batch.append(IndexedChunk(moved, v / np.linalg.norm(v),
                                          scaled.sparse.encode_document(c.text)))
            for start in range(0, len(batch), 2000):
                scaled.index.upsert(batch[start:start + 2000])
            for doc in sorted({b.chunk.doc_id: b.chunk.version for b in batch}.items()):
                scaled.index.publish(*doc)
            written += len(batch)
            copy += 1
    if not scaled.catalog.list():  # catalog rows, so that questions name documents here too
        source = _open(args.data, args.collection)
        base = source.catalog.list()
        source.close()
        for copy in range(-(-args.scale // max(1, sum(r.chunks for r in base)))):
            for r in base:
                scaled.catalog.put(replace(r, doc_id=f"{r.doc_id}-{copy}",
                                           source=f"{copy}-{r.source}"))
    _measure(scaled, questions, f"scaled index ({scaled.index.count()} chunks)")
    scaled.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scifact", help="nDCG@10 and recall@100 on BEIR SciFact")
    s.add_argument("--data", type=Path, default=Path("/tmp/docqa-bench-scifact"))
    s.add_argument("--split", default="train")
    f = sub.add_parser("financebench", help="page hit@5/10 on FinanceBench dev questions")
    f.add_argument("--data", type=Path, default=Path("/tmp/docqa-bench-financebench"))
    lat = sub.add_parser("latency", help="search and answer latency, warm process")
    lat.add_argument("--data", type=Path, default=Path("/tmp/docqa-bench-financebench"))
    lat.add_argument("--scale", type=int, default=100_000)
    lat.add_argument("--collection", default="docqa", help="the index under --data to read")
    ab = sub.add_parser("ablation", help="each retrieval stage's share on FinanceBench dev")
    ab.add_argument("--data", type=Path, default=Path("/tmp/docqa-bench-financebench"))
    ab.add_argument("--collection", default="financebench")
    args = parser.parse_args()
    {"scifact": scifact, "financebench": financebench, "latency": latency,
     "ablation": ablation}[args.command](args)


if __name__ == "__main__":
    main()
