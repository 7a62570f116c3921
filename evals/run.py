"""One evaluation run: every question searched (for the ranking metrics) and answered (for the
answer metrics), then summarised overall and per tag. Collaborators are passed in; nothing
here opens an index or reads settings."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from evals.answer_checks import (
    PageTexts,
    holds_fact,
    semantic_similarity,
    string_similarity,
)
from evals.financebench import holds_figure
from evals.gate import LOWER_IS_BETTER
from evals.golden import GoldenItem
from evals.metrics import hit_at, mrr, ndcg_at, recall_at, unique
from retrieval.answer.conversation import standalone_offline
from retrieval.answer.pipeline import Answerer
from retrieval.kernel import Kernel
from retrieval.ports import ChatModel, Message
from retrieval.search.retriever import Mode, Retriever, SearchResult
from retrieval.timings import CORE_STAGES, percentile
from retrieval.types import Hit

RETRIEVAL_METRICS = ("hit@5", "hit@10", "recall@100", "mrr", "ndcg@10")
#: for page-level references: whether the right document ranks first / in the top ten
DOCUMENT_METRICS = ("doc@1", "doc@10")
ANSWER_METRICS = ("answer_correctness", "refusal_accuracy", "answer_rate",
                  "citation_validity", "semantic_similarity", "string_similarity",
                  "figure_match", "supported_rate", "standalone_kept")

JUDGE_METRICS = ("faithfulness", "answer_relevancy", "context_precision", "context_recall",
                 "factual_correctness")
#: higher is better for every metric above except LOWER_IS_BETTER (the gate knows which)
ALL_METRICS = (*RETRIEVAL_METRICS, *DOCUMENT_METRICS, *ANSWER_METRICS, *JUDGE_METRICS,
               *LOWER_IS_BETTER)


def ordered(metrics: dict[str, Any]) -> list[str]:
    """Metric names in the report's order: the known ones first, then the rest by name."""
    known = [m for m in ALL_METRICS if m in metrics]
    return known + sorted(k for k in metrics if k not in known)


@dataclass(frozen=True)
class RunOptions:
    k: int = 100  # ranking depth for the retrieval metrics
    mode: Mode = "hybrid"
    doc_aware: bool = True  # prefer documents the question names, as the app does
    merge: bool = False  # rank chunks, not merged neighbours: the classic IR setting
    top_k: int | None = None  # passages behind an answer (default: settings.top_k)
    answers: bool = True  # BEIR sets have no reference answers: retrieval only
    level: str = "page"  # "page" or "doc"

    def as_json(self) -> dict[str, object]:
        return {"k": self.k, "mode": self.mode, "doc_aware": self.doc_aware,
                "merge": self.merge, "top_k": self.top_k, "answers": self.answers,
                "level": self.level}


@dataclass(frozen=True)
class QuestionResult:
    item: GoldenItem
    retrieved: tuple[str, ...]  # the first ranked keys (page or document), for the report
    scores: dict[str, float]  # ranking metrics, for items with references
    answer: str = ""
    refused: bool | None = None
    standalone: str = ""
    supported: bool | None = None
    correct: bool | None = None  # every key fact present and not refused
    citations: int = 0
    valid_citations: int = 0
    semantic: float | None = None
    string: float | None = None
    figure: bool | None = None
    contexts: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    judged: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"id": self.item.id, "question": self.item.question,
                "reference": self.item.answer, "tags": list(self.item.tags),
                "facts": list(self.item.facts), "standalone": self.standalone,
                "correct": self.correct, "supported": self.supported,
                "relevant": sorted(self.item.relevant), "retrieved": list(self.retrieved),
                "scores": self.scores, "answer": self.answer, "refused": self.refused,
                "citations": self.citations, "valid_citations": self.valid_citations,
                "semantic_similarity": self.semantic, "string_similarity": self.string,
                "figure_match": self.figure, "timings_ms": self.timings_ms,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": round(self.cost_usd, 6), "judged": self.judged}


def ranked_keys(hits: Sequence[Hit], level: str) -> list[str]:
    """Documents (BEIR corpus ids) or ``file#page`` for every page a hit spans, best first."""
    if level == "doc":
        return unique([h.chunk.source.removeprefix("beir:") for h in hits])
    return unique([f"{Path(h.chunk.source).name}#{p}" for h in hits
                   for p in range(h.chunk.page_start, h.chunk.page_end + 1)])


