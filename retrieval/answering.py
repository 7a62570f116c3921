"""Question in, cited answer out: rewrite a follow-up, retrieve under the reader's groups,
pack the context, answer with the model (streamed) or extractively, check every citation, log.

The same ``Answer`` object is printed by ``docqa ask --json`` and rendered by the app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import tiktoken

from retrieval.chat import ChatModel, ChatUsage, Message
from retrieval.citations import Citation, check, is_refusal, split_reply
from retrieval.context import REFUSAL, PackedContext, pack
from retrieval.errors import ModelError, QuestionError
from retrieval.extractive import ExtractiveAnswerer
from retrieval.query_log import QueryLog
from retrieval.search import Retriever
from retrieval.tokens import encoding_for_model
from retrieval.types import Hit

AnswerMode = Literal["extractive", "llm", "fallback"]
MAX_QUESTION_CHARS = 2000
_FOLLOW_UP = re.compile(
    r"^\s*(and|what about|how about|also|but|so|then|or|same for|why)\b|"
    r"\b(it|its|they|them|their|that|this|those|these|he|she|him|there)\b", re.I)
_REWRITE_RULES = ("Rewrite the user's last question as one standalone question that can be "
                  "understood without the conversation. Keep names, numbers and periods. Reply "
                  "with the question only.")


@dataclass(frozen=True)
class AnswerOptions:
    top_k: int = 8
    context_tokens: int = 3000
    answer_tokens: int = 600
    price_in_per_m: float = 0.0
    price_out_per_m: float = 0.0
    expand_top: int = 3  # the best hits get their neighbouring chunks as context
    min_score_ratio: float = 0.0


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
    verified: bool
    hits: list[Hit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    query_id: int | None = None

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


class Answerer:
    def __init__(self, retriever: Retriever, extractive: ExtractiveAnswerer,
                 chat: ChatModel | None = None, options: AnswerOptions = AnswerOptions(),
                 log: QueryLog | None = None) -> None:
        self.retriever, self.extractive, self.chat = retriever, extractive, chat
        self.options, self.log = options, log

    @property
    def encoding(self) -> tiktoken.Encoding:
        return encoding_for_model(self.chat.name if self.chat else "gpt-4o-mini")

    def ask(self, question: str, *, history: Sequence[Message] = (),
            groups: Sequence[str] | None = None, user: str = "") -> Answer:
        for event in self.stream(question, history=history, groups=groups, user=user):
            if event.kind == "done" and event.answer is not None:
                return event.answer
        raise AssertionError("the answer stream ended without an answer")

    def stream(self, question: str, *, history: Sequence[Message] = (),
               groups: Sequence[str] | None = None, user: str = "") -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise QuestionError("Please type a question.")
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionError(f"The question is too long ({len(question)} characters; at most "
                                f"{MAX_QUESTION_CHARS}). Please shorten it.")
        timings: dict[str, float] = {}
        warnings: list[str] = []
        standalone = self.standalone(question, history, timings, warnings)
        readers = tuple(groups) if groups is not None else None
        found = self.retriever.search(standalone, groups=readers, k=self.options.top_k)
        timings["embed"] = found.timings_ms["embed"]
        t_search = time.perf_counter()
        hits = [self.retriever.expand(h) if i < self.options.expand_top else h
                for i, h in enumerate(found.hits)]
        timings["search"] = round(found.timings_ms["total"] - found.timings_ms["embed"]
                                  + _ms(time.perf_counter() - t_search), 2)
        yield AnswerEvent("retrieved", hits=list(found.hits))
        window = self.chat.context_window if self.chat else 128_000
        budget = min(window - self.options.answer_tokens, self.options.context_tokens)
        context = pack(standalone, hits, encoding=self.encoding, budget=budget,
                       history=history if self.chat else (),
                       min_score_ratio=self.options.min_score_ratio)
        t_generate = time.perf_counter()
        mode: AnswerMode = "extractive"
        usage = Usage()
        reply = ""
        if self.chat is not None:
            try:
                quote_filter = _QuoteFilter()
                chat_usage: ChatUsage | None = None
                for delta in self.chat.stream(context.messages,
                                              max_tokens=self.options.answer_tokens):
                    if delta.usage is not None:
                        chat_usage = delta.usage
                    shown = quote_filter.feed(delta.text)
                    if shown:
                        yield AnswerEvent("delta", text=shown)
                tail = quote_filter.rest()
                if tail:
                    yield AnswerEvent("delta", text=tail)
                reply, mode = quote_filter.raw, "llm"
                usage = self._usage(context, reply, chat_usage)
            except ModelError as e:
                warnings.append(f"The model did not answer ({e.reason}), so this answer was "
                                "picked from the documents without it.")
                yield AnswerEvent("reset")
                mode = "fallback"
        if mode != "llm":
            extract = self.extractive.answer(standalone, context.sources, found.query_vector)
            quotes: dict[int, list[str]] = {}
            for pick in extract.picks:
                quotes.setdefault(pick.unit.n, []).append(pick.unit.text)
            text = REFUSAL if extract.refused else extract.text()
            yield AnswerEvent("delta", text=text)
        else:
            text, quotes = split_reply(reply)
        checked = check(text, quotes, context.sources)
        refused = is_refusal(text)
        citations = [] if refused else checked.citations
        if checked.problems and not refused:
            warnings.append("Some statements could not be checked against the sources: "
                            + "; ".join(checked.problems[:3]) + ".")
        timings["generate"] = _ms(time.perf_counter() - t_generate)
        timings["total"] = _ms(time.perf_counter() - started)
        answer = Answer(question, standalone, text, mode, citations, context, usage, timings,
                        refused, checked.verified, list(found.hits), warnings)
        if self.log is not None:
            query_id = self.log.record(
                user=user, groups=readers, question=question, standalone=standalone,
                answer=text, mode=mode, refused=refused, verified=answer.verified,
                hits=[{"doc_id": h.chunk.doc_id, "source": h.chunk.source,
                       "page_start": h.chunk.page_start, "page_end": h.chunk.page_end,
                       "score": round(h.score, 6)} for h in found.hits],
                citations=[c.as_json() for c in citations], prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens, cost_usd=usage.cost_usd,
                timings=timings, error=" ".join(warnings))
            answer = replace(answer, query_id=query_id)
        yield AnswerEvent("done", answer=answer)

    def standalone(self, question: str, history: Sequence[Message], timings: dict[str, float],
                   warnings: list[str]) -> str:
        """A follow-up ("and for managers?") becomes a question that stands on its own."""
        asked = [m.content for m in history if m.role == "user"]
        if not asked or not (len(question.split()) <= 6 or _FOLLOW_UP.search(question)):
            return question
        if self.chat is not None:
            t0 = time.perf_counter()
            try:
                rewritten = self.chat.complete(
                    [Message("system", _REWRITE_RULES), *history[-6:],
                     Message("user", question)], max_tokens=120).strip()
                timings["rewrite"] = _ms(time.perf_counter() - t0)
                if rewritten and len(rewritten) <= MAX_QUESTION_CHARS:
                    return rewritten
            except ModelError as e:
                warnings.append(f"The follow-up could not be rewritten by the model ({e.reason}).")
        return f"{asked[-1]} {question}"

    def _usage(self, context: PackedContext, reply: str, reported: ChatUsage | None) -> Usage:
        if reported is not None:
            prompt, completion = reported.prompt_tokens, reported.completion_tokens
        else:  # the server did not report usage: count it ourselves
            prompt = context.tokens["total"]
            completion = len(self.encoding.encode(reply, disallowed_special=()))
        cost = (prompt * self.options.price_in_per_m
                + completion * self.options.price_out_per_m) / 1_000_000
        return Usage(prompt, completion, cost)
