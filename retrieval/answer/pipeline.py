"""Question in, cited answer out, in stages that are separate functions: check the question,
make it standalone, retrieve under the reader's groups, pack the context, answer with the
model (streamed) or extractively, check every citation. Nothing here logs; the application
wraps the answerer for that.

The same ``Answer`` object is printed by ``docqa ask --json`` and rendered by the app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import tiktoken

from retrieval.answer.asks import part_reading, question_parts
from retrieval.answer.citations import (
    Citation,
    check,
    cited_numbers,
    is_refusal,
    renumber,
    sentences_of,
    split_reply,
)
from retrieval.answer.context import PackedContext, pack
from retrieval.answer.conversation import depends_on_history, standalone_offline
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.prompts import REFUSAL, REWRITE_RULES
from retrieval.answer.support import check_support
from retrieval.errors import ModelError, QuestionError
from retrieval.ports import ChatModel, ChatUsage, Message
from retrieval.search.model_stages import rerank, search_queries
from retrieval.search.retriever import Retriever, SearchResult
from retrieval.tokens import encoding_for_model
from retrieval.types import Hit

AnswerMode = Literal["extractive", "llm", "fallback"]
MAX_QUESTION_CHARS = 2000
_FOLLOW_UP = re.compile(
    r"^\s*(and|what about|how about|also|but|so|then|or|same for|why)\b|"
    r"\b(it|its|they|them|their|that|this|those|these|he|she|him|there)\b", re.I)


@dataclass(frozen=True)
class AnswerOptions:
    top_k: int = 8
    context_tokens: int = 3000
    answer_tokens: int = 600
    price_in_per_m: float = 0.0
    price_out_per_m: float = 0.0
    expand_top: int = 3  # the best hits get their neighbouring chunks as context
    min_score_ratio: float = 0.0
    deadline_s: float = 60.0  # the model's whole share of one answer, retries included
    model_queries: bool = False  # with a model: it writes search queries too
    model_rerank: bool = False  # with a model: it re-ranks the best passages
    rerank_top: int = 20


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Answer:
    question: str
    standalone: str
    text: str
    mode: AnswerMode
    citations: list[Citation]
    context: PackedContext
    usage: Usage
    timings_ms: dict[str, float]
    refused: bool
    verified: bool  # every citation's quote was found in the passage it cites
    hits: list[Hit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    query_id: int | None = None
    #: every sentence's numbers and names are in the passages it cites, and the answer gives
    #: the kind of fact asked for (``support.py``); never true for a refusal
    supported: bool = False
    #: closest passages when nothing answered: offered as "possibly related", never as answer
    related: list[Hit] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "mode": self.mode,
            "citations": [c.as_json() for c in self.citations],
            "context": self.context.as_json(),
            "usage": {"prompt_tokens": self.usage.prompt_tokens,
                      "completion_tokens": self.usage.completion_tokens,
                      "cost_usd": round(self.usage.cost_usd, 6)},
            "timings_ms": dict(self.timings_ms),
            "refused": self.refused,
            "verified": self.verified,
            "supported": self.supported,
            "warnings": list(self.warnings),
            "question": self.question,
            "standalone_question": self.standalone,
            "query_id": self.query_id,
        }


@dataclass(frozen=True)
class AnswerEvent:
    """``retrieved``: sources found; ``delta``: more answer text; ``reset``: discard the text
    streamed so far (the model failed, an extractive answer follows); ``done``: the answer."""

    kind: Literal["retrieved", "delta", "reset", "done"]
    text: str = ""
    answer: Answer | None = None
    hits: list[Hit] = field(default_factory=list)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


class _QuoteFilter:
    """Passes streamed text through until the ``<quotes>`` block, which readers never see."""

    TAG = "<quotes>"

    def __init__(self) -> None:
        self.raw = ""
        self._sent = 0
        self._closed = False

    def feed(self, text: str) -> str:
        self.raw += text
        if self._closed:
            return ""
        at = self.raw.lower().find(self.TAG)
        if at >= 0:
            self._closed = True
            out, self._sent = self.raw[self._sent:at], at
            return out
        # Hold back a tail that could be the start of the tag.
        safe = len(self.raw)
        for k in range(1, len(self.TAG)):
            if self.raw.lower().endswith(self.TAG[:k]):
                safe = len(self.raw) - k
                break
        out, self._sent = self.raw[self._sent:safe], max(self._sent, safe)
        return out

    def rest(self) -> str:
        if self._closed:
            return ""
        out, self._sent = self.raw[self._sent:], len(self.raw)
        return out


def check_question(question: str) -> str:
    question = question.strip()
    if not question:
        raise QuestionError("Please type a question.")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is too long ({len(question)} characters; at most "
                            f"{MAX_QUESTION_CHARS}). Please shorten it.")
    return question


def standalone_question(question: str, history: Sequence[Message], chat: ChatModel | None,
                        timings: dict[str, float], warnings: list[str],
                        deadline_s: float | None = None) -> str:
    """A follow-up ("and for managers?") becomes a question that stands on its own; a
    question that does not depend on the conversation is left exactly as asked."""
    asked = [m.content for m in history if m.role == "user"]
    if not asked or not depends_on_history(question):
        return question
    if chat is not None:
        t0 = time.perf_counter()
        try:
            rewritten = chat.complete(
                [Message("system", REWRITE_RULES), *history[-6:],
                 Message("user", question)], max_tokens=120, deadline_s=deadline_s).strip()
            timings["rewrite"] = _ms(time.perf_counter() - t0)
            if rewritten and len(rewritten) <= MAX_QUESTION_CHARS:
                return rewritten
        except ModelError as e:
            warnings.append(f"The follow-up could not be rewritten by the model ({e.reason}).")
    return standalone_offline(question, asked)


@dataclass(frozen=True)
class Retrieved:
    found: SearchResult
    hits: list[Hit]  # the best ones expanded with their neighbours
    #: for a two-part question, the hits (objects of ``hits``) searched for each part alone
    part_hits: tuple[list[Hit], ...] = ()


def _key(hit: Hit) -> tuple[str, str, int]:
    return hit.chunk.doc_id, hit.chunk.version, hit.chunk.chunk_index


def interleave(lists: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
    """The first of each list, then the second of each, ..., each chunk once, at most k."""
    merged: list[Hit] = []
    seen: set[tuple[str, str, int]] = set()
    for rank in range(max((len(x) for x in lists), default=0)):
        for hits in lists:
            if rank < len(hits) and _key(hits[rank]) not in seen and len(merged) < k:
                seen.add(_key(hits[rank]))
                merged.append(hits[rank])
    return merged


def retrieve(retriever: Retriever, question: str, groups: tuple[str, ...] | None,
             options: AnswerOptions, timings: dict[str, float],
             scope: tuple[str, ...] | None = None, chat: ChatModel | None = None,
             warnings: list[str] | None = None, deadline_s: float = 60.0) -> Retrieved:
    """The passages for ``question``; with ``chat`` and the options asking for them, the
    model's search queries and re-ranking too (each bounded by ``deadline_s``)."""
    said = warnings if warnings is not None else []
    queries: list[str] = []
    if chat is not None and options.model_queries:
        t0 = time.perf_counter()
        queries = search_queries(chat, question, deadline_s=deadline_s, warnings=said)
        timings["queries"] = _ms(time.perf_counter() - t0)
    wanted = max(options.top_k, options.rerank_top) if chat is not None and \
        options.model_rerank else options.top_k
    found = retriever.search(question, groups=groups, k=wanted, scope=scope, queries=queries)
    if chat is not None and options.model_rerank:
        t0 = time.perf_counter()
        reordered = rerank(chat, question, found.hits, top=options.rerank_top,
                           deadline_s=deadline_s, warnings=said)
        found = replace(found, hits=reordered[:options.top_k])
        timings["rerank"] = _ms(time.perf_counter() - t0)
    timings["embed"] = found.timings_ms["embed"]
    t_search = time.perf_counter()
    # A two-part question ("What is the hotel cap in Zurich, and who owns the policy?") may
    # need passages no search for the whole finds: each part is searched on its own too,
    # and the passages are taken in turns, so each part's best ones are in the context.
    parts = question_parts(question)
    per_part = [retriever.search(part_reading(part, other), groups=groups,
                                 k=options.top_k, scope=scope).hits
                for part, other in ((parts, parts[::-1]) if parts else ())]
    merged = interleave([found.hits, *per_part], options.top_k) if per_part else found.hits
    hits = [retriever.expand(h) if i < options.expand_top else h
            for i, h in enumerate(merged)]
    by_key = {_key(h): e for h, e in zip(merged, hits, strict=True)}
    part_hits = tuple([by_key[_key(h)] for h in p if _key(h) in by_key] for p in per_part)
    timings["search"] = round(found.timings_ms["total"] - found.timings_ms["embed"]
                              + _ms(time.perf_counter() - t_search), 2)
    return Retrieved(replace(found, hits=merged) if per_part else found, hits, part_hits)


