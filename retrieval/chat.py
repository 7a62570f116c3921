"""The ``ChatModel`` port: messages in, streamed text out. The adapter for any
OpenAI-compatible server lives in ``openai_client.py``; offline, docqa answers extractively."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatUsage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Delta:
    """A piece of streamed text; the last item of a stream carries the usage instead."""

    text: str = ""
    usage: ChatUsage | None = None


class ChatModel(ABC):
    name: str
    #: tokens the model reads at most (prompt + answer)
    context_window: int

    @abstractmethod
    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[Delta]:
        """Stream the reply. Raises ``ModelError`` (also mid-stream) when the model fails."""

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str:
        return "".join(d.text for d in self.stream(messages, max_tokens=max_tokens))
