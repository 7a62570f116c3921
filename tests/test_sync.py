"""`docqa sync`: a folder and the index kept equal through adds, edits, renames and deletes,
with a dry run, a guard against mass deletion and groups by sub-folder (real pipeline, real
engine, real SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from docqa.sync import SyncRefused, groups_for, parse_every, repeat, run_sync
from ingest.pipeline import Ingestor
from retrieval.types import DocStatus


@pytest.fixture
def ingestor(open_services: Callable[..., Any]) -> Ingestor:
    return Ingestor(open_services())


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _sources(ingestor: Ingestor) -> dict[str, tuple[str, ...]]:
    return {r.source: r.groups for r in ingestor.services.catalog.list()
            if r.status is DocStatus.INDEXED}


def _search(ingestor: Ingestor, text: str) -> list[str]:
    return [h.chunk.source for h in ingestor.services.retriever().search(text, k=3).hits]


def test_adds_edits_renames_and_deletes_keep_folder_and_index_equal(
        ingestor: Ingestor, tmp_path: Path) -> None:
    share = tmp_path / "share"
    _write(share, "canteen.md", "# Canteen\nThe canteen opens at 7:30 on weekdays.")
    _write(share, "policies/parking.txt", "Parking permits are renewed every January.")
    _write(share, ".hidden/secret.txt", "Not a document of the share.")
    _write(share, "policies/~$draft.docx", "an Office lock file")

    first = run_sync(ingestor, share)
    assert sorted(first.ingest.ingested) == ["share/canteen.md", "share/policies/parking.txt"]
    assert set(_sources(ingestor)) == {"share/canteen.md", "share/policies/parking.txt"}

    # nothing changed: nothing indexed again
    again = run_sync(ingestor, share)
    assert again.plan.unchanged == ("share/canteen.md", "share/policies/parking.txt")
    assert not again.ingest.ingested and not again.deleted

    # an edit gets a new version; the text searched is the new one
    _write(share, "canteen.md", "# Canteen\nThe canteen now opens at 8:15 on weekdays.")
    edited = run_sync(ingestor, share)
    assert [f.source for f in edited.plan.changed] == ["share/canteen.md"]
    page = ingestor.services.index.chunks(ingestor.services.catalog.find("share/canteen.md")
                                          .doc_id)
    assert any("8:15" in c.text for c in page) and not any("7:30" in c.text for c in page)

    # a rename is a delete plus an add, and the renamed file is not skipped as a duplicate
    (share / "policies/parking.txt").rename(share / "policies/car-parking.txt")
    renamed = run_sync(ingestor, share)
    assert renamed.deleted == ["share/policies/parking.txt"]
    assert renamed.ingest.ingested == ["share/policies/car-parking.txt"]
    assert set(_sources(ingestor)) == {"share/canteen.md", "share/policies/car-parking.txt"}
    assert _search(ingestor, "parking permits renewed")[0] == "share/policies/car-parking.txt"

    # a deleted file leaves the index (and the search)
    _write(share, "extra.txt", "The bike shed is behind building B.")
    run_sync(ingestor, share)
    (share / "extra.txt").unlink()
    gone = run_sync(ingestor, share)
    assert gone.deleted == ["share/extra.txt"]
    assert "share/extra.txt" not in _search(ingestor, "bike shed building B")


def test_a_dry_run_changes_nothing_and_documents_indexed_otherwise_are_never_touched(
        ingestor: Ingestor, tmp_path: Path) -> None:
    other = _write(tmp_path / "elsewhere", "handbook.txt", "Holidays: 30 days a year.")
    ingestor.ingest([other])
    share = tmp_path / "share"
    _write(share, "a.txt", "Alpha document about the canteen.")
    plan = run_sync(ingestor, share, dry_run=True)
    assert plan.dry_run and [f.source for f in plan.plan.added] == ["share/a.txt"]
    assert set(_sources(ingestor)) == {"handbook.txt"}
    run_sync(ingestor, share)
    (share / "a.txt").unlink()
    _write(share, "b.txt", "Beta document about parking.")
    run_sync(ingestor, share)
    assert set(_sources(ingestor)) == {"handbook.txt", "share/b.txt"}


def test_an_emptied_or_unmounted_share_does_not_wipe_the_index_unless_forced(
        ingestor: Ingestor, tmp_path: Path) -> None:
    share = tmp_path / "share"
    for i in range(4):
        _write(share, f"doc{i}.txt", f"Document number {i} about topic {i}.")
    run_sync(ingestor, share)
    for path in share.iterdir():
        path.unlink()
    with pytest.raises(SyncRefused, match=r"delete 4 of 4 documents"):
        run_sync(ingestor, share)
    assert len(_sources(ingestor)) == 4  # nothing changed
    _write(share, "doc0.txt", "Document number 0 about topic 0.")
    with pytest.raises(SyncRefused, match=r"delete 3 of 4 documents"):
        run_sync(ingestor, share)  # three of four gone: more than half
    forced = run_sync(ingestor, share, force=True)
    assert len(forced.deleted) == 3 and set(_sources(ingestor)) == {"share/doc0.txt"}


def test_groups_come_from_sub_folders_and_the_default_applies_elsewhere(
        ingestor: Ingestor, tmp_path: Path) -> None:
    share = tmp_path / "share"
    _write(share, "hr/salaries.txt", "Salary bands are reviewed in March.")
    _write(share, "hr/payroll/run.txt", "Payroll runs on the 25th.")
    _write(share, "general.txt", "The office closes at 20:00.")
    run_sync(ingestor, share, groups=["everyone"],
             folder_groups={"hr": ["hr"], "hr/payroll": ["payroll"]})
    assert _sources(ingestor) == {"share/hr/salaries.txt": ("hr",),
                                  "share/hr/payroll/run.txt": ("payroll",),
                                  "share/general.txt": ("everyone",)}
    assert groups_for("share/x.txt", "share", None, {}) is None


def test_durations_and_the_schedule() -> None:
    assert parse_every("15m") == 900 and parse_every("1h30m") == 5400
    assert parse_every("90s") == 90 and parse_every("5") == 300
    for bad in ("soon", "1s", "m"):
        with pytest.raises(ValueError):
            parse_every(bad)
    passes: list[int] = []
    slept: list[float] = []
    repeat(lambda: passes.append(1), 60, sleep=slept.append, passes=3)
    assert len(passes) == 3 and len(slept) == 2 and all(0 < s <= 60 for s in slept)


@pytest.mark.slow
def test_the_command_line_dry_run_json_contract_and_the_guard_exit_code(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCQA_", "OPENAI_"))}
    env["DOCQA_DATA_DIR"] = str(tmp_path / "data")

    def docqa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "docqa", "sync", *args], env=env,
                              capture_output=True, text=True, cwd=REPO, timeout=300)

    share = tmp_path / "share"
    for i in range(3):
        _write(share, f"doc{i}.txt", f"Document {i} says the meeting is in room {i}.")
    dry = docqa(str(share), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] and plan["added"] == ["share/doc0.txt", "share/doc1.txt",
                                                 "share/doc2.txt"]
    assert plan["deleted"] == [] and plan["ingested"] == []
    done = docqa(str(share), "--groups", "sales", "--json")
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)["ingested"]) == plan["added"]
    for path in share.iterdir():
        path.unlink()
    refused = docqa(str(share))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert docqa(str(tmp_path / "missing")).returncode == 1
    assert docqa(str(share), "--every", "soon").returncode != 0


def test_links_out_of_the_folder_and_docqas_own_data_are_never_indexed(
        ingestor: Ingestor, tmp_path: Path) -> None:
    from docqa.sync import SyncFolderError

    secret = _write(tmp_path / "home", "id_key.txt", "BEGIN PRIVATE KEY do not index")
    share = tmp_path / "share"
    _write(share, "ok.txt", "The canteen opens at 7:30.")
    (share / "notes.txt").symlink_to(secret)
    (share / "inside.txt").symlink_to(share / "ok.txt")  # a link within the folder is fine
    report = run_sync(ingestor, share)
    assert sorted(report.ingest.ingested + report.ingest.skipped) == [
        "share/inside.txt", "share/ok.txt"]
    assert [f.path for f in report.failed] == [str(share / "notes.txt")]
    assert "outside the folder" in report.failed[0].error
    assert not any("PRIVATE" in c.text for r in ingestor.services.catalog.list()
                   for c in ingestor.services.index.chunks(r.doc_id))
    # `docqa ingest` of the folder follows the same rule
    files, failed = __import__("ingest.sources", fromlist=["discover"]).discover([share])
    assert len(files) == 1 and files[0].path.resolve() == (share / "ok.txt").resolve()
    assert [f.path for f in failed] == [str(share / "notes.txt")]
    with pytest.raises(SyncFolderError, match="docqa's own data"):
        run_sync(ingestor, ingestor.services.settings.data_dir)
    with pytest.raises(SyncFolderError):
        run_sync(ingestor, ingestor.services.settings.data_dir.parent)