@dataclass
class Generated:
    """What the answer step produced: the text, the quotes behind each citation number, and
    how (model, extractive, or extractive after the model failed)."""

    text: str = ""
    quotes: dict[int, list[str]] = field(default_factory=dict)
    mode: AnswerMode = "extractive"
    usage: Usage = Usage()
    #: parts of a two-part question the answer leaves out: it does not answer the question
    unanswered: list[str] = field(default_factory=list)


def reply_problem(text: str) -> str | None:
    """Why a model reply cannot stand as an answer, or None. An empty reply, one that cites
    nothing, or one that states facts and also says it found nothing is not trusted."""
    if not text.strip():
        return "an empty reply"
    refusal = is_refusal(text)
    if refusal and (cited_numbers(text) or len(sentences_of(text)) > 1):
        return "a reply that both states facts and says it could not find them"
    if not refusal and not cited_numbers(text):
        return "a reply that cites no source"
    return None


def stream_model(chat: ChatModel, context: PackedContext, options: AnswerOptions,
                 encoding: tiktoken.Encoding, out: Generated,
                 warnings: list[str], deadline_s: float) -> Iterator[AnswerEvent]:
    """The model's reply, streamed without its quotes block. On failure ``out.mode`` is
    "fallback" and a ``reset`` tells the reader to discard what was shown."""
    try:
        quote_filter = _QuoteFilter()
        chat_usage: ChatUsage | None = None
        for delta in chat.stream(context.messages, max_tokens=options.answer_tokens,
                                 deadline_s=deadline_s):
            if delta.usage is not None:
                chat_usage = delta.usage
            shown = quote_filter.feed(delta.text)
            if shown:
                yield AnswerEvent("delta", text=shown)
        tail = quote_filter.rest()
        if tail:
            yield AnswerEvent("delta", text=tail)
        text, quotes = split_reply(quote_filter.raw)
        out.usage = usage_of(context, quote_filter.raw, chat_usage, options, encoding)
        problem = reply_problem(text)
        if problem is not None:
            warnings.append(f"The model sent {problem}, so this answer was picked from the "
                            "documents without it.")
            yield AnswerEvent("reset")
            out.mode = "fallback"
            return
        out.text, out.quotes, out.mode = text, quotes, "llm"
    except ModelError as e:
        warnings.append(f"The model did not answer ({e.reason}), so this answer was "
                        "picked from the documents without it.")
        yield AnswerEvent("reset")
        out.mode = "fallback"


