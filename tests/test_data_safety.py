"""Data safety: groups change only on purpose, readers' groups include everyone, titles are
names people recognise, a full disk and a start-up race fail with one sentence, and data at
rest is readable by its owner only."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from docqa.cli import documents as documents_cli
from docqa.services import Services
from ingest.pipeline import Ingestor
from retrieval.access import GroupError
from retrieval.errors import IndexError_
from retrieval.ports import Embedder
from retrieval.settings import Settings
from tests.pdfs import write_pdf

REPO = Path(__file__).resolve().parent.parent


# -- helpers -------------------------------------------------------------------------------
def _documents_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """docqa"""

    documents_cli.register(app)
    return app


@pytest.fixture
def cli(settings: Settings, embedder: Embedder,
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``docqa ingest|docs|search|ask`` in-process on the test's data dir (the session's
    embedder, so no model is loaded per call)."""
    import docqa.services

    monkeypatch.setenv("DOCQA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(docqa.services, "build_embedder", lambda _s: embedder)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(_documents_app(), list(args))

    return invoke


def _docs(cli: Callable[..., Any]) -> dict[str, dict[str, Any]]:
    listed = cli("docs", "list", "--json")
    assert listed.exit_code == 0, listed.output
    return {d["source"]: d for d in json.loads(listed.stdout)["documents"]}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "folder"
    folder.mkdir(exist_ok=True)
    (folder / "secret.md").write_text("# Salaries\n\nThe salary band for level 3 is secret.\n")
    (folder / "public.md").write_text("# Canteen\n\nThe canteen opens at noon.\n")
    return folder


# -- 1. groups are a property of the document ---------------------------------------------
def test_ingesting_a_folder_without_groups_keeps_the_groups_of_indexed_documents(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    first = cli("ingest", str(folder / "secret.md"), "--groups", "hr")
    assert first.exit_code == 0, first.output
    again = cli("ingest", str(folder), "--json")  # no --groups
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["groups_changed"] == []
    docs = _docs(cli)
    assert docs["secret.md"]["groups"] == ["hr"]  # not published
    assert docs["public.md"]["groups"] == ["everyone"]  # a new document: everyone

    # changed content, re-ingested without --groups: still hr
    (folder / "secret.md").write_text("# Salaries\n\nThe salary band for level 4 is secret.\n")
    changed = cli("ingest", str(folder), "--json")
    assert json.loads(changed.stdout)["ingested"] == ["secret.md"]
    assert _docs(cli)["secret.md"]["groups"] == ["hr"]


def test_an_explicit_change_of_groups_is_printed_logged_and_reported(
        cli: Callable[..., Any], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = _folder(tmp_path)
    cli("ingest", str(folder / "secret.md"), "--groups", "hr")
    with caplog.at_level(logging.WARNING, logger="ingest.pipeline"):
        moved = cli("ingest", str(folder), "--groups", "hr,legal", "--json")
    assert moved.exit_code == 0, moved.output
    body = json.loads(moved.stdout)
    assert {"ingested", "skipped", "failed", "chunks", "seconds"} <= set(body)
    assert body["groups_changed"] == [
        {"path": "secret.md", "from": ["hr"], "to": ["hr", "legal"]}]  # public.md is new
    assert "groups changed" in moved.stderr and "secret.md" in moved.stderr
    assert any(r.levelno == logging.WARNING and "secret.md" in r.getMessage()
               and "hr,legal" in r.getMessage() for r in caplog.records)
    assert _docs(cli)["secret.md"]["groups"] == ["hr", "legal"]


@pytest.mark.parametrize("value", ["", ",", " , ", "hr team", "\u04bbr", "<b>hr</b>"])
def test_an_empty_or_invalid_groups_option_is_an_error_not_everyone(
        cli: Callable[..., Any], tmp_path: Path, value: str) -> None:
    folder = _folder(tmp_path)
    cli("ingest", str(folder / "secret.md"), "--groups", "hr")
    result = cli("ingest", str(folder), "--groups", value)
    assert result.exit_code == 1, result.output
    assert "error:" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 2  # one sentence (rich may wrap it)
    docs = _docs(cli)
    assert docs["secret.md"]["groups"] == ["hr"] and "public.md" not in docs


def test_the_groups_option_default_is_explained_in_help(cli: Callable[..., Any]) -> None:
    text = " ".join(cli("ingest", "--help").output.replace("│", " ").split())
    assert "keep their current groups" in text and "everyone" in text


def test_pipeline_keeps_groups_on_reindex_and_set_groups_refuses_empty(
        open_services: Callable[..., Services], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    folder = _folder(tmp_path)
    ingestor = Ingestor(open_services())
    ingestor.ingest([folder / "secret.md"], groups=["hr"])
    report = ingestor.reindex("secret.md")
    assert report.ingested == ["secret.md"] and report.groups_changed == []
    record = ingestor.services.catalog.find("secret.md")
    assert record is not None and record.groups == ("hr",)
    assert {c.groups for c in ingestor.services.index.chunks(record.doc_id)} == {("hr",)}
    with pytest.raises(GroupError):
        ingestor.set_groups("secret.md", [])
    with pytest.raises(GroupError):
        ingestor.ingest([folder], groups=[" "])
    with caplog.at_level(logging.WARNING, logger="ingest.pipeline"):
        ingestor.set_groups("secret.md", ["everyone"])  # the app's "Save groups"
    assert any("secret.md" in r.getMessage() for r in caplog.records)


def test_text_records_keep_their_groups_when_indexed_again(
        open_services: Callable[..., Services]) -> None:
    from ingest.pipeline import ingest_records
    from retrieval.types import TextRecord

    services = open_services()
    ingest_records(services, [TextRecord("doc-1", "Salaries", "Level 3 earns a secret sum.")],
                   groups=["hr"])
    report = ingest_records(services, [
        TextRecord("doc-1", "Salaries", "Level 3 earns another secret sum."),
        TextRecord("doc-2", "Canteen", "The canteen opens at noon.")])
    assert report.ingested == ["doc-1", "doc-2"] and report.groups_changed == []
    groups = {r.source: r.groups for r in services.catalog.list()}
    assert groups == {"doc-1": ("hr",), "doc-2": ("everyone",)}


# -- 2. readers' groups include everyone; a missing path is an error ------------------------
def test_search_and_ask_with_groups_include_documents_shared_with_everyone(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    cli("ingest", str(folder / "secret.md"), "--groups", "hr")
    cli("ingest", str(folder / "public.md"))
    found = cli("search", "When does the canteen open?", "--groups", "hr", "--json")
    assert found.exit_code == 0, found.output
    sources = {h["source"] for h in json.loads(found.stdout)["hits"]}
    assert sources == {"secret.md", "public.md"}
    other = cli("search", "salary band", "--groups", "legal", "--json")
    assert {h["source"] for h in json.loads(other.stdout)["hits"]} == {"public.md"}
    asked = cli("ask", "When does the canteen open?", "--groups", "hr", "--offline", "--json")
    assert asked.exit_code == 0, asked.output
    context = json.loads(asked.stdout)["context"]
    assert "public.md" in {u["source"] for u in context["used"] + context["dropped"]}


def test_ingesting_only_a_missing_path_exits_1(cli: Callable[..., Any], tmp_path: Path,
                                               settings: Settings) -> None:
    result = cli("ingest", str(tmp_path / "nowhere"))
    assert result.exit_code == 1, result.output
    assert "no such file or folder" in " ".join(result.stderr.split())
    assert not settings.data_dir.exists()  # nothing was created for nothing
    folder = _folder(tmp_path)
    partial = cli("ingest", str(folder), str(tmp_path / "nowhere"))
    assert partial.exit_code == 2  # some indexed, some failed


# -- 6. titles -------------------------------------------------------------------------------
def test_identifier_titles_fall_back_and_reindex_keeps_the_title(
        open_services: Callable[..., Services], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_pdf(folder / "annual-report.pdf", ["The company sold 40 widgets in 2017."],
              title="0000764478-17-000008")
    write_pdf(folder / "notes.pdf", ["The office moved to Vienna in 2019."],
              title="3f2a9c0e1b2d4f5a6b7c8d9e0f1a2b3c")
    (folder / "plain.txt").write_text("Parking costs 5 EUR per day.\n")
    ingestor = Ingestor(open_services())
    assert not ingestor.ingest([folder]).failed
    catalog = ingestor.services.catalog
    titles = {r.source: r.title for r in catalog.list()}
    assert titles == {"annual-report.pdf": "annual report", "notes.pdf": "notes",
                      "plain.txt": "plain"}
    for source in titles:
        ingestor.reindex(source)  # from the stored original, named by its hash
    assert {r.source: r.title for r in catalog.list()} == titles
    record = catalog.find("plain.txt")
    assert record is not None
    assert {c.title for c in ingestor.services.index.chunks(record.doc_id)} == {"plain"}


def test_control_characters_are_stripped_from_titles_and_text(
        open_services: Callable[..., Services], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ctl.md").write_text("# Travel\x1f pol\x07icy\n\nHotels\x08 cost 90\x1b EUR.\n")
    write_pdf(folder / "meta.pdf", ["Lunch is served at noon."],
              title="Ca\x00nteen\x01 rules")
    ingestor = Ingestor(open_services())
    assert not ingestor.ingest([folder]).failed
    pdf = ingestor.services.catalog.find("meta.pdf")
    assert pdf is not None and pdf.title == "Canteen rules"
    record = ingestor.services.catalog.find("ctl.md")
    assert record is not None and record.title == "Travel policy"
    text = " ".join(c.text for c in ingestor.services.index.chunks(record.doc_id))
    assert "Hotels cost 90 EUR." in text
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in text + record.title)


# -- 3. a nearly full disk -----------------------------------------------------------------
def _short_of_space(monkeypatch: pytest.MonkeyPatch, free_mb: int) -> None:
    real = shutil.disk_usage

    def usage(path: Any) -> Any:
        return real(path)._replace(free=free_mb * 2**20)

    monkeypatch.setattr(shutil, "disk_usage", usage)


def test_opening_the_index_on_a_nearly_full_disk_fails_with_one_sentence(
        settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from docqa.services import open_services

    _short_of_space(monkeypatch, 50)
    with pytest.raises(IndexError_) as raised:
        open_services(settings, embedder=embedder)
    message = str(raised.value)
    assert "not enough free disk space" in message and "50 MB free" in message
    assert "at least 80 MB" in message and "\n" not in message
    assert not settings.embedded_index_path.exists()  # the engine was never started


def test_health_works_on_a_full_disk_and_says_so(
        settings: Settings, open_services: Callable[..., Services],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from docqa.cli.operations import register as ops_commands

    services = open_services()
    Ingestor(services).ingest([_folder(tmp_path)])
    services.close()
    app = typer.Typer()
    ops_commands(app)
    monkeypatch.setenv("DOCQA_DATA_DIR", str(settings.data_dir))
    healthy = json.loads(CliRunner().invoke(app, ["health", "--json"]).stdout)
    assert healthy["ok"] and healthy["checks"]["disk"]["ok"]
    _short_of_space(monkeypatch, 3)
    result = CliRunner().invoke(app, ["health", "--json"])
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["checks"]
    assert checks["catalog"]["ok"] and checks["catalog"]["documents"] == 2
    assert not checks["disk"]["ok"] and "disk is full" in checks["disk"]["detail"]
    assert checks["disk"]["free_mb"] == 3
    assert "not enough free disk space" in checks["index"]["detail"]
    text = CliRunner().invoke(app, ["health"])
    assert "disk" in text.stderr and "FAIL" in text.stderr


def test_a_full_disk_ends_with_one_sentence_not_sigbus(tmp_path: Path) -> None:
    """A real small file system (tmpfs) that cannot hold the engine's WAL segments."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()})")
    try:
        folder = _folder(tmp_path)
        env = {**os.environ, "DOCQA_DATA_DIR": str(mount / "data"), "PYTHONPATH": str(REPO)}
        ingest = subprocess.run([sys.executable, "-m", "docqa", "ingest", str(folder)],
                                env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=300)
        assert ingest.returncode == 1, (ingest.returncode, ingest.stderr[-2000:])
        assert "not enough free disk space" in " ".join(ingest.stderr.split())
        assert "Traceback" not in ingest.stderr
        health = subprocess.run([sys.executable, "-m", "docqa", "health", "--json"], env=env,
                                cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert health.returncode == 1, health.stderr[-2000:]
        assert not json.loads(health.stdout)["checks"]["disk"]["ok"]
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


# -- 4. two processes starting together on a new data dir ------------------------------------
RACER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore

    path, start = Path(sys.argv[1]), float(sys.argv[2])
    store = EmbeddedQdrantStore(path)
    time.sleep(max(0.0, start - time.time()))
    try:
        store.ensure_ready(8, "test-embedder")
    except Exception as e:
        print(f"{type(e).__name__}: {e}")
    else:
        print("ok")
        time.sleep(1.0)
        store.close()
""")


def test_two_processes_creating_one_index_together_the_loser_gets_the_sentence(
        tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # the second one a little later each time: in the same instant, or while the first is
    # creating the shard (the old failure: "path already contains segment data")
    for attempt, later in enumerate([0.0, 0.0, 0.05, 0.1, 0.2, 0.3, 0.5]):
        path = tmp_path / f"data{attempt}" / "qdrant" / "docqa"
        start = time.time() + 1.5
        racers = [subprocess.Popen([sys.executable, "-c", RACER, str(path), f"{start + d:.3f}"],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
                  for d in (0.0, later)]
        outcomes = [r.communicate(timeout=120)[0].strip() for r in racers]
        assert "ok" in outcomes, outcomes
        for outcome in outcomes:
            assert outcome == "ok" or (outcome.startswith("IndexError_")
                                       and "another docqa process has it open" in outcome), \
                outcomes
        # and whoever won left a usable index
        reopened = subprocess.run([sys.executable, "-c", RACER, str(path), "0"], env=env,
                                  capture_output=True, text=True, timeout=120)
        assert reopened.stdout.strip() == "ok", reopened.stdout + reopened.stderr


# -- 5. data at rest is owner-only -----------------------------------------------------------
def _loose(root: Path) -> list[str]:
    """Everything under ``root`` (itself included) that others may read, write or enter."""
    return [f"{p} {stat.S_IMODE(p.lstat().st_mode):o}" for p in [root, *root.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077]


def test_data_at_rest_is_owner_only_whatever_the_umask(
        settings: Settings, open_services: Callable[..., Services], tmp_path: Path) -> None:
    from docqa.ops.backup import backup, restore
    from docqa.services import build_index

    previous = os.umask(0o022)
    try:
        data = settings.data_dir
        (data / "originals").mkdir(parents=True)  # what an older docqa left readable
        (data / "originals" / "old.md").write_text("# Old\n")
        os.chmod(data, 0o755)
        os.chmod(data / "originals" / "old.md", 0o644)
        services = open_services()
        Ingestor(services).ingest([_folder(tmp_path)], groups=["hr"])
        services.answerer(offline=True).ask("When does the canteen open?")  # query log
        assert {p.name for p in data.glob("*.sqlite3*")} >= {"docqa.sqlite3"}
        assert _loose(data) == []  # while open: -wal and -shm included
        services.close()
        assert _loose(data) == []
        assert any((data / "qdrant").rglob("*")) and any((data / "originals").iterdir())

        os.umask(0o022)  # a backup run from a shell with the usual umask
        archive = tmp_path / "backups" / "docqa.tar.gz"
        backup(settings, archive, build_index)
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600

        os.umask(0o022)
        restored = settings.model_copy(update={"data_dir": tmp_path / "restored"})
        restore(restored, archive, build_index)
        assert _loose(restored.data_dir) == []
    finally:
        os.umask(previous)
