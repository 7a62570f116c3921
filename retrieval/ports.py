"""The kernel's ports, one job each: ``Embedder`` (texts -> vectors), ``ChatModel`` (messages ->
streamed text) and ``PointStore`` (points with a dense and a sparse vector, searched in one
query). Adapters live in ``retrieval/adapters``, one file per vendor SDK; the versioned
document index (``retrieval.store.index``) is written once on top of ``PointStore``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from retrieval.store.points import HybridQuery, IndexedChunk, IndexInfo, PointFilter
from retrieval.tokens import count_tokens
from retrieval.types import Hit

# -- Embedder ---------------------------------------------------------------------------------
Vectors = NDArray[np.float32]


class Embedder(ABC):
    #: stable identifier stored with the index, so a different model is detected at start
    name: str
    dimension: int
    #: the longest input, in the embedder's own tokens, that is read in full
    max_input_tokens: int

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return an array of shape ``(len(texts), dimension)``, rows L2-normalised."""

    def embed_background(self, texts: Sequence[str]) -> Vectors:
        """Like ``embed``, for bulk work (ingestion) that should yield to questions asked
        meanwhile. Embedders that share a machine's cores override it."""
        return self.embed(texts)

    def embed_one(self, text: str) -> NDArray[np.float32]:
        vector: NDArray[np.float32] = self.embed([text])[0]
        return vector

    def input_length(self, text: str) -> int:
        """Length of ``text`` in the embedder's own tokens (including any special tokens)."""
        return count_tokens(text)

    def fits(self, text: str) -> bool:
        return self.input_length(text) <= self.max_input_tokens


# -- ChatModel --------------------------------------------------------------------------------
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
    def stream(self, messages: Sequence[Message], *, max_tokens: int,
               deadline_s: float | None = None) -> Iterator[Delta]:
        """Stream the reply. Raises ``ModelError`` (also mid-stream) when the model fails,
        when the stream ends before the model said it finished, or when the whole reply
        (retries included) takes longer than ``deadline_s``."""

    def complete(self, messages: Sequence[Message], *, max_tokens: int,
                 deadline_s: float | None = None) -> str:
        return "".join(d.text for d in self.stream(messages, max_tokens=max_tokens,
                                                   deadline_s=deadline_s))


# -- PointStore -------------------------------------------------------------------------------
class PointStore(ABC):
    """The narrow primitives of a vector engine. Which version of a document is visible, and
    what a crash leaves behind, is decided above it (``retrieval.store.index``), once."""

    location: str

    @abstractmethod
    def ensure_ready(self, dimension: int, embedder: str = "") -> None:
        """Create the collection if missing (recording ``embedder``); fail clearly if it
        holds another dimension or was built by another embedder."""

    @abstractmethod
    def inspect(self) -> IndexInfo:
        """Dimension, embedder and point count, without creating anything."""

    @abstractmethod
    def upsert(self, points: Sequence[IndexedChunk]) -> None:
        """Write points with the state each carries."""

    @abstractmethod
    def set_payload(self, where: PointFilter, values: Mapping[str, Any]) -> None:
        """Set payload fields on every point that matches ``where``."""

    @abstractmethod
    def delete(self, where: PointFilter) -> None:
        """Remove every point that matches ``where``."""

    @abstractmethod
    def count(self, where: PointFilter) -> int: ...

    @abstractmethod
    def scroll(self, where: PointFilter, *, batch: int = 512,
               vectors: bool = False) -> Iterator[list[IndexedChunk]]:
        """Every matching point, in batches; without ``vectors`` the points carry empty ones."""

    @abstractmethod
    def retrieve(self, ids: Sequence[str]) -> list[IndexedChunk]:
        """The points with these ids (payload only; empty vectors)."""

    @abstractmethod
    def search(self, query: HybridQuery) -> list[Hit]:
        """Live points only, under ``query.filter``; best first, ties by point id."""

    @abstractmethod
    def flush(self) -> None:
        """Make the writes so far durable (a no-op where every write already is)."""

    @abstractmethod
    def close(self) -> None: ...