def extract(extractive: ExtractiveAnswerer, question: str, context: PackedContext,
            got: Retrieved, out: Generated, warnings: list[str]
            ) -> Iterator[AnswerEvent]:
    # each part's own passages, in that part's order, as numbered in the context
    part_sources = [[s for h in hits for s in context.sources if s.hit is h]
                    for hits in got.part_hits]
    picked = extractive.answer(question, context.sources, got.found.query_vector,
                               part_sources)
    for pick in picked.picks:
        out.quotes.setdefault(pick.unit.n, []).append(pick.unit.text)
    out.text = REFUSAL if picked.refused else picked.text()
    out.unanswered = list(picked.unanswered)
    for part in out.unanswered:  # half an answer must not read as a whole one
        warnings.append(f"Part of the question was not found in the documents: "
                        f"“{part.rstrip('?. ')}?”")
    yield AnswerEvent("delta", text=out.text)


def usage_of(context: PackedContext, reply: str, reported: ChatUsage | None,
             options: AnswerOptions, encoding: tiktoken.Encoding) -> Usage:
    if reported is not None:
        prompt, completion = reported.prompt_tokens, reported.completion_tokens
    else:  # the server did not report usage: count it ourselves
        prompt = context.tokens["total"]
        completion = len(encoding.encode(reply, disallowed_special=()))
    cost = (prompt * options.price_in_per_m + completion * options.price_out_per_m) / 1_000_000
    return Usage(prompt, completion, cost)


