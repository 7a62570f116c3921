"""The ragas adapter with a real OpenAI-compatible server on 127.0.0.1 as the judge: scores
come from what the judge said, a judge failure is "no score", never 0 or NaN."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.golden import GoldenItem
from evals.ragas_adapter import judge_results
from evals.run import QuestionResult, RunOptions, summarise
from tests.fake_openai import FakeOpenAI, Reply

pytest.importorskip("ragas", reason="the eval extra (ragas) is not installed")

def _result() -> QuestionResult:
    item = GoldenItem("hb-1", "How many days of leave after seven years?", "30 days")
    return QuestionResult(item, (), {}, answer="You get 30 days [1].", refused=False,
                          contexts=("6 to 9 years of service: 30 days per year.",))


def test_faithfulness_is_scored_by_the_judge(embedder: Any) -> None:
    statements = {"statements": ["The employee gets 30 days of leave.",
                                 "The leave is paid in cash."]}
    verdicts = {"statements": [
        {"statement": "The employee gets 30 days of leave.", "reason": "stated", "verdict": 1},
        {"statement": "The leave is paid in cash.", "reason": "not stated", "verdict": 0}]}
    with FakeOpenAI() as fake:
        fake.queue(Reply(text=json.dumps(statements)), Reply(text=json.dumps(verdicts)))
        (judged,) = judge_results([_result()], "judge-model", base_url=fake.base_url,
                                  api_key="test", embedder=embedder, names=("faithfulness",))
        sent = [r["body"] for r in fake.requests if r["path"].endswith("/chat/completions")]
    assert judged.judged == {"faithfulness": 0.5}
    assert len(sent) == 2 and sent[0]["model"] == "judge-model"
    assert "30 days" in json.dumps(sent[1]["messages"])  # the contexts went to the judge
    assert summarise([judged], RunOptions()).metrics["faithfulness"] == 0.5


def test_a_failing_judge_gives_no_score_not_zero(embedder: Any) -> None:
    with FakeOpenAI(default=Reply(text="this is not JSON")) as fake:
        (judged,) = judge_results([_result()], "judge-model", base_url=fake.base_url,
                                  api_key="test", embedder=embedder, names=("faithfulness",))
        assert fake.requests  # it was asked
    assert judged.judged == {}
    summary = summarise([judged], RunOptions(), judge_reason=None)
    assert "faithfulness" not in summary.metrics
    assert summary.not_run["faithfulness"] == "the judge returned no usable score"
