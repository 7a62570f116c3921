"""The one file that imports ``openai``: embeddings (and, later, chat) from any
OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp, LiteLLM)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import openai

from retrieval.errors import ModelError
from retrieval.ports import ChatModel, ChatUsage, Delta, Embedder, Message, Vectors
from retrieval.settings import Settings


def make_client(api_key: str, base_url: str | None, timeout_s: float,
                max_retries: int = 2) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s,
                         max_retries=max_retries)


def make_async_client(api_key: str, base_url: str | None, timeout_s: float,
                      max_retries: int = 1) -> openai.AsyncOpenAI:
    """For libraries that drive the model themselves (ragas, as the evaluation's judge)."""
    return openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s,
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
        except ValueError as e:  # a 200 reply whose body is not JSON (JSONDecodeError)
            raise ModelError(self.provider, None, f"the reply was malformed ({e})") from e
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


# Context windows of common models; anything else uses DOCQA_LLM_CONTEXT_TOKENS.
KNOWN_WINDOWS = {
    "gpt-4o-mini": 128_000, "gpt-4o": 128_000, "gpt-4.1": 1_047_576, "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576, "gpt-4-turbo": 128_000, "gpt-3.5-turbo": 16_385,
    "o4-mini": 200_000, "o3-mini": 200_000, "gpt-5": 400_000, "gpt-5-mini": 400_000,
}


_LATE = "no complete reply in the time one answer may take (DOCQA_LLM_DEADLINE_S)"


class OpenAIChatModel(ChatModel):
    """Streams chat completions. The client retries 429 and 5xx with exponential backoff
    (honouring Retry-After) before the first byte; a failure after that is a ``ModelError``."""

    def __init__(self, client: openai.OpenAI, model: str, context_window: int) -> None:
        self._client = client
        self.name = model
        self.provider = str(client.base_url)
        self.context_window = context_window

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIChatModel:
        assert settings.openai_api_key is not None
        client = make_client(settings.openai_api_key.get_secret_value(),
                             settings.openai_base_url, timeout_s=settings.llm_timeout_s,
                             max_retries=settings.llm_retries)
        window = KNOWN_WINDOWS.get(settings.llm_model, settings.llm_context_tokens)
        return cls(client, settings.llm_model, window)

    def stream(self, messages: Sequence[Message], *, max_tokens: int,
               deadline_s: float | None = None) -> Iterator[Delta]:
        wire: Any = [{"role": m.role, "content": m.content} for m in messages]
        started = time.monotonic()
        expired = threading.Event()
        timer: threading.Timer | None = None
        finished = False
        try:
            client = self._client
            if deadline_s is not None:
                # No single request may outlast what is left of the whole answer's time.
                client = client.with_options(timeout=max(0.1, min(
                    float(client.timeout) if isinstance(client.timeout, float | int)
                    else deadline_s, deadline_s)))
            chunks = client.chat.completions.create(
                model=self.name, stream=True, max_tokens=max_tokens, temperature=0,
                stream_options={"include_usage": True}, messages=wire)
            if deadline_s is not None:
                # A server that trickles keep-alives never lets a read time out: close the
                # stream from a timer when the deadline passes.
                left = deadline_s - (time.monotonic() - started)

                def expire() -> None:
                    expired.set()
                    chunks.close()

                timer = threading.Timer(max(0.0, left), expire)
                timer.daemon = True
                timer.start()
            for chunk in chunks:
                if chunk.usage is not None:
                    yield Delta(usage=ChatUsage(chunk.usage.prompt_tokens,
                                                chunk.usage.completion_tokens))
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        yield Delta(text=choice.delta.content)
                    if choice.finish_reason:
                        finished = True
            if expired.is_set():
                raise ModelError(self.provider, None, _LATE)
            if not finished:
                raise ModelError(self.provider, None, "the reply stream ended before the model "
                                                      "said it had finished")
        except ModelError:
            raise
        except openai.OpenAIError as e:
            if expired.is_set():
                raise ModelError(self.provider, None, _LATE) from e
            raise _model_error(self.provider, e) from e
        except Exception as e:  # the transport's own errors (cut stream) or malformed JSON
            if expired.is_set():
                raise ModelError(self.provider, None, _LATE) from e
            raise ModelError(self.provider, None, f"the reply was cut off or malformed ({e})") \
                from e
        finally:
            if timer is not None:
                timer.cancel()
