"""The ``Embedder`` port: texts in, unit-length dense vectors out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from retrieval.tokens import count_tokens

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
