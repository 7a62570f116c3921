"""Ingestion benchmark: a fixed subset of FinanceBench filings into a fresh data dir.

Prints pages/s, chunks/s, peak RSS, and the ratio of the whole pipeline's throughput to the
embedder's standalone throughput on the same chunks (1.0 = parsing, chunking and writes are
completely hidden behind embedding). Figures, not assertions: run it, read it.

    python -m bench.ingest_bench            # 5 filings
    python -m bench.ingest_bench --files 0  # all 74 filings
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PDFS = REPO.parent / "shared" / "corpora" / "financebench" / "pdfs"
SUBSET = ["3M_2018_10K.pdf", "ADOBE_2017_10K.pdf", "AMCOR_2022_8K_dated-2022-07-01.pdf",
          "BOEING_2022_10K.pdf", "PEPSICO_2022_10K.pdf"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5,
                        help="how many filings (0 = all 74); the default 5 are a fixed subset")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not PDFS.exists():
        print(f"skipped: {PDFS} is not present (clone ../shared beside the repo)")
        return 0

    from docqa.services import open_services
    from ingest.pipeline import EMBED_SLICE, Ingestor, embedding_text
    from retrieval.settings import load_settings

    every = sorted(PDFS.glob("*.pdf"))
    if args.files == 0:
        files = every
    else:
        chosen = [PDFS / name for name in SUBSET if (PDFS / name).exists()]
        files = (chosen + [p for p in every if p not in chosen])[:args.files]

    with tempfile.TemporaryDirectory(prefix="docqa-bench-") as tmp:
        settings = load_settings(data_dir=Path(tmp) / "data")
        services = open_services(settings)
        ingestor = Ingestor(services)
        started = time.perf_counter()
        report = ingestor.ingest(files)
        pipeline_s = time.perf_counter() - started

        texts: list[str] = []
        for record in services.catalog.list():
            texts += [embedding_text(c.title, c.section, c.text)
                      for c in services.index.chunks(record.doc_id)]
        texts.sort(key=len, reverse=True)  # as the pipeline does
        started = time.perf_counter()
        for start in range(0, len(texts), EMBED_SLICE):
            services.embedder.embed(texts[start:start + EMBED_SLICE])
        embed_only_s = time.perf_counter() - started
        services.close()

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "files": len(files), "failed": len(report.failed), "pages": report.pages,
        "chunks": report.chunks, "pipeline_seconds": round(pipeline_s, 1),
        "pages_per_s": round(report.pages / pipeline_s, 1),
        "chunks_per_s": round(report.chunks / pipeline_s, 1),
        "embed_only_chunks_per_s": round(len(texts) / embed_only_s, 1),
        "pipeline_to_embedder_ratio": round((report.chunks / pipeline_s)
                                            / (len(texts) / embed_only_s), 3),
        "embed_share_of_pipeline": round(ingestor.embed_seconds / pipeline_s, 3),
        "peak_rss_mb": round(peak_rss_mb),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>28}: {value}")
        for failed in report.failed:
            print(f"  failed {failed.path}: {failed.error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
