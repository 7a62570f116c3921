"""The one file that imports ``openai``: embeddings (and, later, chat) from any
OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp, LiteLLM)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from retrieval.embedder import Embedder, Vectors
from retrieval.errors import ModelError
from retrieval.settings import Settings


def make_client(api_key: str, base_url: str | None, timeout_s: float,
                max_retries: int = 2) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s,
                         max_retries=max_retries)


def _model_error(provider: str, e: Exception) -> ModelError:
    if isinstance(e, openai.APIStatusError):
        return ModelError(provider, e.status_code, e.message)
    if isinstance(e, openai.APITimeoutError):
        return ModelError(provider, None, "the request timed out")
    if isinstance(e, openai.APIConnectionError):
        return ModelError(provider, None, "the server could not be reached")
    return ModelError(provider, None, str(e))


class OpenAIEmbedder(Embedder):
    max_input_tokens = 8191

    def __init__(self, client: openai.OpenAI, model: str, batch_size: int = 64) -> None:
        self._client = client
        self._model = model
        self._batch = batch_size
        self.name = f"openai:{model}"
        self.provider = str(client.base_url)
        self.dimension = len(self._request(["dimension probe"])[0])

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIEmbedder:
        assert settings.openai_api_key is not None  # checked by Settings
        client = make_client(settings.openai_api_key.get_secret_value(),
                             settings.openai_base_url, timeout_s=30.0)
        return cls(client, settings.embed_model, settings.embed_batch)

    def _request(self, texts: list[str]) -> list[list[float]]:
        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as e:
            raise _model_error(self.provider, e) from e
        ordered = sorted(response.data, key=lambda d: d.index)
        if len(ordered) != len(texts):
            raise ModelError(self.provider, None,
                             f"asked for {len(texts)} embeddings, got {len(ordered)}")
        return [list(d.embedding) for d in ordered]

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch):
            rows.extend(self._request(list(texts[start:start + self._batch])))
        if not rows:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: Vectors = vectors / np.maximum(norms, 1e-12)
        return normalised
