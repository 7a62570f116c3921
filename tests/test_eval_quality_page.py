"""The app's Quality page reads the evaluation history and the latest report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from docqa.services import Services
from evals.datasets import load_dataset
from evals.run import RunOptions
from evals.session import evaluate_dataset
from tests.test_app import app_for, open_page  # noqa: F401  (app_for is a fixture)

REPO = Path(__file__).resolve().parent.parent


class _KeepOpen(Services):
    def close(self) -> None:
        pass


def test_quality_page_shows_the_latest_run_and_trends(
        sample_services: Any, app_for: Callable[..., AppTest], tmp_path: Path) -> None:  # noqa: F811
    s = sample_services
    services = _KeepOpen(s.settings.model_copy(update={"data_dir": tmp_path / "data"}),
                         s.embedder, s.sparse, s.index, s.catalog, queries=s.queries)
    dataset = load_dataset(REPO / "data" / "eval" / "golden.jsonl")
    for run in range(2):
        outcome = evaluate_dataset(services, dataset, RunOptions(), tmp_path / f"r{run}",
                                   limit=6)
    at = open_page(app_for(services, "root").run(), "quality")
    assert not at.exception
    assert [t.value for t in at.title][:1] == ["Quality"]
    shown = {m.label: m.value for m in at.metric}
    assert shown["hit@5"] == f"{outcome.report['metrics']['hit@5']:.3f}"
    worst = at.dataframe[-1].value
    assert set(worst["id"]) <= {item.id for item in dataset.items[:6]}
    assert any("2 runs" in c.value for c in at.caption)


def test_an_evaluation_leaves_the_apps_answerer_as_it_was(sample_services: Any,
                                                          tmp_path: Path) -> None:
    """The evaluation builds its own answerer: after a degraded run in the same process, the
    app's cached answerer still logs, searches hybrid and uses the configured depth."""
    s = sample_services
    services = _KeepOpen(s.settings.model_copy(update={"data_dir": tmp_path / "data"}),
                         s.embedder, s.sparse, s.index, s.catalog, queries=s.queries)
    before = services.answerer(offline=True)
    options, retriever = before.options, before.retriever
    dataset = load_dataset(REPO / "data" / "eval" / "golden.jsonl")
    evaluate_dataset(services, dataset, RunOptions(k=3, mode="sparse", top_k=3),
                     tmp_path / "run", limit=3, thresholds=None)
    after = services.answerer(offline=True)
    assert after is before and after.options == options and after.options.top_k == 8
    assert after.retriever is retriever is services.retriever()
    logged = len(s.queries.recent())
    answer = after.ask("How many days of annual leave do I get?", groups=["everyone"])
    assert answer.query_id is not None and len(s.queries.recent()) == logged + 1
    assert {h.chunk.doc_id for h in answer.hits} and answer.timings_ms["embed"] > 0  # dense ran
