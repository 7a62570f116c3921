"""Embedder benchmark: the torch MiniLM against the same MiniLM run by ONNX Runtime (fp32 and
int8), on the same real chunks, interleaved in one run (the machine is shared: variants are
compared within a run, never across runs). Figures, not assertions.

Speed: chunks/s over ~500 chunks of FinanceBench filings (parsed and chunked as ingest does;
the sample documents of data/docs when ../shared is absent), batch sizes 32 and 64, the median
of 3 runs, each round running the variants in a rotated order. Peak RSS: each variant alone in
a child process (load, then embed 128 chunks).

Quality: SciFact (BEIR, train qrels) nDCG@10 of dense-only retrieval: each abstract embedded
once ("title\\ntext", cut at 256 word pieces by the embedder), exact search with numpy, the same
queries and qrels for every variant. The hybrid search of ``docqa eval run`` is not repeated per
variant (hours on two shared cores); dense-only isolates what the embedder changes.

    python -m bench.embed_bench                    # everything
    python -m bench.embed_bench --quality none     # speed only
    python -m bench.embed_bench --scifact-docs 1500  # relevant abstracts + distractors
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.ports import Embedder

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
PDFS = CORPORA / "financebench" / "pdfs"
SCIFACT = CORPORA / "scifact"
FILINGS = ["3M_2018_10K.pdf", "ADOBE_2017_10K.pdf", "AMCOR_2022_8K_dated-2022-07-01.pdf",
           "BOEING_2022_10K.pdf", "PEPSICO_2022_10K.pdf"]
VARIANTS = ("torch", "onnx-fp32", "onnx-int8")


def make(variant: str, batch_size: int) -> Embedder:
    if variant == "torch":
        from retrieval.adapters.minilm import MiniLMEmbedder

        return MiniLMEmbedder(batch_size=batch_size)
    from retrieval.adapters.minilm_onnx import MiniLMOnnxEmbedder

    return MiniLMOnnxEmbedder(precision="int8" if variant == "onnx-int8" else "fp32",
                              batch_size=batch_size)


def chunk_texts(n: int, fits: Callable[[str], bool]) -> tuple[list[str], str]:
    """``n`` chunks as the embedder reads them in ingest, spread evenly over each document."""
    from ingest.chunking import Chunker
    from ingest.pipeline import embedding_text, read_document
    from ingest.sources import discover

    if PDFS.exists():
        paths = [PDFS / name for name in FILINGS if (PDFS / name).exists()]
        origin = f"{len(paths)} FinanceBench filings"
    else:
        paths = [REPO / "data" / "docs"]
        origin = "the sample documents of data/docs"
    files, _ = discover(paths)
    chunker = Chunker(200, 30, fits=fits)
    per_doc: list[list[str]] = []
    for file in files:
        try:
            parsed, drafts = read_document(file, file.path.read_bytes(), chunker)
        except Exception as e:  # a bench reads what it can
            print(f"  skipped {file.source}: {e}", file=sys.stderr)
            continue
        per_doc.append([embedding_text(parsed.title, d.section, d.text) for d in drafts])
    texts: list[str] = []
    share = max(1, n // max(1, len(per_doc)))
    for doc in per_doc:
        step = max(1, len(doc) // share)
        texts += doc[::step][:share]
    taken = set(texts)
    rest = [t for doc in per_doc for t in doc if t not in taken]
    texts += rest[:n - len(texts)]
    return texts[:n], origin


def speed(texts: list[str], batches: list[int], rounds: int) -> dict[str, dict[int, float]]:
    """Median chunks/s per variant and batch size. Every (variant, batch) runs once per
    round, in an order rotated from round to round, so a burst of load on the shared machine
    falls on all of them alike."""
    # torch does not run one text at a time (sentence-transformers batches by itself);
    # int8 runs nothing else (in a batch, a text's vector depends on its neighbours).
    configs = [(v, b) for b in batches for v in VARIANTS
               if (v != "torch" or b > 1) and (v != "onnx-int8" or b == 1)]
    embedders = {c: make(*c) for c in configs}
    for embedder in embedders.values():
        embedder.embed(texts[:8])  # warm up (allocations, first-run kernels)
    runs: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    for r in range(rounds):
        shift = r * len(configs) // max(1, rounds)
        for config in configs[shift:] + configs[:shift]:
            started = time.perf_counter()
            embedders[config].embed(texts)
            runs[config].append(len(texts) / (time.perf_counter() - started))
            print(f"  round {r + 1} {config[0]:>9} batch {config[1]:>2}: "
                  f"{runs[config][-1]:6.1f} chunks/s", file=sys.stderr, flush=True)
    figures: dict[str, dict[int, float]] = {v: {} for v in VARIANTS}
    for (variant, batch), rates in runs.items():
        figures[variant][batch] = statistics.median(rates)
    return figures


def peak_rss_mb(variant: str, texts: list[str]) -> float:
    """Peak RSS of a child process that loads ``variant`` and embeds ``texts``."""
    done = subprocess.run([sys.executable, "-m", "bench.embed_bench", "--rss-child", variant],
                          input=json.dumps(texts), capture_output=True, text=True, cwd=REPO,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def rss_child(variant: str) -> int:
    texts = json.loads(sys.stdin.read())
    make(variant, 64 if variant == "torch" else 1).embed(texts)
    # VmHWM, not getrusage's ru_maxrss: that one carries the parent's peak across fork+exec.
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    peak_kb = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmHWM:"))
    print(peak_kb / 1024)
    return 0


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    from evals.metrics import ndcg_at

    return ndcg_at(ranked, relevant, 10)


def quality(docs_cap: int) -> dict[str, dict[str, float]]:
    """Dense-only SciFact nDCG@10 per variant, and how far each agrees with torch."""
    from evals.beir import corpus_id, corpus_records, load_split

    split = load_split(SCIFACT, "train")
    records = list(corpus_records(SCIFACT))
    if docs_cap:
        wanted = {doc for rel in split.qrels.values() for doc in rel}
        keep = [r for r in records if corpus_id(r.source) in wanted]
        keep += [r for r in records if corpus_id(r.source) not in wanted][
            :max(0, docs_cap - len(keep))]
        records = keep
    ids = [corpus_id(r.source) for r in records]
    docs = [f"{r.title}\n{r.text}" for r in records]
    qids = list(split.queries)
    queries = [split.queries[q] for q in qids]
    print(f"  SciFact: {len(docs)} abstracts, {len(queries)} queries", file=sys.stderr)
    out: dict[str, dict[str, float]] = {}
    rankings: dict[str, np.ndarray] = {}
    doc_vectors: dict[str, np.ndarray] = {}
    for variant in VARIANTS:
        embedder = make(variant, 64 if variant == "torch" else 1)
        started = time.perf_counter()
        d = embedder.embed_background(docs)
        seconds = time.perf_counter() - started
        q = embedder.embed(queries)
        top = np.argsort(-(q @ d.T), axis=1, kind="stable")[:, :10]
        rankings[variant] = top
        doc_vectors[variant] = d
        scores = [ndcg_at_10([ids[j] for j in row], split.qrels[qid])
                  for qid, row in zip(qids, top, strict=True)]
        out[variant] = {"ndcg@10": float(np.mean(scores)),
                        "corpus_chunks_per_s": len(docs) / seconds}
        print(f"  {variant:>9}: nDCG@10 {out[variant]['ndcg@10']:.4f} "
              f"({len(docs) / seconds:.1f} abstracts/s)", file=sys.stderr, flush=True)
        del embedder
    for variant in VARIANTS[1:]:
        cosines = (doc_vectors[variant] * doc_vectors["torch"]).sum(axis=1)
        overlap = [len(set(a) & set(b)) / 10
                   for a, b in zip(rankings[variant], rankings["torch"], strict=True)]
        top1 = float(np.mean(rankings[variant][:, 0] == rankings["torch"][:, 0]))
        out[variant] |= {"min_cosine_vs_torch": float(cosines.min()),
                         "mean_cosine_vs_torch": float(cosines.mean()),
                         "top10_overlap_vs_torch": float(np.mean(overlap)),
                         "top1_same_as_torch": top1}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default="1,32,64",
                        help="texts per model call, comma-separated (1: ONNX only, each text "
                             "alone and unpadded, the ONNX adapter's default)")
    parser.add_argument("--quality", choices=["scifact", "none"], default="scifact")
    parser.add_argument("--scifact-docs", type=int, default=0,
                        help="cap the SciFact corpus (relevant abstracts first; 0 = all 5,183)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        return rss_child(args.rss_child)

    from retrieval.adapters.minilm_onnx import exported

    if not (exported(precision="fp32") and exported(precision="int8")):
        print("skipped: no ONNX export (run `python scripts/export_onnx.py`)")
        return 0
    probe = make("onnx-fp32", 64)
    texts, origin = chunk_texts(args.chunks, probe.fits)
    del probe
    words = [len(t.split()) for t in texts]
    print(f"{len(texts)} chunks from {origin} (median {statistics.median(words):.0f} words)",
          file=sys.stderr)
    batches = [int(b) for b in args.batches.split(",")]
    figures: dict[str, object] = {"chunks": len(texts), "origin": origin}
    rates = speed(texts, batches, args.rounds)
    figures["chunks_per_s"] = {v: {str(b): round(r, 1) for b, r in by.items()}
                               for v, by in rates.items()}
    best_torch = max(rates["torch"].values())
    figures["ratio_vs_torch"] = {v: {str(b): round(r / best_torch, 2) for b, r in by.items()}
                                 for v, by in rates.items() if v != "torch"}
    figures["peak_rss_mb"] = {v: round(peak_rss_mb(v, texts[:128])) for v in VARIANTS}
    if args.quality == "scifact" and SCIFACT.exists():
        figures["scifact_dense"] = {v: {k: round(x, 4) for k, x in q.items()}
                                    for v, q in quality(args.scifact_docs).items()}
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"{figures['chunks']} chunks from {origin}; median of {args.rounds} interleaved runs")
    for batch in batches:
        for variant in VARIANTS:
            if batch in rates[variant]:
                print(f"  batch {batch:>3} {variant:>9}: {rates[variant][batch]:7.1f} chunks/s")
    best = max(rates["torch"], key=lambda b: rates["torch"][b])
    print(f"  ratios against torch at its best batch ({best}, {rates['torch'][best]:.1f} "
          "chunks/s):")
    for variant in VARIANTS[1:]:
        for batch, rate in rates[variant].items():
            print(f"    {variant} (batch {batch}) / torch = {rate / rates['torch'][best]:.2f}x")
    rss = figures["peak_rss_mb"]
    assert isinstance(rss, dict)
    print("  peak RSS (load + 128 chunks, alone): "
          + ", ".join(f"{v} {mb} MB" for v, mb in rss.items()))
    scifact = figures.get("scifact_dense")
    if isinstance(scifact, dict):
        print("SciFact dense-only nDCG@10 (train qrels, exact numpy search):")
        for variant, q in scifact.items():
            extra = "" if variant == "torch" else (
                f"  (delta {q['ndcg@10'] - scifact['torch']['ndcg@10']:+.4f}; cosine vs torch "
                f"min {q['min_cosine_vs_torch']:.4f} mean {q['mean_cosine_vs_torch']:.4f}; "
                f"top-10 overlap {q['top10_overlap_vs_torch']:.3f}, "
                f"top-1 same {q['top1_same_as_torch']:.3f})")
            print(f"  {variant:>9}: {q['ndcg@10']:.4f}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
