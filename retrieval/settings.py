"""Settings from ``DOCQA_*`` environment variables and an optional ``.env``, checked at start."""

from __future__ import annotations

import getpass
import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.errors import ConfigError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOCQA_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(Path(".docqa"), description="Everything docqa writes lives here.")
    qdrant_url: str | None = Field(
        None, description="Qdrant server URL; unset means the embedded engine under data_dir."
    )
    qdrant_api_key: SecretStr | None = Field(None, description="API key for the Qdrant server.")
    qdrant_timeout_s: float = Field(10.0, gt=0, description="Timeout of Qdrant server calls.")
    collection: str = Field("docqa", description="Qdrant collection (index) name.")
    exact_search_below: int = Field(
        20_000, ge=0, description="Embedded index: below this many chunks dense search is exact "
                                  "(a few ms); above it, an HNSW graph over int8 vectors.")
    hnsw_ef: int = Field(
        256, ge=16, le=4096, description="Embedded index: HNSW candidates per search (higher: "
                                         "more of the exact top hits, slower).")
    index_build_after: int = Field(
        50_000, ge=0, description="Embedded index: chunks written outside the graph that make "
                                  "a write build it (a pause of 10-20 s on 2 cores per step); "
                                  "0 = never during writes.")
    embedder: Literal["local", "openai"] = Field(
        "local", description="local = offline MiniLM; openai = OpenAI-compatible /v1/embeddings."
    )
    embedder_runtime: Literal["auto", "onnx", "onnx-int8", "torch"] = Field(
        "auto", description="How the local MiniLM runs: onnx = ONNX Runtime on the model the "
                            "install step exported (the torch path's vectors, faster); "
                            "onnx-int8 = its int8 model (faster still, other vectors: indexes "
                            "need `docqa reindex`); torch = sentence-transformers; auto = onnx "
                            "when exported, else torch.")
    embed_model: str = Field(
        "text-embedding-3-small", description="Embedding model name when embedder=openai."
    )
    chunk_tokens: int = Field(200, ge=32, le=4096, description="Target chunk size in tokens.")
    chunk_overlap: int = Field(30, ge=0, description="Tokens repeated between chunks.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are refused.")
    ocr_languages: str = Field(
        "eng+deu", pattern=r"^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$",
        description="Tesseract languages for scans and images, joined by '+' (each needs its "
                    "tesseract-ocr-<lang> package).")
    torch_threads: int = Field(0, ge=0, description="Threads for local embedding; 0 = all cores.")
    embed_batch: int = Field(64, ge=1, le=4096, description="Chunks per embedding call.")
    user: str = Field(default_factory=getpass.getuser, description="Recorded as uploader.")
    llm_model: str = Field("gpt-4o-mini", description="Chat model when OPENAI_API_KEY is set.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Timeout of one model request.")
    llm_deadline_s: float = Field(
        60.0, gt=0, description="Most seconds one answer may wait for the model, retries and "
                                "streaming included; then the extractive answer is given.")
    llm_search_queries: bool = Field(
        False, description="With a model: it also writes search queries for each question "
                           "(one more model call and one more search per question).")
    llm_rerank: bool = Field(
        False, description="With a model: it re-ranks the best 20 passages before answering "
                           "(one more model call per question).")
    llm_retries: int = Field(2, ge=0, le=10,
                             description="Retries on 429/5xx/timeouts, with exponential backoff.")
    llm_context_tokens: int = Field(
        16_000, ge=1024, description="Context window of a model docqa does not know by name.")
    answer_tokens: int = Field(600, ge=64, description="Tokens reserved for the answer.")
    context_tokens: int = Field(
        3000, ge=256, description="Most tokens of sources and history sent with a question.")
    llm_price_in: float = Field(0.15, ge=0, description="USD per 1M prompt tokens (for costs).")
    llm_price_out: float = Field(0.60, ge=0, description="USD per 1M answer tokens.")
    top_k: int = Field(8, ge=1, le=100, description="Passages retrieved per question.")
    multi_query: bool = Field(
        True, description="Search each sentence of a long question inside the documents it "
                          "names, too (better recall; +20-40 ms on long questions).")
    refuse_below: float = Field(
        0.36, ge=0, le=1,
        description="Extractive answers: refuse when the best sentence scores below this "
                    "(calibrated on data/eval/golden.jsonl).")
    users_file: Path | None = Field(
        None, description="Users file for the app's login (default: data_dir/users.yaml).")
    session_hours: float = Field(
        8.0, gt=0, description="A login to the app ends this many hours after it began.")
    session_idle_minutes: float = Field(
        60.0, gt=0, description="A login to the app ends after this many minutes unused.")
    sso_username_claim: str = Field(
        "email", description="Single sign-on: the claim that names the user (else `sub`).")
    sso_roles_claim: str = Field("roles", description="Single sign-on: the claim with roles.")
    sso_admin_role: str = Field(
        "docqa-admin", description="Single sign-on: the role that makes a user an admin.")
    sso_groups_claim: str = Field(
        "groups", description="Single sign-on: the claim with the user's document groups.")
    upload_workers: int = Field(
        1, ge=1, le=8,
        description="Uploads indexed at the same time, in a separate niced process with its "
                    "own copy of the model (stopped after 5 idle minutes); one more slot is "
                    "kept for files up to 512 KiB.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines on stderr: text, or json (one JSON object per line, "
                            "for a log collector).")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", description="Least severe log level written.")
    nightly_at: str = Field(
        "02:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="When the compose nightly job runs `docqa eval nightly` (HH:MM, the "
                    "container's TZ).")
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "DOCQA_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "DOCQA_OPENAI_BASE_URL")
    )

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens // 2:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be less than half of chunk_tokens "
                f"({self.chunk_tokens})"
            )
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.collection):
            raise ValueError("collection may only hold letters, digits, '-' and '_'")
        if self.embedder == "openai" and self.openai_api_key is None:
            raise ValueError("embedder=openai needs OPENAI_API_KEY")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "docqa.sqlite3"

    @property
    def embedded_index_path(self) -> Path:
        return self.data_dir / "qdrant" / self.collection

    @property
    def originals_dir(self) -> Path:
        return self.data_dir / "originals"

    @property
    def users_path(self) -> Path:
        return self.users_file or self.data_dir / "users.yaml"

    @property
    def sessions_path(self) -> Path:
        return self.data_dir / "sessions.sqlite3"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.sqlite3"

    @property
    def conversations_path(self) -> Path:
        return self.data_dir / "conversations.sqlite3"


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; a bad value becomes one ``ConfigError`` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "settings"
        name = f"DOCQA_{loc.upper()}" if loc != "settings" else "settings"
        raise ConfigError(name, first["msg"].removeprefix("Value error, ")) from e
