"""Operations: reindex, migrate to a server, backup/restore round trips, health, JSON logs,
the nightly schedule and two processes on one embedded index."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from docqa.cli.operations import register as ops_commands
from docqa.logs import JsonFormatter
from docqa.ops.backup import BackupError, backup, restore
from docqa.ops.schedule import next_run
from docqa.ops.transfer import copy_index
from docqa.services import Services, build_index
from ingest.pipeline import Ingestor, ingest_records
from retrieval.bm25 import Bm25Encoder
from retrieval.errors import IndexError_
from retrieval.ports import Embedder, Vectors
from retrieval.settings import Settings
from retrieval.store.index import VectorIndex
from retrieval.store.points import HybridQuery
from retrieval.types import TextRecord

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["how many vacation days", "parking garage badge", "expense report deadline",
           "password rotation"]


def _write_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    leave = folder / "leave.md"
    leave.write_text("# Leave policy\n\nEmployees get 27 vacation days per year. Unused days "
                     "expire in March.\n\n## Parking\n\nThe parking garage opens with your "
                     "badge at 6:00.\n")
    money = folder / "money.txt"
    money.write_text("Expense reports are due within 30 days of travel. Receipts above 25 EUR "
                     "are required. Passwords rotate every 90 days.\n")
    return [leave, money]


def _ingested(services: Services, folder: Path) -> None:
    report = Ingestor(services).ingest(_write_docs(folder))
    assert len(report.ingested) == 2 and not report.failed


def _results(index: VectorIndex, embedder: Embedder) -> list[list[tuple[str, int, float]]]:
    bm25 = Bm25Encoder()
    out = []
    for q in QUERIES:
        hits = index.search(HybridQuery(dense=embedder.embed_one(q), sparse=bm25.encode_query(q),
                                        limit=5))
        out.append([(h.chunk.doc_id, h.chunk.chunk_index, h.score) for h in hits])
    return out


def _same_results(before: list[list[tuple[str, int, float]]],
                  after: list[list[tuple[str, int, float]]]) -> None:
    assert [[(d, i) for d, i, _ in q] for q in after] == [[(d, i) for d, i, _ in q]
                                                          for q in before]
    for b, a in zip(before, after, strict=True):
        np.testing.assert_allclose([s for *_, s in a], [s for *_, s in b], atol=1e-6)


def _catalog_rows(services: Services) -> list[Any]:
    return services.catalog.list()


# -- migrate ---------------------------------------------------------------------------------
def test_migrate_copies_the_embedded_index_to_a_server_without_reembedding(
        tmp_path: Path, open_services: Callable[..., Services], embedder: Embedder) -> None:
    from retrieval.adapters.qdrant_server import QdrantServerStore
    from retrieval.store.index import VectorIndex

    services = open_services()
    _ingested(services, tmp_path / "in")
    before = _results(services.index, embedder)
    assert before[0]
    target = VectorIndex(QdrantServerStore("docqa", path=str(tmp_path / "server")))
    seen: list[tuple[int, int]] = []
    report = copy_index(services.index, target, batch=1,
                        progress=lambda done, total: seen.append((done, total)))
    assert report.points == report.live == services.index.count() == len(seen) > 1
    assert report.embedder == embedder.name and report.dimension == embedder.dimension
    assert seen[-1] == (report.points, report.points)
    _same_results(before, _results(target, embedder))
    with pytest.raises(IndexError_, match=r"already holds .* points; copy into a new"):
        copy_index(services.index, target)
    assert copy_index(services.index, target, resume=True).points == report.points
    target.close()
    # The server now refuses an index opened with another embedder, like the embedded one.
    again = VectorIndex(QdrantServerStore("docqa", path=str(tmp_path / "server")))
    with pytest.raises(IndexError_, match="built with the embedder"):
        again.ensure_ready(embedder.dimension, "another-model")
    again.close()


# -- backup and restore ----------------------------------------------------------------------
def test_backup_restore_round_trip(tmp_path: Path, settings: Settings,
                                   open_services: Callable[..., Services],
                                   embedder: Embedder) -> None:
    services = open_services()
    _ingested(services, tmp_path / "in")
    settings.users_path.write_text("users: {}\n")
    (settings.data_dir / "eval").mkdir()
    before = _results(services.index, embedder)
    rows = _catalog_rows(services)
    with pytest.raises(IndexError_, match="another docqa process"):
        backup(settings, tmp_path / "b.tar.gz", build_index)  # the index is in use
    services.close()

    report = backup(settings, tmp_path / "b.tar.gz", build_index)
    assert report.mode == "embedded" and report.documents == 2
    assert list(report.points) == ["docqa"] and report.points["docqa"] > 0
    assert not report.missing_originals

    changed = open_services()
    Ingestor(changed).delete("leave.md")
    assert _results(changed.index, embedder) != before
    with pytest.raises(BackupError, match="docqa is running on this data directory"):
        restore(settings, tmp_path / "b.tar.gz", build_index, force=True)
    changed.close()

    with pytest.raises(BackupError, match="not empty; restore into an empty one, or pass "
                                          "--force"):
        restore(settings, tmp_path / "b.tar.gz", build_index)
    result = restore(settings, tmp_path / "b.tar.gz", build_index, force=True)
    assert result.replaced and Path(result.replaced, "docqa.sqlite3").exists()
    restored = open_services()
    _same_results(before, _results(restored.index, embedder))
    assert _catalog_rows(restored) == rows
    assert settings.users_path.read_text() == "users: {}\n"
    restored.close()

    shutil.rmtree(settings.data_dir)  # a lost machine: restore into nothing
    restore(settings, tmp_path / "b.tar.gz", build_index)
    again = open_services()
    _same_results(before, _results(again.index, embedder))
    assert [r.source for r in _catalog_rows(again)] == ["leave.md", "money.txt"]
    assert len(list(settings.originals_dir.iterdir())) == 2


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path, settings: Settings) -> None:
    import tarfile

    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        tar.add(__file__, arcname="something.py")
    with pytest.raises(BackupError, match="not a docqa backup"):
        restore(settings, bogus, build_index)
    assert not any(settings.data_dir.iterdir())  # the staging folder is gone again


# -- reindex ---------------------------------------------------------------------------------
class HashingEmbedder(Embedder):
    """Another (deterministic, tiny) embedder, to change the embedder of a real index."""

    name = "test/hashing-32"
    dimension = 32
    max_input_tokens = 10_000

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_reindex_into_a_new_collection_after_the_embedder_changed(
        tmp_path: Path, settings: Settings, open_services: Callable[..., Services]) -> None:
    from docqa.services import open_services as open_with
    from ingest.rebuild import fresh_collection, reindex_all

    services = open_services()
    _ingested(services, tmp_path / "in")
    ingest_records(services, [TextRecord("beir-1", "A row", "text without a file")])
    old_count = services.index.count()
    services.close()
    other = HashingEmbedder()
    with pytest.raises(IndexError_, match="run `docqa reindex`"):
        open_with(settings, embedder=other)

    target = fresh_collection(settings.collection, "202611240230")
    assert target == "docqa-202611240230" == fresh_collection(target, "202611240230")
    new = open_with(settings.model_copy(update={"collection": target}), embedder=other)
    report = reindex_all(new, resume=True)
    assert sorted(report.reindexed) == ["leave.md", "money.txt"]
    assert report.without_original == ["beir-1"] and not report.failed
    hits = new.retriever().search("vacation days", k=3).hits
    assert hits and hits[0].chunk.source == "leave.md"
    assert reindex_all(new, resume=True).already_done == ["leave.md", "money.txt"]
    new.close()
    old = open_services()  # the old collection is untouched and still serves
    assert old.index.count() == old_count
    assert old.retriever().search("vacation days", k=3).hits


# -- commands --------------------------------------------------------------------------------
def _app() -> typer.Typer:
    app = typer.Typer()
    ops_commands(app)
    return app


def test_health_command_json_and_exit_codes(settings: Settings,
                                            open_services: Callable[..., Services],
                                            monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("DOCQA_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    fresh = runner.invoke(_app(), ["health", "--json"])
    assert fresh.exit_code == 0, fresh.output
    assert json.loads(fresh.stdout)["checks"]["catalog"]["documents"] == 0
    services = open_services()
    _ingested(services, tmp_path / "in")
    busy = json.loads(runner.invoke(_app(), ["health", "--json"]).stdout)
    assert busy["ok"] and "another docqa process" in busy["checks"]["index"]["detail"]
    services.close()
    result = runner.invoke(_app(), ["health", "--json"])
    body = json.loads(result.stdout)
    assert result.exit_code == 0 and body["ok"]
    assert body["checks"]["index"]["live_chunks"] == body["checks"]["catalog"]["chunks"] > 0
    assert body["checks"]["index"]["embedder"] == body["checks"]["catalog"]["embedder"]
    monkeypatch.setenv("DOCQA_QDRANT_URL", "http://127.0.0.1:9")  # discard port: refused
    down = runner.invoke(_app(), ["health", "--json"])
    assert down.exit_code == 1
    assert "cannot reach the Qdrant server at http://127.0.0.1:9; is it running?" in json.loads(
        down.stdout)["checks"]["index"]["detail"]


def test_restore_command_refuses_a_non_empty_data_dir(settings: Settings,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("DOCQA_DATA_DIR", str(settings.data_dir))
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "docqa.sqlite3").write_text("")
    (tmp_path / "b.tar.gz").write_bytes(b"")
    result = CliRunner().invoke(_app(), ["restore", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 1
    assert "not empty" in result.stderr and "--force" in result.stderr


def test_a_second_process_on_one_embedded_index_exits_1_with_one_sentence(
        settings: Settings, open_services: Callable[..., Services]) -> None:
    services = open_services()
    env = {**os.environ, "DOCQA_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(REPO)}
    env.pop("DOCQA_QDRANT_URL", None)
    proc = subprocess.run([sys.executable, "-m", "docqa", "search", "parking"], env=env,
                          cwd=settings.data_dir.parent, capture_output=True, text=True,
                          timeout=300)
    services.close()
    assert proc.returncode == 1, proc.stderr
    message = " ".join(proc.stderr.split())
    assert message.startswith("error: Vector index at ")
    assert "another docqa process has it open" in message and "DOCQA_QDRANT_URL" in message
    assert "Traceback" not in proc.stderr


# -- logs and schedule -----------------------------------------------------------------------
def test_json_logs_are_one_object_per_line() -> None:
    record = logging.LogRecord("docqa.x", logging.WARNING, __file__, 1, "ingested %s\nnext",
                               ("a.pdf",), None)
    record.doc_id = "d1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    body = json.loads(line)
    assert body["level"] == "WARNING" and body["message"] == "ingested a.pdf\nnext"
    assert body["doc_id"] == "d1" and body["logger"] == "docqa.x"


def test_next_nightly_run() -> None:
    assert next_run(datetime(2026, 11, 24, 1, 0), "02:30") == datetime(2026, 11, 24, 2, 30)
    assert next_run(datetime(2026, 11, 24, 2, 30), "02:30") == datetime(2026, 11, 25, 2, 30)
    assert next_run(datetime(2026, 12, 31, 23, 0), "00:05") == datetime(2027, 1, 1, 0, 5)


def test_schedule_once_runs_the_command_and_returns_its_code() -> None:
    proc = subprocess.run([sys.executable, "-m", "docqa.ops.schedule", "--once", "--at", "02:30",
                           "--", sys.executable, "-c", "raise SystemExit(3)"],
                          cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DOCQA_LOG_FORMAT": "json",
                               "DOCQA_LOG_LEVEL": "INFO"})
    assert proc.returncode == 3
    assert json.loads(proc.stderr.strip().splitlines()[-1])["exit_code"] == 3
