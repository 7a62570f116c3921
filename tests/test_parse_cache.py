"""The parse cache (a re-index of an unchanged PDF does not parse it again) and the child
process that reads long PDFs (a file it fails on, crashes on or hangs on fails alone, and the
batch goes on), through real ingests on a real data directory."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import multiprocessing.spawn
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.document import ParsedDocument
from ingest.parse_cache import ParseCache
from ingest.pdf import parser_version, read_pdf_text
from ingest.pdf_worker import Outcome, PdfParser, read_in_child
from ingest.pipeline import Ingestor, ParseCounts
from retrieval.errors import IngestError
from tests.pdfs import write_pdf

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def ingestor(open_services: Callable[..., Any]) -> Ingestor:
    return Ingestor(open_services())


def _pdf(folder: Path, name: str, marker: str, pages: int = 3) -> Path:
    return write_pdf(folder / name, [f"{n}. Part {n}\nThe {marker} policy, page {n}: the hotel "
                                     f"cap is {200 + n} GBP per night."
                                     for n in range(1, pages + 1)])


def _read(entry: Path) -> str:
    return gzip.decompress(entry.read_bytes()).decode("utf-8")


def _entries(ingestor: Ingestor) -> list[Path]:
    return sorted(ingestor.parse_cache.folder.glob("*.json.gz"))


def _texts(ingestor: Ingestor, source: str) -> list[str]:
    record = ingestor.services.catalog.find(source)
    assert record is not None
    return [c.text for c in ingestor.services.index.chunks(record.doc_id)]


# -- the cache -----------------------------------------------------------------------------
def test_a_reindex_of_an_unchanged_pdf_does_not_parse_it_again(ingestor: Ingestor,
                                                                tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "in", "policy.pdf", "travel")
    assert ingestor.ingest([pdf]).ingested == ["policy.pdf"]
    assert ingestor.parse_counts == ParseCounts(parsed=1, in_child=0, cached=0)
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert [p.name for p in _entries(ingestor)] == [f"{sha}.{parser_version()}.json.gz"]
    chunks = _texts(ingestor, "policy.pdf")

    assert ingestor.reindex("policy.pdf").ingested == ["policy.pdf"]
    assert ingestor.parse_counts == ParseCounts(parsed=1, in_child=0, cached=1)
    # the next run (a new Ingestor, as the next CLI command) finds it too
    later = Ingestor(ingestor.services)
    later.reindex("policy.pdf")
    assert later.parse_counts == ParseCounts(parsed=0, in_child=0, cached=1)
    assert _texts(later, "policy.pdf") == chunks
    record = ingestor.services.catalog.find("policy.pdf")
    assert record is not None and record.pages == 3


def test_another_parser_version_parses_again(ingestor: Ingestor, tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "in", "policy.pdf", "travel")
    ingestor.ingest([pdf])
    ingestor.pdf_parser = functools.partial(PdfParser, "layout")  # another engine
    ingestor.reindex("policy.pdf")
    assert ingestor.parse_counts.parsed == 2 and ingestor.parse_counts.cached == 0
    assert len(_entries(ingestor)) == 2  # one per version, both of this content


def test_deleting_the_document_deletes_its_cached_text(ingestor: Ingestor,
                                                       tmp_path: Path) -> None:
    keep = _pdf(tmp_path / "in", "keep.pdf", "travel")
    gone = _pdf(tmp_path / "in", "gone.pdf", "secret")
    ingestor.ingest([keep, gone])
    assert len(_entries(ingestor)) == 2
    ingestor.delete("gone.pdf")
    entries = _entries(ingestor)
    assert len(entries) == 1
    assert entries[0].name.startswith(hashlib.sha256(keep.read_bytes()).hexdigest())
    assert not any("secret" in _read(p) for p in entries)


def test_a_changed_file_drops_the_old_versions_text(ingestor: Ingestor, tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "in", "policy.pdf", "old")
    ingestor.ingest([pdf])
    _pdf(tmp_path / "in", "policy.pdf", "new")
    ingestor.ingest([pdf])
    entries = _entries(ingestor)
    assert len(entries) == 1 and "new policy" in _read(entries[0])


def test_an_unreadable_entry_is_a_miss_and_is_replaced(ingestor: Ingestor,
                                                       tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "in", "policy.pdf", "travel")
    ingestor.ingest([pdf])
    (entry,) = _entries(ingestor)
    entry.write_bytes(b"\x1f\x8b not gzip after all")
    assert ingestor.reindex("policy.pdf").ingested == ["policy.pdf"]
    assert ingestor.parse_counts.parsed == 2
    assert json.loads(_read(entry))["pages"][0].startswith("1. Part 1")


def test_a_file_that_fails_leaves_nothing_in_the_cache(ingestor: Ingestor,
                                                       tmp_path: Path) -> None:
    good = _pdf(tmp_path / "in", "good.pdf", "travel")
    (tmp_path / "in" / "truncated.pdf").write_bytes(good.read_bytes()[:700])
    write_pdf(tmp_path / "in" / "blank.pdf", [""])  # parses, but has no text to index
    report = ingestor.ingest([tmp_path / "in" / "truncated.pdf", tmp_path / "in" / "blank.pdf"])
    assert len(report.failed) == 2 and _entries(ingestor) == []


def test_a_title_made_from_the_file_name_is_not_kept_with_the_content(
        ingestor: Ingestor, tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "in", "quarterly_travel-report.pdf", "travel")  # no title set
    ingestor.ingest([pdf])
    (entry,) = _entries(ingestor)
    assert json.loads(_read(entry))["title"] == ""
    ingestor.reindex("quarterly_travel-report.pdf")
    record = ingestor.services.catalog.find("quarterly_travel-report.pdf")
    assert record is not None and record.title == "quarterly travel report"


def test_the_cache_keeps_under_its_cap_dropping_the_least_recently_used(
        tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    docs = {f"{n:064x}": ParsedDocument(f"Doc {n}", (os.urandom(3000).hex(),))
            for n in range(1, 5)}
    shas = list(docs)
    for i, sha in enumerate(shas[:3]):
        cache.put(sha, "v1", docs[sha])
        stamp = time.time() - 100 + i
        os.utime(cache._path(sha, "v1"), (stamp, stamp))
    assert cache.get(shas[0], "v1") == docs[shas[0]]  # used now: the newest
    entry = cache._path(shas[0], "v1").stat().st_size
    cache.cap_bytes = 3 * entry + entry // 2
    cache.put(shas[3], "v1", docs[shas[3]])
    assert cache.get(shas[1], "v1") is None  # the least recently used went
    assert all(cache.get(s, "v1") == docs[s] for s in (shas[0], shas[2], shas[3]))
    assert cache.size_bytes() <= cache.cap_bytes


def test_cache_keys_cannot_name_other_files(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd", "v1")
    with pytest.raises(ValueError):
        cache.get("a" * 64, "../v1")
    with pytest.raises(ValueError):
        cache.drop("*")


# -- the child process ---------------------------------------------------------------------
def crash_or_hang(path: str, engine: str) -> Outcome:
    """The child's job in these tests: the real one, except that a file named crash* kills
    the child (as a crash in a PDF library would) and one named hang* never ends."""
    name = Path(path).name
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    if name.startswith("hang"):
        time.sleep(3600)
    return read_in_child(path, engine)


def _child_ingestor(ingestor: Ingestor, **options: Any) -> Ingestor:
    ingestor.pdf_parser = functools.partial(PdfParser, min_pages=0, job=crash_or_hang,
                                            **options)
    return ingestor


def test_a_broken_file_fails_in_the_child_with_the_usual_sentence(ingestor: Ingestor,
                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "in"
    good = _pdf(folder, "a.pdf", "alpha")
    (folder / "b-truncated.pdf").write_bytes(good.read_bytes()[:700])
    _pdf(folder, "c.pdf", "charlie")
    with pytest.raises(IngestError) as in_process:
        read_pdf_text(folder / "b-truncated.pdf")
    report = _child_ingestor(ingestor).ingest([folder])
    assert report.ingested == ["a.pdf", "c.pdf"]
    assert [(Path(f.path).name, f.error) for f in report.failed] == [
        ("b-truncated.pdf", in_process.value.reason)]
    assert in_process.value.reason.startswith("this is not a readable PDF")
    assert ingestor.parse_counts.in_child == 2


def test_a_crash_of_the_child_fails_that_file_and_the_batch_goes_on(ingestor: Ingestor,
                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for name, marker in [("a.pdf", "alpha"), ("crash.pdf", "bravo"), ("c.pdf", "charlie")]:
        _pdf(folder, name, marker)
    report = _child_ingestor(ingestor).ingest([folder])
    assert report.ingested == ["a.pdf", "c.pdf"]  # c.pdf in a new child
    assert [(Path(f.path).name, f.error) for f in report.failed] == [
        ("crash.pdf", "the PDF reader stopped unexpectedly on this file (the file may be "
                      "damaged)")]
    assert ingestor.parse_counts.in_child == 2
    record = ingestor.services.catalog.find("crash.pdf")
    assert record is not None and "stopped unexpectedly" in record.error


@pytest.mark.slow
def test_a_child_that_hangs_is_stopped_and_the_batch_goes_on(ingestor: Ingestor,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for name, marker in [("hang.pdf", "alpha"), ("later.pdf", "bravo")]:
        _pdf(folder, name, marker)
    report = _child_ingestor(ingestor, timeout_s=8).ingest([folder])
    assert report.ingested == ["later.pdf"]
    assert [(Path(f.path).name, f.error) for f in report.failed] == [
        ("hang.pdf", "reading the PDF took longer than 8 s and was stopped (the file may be "
                     "damaged)")]


def test_a_long_pdf_is_read_in_the_child_by_default(ingestor: Ingestor, tmp_path: Path) -> None:
    from ingest.pdf_worker import PROCESS_MIN_PAGES

    long = _pdf(tmp_path / "in", "long.pdf", "travel", pages=PROCESS_MIN_PAGES)
    short = _pdf(tmp_path / "in", "short.pdf", "travel", pages=2)
    assert ingestor.ingest([long, short]).ingested == ["long.pdf", "short.pdf"]
    assert ingestor.parse_counts == ParseCounts(parsed=2, in_child=1, cached=0)
    record = ingestor.services.catalog.find("long.pdf")
    assert record is not None and record.pages == PROCESS_MIN_PAGES


def test_a_child_that_cannot_start_leaves_the_batch_to_the_parent(
        ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """No interpreter to start (as no shared memory in a small container would be): not a
    file's fault, so the files are read in-process."""
    monkeypatch.setattr(multiprocessing.spawn, "_python_exe", str(tmp_path / "no-python"))
    folder = tmp_path / "in"
    _pdf(folder, "a.pdf", "alpha")
    _pdf(folder, "b.pdf", "bravo")
    report = _child_ingestor(ingestor).ingest([folder])
    assert report.ingested == ["a.pdf", "b.pdf"] and not report.failed
    assert ingestor.parse_counts == ParseCounts(parsed=2, in_child=0, cached=0)
    assert "could not start" in caplog.text


ORPHAN = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from ingest.pdf_worker import PdfParser

    if __name__ == "__main__":
        parser = PdfParser(min_pages=0)
        parser.parse(Path(sys.argv[1]), "doc.pdf")
        print(*parser._pool._processes, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
""")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent may reap it


def test_kill_9_of_the_parent_leaves_no_child_behind(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, "doc.pdf", "travel")
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), str(pdf)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    assert proc.wait(timeout=120) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(child)
    assert proc.stdout.read() == ""  # and nothing holds the pipe open: EOF, not a hang
