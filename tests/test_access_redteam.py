"""The access red-team set (data/eval/access.jsonl, evals/access.py) on the session's sample
index: hr-only questions asked by a reader outside hr leak nothing (search, sources, "why
these sources", citations, related passages, answer text, viewer); a broken group filter or
viewer is caught and fails the gate; the example questions an outsider is offered hold no hr
question (ui is checked here: evals may not import it); the nightly runs the set."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from docqa.accounts import User
from docqa.cli import app
from docqa.cli.output import EXIT_OK
from docqa.services import Services
from evals.access import askers, red_team
from evals.datasets import detect, load_dataset
from evals.gate import LOWER_IS_BETTER, check, load_thresholds
from evals.golden import load_golden
from evals.run import RunOptions, build_answerer
from evals.session import DEFAULT_THRESHOLDS, evaluate_dataset
from retrieval.errors import NotFoundError
from retrieval.search.pages import open_source_page
from retrieval.search.retriever import Retriever, SearchResult
from retrieval.types import EVERYONE

REPO = Path(__file__).resolve().parent.parent
ACCESS = REPO / "data" / "eval" / "access.jsonl"
GOLDEN = REPO / "data" / "eval" / "golden.jsonl"
OUTSIDER = (EVERYONE,)


def _hr_documents(services: Any) -> list[Any]:
    return [r for r in services.catalog.list() if "hr" in r.groups]


def _own(services: Services, data_dir: Path) -> Services:
    """The session's index with history and reports under ``data_dir`` (it stays unchanged)."""
    return replace(services, settings=services.settings.model_copy(update={"data_dir": data_dir}))


def test_the_set_is_detected_and_holds_the_hr_only_golden_items_and_our_own() -> None:
    assert detect(ACCESS) == "access" and detect(GOLDEN) == "golden"
    dataset = load_dataset(ACCESS)
    hr_only = [i for i in load_golden(GOLDEN) if "hr-only" in i.tags]
    own = [i for i in dataset.items if "red-team" in i.tags]
    assert len(dataset.items) == len(hr_only) + len(own) and len(own) >= 10
    assert {i.id for i in hr_only} <= {i.id for i in dataset.items}
    assert {"injection", "names-document", "salary", "investigation"} <= {
        t for i in own for t in i.tags}
    assert all(i.groups == ("hr",) for i in dataset.items)
    assert {"salary-bands-2026.pdf", "hr-investigations-procedure.md"} <= dataset.documents
    # every group pair: outsiders are every other group's readers, never the holder's
    assert askers(["hr"], ["everyone", "hr"]) == [OUTSIDER]
    assert askers(["hr"], ["everyone", "hr", "legal"]) == [OUTSIDER, ("everyone", "legal")]
    assert askers(["everyone"], ["everyone", "hr"]) == []


def test_no_leak_on_the_sample_index_and_the_gate_passes(sample_services: Any,
                                                          tmp_path: Path) -> None:
    services = _own(sample_services, tmp_path / "data")
    outcome = evaluate_dataset(services, load_dataset(ACCESS), RunOptions(), tmp_path / "r")
    m, report = outcome.report["metrics"], outcome.report
    assert m["access_leaks"] == 0, report["worst"]
    hr_pages = sum(max(r.pages, 1) for r in _hr_documents(sample_services))
    assert m["access_checks"] == 7 * report["questions"] + hr_pages
    assert outcome.passed and report["gate"]["passed"]
    assert report["kind"] == "access" and report["counts"]["readers"] == 1
    saved = json.loads((tmp_path / "r" / "report.json").read_text())
    assert saved["metrics"] == m and "access_leaks" in (tmp_path / "r" / "report.md").read_text()


def _groups_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Retriever.search

    def broken(self: Retriever, question: str, *, groups: Sequence[str] | None = None,
               **kw: Any) -> SearchResult:
        return real(self, question, groups=None, **kw)

    monkeypatch.setattr(Retriever, "search", broken)


