"""Ranking metrics at their edges, the per-run summary and the regression gate, by hand."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from evals.gate import Thresholds, check, load_thresholds
from evals.golden import GoldenItem, Reference
from evals.metrics import hit_at, mrr, ndcg_at, recall_at
from evals.run import QuestionResult, RunOptions, ranking_scores, summarise


def test_no_relevant_documents_scores_zero_everywhere() -> None:
    ranked = ["a", "b"]
    assert hit_at(ranked, {}, 5) == 0.0 and recall_at(ranked, {}, 5) == 0.0
    assert mrr(ranked, {}) == 0.0 and ndcg_at(ranked, {}, 10) == 0.0
    # a grade of 0 is "judged not relevant", not relevant
    assert hit_at(ranked, {"a": 0}, 5) == 0.0 and ndcg_at(ranked, {"a": 0}, 10) == 0.0


def test_k_larger_than_the_list_and_an_empty_list() -> None:
    rel = {"c": 1, "z": 1}
    assert hit_at(["a", "c"], rel, 100) == 1.0
    assert recall_at(["a", "c"], rel, 100) == 0.5
    assert mrr(["a", "c"], rel, 100) == 0.5
    assert ndcg_at(["a", "c"], rel, 100) == pytest.approx(
        (1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert hit_at([], rel, 5) == 0.0 and mrr([], rel) == 0.0 and ndcg_at([], rel) == 0.0


def test_ties_in_relevance_do_not_change_a_perfect_ranking() -> None:
    rel = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "x"], rel) == pytest.approx(1.0)
    assert ndcg_at(["b", "a", "x"], rel) == pytest.approx(1.0)
    assert ndcg_at(["x", "a", "b"], rel) < 1.0


def test_cut_offs_count_only_the_first_k() -> None:
    ranked = [f"p{i}" for i in range(12)]
    rel = {"p6": 1, "p11": 1}
    s = ranking_scores(ranked, rel)
    assert s["hit@5"] == 0.0 and s["hit@10"] == 1.0 and s["recall@100"] == 1.0
    assert s["mrr"] == pytest.approx(1 / 7)
    assert s["ndcg@10"] == pytest.approx((1 / math.log2(8)) / (1 + 1 / math.log2(3)))


def _result(item: GoldenItem, refused: bool, cites: int = 0, valid: int = 0,
            ranked: tuple[str, ...] = ()) -> QuestionResult:
    return QuestionResult(item, ranked, ranking_scores(ranked, item.relevant)
                          if item.relevant else {}, answer="x", refused=refused,
                          citations=cites, valid_citations=valid)


def test_summary_counts_refusals_answers_and_citations_and_names_what_did_not_run() -> None:
    answerable = GoldenItem("a", "q?", "42", (Reference("f.pdf", 2),))
    unanswerable = GoldenItem("u", "q?", tags=("unanswerable",))
    results = [_result(answerable, False, 4, 3, ("f.pdf#2",)),
               _result(answerable, True, ranked=("f.pdf#9", "f.pdf#2")),
               _result(unanswerable, True), _result(unanswerable, False, 1, 1)]
    s = summarise(results, RunOptions())
    assert s.metrics["answer_rate"] == 0.5 and s.metrics["refusal_accuracy"] == 0.5
    assert s.metrics["citation_validity"] == pytest.approx(4 / 5)
    assert s.metrics["hit@5"] == 1.0 and s.metrics["mrr"] == 0.75
    for judged in ("faithfulness", "answer_relevancy", "factual_correctness"):
        assert judged not in s.metrics and "judge" in s.not_run[judged]
    beir = summarise([_result(answerable, False, ranked=("f.pdf#2",))],
                     RunOptions(answers=False))
    assert "refusal_accuracy" not in beir.metrics and "retrieval only" in \
        beir.not_run["refusal_accuracy"]
    assert all(not math.isnan(v) for v in s.metrics.values())


def test_gate_fails_below_a_minimum_and_on_a_drop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.toml"
    path.write_text('[default.max_drop]\n"*" = 0.05\n[datasets.gold.min]\n"hit@5" = 0.8\n'
                    '[datasets.gold.max_drop]\n"mrr" = 0.2\n')
    t = load_thresholds(path, "gold")
    assert t == Thresholds({"hit@5": 0.8}, {"*": 0.05, "mrr": 0.2})
    assert load_thresholds(path, "other") == Thresholds({}, {"*": 0.05})
    assert check({"hit@5": 0.9, "mrr": 0.5}, None, t) == []
    failures = check({"hit@5": 0.7, "mrr": 0.5}, {"hit@5": 0.9, "mrr": 0.65}, t)
    assert [(f.metric, f.reason) for f in failures] == [("hit@5", "below minimum"),
                                                        ("hit@5", "dropped")]
    assert check({"hit@5": 0.85}, {"hit@5": 0.9}, t) == []  # a drop of exactly the margin
    assert load_thresholds(tmp_path / "absent.toml", "gold") == Thresholds()


def test_the_gate_knows_a_rising_false_refusal_rate_is_a_regression() -> None:
    from evals.gate import Thresholds, check

    limits = Thresholds(minimum={"answer_correctness": 0.6}, max_drop={"*": 0.05},
                        maximum={"false_refusal_rate": 0.1})
    ok = check({"answer_correctness": 0.7, "false_refusal_rate": 0.05},
               {"answer_correctness": 0.72, "false_refusal_rate": 0.08}, limits)
    assert ok == []  # correctness fell 0.02, false refusals fell: both fine
    worse = check({"answer_correctness": 0.7, "false_refusal_rate": 0.12},
                  {"answer_correctness": 0.7, "false_refusal_rate": 0.05}, limits)
    assert {(f.metric, f.reason) for f in worse} == {("false_refusal_rate", "above maximum"),
                                                    ("false_refusal_rate", "dropped")}


def test_a_key_fact_is_found_as_whole_words_in_any_form_of_a_duration() -> None:
    from evals.answer_checks import holds_fact

    assert holds_fact("During the six-month probation period [1].", "six months")
    assert holds_fact("The learning budget is EUR 1,500 per year [1].", "EUR 1500")
    assert not holds_fact("Kept for 12 months [1].", "2 months")
    assert not holds_fact("EUR 150 per night [1].", "EUR 15")


def test_the_refusal_sweep_refuses_to_calibrate_on_an_empty_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        embedder: Any) -> None:
    from bench import refusal_sweep

    monkeypatch.setenv("DOCQA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("docqa.services.build_embedder", lambda settings: embedder)
    assert refusal_sweep.main([]) == 1
    assert "no documents are indexed" in capsys.readouterr().err


def test_the_sweep_keeps_the_fewest_false_refusals_among_near_equals() -> None:
    from bench.refusal_sweep import Row, keep, sweep

    rows = [Row(0.36, 0.863, 0.76, 0.056), Row(0.40, 0.851, 0.76, 0.087),
            Row(0.42, 0.848, 0.78, 0.099), Row(0.50, 0.739, 0.90, 0.224)]
    assert keep(rows) == rows[0]  # 1.623 is within 0.01 of 1.628, with fewer false refusals
    assert keep([Row(0.36, 0.80, 0.70, 0.05), Row(0.42, 0.84, 0.78, 0.09)]).threshold == 0.42
    assert keep([Row(0.5, 0.7, 0.9, 0.2)]) is None  # every threshold refuses too much
    assert sweep([(0.5, True), (0.3, True)], [0.2, 0.4], [0.35]) == [Row(0.35, 0.5, 0.5, 0.5)]
