"""Does an upload slow the app down for others? Answer latency while a large filing is
indexed, as the app does it (``UploadQueue``: the indexing process, shortest first, a slot kept
for small files), and how long small files uploaded just after it wait.

Indexes the sample documents into a fresh data dir, measures `ask` latency idle, then again
while the upload queue indexes a FinanceBench 10-K with four small filings submitted right
after it, and prints p50/p95 idle and during the upload, their ratios, and each small file's
wait before its indexing started and until it was searchable. Figures, not assertions; the
load average is printed with them, because on a busy machine they mean little.

    python -m bench.upload_bench [--file BOEING_2022_10K.pdf] [--small 4] [--json]
    python -m bench.upload_bench --in-process   # the old way, for comparison on this machine

``--in-process`` indexes the same files as docqa did before the indexing process (issue 16):
on one thread of the app's own process, one file after another in the order given, with the
app's embedder. Run both on the same machine state and compare the ratios, not the ms.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PDFS = REPO.parent / "shared" / "corpora" / "financebench" / "pdfs"
QUESTIONS = ["What is the hotel cap in Munich?", "How long does my account password need to be?",
             "Who has to sign off on a business trip that will cost about EUR 4,000?",
             "How much power does the EL-420 typically draw?",
             "How many days of annual leave do I get after seven years?"]
#: the smallest filings of the set: 8-Ks and an earnings release (0.1-0.15 MB)
SMALL = ["ULTABEAUTY_2023Q4_EARNINGS.pdf", "PEPSICO_2023_8K_dated-2023-05-05.pdf",
         "FOOTLOCKER_2022_8K_dated-2022-05-20.pdf", "AMCOR_2022_8K_dated-2022-07-01.pdf"]


class InProcess:
    """The upload path before issue 16, for comparison: one thread of this process indexes
    the files in the order they came, with this process's embedder."""

    def __init__(self, services: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.services = services
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._jobs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def submit(self, name: str, data: bytes, groups: list[str], uploader: str) -> Any:
        from ingest.uploads import UploadJob

        job = UploadJob(f"j{len(self._jobs)}", name, len(data), tuple(groups), uploader)
        with self._lock:
            self._jobs[job.job_id] = job
        self._pool.submit(self._index, job, data)
        return job

    def _index(self, job: Any, data: bytes) -> None:
        from dataclasses import replace

        from ingest.pipeline import Ingestor
        from ingest.sources import SourceFile

        with self._lock:
            self._jobs[job.job_id] = replace(job, state="parsing", started_at=time.time())
        with tempfile.TemporaryDirectory(prefix="docqa-bench-upload-") as tmp:
            path = Path(tmp) / job.filename
            path.write_bytes(data)
            report = Ingestor(self.services).ingest_files([SourceFile(path, job.filename)],
                                                          list(job.groups), job.uploader)
        with self._lock:
            self._jobs[job.job_id] = replace(self._jobs[job.job_id],
                                             state="failed" if report.failed else "indexed",
                                             finished_at=time.time())

    def get(self, job_id: str) -> Any:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Any]:
        with self._lock:
            return list(self._jobs.values())

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while any(not j.done for j in self.jobs()):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _ratio(a: float, b: float) -> float:
    return round(a / max(b, 1e-9), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default="BOEING_2022_10K.pdf", help="the filing to upload")
    parser.add_argument("--small", type=int, default=4, choices=range(len(SMALL) + 1),
                        help="small filings submitted just after it")
    parser.add_argument("--questions", type=int, default=20, help="questions asked idle")
    parser.add_argument("--cold-worker", action="store_true",
                        help="do not start the indexing process before the upload (the first "
                             "upload after the app started pays for its start)")
    parser.add_argument("--in-process", action="store_true",
                        help="index on a thread of this process, in order (the old way)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    filing = PDFS / args.file
    if not filing.exists():
        print(f"skipped: {filing} is not present (clone ../shared beside the repo)")
        return 0
    smalls = [PDFS / name for name in SMALL[:args.small] if (PDFS / name).exists()]

    from docqa.services import open_services
    from ingest.pipeline import Ingestor
    from ingest.uploads import UploadJob, UploadQueue, share_cores_with_questions
    from retrieval.settings import load_settings
    from retrieval.timings import percentile

    share_cores_with_questions()  # as the app does
    load_before = os.getloadavg()[0]
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
        idle = [timed() for _ in range(args.questions)]
        queue: UploadQueue | InProcess = (InProcess(services) if args.in_process
                                          else UploadQueue(services))
        if not args.cold_worker and not args.in_process:
            # as in an app that has indexed something since it started
            queue.submit("warm-up.txt", b"The indexing process is ready.", ["everyone"],
                         "bench")
            queue.wait(600)
        t0 = time.time()
        big = queue.submit(filing.name, filing.read_bytes(), ["everyone"], "bench")
        small_jobs = [queue.submit(p.name, p.read_bytes(), ["everyone"], "bench")
                      for p in smalls]
        busy: list[float] = []
        while (current := queue.get(big.job_id)) is not None and not current.done:
            busy.append(timed())
            time.sleep(0.2)  # a person reads the answer before asking again
        queue.wait(1200)
        done: dict[str, UploadJob] = {j.job_id: j for j in queue.jobs()}
        queue.close()
        services.close()
    load_after = os.getloadavg()[0]

    def seconds(job: UploadJob, end: float | None) -> float:
        return round((end or time.time()) - job.submitted_at, 1)

    big_done = done[big.job_id]
    waited = [seconds(j, done[j.job_id].started_at) for j in small_jobs]
    finished = [seconds(j, done[j.job_id].finished_at) for j in small_jobs]
    small_rows = [{"file": j.filename, "state": done[j.job_id].state, "waited_s": w,
                   "done_after_s": f} for j, w, f in zip(small_jobs, waited, finished,
                                                          strict=True)]
    ms = {name: round(percentile(values, p) or 0.0)
          for name, values, p in [("idle_p50_ms", idle, 50), ("idle_p95_ms", idle, 95),
                                  ("upload_p50_ms", busy, 50), ("upload_p95_ms", busy, 95)]}
    result: dict[str, Any] = {
        "file": filing.name, "state": big_done.state,
        "mode": "in-process thread (old)" if args.in_process else "indexing process",
        "index_s": round((big_done.finished_at or time.time()) - t0, 1),
        "questions_during_upload": len(busy), **ms,
        "slowdown_p50": _ratio(ms["upload_p50_ms"], ms["idle_p50_ms"]),
        "slowdown_p95": _ratio(ms["upload_p95_ms"], ms["idle_p95_ms"]),
        "small_files": small_rows,
        "small_waited_max_s": max(waited, default=0.0),
        "small_done_max_s": max(finished, default=0.0),
        "load_avg_1m": [round(load_before, 2), round(load_after, 2)],
        "cores": len(os.sched_getaffinity(0)),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"mode: {result['mode']}")
    print(f"{filing.name}: indexed in {result['index_s']} s ({result['state']}); load average "
          f"{load_before:.1f} -> {load_after:.1f} on {result['cores']} cores")
    print(f"answer latency idle:          p50 {ms['idle_p50_ms']} ms, "
          f"p95 {ms['idle_p95_ms']} ms over {len(idle)} questions")
    print(f"answer latency during upload: p50 {ms['upload_p50_ms']} ms, "
          f"p95 {ms['upload_p95_ms']} ms over {len(busy)} questions")
    print(f"slowdown: p50 {result['slowdown_p50']}x, p95 {result['slowdown_p95']}x")
    for row in small_rows:
        print(f"small file {row['file']}: waited {row['waited_s']} s to start, "
              f"{row['state']} after {row['done_after_s']} s "
              f"(the big one took {result['index_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