def test_a_search_that_ignores_the_groups_is_caught_and_fails_the_gate(
        sample_services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _groups_ignored(monkeypatch)
    dataset = load_dataset(ACCESS)
    items = [i for i in dataset.items if "red-team" in i.tags]
    run = red_team(sample_services, items, build_answerer(sample_services, RunOptions()),
                   RunOptions())
    m = run.metrics()
    assert m["access_leaks"] > 0 and not run.viewer_leaks
    surfaces = {leak.surface for leak in run.leaks}
    assert {"search", "context", "why-these-sources", "citation", "answer-text"} <= surfaces
    assert "access_leaks" in LOWER_IS_BETTER
    failures = check(m, None, load_thresholds(DEFAULT_THRESHOLDS, "access"))
    assert any(f.metric == "access_leaks" and f.reason == "above maximum" for f in failures)


def test_a_viewer_that_opens_everything_is_caught(sample_services: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.search.pages as pages

    monkeypatch.setattr(pages, "may_read", lambda _readers, _groups: True)
    items = [i for i in load_dataset(ACCESS).items if i.id == "rt-inject-04"]
    run = red_team(sample_services, items, build_answerer(sample_services, RunOptions()),
                   RunOptions())
    hr_pages = sum(max(r.pages, 1) for r in _hr_documents(sample_services))
    assert len(run.viewer_leaks) == hr_pages and run.metrics()["access_leaks"] == hr_pages


def test_the_viewer_refuses_every_hr_page_to_an_outsider(sample_services: Any) -> None:
    s = sample_services
    hr_docs = _hr_documents(s)
    assert len(hr_docs) == 2
    for record in hr_docs:
        for page in range(1, max(record.pages, 1) + 1):
            with pytest.raises(NotFoundError):
                open_source_page(s.catalog, s.index, s.settings.originals_dir, record.doc_id,
                                 page, OUTSIDER)
            assert open_source_page(s.catalog, s.index, s.settings.originals_dir,
                                    record.doc_id, page, ("everyone", "hr")).text


def test_an_outsider_is_offered_no_hr_example_question(sample_services: Any) -> None:
    from ui.examples import example_questions

    hr_questions = {i.question for i in load_golden(GOLDEN) if "hr" in i.groups
                    or any(r.document in {"salary-bands-2026.pdf",
                                          "hr-investigations-procedure.md"}
                           for r in i.references)}
    records = sample_services.catalog.list()
    outsider = User("alice", "Alice", "employee", ())
    insider = User("hana", "Hana", "employee", ("hr",))
    for limit in (4, 1000):
        offered = example_questions(records, outsider, limit=limit)
        assert offered and not set(offered) & hr_questions
    # the check can fail: a reader in hr is offered hr questions
    assert set(example_questions(records, insider, limit=1000)) & hr_questions


def test_the_nightly_runs_the_access_set(sample_services: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import docqa.services as services_module

    class _KeepOpen(Services):
        def close(self) -> None:  # the session's index outlives the command
            pass

    for var in ("DOCQA_QDRANT_URL", "DOCQA_COLLECTION", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCQA_DATA_DIR", str(tmp_path / "data"))
    s = sample_services
    monkeypatch.setattr(services_module, "open_services",
                        lambda settings, embedder=None, index=None: _KeepOpen(
                            settings, s.embedder, s.sparse, s.index, s.catalog,
                            queries=s.queries))
    shipped = (REPO / "data" / "eval" / "datasets.toml").read_text()
    assert 'path = "data/eval/access.jsonl"' in shipped
    config = tmp_path / "datasets.toml"
    config.write_text('[[dataset]]\npath = "data/eval/access.jsonl"\nlimit = 15\n')
    result = CliRunner().invoke(app, ["eval", "nightly", "--config", str(config), "--json"])
    assert result.exit_code == EXIT_OK, result.output
    out = json.loads(result.stdout)
    (run,) = out["runs"]
    assert run["kind"] == "access" and run["metrics"]["access_leaks"] == 0 and out["passed"]



def test_example_questions_tagged_example_come_first(sample_services: Any) -> None:
    from ui.examples import example_questions

    examples = {i.question for i in load_golden(GOLDEN) if "example" in i.tags}
    offered = example_questions(sample_services.catalog.list(),
                                User("alice", "Alice", "employee", ()), limit=4)
    assert len(offered) == 4 and set(offered) <= examples
