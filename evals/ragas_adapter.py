"""The only file that imports ragas (0.4.3, the ``eval`` extra; see ENVIRONMENT.md).

The judge is any OpenAI-compatible endpoint, always passed explicitly: without ``llm=`` ragas
builds its own OpenAI client and returns NaN on failure. A NaN, an exception or a missing row
is never averaged in: the question simply has no judged score for that metric, and a metric
no question got is reported as not run."""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from evals.golden import DatasetError
from evals.run import QuestionResult
from retrieval.ports import Embedder

if TYPE_CHECKING:
    from ragas.embeddings.base import BaseRagasEmbedding
    from ragas.metrics.collections import BaseMetric

log = logging.getLogger(__name__)

METRICS = ("faithfulness", "answer_relevancy", "context_precision", "context_recall",
           "factual_correctness")


def _ragas() -> None:
    """Import ragas with its telemetry off, or say that the eval extra is missing. Callers
    then import the names they use (already loaded)."""
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # no telemetry from a private corpus
    try:
        import ragas.metrics.collections  # noqa: F401
        from ragas.embeddings.base import BaseRagasEmbedding  # noqa: F401
        from ragas.llms import llm_factory  # noqa: F401
    except ImportError as e:
        raise DatasetError("--judge", "needs the eval extra: pip install -e '.[eval]' "
                                      f"({e})") from e


def _embeddings(embedder: Embedder) -> BaseRagasEmbedding:
    _ragas()
    from ragas.embeddings.base import BaseRagasEmbedding

    class LocalEmbeddings(BaseRagasEmbedding):
        """docqa's embedder for AnswerRelevancy (no second embedding endpoint needed)."""

        def embed_text(self, text: str, **kwargs: Any) -> list[float]:
            return [float(v) for v in embedder.embed([text])[0]]

        async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
            return self.embed_text(text)

    return LocalEmbeddings()


def build_metrics(model: str, *, base_url: str | None, api_key: str, embedder: Embedder,
                  names: Sequence[str] = METRICS) -> dict[str, BaseMetric]:
    from retrieval.adapters.openai_compat import make_async_client

    _ragas()
    import ragas.metrics.collections as collections
    from ragas.llms import llm_factory

    client = make_async_client(api_key, base_url, timeout_s=60)
    llm = llm_factory(model, provider="openai", client=client)
    makers: dict[str, Callable[[], BaseMetric]] = {
        "faithfulness": lambda: collections.Faithfulness(llm=llm),
        "answer_relevancy": lambda: collections.AnswerRelevancy(
            llm=llm, embeddings=_embeddings(embedder)),
        "context_precision": lambda: collections.ContextPrecisionWithReference(llm=llm),
        "context_recall": lambda: collections.ContextRecall(llm=llm),
        "factual_correctness": lambda: collections.FactualCorrectness(llm=llm),
    }
    return {name: makers[name]() for name in names}


async def _score(name: str, metric: BaseMetric, r: QuestionResult) -> float | None:
    contexts = list(r.contexts)
    by_metric: dict[str, dict[str, str | list[str]]] = {
        "faithfulness": {"user_input": r.item.question, "response": r.answer,
                         "retrieved_contexts": contexts},
        "answer_relevancy": {"user_input": r.item.question, "response": r.answer},
        "context_precision": {"user_input": r.item.question, "reference": r.item.answer,
                              "retrieved_contexts": contexts},
        "context_recall": {"user_input": r.item.question, "reference": r.item.answer,
                           "retrieved_contexts": contexts},
        "factual_correctness": {"response": r.answer, "reference": r.item.answer},
    }
    args = by_metric[name]
    try:
        result = await metric.ascore(**args)
        value = float(result.value)
    except Exception as e:  # ragas raises whatever its LLM stack raises; one row, not the run
        log.warning("judge %s failed on %s: %s", name, r.item.id, e)
        return None
    return None if math.isnan(value) else value


def judge_results(results: Sequence[QuestionResult], model: str, *, base_url: str | None,
                  api_key: str, embedder: Embedder,
                  names: Sequence[str] = METRICS) -> list[QuestionResult]:
    """Scores each answered question (refusals and unanswerable ones are not judged: there is
    no claim to check). Questions run one after another: a judge is usually rate-limited."""
    metrics = build_metrics(model, base_url=base_url, api_key=api_key, embedder=embedder,
                            names=names)

    async def run_all() -> list[QuestionResult]:
        out = []
        for r in results:
            if r.refused or r.item.unanswerable or not r.answer or not r.contexts:
                out.append(r)
                continue
            judged = {}
            for name, metric in metrics.items():
                if not r.item.answer and name in ("context_precision", "context_recall",
                                                  "factual_correctness"):
                    continue  # these compare with the reference answer
                value = await _score(name, metric, r)
                if value is not None:
                    judged[name] = round(value, 4)
            out.append(replace(r, judged=judged))
        return out

    return asyncio.run(run_all())
