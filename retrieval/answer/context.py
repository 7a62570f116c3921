"""The prompt, packed to fit the model's window: system rules, numbered sources delimited as
data, as much recent conversation as fits, and the question. Every packing decision is kept
(used / dropped and why, tokens per part) so the UI and the log can show it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import tiktoken

from retrieval.answer.prompts import SYSTEM_RULES, render_source
from retrieval.ports import Message
from retrieval.text import fold
from retrieval.types import Hit

DropReason = Literal["budget", "duplicate", "below_threshold", "limit", "not_cited"]

# Overhead OpenAI's chat format adds per message and per reply (see the OpenAI cookbook's
# "How to count tokens with tiktoken").
_PER_MESSAGE = 3
_PER_REPLY = 3


@dataclass(frozen=True)
class Source:
    n: int
    hit: Hit
    tokens: int


@dataclass(frozen=True)
class PackedItem:
    doc_id: str
    source: str
    title: str
    page_start: int
    page_end: int
    score: float
    tokens: int
    n: int | None = None
    reason: DropReason | None = None

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "doc_id": self.doc_id, "source": self.source, "title": self.title,
            "page_start": self.page_start, "page_end": self.page_end,
            "score": round(self.score, 6), "tokens": self.tokens}
        if self.n is not None:
            data["n"] = self.n
        if self.reason is not None:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class PackedContext:
    budget: int
    sources: list[Source]
    used: list[PackedItem]
    dropped: list[PackedItem]
    messages: list[Message]
    #: tokens per part: system, history, question, sources, total
    tokens: dict[str, int] = field(default_factory=dict)
    history_dropped: int = 0

    def source(self, n: int) -> Source | None:
        return next((s for s in self.sources if s.n == n), None)

    def numbered(self, mapping: dict[int, int]) -> PackedContext:
        """The packing as the reader sees it: sources the answer cites carry their card
        number; sources sent but not cited say so instead of a number."""
        used = [replace(u, n=mapping[u.n]) if u.n in mapping
                else replace(u, n=None, reason="not_cited") for u in self.used]
        return replace(self, used=used)

    def as_json(self) -> dict[str, object]:
        return {"budget": self.budget, "used": [u.as_json() for u in self.used],
                "dropped": [d.as_json() for d in self.dropped], "tokens": dict(self.tokens),
                "history_turns_dropped": self.history_dropped}


def _item(hit: Hit, tokens: int, n: int | None = None,
          reason: DropReason | None = None) -> PackedItem:
    c = hit.chunk
    return PackedItem(c.doc_id, c.source, c.title, c.page_start, c.page_end, hit.score, tokens,
                      n, reason)


def user_message(question: str, rendered_sources: Sequence[str]) -> str:
    joined = "\n\n".join(rendered_sources) if rendered_sources else "(no sources)"
    return f"Sources:\n{joined}\n\nQuestion: {question}"


def count_message(encoding: tiktoken.Encoding, message: Message) -> int:
    return _PER_MESSAGE + len(encoding.encode(message.content, disallowed_special=()))


def pack(question: str, hits: Sequence[Hit], *, encoding: tiktoken.Encoding,
         budget: int, history: Sequence[Message] = (), system: str = SYSTEM_RULES,
         max_sources: int = 8, min_score_ratio: float = 0.0) -> PackedContext:
    """Fit system rules, question, sources (in rank order) and then recent history into
    ``budget`` tokens. Sources come before history: a follow-up arrives already rewritten
    into a standalone question, so old turns matter less than evidence."""
    system_msg = Message("system", system)
    fixed = count_message(encoding, system_msg) + _PER_REPLY
    question_tokens = count_message(encoding, Message("user", user_message(question, [])))
    remaining = budget - fixed - question_tokens
    sources: list[Source] = []
    used: list[PackedItem] = []
    dropped: list[PackedItem] = []
    rendered: list[str] = []
    seen: set[str] = set()
    top = max((h.score for h in hits), default=0.0)
    for hit in hits:
        n = len(sources) + 1
        text = render_source(n, hit)
        cost = len(encoding.encode("\n\n" + text, disallowed_special=()))
        key = fold(hit.chunk.text)
        if key in seen or any(key in s for s in seen):
            dropped.append(_item(hit, cost, reason="duplicate"))
        elif top > 0 and hit.score < top * min_score_ratio:
            dropped.append(_item(hit, cost, reason="below_threshold"))
        elif len(sources) >= max_sources:
            dropped.append(_item(hit, cost, reason="limit"))
        elif cost > remaining:
            dropped.append(_item(hit, cost, reason="budget"))
        else:
            remaining -= cost
            seen.add(key)
            sources.append(Source(n, hit, cost))
            used.append(_item(hit, cost, n))
            rendered.append(text)
    kept: list[Message] = []
    history_tokens = 0
    for message in reversed(history):  # newest first: the last turns matter most
        cost = count_message(encoding, message)
        if cost > remaining:
            break
        remaining -= cost
        history_tokens += cost
        kept.insert(0, message)
    final_user = Message("user", user_message(question, rendered))
    messages = [system_msg, *kept, final_user]
    sources_tokens = sum(s.tokens for s in sources)
    tokens = {"system": count_message(encoding, system_msg), "history": history_tokens,
              "question": question_tokens, "sources": sources_tokens,
              "total": sum(count_message(encoding, m) for m in messages) + _PER_REPLY}
    return PackedContext(budget, sources, used, dropped, messages, tokens,
                         history_dropped=len(history) - len(kept))