def ranking_scores(ranked: Sequence[str], relevant: dict[str, int]) -> dict[str, float]:
    scores = {"hit@5": hit_at(ranked, relevant, 5), "hit@10": hit_at(ranked, relevant, 10),
              "recall@100": recall_at(ranked, relevant, 100), "mrr": mrr(ranked, relevant),
              "ndcg@10": ndcg_at(ranked, relevant, 10)}
    if relevant and all("#" in key for key in relevant):
        # Pages of the right document found but not the right page, or the wrong document:
        # two different failures, reported apart.
        documents = unique([key.rsplit("#", 1)[0] for key in ranked])
        wanted = {key.rsplit("#", 1)[0]: 1 for key in relevant}
        scores["doc@1"] = hit_at(documents, wanted, 1)
        scores["doc@10"] = hit_at(documents, wanted, 10)
    return scores


class _FixedRetriever(Retriever):
    """The services' retriever with the run's search mode, so the answerer sees the same
    (possibly degraded) retrieval as the ranking metrics."""

    def __init__(self, base: Retriever, mode: Mode, doc_aware: bool) -> None:
        super().__init__(base.embedder, base.sparse, base.index, base.catalog,
                         prefetch=base.prefetch, rrf_k=base.rrf_k, multi_query=base.multi_query,
                         intent=base.intent, page_evidence=base.page_evidence,
                         strip_names=base.strip_names, own_names=base.own_names)
        self.fixed_mode, self.fixed_doc_aware = mode, doc_aware

    def search(self, question: str, *, groups: Sequence[str] | None = None, k: int = 10,
               mode: Mode = "hybrid", doc_aware: bool = True, merge: bool = True,
               diversity: float = 0.0, scope: Sequence[str] | None = None,
               queries: Sequence[str] = ()) -> SearchResult:
        return super().search(question, groups=groups, k=k, mode=self.fixed_mode,
                              doc_aware=self.fixed_doc_aware and doc_aware, merge=merge,
                              diversity=diversity, scope=scope, queries=queries)


def build_answerer(kernel: Kernel, options: RunOptions, chat: ChatModel | None = None
                   ) -> Answerer:
    """A fresh answerer for the run (never the application's, which it must not change):
    the run's search mode and depth, no query log (evaluation questions are not users')."""
    base = kernel.answer_options()
    return kernel.new_answerer(
        chat, retriever=_FixedRetriever(kernel.retriever(), options.mode, options.doc_aware),
        options=replace(base, top_k=min(options.top_k or base.top_k, options.k)))