class Answerer:
    """The stages above with their collaborators; cheap to build, safe to share."""

    def __init__(self, retriever: Retriever, extractive: ExtractiveAnswerer,
                 chat: ChatModel | None = None, options: AnswerOptions = AnswerOptions()
                 ) -> None:
        self.retriever, self.extractive, self.chat = retriever, extractive, chat
        self.options = options

    @property
    def encoding(self) -> tiktoken.Encoding:
        return encoding_for_model(self.chat.name if self.chat else "gpt-4o-mini")

    def ask(self, question: str, *, history: Sequence[Message] = (),
            groups: Sequence[str] | None = None, user: str = "",
            scope: Sequence[str] | None = None) -> Answer:
        for event in self.stream(question, history=history, groups=groups, user=user,
                                 scope=scope):
            if event.kind == "done" and event.answer is not None:
                return event.answer
        raise AssertionError("the answer stream ended without an answer")

    def stream(self, question: str, *, history: Sequence[Message] = (),
               groups: Sequence[str] | None = None, user: str = "",
               scope: Sequence[str] | None = None) -> Iterator[AnswerEvent]:
        """``user`` is who asked (for the application's log; the kernel does not use it);
        ``scope`` the doc ids the question is limited to (None: every readable document)."""
        started = time.perf_counter()
        question = check_question(question)
        timings: dict[str, float] = {}
        warnings: list[str] = []
        deadline = started + self.options.deadline_s
        standalone = standalone_question(question, history, self.chat, timings, warnings,
                                         self.options.deadline_s)
        readers = tuple(groups) if groups is not None else None
        got = retrieve(self.retriever, standalone, readers, self.options, timings,
                       tuple(scope) if scope is not None else None, self.chat, warnings,
                       max(0.1, deadline - time.perf_counter()))
        yield AnswerEvent("retrieved", hits=list(got.found.hits))
        window = self.chat.context_window if self.chat else 128_000
        budget = min(window - self.options.answer_tokens, self.options.context_tokens)
        context = pack(standalone, got.hits, encoding=self.encoding, budget=budget,
                       history=history if self.chat else (),
                       min_score_ratio=self.options.min_score_ratio)
        t_generate = time.perf_counter()
        out = Generated()
        if self.chat is not None:
            left = max(0.1, deadline - time.perf_counter())
            yield from stream_model(self.chat, context, self.options, self.encoding, out,
                                    warnings, left)
        if out.mode != "llm":
            yield from extract(self.extractive, standalone, context, got, out, warnings)
        timings["generate"] = _ms(time.perf_counter() - t_generate)
        answer = verify(question, standalone, out, context, warnings)
        timings["total"] = _ms(time.perf_counter() - started)
        yield AnswerEvent("done", answer=replace(
            answer, timings_ms=timings, hits=list(got.found.hits),
            related=distinct_pages(got.hits, 3) if answer.refused else []))



def distinct_pages(hits: Sequence[Hit], most: int) -> list[Hit]:
    """The first ``most`` hits on different pages: three passages of one page offered as
    "possibly related" would name the same page three times."""
    seen: set[tuple[str, int]] = set()
    found: list[Hit] = []
    for hit in hits:
        page = (hit.chunk.doc_id, hit.chunk.page_start)
        if page not in seen and len(found) < most:
            seen.add(page)
            found.append(hit)
    return found


def verify(question: str, standalone: str, out: Generated, context: PackedContext,
           warnings: list[str]) -> Answer:
    """Both checks, kept apart: quotes found (``verified``) and claims supported
    (``supported``); citation numbers follow first appearance, one card per passage."""
    checked = check(out.text, out.quotes, context.sources)
    refused = is_refusal(out.text)
    passages = {s.n: s.hit.chunk.text for s in context.sources}
    support = check_support(standalone, out.text, passages, refused,
                            [c.quote for c in checked.citations if c.verified])
    text, citations = out.text, [] if refused else checked.citations
    citations = [replace(c, supported=support.by_citation.get(c.n, False)) for c in citations]
    text, citations, mapping = renumber(text, citations)
    if checked.problems and not refused:
        warnings.append("Some statements could not be checked against the sources: "
                        + "; ".join(checked.problems[:3]) + ".")
    if not refused and not support.supported:
        warnings.append("This answer may not answer the question: "
                        + "; ".join(support.problems[:2]) + ". Check the sources.")
    return Answer(question, standalone, text, out.mode, citations,
                  context.numbered(mapping), out.usage, {}, refused, checked.verified,
                  warnings=warnings,
                  supported=support.supported and checked.verified and not out.unanswered)
