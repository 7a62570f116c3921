"""Uploads from the app: checked before storing, indexed in the background, resumed after a
restart, one bad file never stopping the others."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.uploads import UploadQueue, check_upload, safe_name
from retrieval.errors import IngestError
from tests.pdfs import write_pdf


def test_names_cannot_leave_the_staging_folder() -> None:
    assert safe_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_name("C:\\Users\\x\\report.pdf") == "report.pdf"
    with pytest.raises(IngestError):
        safe_name("..")


def test_wrong_type_size_and_empty_files_are_refused_with_a_sentence() -> None:
    with pytest.raises(IngestError, match=r"unsupported file type '\.exe'"):
        check_upload("setup.exe", 10, 1000)
    with pytest.raises(IngestError, match="over the 0 MB limit"):
        check_upload("big.pdf", 2000, 1000)
    with pytest.raises(IngestError, match="empty"):
        check_upload("empty.pdf", 0, 1000)
    check_upload("fine.PDF", 10, 1000)


def test_a_batch_with_a_broken_file_indexes_the_others(open_services: Callable[..., Any],
                                                       tmp_path: Path) -> None:
    services = open_services()
    queue = UploadQueue(services)
    good = write_pdf(tmp_path / "good.pdf", ["The canteen opens at 7:30 on weekdays."])
    jobs = [queue.submit("broken.pdf", b"%PDF-1.4 not really a pdf", ["everyone"], "root"),
            queue.submit("good.pdf", good.read_bytes(), ["everyone"], "root")]
    assert queue.wait(120)
    done = {j.filename: queue.get(j.job_id) for j in jobs}
    assert done["broken.pdf"].state == "failed" and done["broken.pdf"].message
    assert done["good.pdf"].state == "indexed" and done["good.pdf"].fraction == 1.0
    assert services.catalog.find("good.pdf").chunks > 0
    assert services.catalog.find("broken.pdf").status == "failed"
    assert not list((services.settings.data_dir / "uploads").iterdir())  # staging cleaned
    queue.close()


def test_an_upload_staged_before_a_restart_is_indexed_at_the_next_start(
        open_services: Callable[..., Any], tmp_path: Path) -> None:
    services = open_services()
    staged = services.settings.data_dir / "uploads" / "abc123"
    staged.mkdir(parents=True)
    write_pdf(staged / "late.pdf", ["Parking permits are renewed every January."])
    (staged / "job.json").write_text(json.dumps(
        {"filename": "late.pdf", "groups": ["sales"], "uploader": "root"}))
    half = services.settings.data_dir / "uploads" / "half"  # no ticket: never fully staged
    half.mkdir()
    (half / "x.pdf").write_bytes(b"%PDF")
    queue = UploadQueue(services)
    assert queue.wait(120)
    record = services.catalog.find("late.pdf")
    assert record is not None and record.status == "indexed" and record.groups == ("sales",)
    assert record.uploaded_by == "root"
    assert not staged.exists() and not half.exists()
    queue.close()
