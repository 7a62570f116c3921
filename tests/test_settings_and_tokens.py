from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import ConfigError
from retrieval.settings import load_settings
from retrieval.tokens import count_tokens, encoding, seed_offline_cache


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCQA_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("DOCQA_CHUNK_TOKENS", "300")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "d"
    assert settings.chunk_tokens == 300
    assert settings.catalog_path == tmp_path / "d" / "docqa.sqlite3"


def test_settings_from_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCQA_COLLECTION", raising=False)
    (tmp_path / ".env").write_text("DOCQA_COLLECTION=handbooks\n")
    assert load_settings().collection == "handbooks"


@pytest.mark.parametrize(("var", "value", "named"), [
    ("DOCQA_CHUNK_TOKENS", "lots", "DOCQA_CHUNK_TOKENS"),
    ("DOCQA_CHUNK_TOKENS", "8", "DOCQA_CHUNK_TOKENS"),
    ("DOCQA_CHUNK_OVERLAP", "150", "settings"),
    ("DOCQA_EMBEDDER", "word2vec", "DOCQA_EMBEDDER"),
    ("DOCQA_COLLECTION", "has space", "settings"),
])
def test_bad_settings_are_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         var: str, value: str, named: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.setting == named
    assert "\n" not in str(info.value)


def test_openai_embedder_needs_a_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("DOCQA_EMBEDDER", "openai")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        load_settings()


def test_tiktoken_works_offline_for_both_encodings(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    encoding.cache_clear()
    try:
        cache = seed_offline_cache()
        assert len(list(cache.iterdir())) == 2
        # Reference counts from OpenAI's tokenizer for this sentence.
        assert encoding("cl100k_base").encode("hello world") == [15339, 1917]
        assert encoding("o200k_base").encode("hello world") == [24912, 2375]
        assert count_tokens("The quick brown fox.") == 5
    finally:
        encoding.cache_clear()
