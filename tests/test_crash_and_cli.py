"""A real ``kill -9`` in the middle of an ingest, and the CLI's JSON contract and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from retrieval.settings import Settings
from retrieval.types import DocStatus
from tests.pdfs import write_pdf

REPO = Path(__file__).resolve().parent.parent

# The child ingests three files and SIGKILLs itself at a chosen point of the second one.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from retrieval.store import points as index_mod
    from retrieval.settings import load_settings
    from docqa.services import open_services
    from ingest.pipeline import Ingestor

    point, folder = sys.argv[1], Path(sys.argv[2])
    services = open_services(load_settings())
    calls = {"upsert": 0, "publish": 0}
    cls = type(services.index)
    real_upsert, real_publish = cls.upsert, cls.publish

    def upsert(self, chunks):
        real_upsert(self, chunks)
        calls["upsert"] += 1
        if point == "after-write" and calls["upsert"] == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    def publish(self, doc_id, version):
        calls["publish"] += 1
        if point == "before-publish" and calls["publish"] == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        real_publish(self, doc_id, version)

    cls.upsert, cls.publish = upsert, publish
    Ingestor(services).ingest(sorted(folder.iterdir()))
""")


def _docs(folder: Path, marker: str = "") -> None:
    for n in range(3):
        words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
        write_pdf(folder / f"doc{n}.pdf", [
            " ".join(f"Document {n} {marker} says {words[(p + i) % 6]} {i}." for i in range(40))
            for p in range(4)])


def _kill_at(point: str, folder: Path, settings: Settings) -> None:
    env = {**os.environ, "DOCQA_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", CHILD, point, str(folder)], env=env,
                          cwd=settings.data_dir.parent, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


@pytest.mark.parametrize("point", ["after-write", "before-publish"])
def test_kill_9_mid_ingest_leaves_no_half_visible_document(
        point: str, tmp_path: Path, settings: Settings, open_services) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    _docs(folder)
    _kill_at(point, folder, settings)
    services = open_services()  # the next start recovers
    catalog, index = services.catalog, services.index
    assert index.count(live_only=False) == index.count()  # nothing pending is left
    live = {r.source: r for r in catalog.list()}
    for record in live.values():
        assert record.status is DocStatus.INDEXED and record.published
        assert index.count(record.doc_id) == record.chunks
    if point == "after-write":
        assert sorted(live) == ["doc0.pdf"]  # doc1 never committed: rolled back
    else:
        assert sorted(live) == ["doc0.pdf", "doc1.pdf"]  # doc1 committed: publish finished
    report = Ingestor(services).ingest([folder])  # and a re-run completes the batch
    assert not report.failed
    assert sorted(r.source for r in catalog.list()) == ["doc0.pdf", "doc1.pdf", "doc2.pdf"]


def test_kill_9_during_reindex_keeps_the_old_version(tmp_path: Path, settings: Settings,
                                                     open_services) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    _docs(folder, "old")
    services = open_services()
    Ingestor(services).ingest([folder])
    before = {r.source: r.version for r in services.catalog.list()}
    services.close()
    _docs(folder, "new")
    _kill_at("after-write", folder, settings)
    services = open_services()
    doc1 = services.catalog.find("doc1.pdf")
    assert doc1 and doc1.version == before["doc1.pdf"]
    texts = " ".join(c.text for c in services.index.chunks(doc1.doc_id))
    assert "old" in texts and "new" not in texts
    assert services.index.count(live_only=False) == services.index.count()


def _cli(args: list[str], data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCQA_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "docqa", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_ingest_json_contract_and_exit_codes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_pdf(folder / "good.pdf", ["Our office opens at 8:00 on weekdays."])
    data = tmp_path / "data"
    ok = _cli(["ingest", str(folder), "--json"], data, tmp_path)
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert set(result) >= {"ingested", "skipped", "failed", "chunks", "seconds"}
    assert result["ingested"] == ["good.pdf"] and result["failed"] == []
    assert result["chunks"] >= 1 and isinstance(result["seconds"], float)

    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    partial = _cli(["ingest", str(folder), "--json", "--groups", "hr,legal"], data, tmp_path)
    assert partial.returncode == 2
    result = json.loads(partial.stdout)
    assert result["skipped"] == ["good.pdf"]
    assert [Path(f["path"]).name for f in result["failed"]] == ["broken.pdf"]
    assert result["failed"][0]["error"]

    listed = _cli(["docs", "list", "--json"], data, tmp_path)
    docs = {d["source"]: d for d in json.loads(listed.stdout)["documents"]}
    assert docs["good.pdf"]["status"] == "indexed" and docs["good.pdf"]["groups"] == [
        "hr", "legal"]
    assert docs["broken.pdf"]["status"] == "failed"

    deleted = _cli(["docs", "delete", "good.pdf", "--json"], data, tmp_path)
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["source"] == "good.pdf"
    missing = _cli(["docs", "delete", "good.pdf"], data, tmp_path)
    assert missing.returncode == 1 and "Not found" in missing.stderr
    assert "Traceback" not in missing.stderr

    usage = _cli(["ingest"], data, tmp_path)
    assert usage.returncode == 64
    empty = _cli(["ingest", ""], data, tmp_path)  # not "the current folder"
    assert empty.returncode == 64 and "empty path" in empty.stderr
    bad_setting = subprocess.run(
        [sys.executable, "-m", "docqa", "ingest", str(folder)], cwd=tmp_path, text=True,
        capture_output=True, env={**os.environ, "DOCQA_DATA_DIR": str(data),
                                  "DOCQA_CHUNK_TOKENS": "many"})
    assert bad_setting.returncode == 1 and "DOCQA_CHUNK_TOKENS" in bad_setting.stderr
