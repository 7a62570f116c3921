"""The admin console's page logic with Streamlit's AppTest on a real index and real SQLite:
the documents table (search, filters, bulk groups, titles, bulk delete, groups per file in an
upload) and "Run evaluation now" on the Quality page (tests/test_browser_admin.py walks the
same in a real browser)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from docqa.eval_jobs import EvaluationRunner, app_datasets
from evals.history import History, history_path
from evals.nightly import Planned
from tests.pdfs import write_pdf
from tests.test_app import app_for, open_page, texts  # noqa: F401  (app_for is a fixture)

REPO = Path(__file__).resolve().parent.parent


def _rows(at: AppTest) -> dict[str, dict[str, Any]]:
    return {r["document"]: r for r in at.dataframe[0].value.to_dict("records")}


def _by_key(widgets: Any, prefix: str) -> Any:
    return next(w for w in widgets if str(w.key).startswith(prefix))


def _upload(services: Any, files: dict[str, tuple[str, ...]]) -> None:
    from ingest.pipeline import Ingestor

    for name, groups in files.items():
        assert not Ingestor(services).ingest([Path(name)], groups=list(groups)).failed


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    return {
        "warranty": write_pdf(tmp_path / "widget-warranty.pdf", [
            "Widget warranty. Every Widget Pro carries a warranty of 27 months from delivery."]),
        "returns": write_pdf(tmp_path / "returns-policy.pdf", [
            "Returns. Unused widgets may be returned within 14 days for a full refund."]),
        "notes": _write(tmp_path / "shipping-notes.md",
                        "# Shipping\n\nThe gadget ships within 9 working days.\n"),
    }


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_search_filters_bulk_groups_title_and_bulk_delete(
        open_services: Callable[..., Any], app_for: Callable[..., AppTest],  # noqa: F811
        docs: dict[str, Path]) -> None:
    import ui.common

    services = open_services()
    _upload(services, {str(docs["warranty"]): ("everyone",), str(docs["returns"]): ("sales",),
                       str(docs["notes"]): ("everyone",)})
    at = open_page(app_for(services, "root").run(), "documents")
    assert not at.exception
    assert set(_rows(at)) == {"widget-warranty.pdf", "returns-policy.pdf", "shipping-notes.md"}
    assert {"uploaded", "size (KB)", "uploaded by", "chunks"} <= set(at.dataframe[0].value.columns)

    # search matches file names and titles; filters narrow by type and group
    at.text_input(key="docs-search").set_value("WIDGET").run()
    assert set(_rows(at)) == {"widget-warranty.pdf"}
    at.text_input(key="docs-search").set_value("").run()
    at.multiselect(key="docs-type").set_value([".md"]).run()
    assert set(_rows(at)) == {"shipping-notes.md"}
    at.multiselect(key="docs-type").set_value([]).run()
    at.multiselect(key="docs-group").set_value(["sales"]).run()
    assert set(_rows(at)) == {"returns-policy.pdf"}
    assert "1 of 3 shown" in texts(at)
    at.multiselect(key="docs-group").set_value([]).run()
    at.multiselect(key="docs-status").set_value(["failed"]).run()
    assert "No document matches" in texts(at)
    at.multiselect(key="docs-status").set_value([]).run()

    # bulk: two documents get the same groups, each change audited as the CLI audits it
    warranty = services.catalog.find("widget-warranty.pdf")
    returns = services.catalog.find("returns-policy.pdf")
    at.multiselect(key="docs-selected").set_value([warranty.doc_id, returns.doc_id]).run()
    assert "Now: " in texts(at)  # their groups differ today
    _by_key(at.multiselect, "groups-").set_value(["hr"]).run()
    _by_key(at.button, "save-groups-").click().run()
    assert not at.exception
    for doc in (warranty, returns):
        assert services.catalog.get(doc.doc_id).groups == ("hr",)
        assert all(c.groups == ("hr",) for c in services.index.chunks(doc.doc_id))
    events = services.audit.recent(action="groups_changed")
    assert {(e.target, tuple(e.detail["from"]), tuple(e.detail["to"]), e.actor, e.source)
            for e in events} == {("widget-warranty.pdf", ("everyone",), ("hr",), "root", "app"),
                                 ("returns-policy.pdf", ("sales",), ("hr",), "root", "app")}
    assert _rows(at)["returns-policy.pdf"]["groups"] == "hr"

    # an empty group list is refused, never turned into "everyone"
    _by_key(at.multiselect, "groups-").set_value([]).run()
    _by_key(at.button, "save-groups-").click().run()
    assert "Choose at least one group" in texts(at)
    assert services.catalog.get(warranty.doc_id).groups == ("hr",)

    # one selected: its title can be corrected; the re-index carries it into the passages
    at.multiselect(key="docs-selected").set_value([warranty.doc_id]).run()
    at.text_input(key=f"title-{warranty.doc_id}").set_value("  Widget Pro\twarranty  ").run()
    at.button(key=f"save-title-{warranty.doc_id}").click().run()
    assert not at.exception
    assert services.catalog.get(warranty.doc_id).title == "Widget Pro warranty"
    assert ui.common.shared_uploads().wait(120)
    assert {c.title for c in services.index.chunks(warranty.doc_id)} == {"Widget Pro warranty"}
    [retitled] = services.audit.recent(action="title_changed")
    assert retitled.detail["to"] == "Widget Pro warranty" and retitled.actor == "root"
    at.run()
    assert _rows(at)["widget-warranty.pdf"]["title"] == "Widget Pro warranty"
    at.text_input(key=f"title-{warranty.doc_id}").set_value("   ").run()
    at.button(key=f"save-title-{warranty.doc_id}").click().run()
    assert "cannot be empty" in texts(at)

    # bulk delete asks first, naming how many, and says what happens to old conversations
    at.button(key="docs-select-shown").click().run()
    assert len(at.multiselect(key="docs-selected").value) == 3
    at.multiselect(key="docs-selected").set_value([warranty.doc_id, returns.doc_id]).run()
    at.button(key="docs-delete").click().run()
    warning = texts(at)
    assert "Delete 2 documents" in warning and "no longer available" in warning
    assert services.catalog.get(warranty.doc_id) is not None
    at.button(key="docs-confirm-delete").click().run()
    assert not at.exception
    assert services.catalog.get(warranty.doc_id) is None
    assert services.catalog.get(returns.doc_id) is None
    assert services.index.count(warranty.doc_id) == 0
    assert {e.target for e in services.audit.recent(action="delete")} == {
        "widget-warranty.pdf", "returns-policy.pdf"}
    assert set(_rows(at)) == {"shipping-notes.md"}
    assert at.multiselect(key="docs-selected").value == []


def test_an_upload_gives_each_file_its_own_groups(
        open_services: Callable[..., Any], app_for: Callable[..., AppTest],  # noqa: F811
        docs: dict[str, Path]) -> None:
    import ui.common

    services = open_services()
    at = open_page(app_for(services, "root").run(), "documents")
    at.file_uploader[0].set_value([
        ("widget-warranty.pdf", docs["warranty"].read_bytes(), "application/pdf"),
        ("returns-policy.pdf", docs["returns"].read_bytes(), "application/pdf")]).run()
    at.multiselect(key="upload-groups-0").set_value(["sales"]).run()
    at.toggle(key="upload-per-file-0").set_value(True).run()
    per_file = [m for m in at.multiselect if str(m.key).startswith("upload-groups-0-")]
    assert [m.label for m in per_file] == ["Who may read widget-warranty.pdf",
                                           "Who may read returns-policy.pdf"]
    assert all(m.value == ["sales"] for m in per_file)  # each starts with the batch's groups
    per_file[1].set_value(["hr", "finance"]).run()
    at.button(key="upload-submit").click().run()
    assert not at.exception
    assert ui.common.shared_uploads().wait(120)
    assert services.catalog.find("widget-warranty.pdf").groups == ("sales",)
    assert services.catalog.find("returns-policy.pdf").groups == ("finance", "hr")
    assert {e.target: e.detail["groups"] for e in services.audit.recent(action="ingest")} == {
        "widget-warranty.pdf": ["sales"], "returns-policy.pdf": ["finance", "hr"]}
    at.run()
    assert at.file_uploader[0].value in (None, [])  # the chooser is cleared for the next batch

    # a file left without any group is refused before anything is stored
    at.file_uploader[0].set_value([
        ("shipping-notes.md", docs["notes"].read_bytes(), "text/markdown"),
        ("copy.md", b"# Copy\n\nAnother note.\n", "text/markdown")]).run()
    at.toggle(key="upload-per-file-1").set_value(True).run()
    next(m for m in at.multiselect
         if str(m.key).startswith("upload-groups-1-")).set_value([])
    at.button(key="upload-submit").click().run()
    assert "Choose at least one group that may read shipping-notes.md" in texts(at)
    assert services.catalog.find("copy.md") is None


def test_quality_page_runs_an_evaluation_in_the_background(
        sample_services: Any, app_for: Callable[..., AppTest], tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.views.quality as quality
    from docqa.services import Services

    class KeepOpen(Services):
        def close(self) -> None:
            pass

    s = sample_services
    services = KeepOpen(s.settings.model_copy(update={"data_dir": tmp_path / "data"}),
                        s.embedder, s.sparse, s.index, s.catalog, queries=s.queries)
    golden = next(p for p in app_datasets() if p.path.name == "golden.jsonl")
    # the nightly config's own knobs (name, limit) keep the run short
    quick = Planned(golden.path, name="golden-quick", limit=4)
    monkeypatch.setattr(quality, "app_datasets", lambda: [quick])
    at = open_page(app_for(services, "root").run(), "quality")
    assert not at.exception
    empty = texts(at)
    assert "No evaluation has run yet" in empty and "Run evaluation now" in empty
    assert "docqa eval run" in empty

    at.button(key="quality-run").click().run()
    assert not at.exception
    runner: EvaluationRunner = quality._runner(str(services.settings.data_dir), services)
    job = runner.current()
    assert job is not None and job.dataset == "golden-quick" and job.started_by == "root"
    again, started = runner.start(quick, "someone-else")  # a second click while it runs
    assert not started and again.started_at == job.started_at
    assert runner.wait(300)
    done = runner.current()
    assert done is not None and done.state == "done" and done.total == 4, done
    with History(history_path(services.settings.data_dir)) as history:
        assert [r.questions for r in history.runs("golden-quick")] == [4]

    at.run()
    assert not at.exception
    assert "Evaluation finished" in "\n".join(m.value for m in (*at.success, *at.warning))
    assert "hit@5" in {m.label for m in at.metric}
    assert "No evaluation has run yet" not in texts(at)