def evaluate(services: Kernel, items: Sequence[GoldenItem], options: RunOptions, *,
             answerer: Answerer | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[QuestionResult]:
    retriever = services.retriever()
    pages = PageTexts(services.catalog, services.index)
    notify = progress or (lambda _done, _total: None)
    results = []
    for done, item in enumerate(items, start=1):
        t0 = time.perf_counter()
        # A conversation item is searched as the answerer searches it: made standalone.
        searched = (standalone_offline(item.question, [t.question for t in item.history])
                    if item.history else item.question)
        found = retriever.search(searched, groups=item.readers, k=options.k,
                                 mode=options.mode, doc_aware=options.doc_aware,
                                 merge=options.merge)
        search_ms = round((time.perf_counter() - t0) * 1000, 2)
        ranked = ranked_keys(found.hits, options.level)
        scores = ranking_scores(ranked, item.relevant) if item.relevant else {}
        result = QuestionResult(item, tuple(ranked[:10]), scores,
                                timings_ms={"retrieval": search_ms})
        if options.answers and answerer is not None:
            result = _answer(result, answerer, services, pages)
        results.append(result)
        notify(done, len(items))
    return results


def _answer(result: QuestionResult, answerer: Answerer, services: Kernel,
            pages: PageTexts) -> QuestionResult:
    item = result.item
    history = [m for t in item.history
               for m in (Message("user", t.question), Message("assistant", t.answer))]
    answer = answerer.ask(item.question, groups=item.readers, history=history)
    answered = not answer.refused and not item.unanswerable and bool(item.answer)
    correct = (not answer.refused and all(holds_fact(answer.text, f) for f in item.facts)
               if item.facts and not item.unanswerable else None)
    return replace(
        result, answer=answer.text, refused=answer.refused, standalone=answer.standalone,
        supported=answer.supported, correct=correct, citations=len(answer.citations),
        valid_citations=pages.count_valid(answer.citations),
        semantic=(semantic_similarity(services.embedder, answer.text, item.answer)
                  if answered else None),
        string=string_similarity(answer.text, item.answer) if answered else None,
        figure=holds_figure(answer.text, item.answer) if not item.unanswerable else None,
        contexts=tuple(s.hit.chunk.text for s in answer.context.sources),
        timings_ms={**result.timings_ms, **answer.timings_ms},
        prompt_tokens=answer.usage.prompt_tokens,
        completion_tokens=answer.usage.completion_tokens, cost_usd=answer.usage.cost_usd)


@dataclass(frozen=True)
class Summary:
    metrics: dict[str, float]
    not_run: dict[str, str]  # metric -> why it has no value (never reported as 0 or NaN)
    counts: dict[str, int]


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def summarise(results: Sequence[QuestionResult], options: RunOptions,
              judge_reason: str | None = "no judge model was given (--judge)") -> Summary:
    """Means over the questions each metric applies to. A metric with no question to apply
    to, or not run, goes to ``not_run`` with the reason."""
    values: dict[str, float | None] = {}
    not_run: dict[str, str] = {}
    judged = [r for r in results if r.scores]
    for name in RETRIEVAL_METRICS:
        values[name] = _mean([r.scores[name] for r in judged])
        if values[name] is None:
            not_run[name] = "no question has reference sources"
    for name in DOCUMENT_METRICS:
        paged = [r.scores[name] for r in judged if name in r.scores]
        if paged:
            values[name] = _mean(paged)
    unanswerable = [r for r in results if r.item.unanswerable and r.refused is not None]
    answerable = [r for r in results if not r.item.unanswerable and r.refused is not None]
    if not options.answers:
        for name in ANSWER_METRICS:
            not_run[name] = "this set has no reference answers (retrieval only)"
    else:
        values["refusal_accuracy"] = _mean([float(bool(r.refused)) for r in unanswerable])
        values["answer_rate"] = _mean([float(not r.refused) for r in answerable])
        values["false_refusal_rate"] = _mean([float(bool(r.refused)) for r in answerable])
        values["answer_correctness"] = _mean([float(r.correct) for r in results
                                              if r.correct is not None])
        values["supported_rate"] = _mean([float(bool(r.supported)) for r in answerable
                                          if not r.refused])
        # Topic switches must be searched exactly as asked (never merged with history).
        values["standalone_kept"] = _mean([float(r.standalone == r.item.question)
                                           for r in results
                                           if "topic-switch" in r.item.tags and r.standalone])
        cited = sum(r.citations for r in results)
        values["citation_validity"] = (sum(r.valid_citations for r in results) / cited
                                       if cited else None)
        values["semantic_similarity"] = _mean([r.semantic for r in results
                                               if r.semantic is not None])
        values["string_similarity"] = _mean([r.string for r in results
                                             if r.string is not None])
        values["figure_match"] = _mean([float(r.figure) for r in results
                                        if r.figure is not None])
        reasons = {"answer_correctness": "no question lists key facts",
                   "false_refusal_rate": "no answerable question",
                   "supported_rate": "no question was answered",
                   "standalone_kept": "no question is tagged topic-switch",
                   "refusal_accuracy": "no question is tagged unanswerable",
                   "answer_rate": "no answerable question",
                   "citation_validity": "no answer carried a citation",
                   "semantic_similarity": "no question was answered",
                   "string_similarity": "no question was answered (or rapidfuzz is missing)",
                   "figure_match": "no reference answer holds a figure"}
        for name, why in reasons.items():
            if values[name] is None:
                not_run[name] = why
    for name in JUDGE_METRICS:
        scored = [r.judged[name] for r in results if name in r.judged]
        values[name] = _mean(scored)
        if values[name] is None:
            not_run[name] = judge_reason or "the judge returned no usable score"
    counts = {"questions": len(results), "with_references": len(judged),
              "unanswerable": len(unanswerable), "answerable": len(answerable)}
    return Summary({k: round(v, 4) for k, v in values.items() if v is not None},
                   not_run, counts)


def latency(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | None]]:
    """p50/p95 per stage in ms (``retrieval`` is the ranking search; the rest the answer's)."""
    out: dict[str, dict[str, float | None]] = {}
    for stage in ("retrieval", *CORE_STAGES):
        values = [r.timings_ms[stage] for r in results if stage in r.timings_ms]
        if values:
            out[stage] = {"p50": percentile(values, 50), "p95": percentile(values, 95)}
    return out


def cost(results: Sequence[QuestionResult]) -> dict[str, Any]:
    n = max(1, len(results))
    prompt = sum(r.prompt_tokens for r in results)
    completion = sum(r.completion_tokens for r in results)
    usd = sum(r.cost_usd for r in results)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "cost_usd": round(usd, 6), "tokens_per_question": round((prompt + completion) / n, 1),
            "cost_usd_per_question": round(usd / n, 6)}


def by_tag(results: Sequence[QuestionResult], options: RunOptions) -> dict[str, dict[str, float]]:
    tags = sorted({t for r in results for t in r.item.tags})
    return {tag: {**summarise([r for r in results if tag in r.item.tags], options).metrics,
                  "questions": float(sum(tag in r.item.tags for r in results))}
            for tag in tags}
