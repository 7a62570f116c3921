"""Scoped questions: a question limited to chosen documents, folders or groups searches and
cites only those (inside the engine's filter, beside the access filter), in the kernel and on
the command line (``docqa ask --doc``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from docqa.cli import app
from docqa.conversations import Scope, folder_of, scope_doc_ids, scope_labels
from retrieval.settings import Settings
from retrieval.types import DocStatus, DocumentRecord


def _record(doc_id: str, source: str, groups: tuple[str, ...],
            status: DocStatus = DocStatus.INDEXED, title: str = "") -> DocumentRecord:
    return DocumentRecord(doc_id, source, title, "v1", status, "", 1, 3, (), groups, "admin",
                          "2026-01-01", 10, "", True)


RECORDS = [
    _record("a", "policies/2023/travel.pdf", ("everyone",), title="Travel 2023"),
    _record("b", "policies/2024/travel.pdf", ("everyone",)),
    _record("c", "policies/2023/salaries.pdf", ("hr",)),
    _record("d", "handbook.pdf", ("everyone",)),
    _record("e", "policies/2023/broken.pdf", ("everyone",), DocStatus.FAILED),
    _record("f", "policies/2023x/other.pdf", ("everyone",)),
]


def _by_source(services: Any, name: str) -> str:
    record = services.catalog.find(name)
    assert record is not None, name
    return str(record.doc_id)


def test_one_document_in_scope_gives_hits_and_citations_only_from_it(
        sample_services: Any) -> None:
    answerer = sample_services.new_answerer(None)  # extractive, not logged
    question = "When is my salary paid?"
    faq = _by_source(sample_services, "faq.txt")
    handbook = _by_source(sample_services, "employee-handbook.pdf")
    everywhere = answerer.ask(question, groups=("everyone",))
    assert faq in {h.chunk.doc_id for h in everywhere.hits}  # so the scope has work to do

    scoped = answerer.ask(question, groups=("everyone",), scope=[handbook])
    assert scoped.hits, "the scoped search found nothing in the chosen document"
    assert {h.chunk.doc_id for h in scoped.hits} == {handbook}
    assert {c.doc_id for c in scoped.citations} <= {handbook}
    assert {u.doc_id for u in scoped.context.used} <= {handbook}
    # a scope never widens access: an hr document in scope stays unreadable to "everyone"
    salaries = _by_source(sample_services, "salary-bands-2026.pdf")
    outside = answerer.ask("What is the salary range for an L3 engineer?",
                           groups=("everyone",), scope=[salaries])
    assert outside.hits == [] and outside.citations == [] and outside.refused


def test_scope_resolves_documents_folders_and_groups_within_access() -> None:
    assert scope_doc_ids(Scope(), RECORDS, ("everyone",)) is None  # nothing chosen: no limit
    assert scope_doc_ids(Scope(doc_ids=("a", "d")), RECORDS, ("everyone",)) == ("a", "d")
    # a folder holds its sub-folders, never a sibling that merely starts alike; failed
    # documents cannot be searched; hr's document is not the reader's
    assert scope_doc_ids(Scope(folders=("policies/2023",)), RECORDS, ("everyone",)) == ("a",)
    assert scope_doc_ids(Scope(folders=("policies",)), RECORDS, ("everyone",)) == (
        "a", "b", "f")
    assert scope_doc_ids(Scope(folders=("policies/2023",)), RECORDS,
                         ("everyone", "hr")) == ("a", "c")
    assert scope_doc_ids(Scope(groups=("hr",)), RECORDS, ("everyone",)) == ()
    assert scope_doc_ids(Scope(groups=("hr",)), RECORDS, None) == ("c",)  # an admin
    assert scope_doc_ids(Scope(doc_ids=("c",)), RECORDS, ("everyone",)) == ()
    assert folder_of("handbook.pdf") == "" and folder_of("a/b/c.pdf") == "a/b"

    by_id = {r.doc_id: r for r in RECORDS}
    labels = scope_labels(Scope(doc_ids=("a", "c", "zz"), groups=("hr",)), by_id.get,
                          ("everyone",))
    assert labels == ["Travel 2023", "group hr", "2 documents no longer available"]
    assert Scope.from_json(json.loads(json.dumps(Scope(("a",), ("x",), ("g",)).as_json()))
                           ) == Scope(("a",), ("x",), ("g",))
    assert Scope.from_json("garbage") == Scope()


@pytest.fixture
def cli(settings: Settings, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Commands on the test's data dir, with the session's embedder (no second model load)."""
    import docqa.services as services_module

    real_open = services_module.open_services
    monkeypatch.setenv("DOCQA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(services_module, "open_services",
                        lambda s, embedder_=None, index=None: real_open(s, embedder=embedder))
    return CliRunner()


def test_cli_ask_doc_limits_the_answer_to_the_named_documents(
        cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "2023").mkdir(parents=True)
    (folder / "2024").mkdir()
    (folder / "2023" / "travel.md").write_text(
        "# Travel policy 2023\n\nThe hotel cap in Munich is EUR 150 per night. Trains are "
        "booked in second class.\n")
    (folder / "2024" / "travel.md").write_text(
        "# Travel policy 2024\n\nThe hotel cap in Munich is EUR 175 per night. Trains are "
        "booked in first class for trips over four hours.\n")
    result = cli.invoke(app, ["ingest", str(folder), "--json", "--groups", "travel"])
    assert result.exit_code == 0, result.output
    listed = json.loads(cli.invoke(app, ["docs", "list", "--json"]).stdout)["documents"]
    ids = {d["source"]: d["doc_id"] for d in listed}
    assert set(ids) == {"2023/travel.md", "2024/travel.md"}

    question = "What is the hotel cap in Munich?"
    both = json.loads(cli.invoke(app, ["ask", question, "--offline", "--json"]).stdout)
    assert both["scope"] is None
    for name, ref in (("2023/travel.md", "2023/travel.md"),
                      ("2024/travel.md", ids["2024/travel.md"][:8])):  # file name or id prefix
        result = cli.invoke(app, ["ask", question, "--offline", "--json", "--doc", ref])
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer["scope"] == [{"doc_id": ids[name], "source": name}]
        assert answer["citations"], answer
        assert {c["source"] for c in answer["citations"]} == {name}
        assert {u["source"] for u in answer["context"]["used"]} == {name}
    assert "EUR 150" in json.loads(cli.invoke(app, [
        "ask", question, "--offline", "--json", "--doc", "2023/travel.md"]).stdout)["answer"]

    text = cli.invoke(app, ["ask", question, "--offline", "--doc", "2024/travel.md",
                            "--doc", ids["2024/travel.md"]])  # the same document twice: once
    assert text.exit_code == 0, text.output
    assert "searched only in: 2024/travel.md\n" in text.stderr

    unknown = cli.invoke(app, ["ask", question, "--offline", "--doc", "nope.pdf"])
    assert unknown.exit_code == 1
    assert "Not found: document 'nope.pdf'" in unknown.stderr
    assert "Traceback" not in unknown.output
    outside = cli.invoke(app, ["ask", question, "--offline", "--groups", "sales", "--doc",
                               "2023/travel.md"])
    assert outside.exit_code == 1 and "not shared with the groups" in outside.stderr
