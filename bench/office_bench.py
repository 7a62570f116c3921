"""Office corpus benchmark: every file of ../shared/corpora/office (591 awkward Word, Excel and
PowerPoint files from Apache POI's test data) through the real readers and chunker.

Each file runs in a forked child with a hard time limit, so a hang or a crash of the reader is
counted, never hidden. A file is *handled* when it yields chunks of text or fails with one clear
sentence (an ``IngestError`` reason on one line); anything else (another exception, a dead
child, a timeout) is a *crash*. Prints the share handled, crashes, seconds per file (median,
p95), the top failure reasons, and whether any converter process or temporary folder was left
behind. Figures, not assertions (tests/test_office.py asserts on a sample).

    python -m bench.office_bench              # all files
    python -m bench.office_bench --sample 40  # the deterministic sample the test uses
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpora" / "office"
TIMEOUT_S = 240.0  # per file: above the converter's own limit, so only a real hang reaches it


@dataclass(frozen=True)
class Outcome:
    path: str
    status: str  # indexed | failed | crashed
    seconds: float
    chunks: int = 0
    pages: int = 0
    reason: str = ""


def corpus_files(root: Path = CORPUS) -> list[Path]:
    from ingest.sources import SUPPORTED

    office = {"word", "presentation", "spreadsheet"}
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and SUPPORTED.get(p.suffix.lower()) in office)


def warm_up() -> None:
    """Import the readers and load the tokenizer once, before the children fork."""
    from ingest.pipeline import read_document
    from retrieval.tokens import count_tokens

    del read_document
    count_tokens("warm up")


def sample(files: Sequence[Path], n: int) -> list[Path]:
    """``n`` files spread evenly over the sorted list (every folder, the same files each run)."""
    if n <= 0 or n >= len(files):
        return list(files)
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]


def clear_sentence(reason: str) -> bool:
    return (bool(reason.strip()) and "\n" not in reason and len(reason) <= 400
            and "Traceback" not in reason)


def _child(path: str, conn: Connection) -> None:
    from ingest.chunking import Chunker
    from ingest.pipeline import read_document
    from ingest.sources import SourceFile
    from retrieval.errors import IngestError

    file = SourceFile(Path(path), Path(path).name)
    try:
        parsed, drafts = read_document(file, Path(path).read_bytes(), Chunker(200, 30))
        texts = sum(len(d.text.strip()) for d in drafts)
        if drafts and texts:
            conn.send(("indexed", len(drafts), len(parsed.pages), ""))
        elif parsed.image_only_pages:
            conn.send(("indexed", 0, len(parsed.pages), "needs OCR"))
        else:
            conn.send(("failed", 0, 0, "no text"))
    except IngestError as e:
        conn.send(("failed", 0, 0, e.reason))
    except BaseException as e:  # what the bench exists to find
        conn.send(("crashed", 0, 0, f"{type(e).__name__}: {e}"[:300]))
    finally:
        conn.close()


def run_one(path: Path, timeout: float = TIMEOUT_S) -> Outcome:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    started = time.perf_counter()
    child = context.Process(target=_child, args=(str(path), send), daemon=True)
    child.start()
    send.close()
    result = None
    if receive.poll(timeout):
        try:
            result = receive.recv()
        except EOFError:
            result = None
    seconds = time.perf_counter() - started
    if child.is_alive():
        child.kill()
    child.join()
    rel = str(path.relative_to(CORPUS)) if path.is_relative_to(CORPUS) else str(path)
    if result is None:
        why = (f"no answer within {timeout:.0f} s" if seconds >= timeout
               else f"the reader died (exit code {child.exitcode})")
        return Outcome(rel, "crashed", seconds, reason=why)
    status, chunks, pages, reason = result
    if status == "failed" and not clear_sentence(reason):
        status, reason = "crashed", f"unclear reason: {reason[:200]!r}"
    return Outcome(rel, status, seconds, chunks, pages, reason)


def _shape(reason: str) -> str:
    """A reason with its file-specific details removed, for counting."""
    reason = re.sub(r"\(.*?\)", "(…)", reason)
    return re.sub(r"\d[\d,.]*", "N", reason)[:140]


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, round(q * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def leftovers() -> tuple[int, int]:
    """(converter processes, temporary folders) this module's readers left behind."""
    processes = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"docqa-office-" in cmdline.read_bytes():
                processes += 1
        except OSError:
            continue
    folders = len(list(Path(tempfile.gettempdir()).glob("docqa-office-*")))
    folders += len(list(Path(tempfile.gettempdir()).glob("docqa-view-*")))
    return processes, folders


def summarise(outcomes: Sequence[Outcome], seconds: float) -> dict[str, object]:
    total = len(outcomes)
    counts = Counter(o.status for o in outcomes)
    times = [o.seconds for o in outcomes]
    reasons = Counter(_shape(o.reason) for o in outcomes if o.status == "failed")
    by_folder: dict[str, Counter[str]] = {}
    for o in outcomes:
        by_folder.setdefault(o.path.split("/", 1)[0], Counter())[o.status] += 1
    processes, folders = leftovers()
    return {
        "files": total, "indexed": counts["indexed"], "failed_clearly": counts["failed"],
        "crashed": counts["crashed"],
        "handled_share": round((counts["indexed"] + counts["failed"]) / total, 4) if total else 0,
        "seconds_median": round(_percentile(times, 0.5), 2),
        "seconds_p95": round(_percentile(times, 0.95), 2),
        "seconds_max": round(max(times, default=0.0), 2),
        "seconds_total": round(seconds, 1),
        "top_failure_reasons": reasons.most_common(12),
        "by_folder": {k: dict(v) for k, v in sorted(by_folder.items())},
        "crashes": [asdict(o) for o in outcomes if o.status == "crashed"],
        "leftover_processes": processes, "leftover_temp_folders": folders,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=0, help="only N files, spread evenly")
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is not present (clone ../shared beside the repo)")
        return 0
    files = sample(corpus_files(), args.sample)
    warm_up()
    started = time.perf_counter()
    outcomes = []
    for n, path in enumerate(files, start=1):
        outcome = run_one(path)
        outcomes.append(outcome)
        print(f"[{n}/{len(files)}] {outcome.status:8} {outcome.seconds:6.1f}s {outcome.path}"
              f"{': ' + outcome.reason if outcome.reason else ''}", file=sys.stderr, flush=True)
    summary = summarise(outcomes, time.perf_counter() - started)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary,
                                         "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    print(f"files: {summary['files']}  indexed: {summary['indexed']}  failed with a clear "
          f"reason: {summary['failed_clearly']}  crashed: {summary['crashed']}")
    print(f"handled: {float(summary['handled_share']):.1%}  (indexed or a clear reason)")  # type: ignore[arg-type]
    print(f"seconds per file: median {summary['seconds_median']}  p95 "
          f"{summary['seconds_p95']}  max {summary['seconds_max']}  "
          f"(total {summary['seconds_total']} s)")
    print(f"left behind: {summary['leftover_processes']} converter processes, "
          f"{summary['leftover_temp_folders']} temporary folders")
    print("by folder:", json.dumps(summary["by_folder"]))
    print("top failure reasons:")
    for reason, count in summary["top_failure_reasons"]:  # type: ignore[attr-defined]
        print(f"  {count:4}  {reason}")
    for crash in summary["crashes"]:  # type: ignore[attr-defined]
        print(f"  CRASH {crash['path']}: {crash['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
