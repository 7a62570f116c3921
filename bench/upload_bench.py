"""Does an upload freeze the app for others? Answer latency while a large filing is indexed
in the background, as the app does it (one process, the upload queue's worker thread).

Indexes the sample documents into a fresh data dir, measures `ask` latency idle, then again
while the upload queue indexes a FinanceBench 10-K, and prints p50/p95 and the slowdown.
Figures, not assertions.

    python -m bench.upload_bench [--file BOEING_2022_10K.pdf] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PDFS = REPO.parent / "shared" / "corpora" / "financebench" / "pdfs"
QUESTIONS = ["What is the hotel cap in Munich?", "How long does my account password need to be?",
             "Who has to sign off on a business trip that will cost about EUR 4,000?",
             "How much power does the EL-420 typically draw?",
             "How many days of annual leave do I get after seven years?"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default="BOEING_2022_10K.pdf", help="the filing to upload")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--default-switch-interval", action="store_true",
                        help="keep Python's 5 ms GIL switch interval (the app lowers it)")
    args = parser.parse_args()
    filing = PDFS / args.file
    if not filing.exists():
        print(f"skipped: {filing} is not present (clone ../shared beside the repo)")
        return 0

    from docqa.services import open_services
    from ingest.pipeline import Ingestor
    from ingest.uploads import UploadQueue, share_cores_with_questions
    from retrieval.settings import load_settings
    from retrieval.timings import percentile

    if not args.default_switch_interval:
        share_cores_with_questions()  # as the app does
    with tempfile.TemporaryDirectory(prefix="docqa-bench-") as tmp:
        services = open_services(load_settings(data_dir=Path(tmp) / "data"))
        Ingestor(services).ingest([REPO / "data/docs/public"])
        answerer = services.answerer(offline=True)

        asked = itertools.cycle(QUESTIONS)

        def timed() -> float:
            t0 = time.perf_counter()
            answerer.ask(next(asked), groups=["everyone"])
            return (time.perf_counter() - t0) * 1000

        for _ in range(3):
            timed()  # warm up
        idle = [timed() for _ in range(20)]
        queue = UploadQueue(services)
        t0 = time.perf_counter()
        job = queue.submit(filing.name, filing.read_bytes(), ["everyone"], "bench")
        busy: list[float] = []
        while (current := queue.get(job.job_id)) is not None and not current.done:
            busy.append(timed())
            time.sleep(0.2)  # a person reads the answer before asking again
        index_s = time.perf_counter() - t0
        final = queue.get(job.job_id)
        queue.close()
        services.close()
    idle_p50, busy_p50 = percentile(idle, 50) or 0.0, percentile(busy, 50) or 0.0
    result = {"file": filing.name, "state": final.state if final else "?",
              "index_s": round(index_s, 1), "questions_during_upload": len(busy),
              "idle_p50_ms": round(idle_p50), "idle_p95_ms": round(percentile(idle, 95) or 0),
              "upload_p50_ms": round(busy_p50), "upload_p95_ms": round(percentile(busy, 95) or 0),
              "slowdown_p50": round(busy_p50 / max(idle_p50, 1e-9), 2)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{filing.name}: indexed in {result['index_s']} s ({result['state']})")
        print(f"answer latency idle:          p50 {result['idle_p50_ms']} ms, "
              f"p95 {result['idle_p95_ms']} ms")
        print(f"answer latency during upload: p50 {result['upload_p50_ms']} ms, "
              f"p95 {result['upload_p95_ms']} ms over {len(busy)} questions")
        print(f"slowdown (p50): {result['slowdown_p50']}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
