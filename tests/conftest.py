"""Shared fixtures. Tests use the real engine, real files and a real SQLite database; the
network is blocked so an accidental call fails loudly."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from retrieval.ports import Embedder
from retrieval.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "corpora"
SAMPLE_DOCS = REPO / "data" / "docs"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
                "127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"test tried to reach the network: {address}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


def corpus(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party corpus not present: {path} (clone ../shared beside the repo)")
    return path


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    from retrieval.adapters.minilm import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for var in ("DOCQA_QDRANT_URL", "DOCQA_COLLECTION", "DOCQA_EMBEDDER", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's folder
    return load_settings(data_dir=tmp_path / "data", user="tester")


@pytest.fixture
def open_services(settings: Settings, embedder: Embedder) -> Iterator[Callable[..., object]]:
    """Opens services on the test's data dir; closes whatever was opened at the end."""
    from docqa.services import Services
    from docqa.services import open_services as _open

    opened: list[Services] = []

    def factory(**overrides: object) -> Services:
        s = settings.model_copy(update=overrides) if overrides else settings
        services = _open(s, embedder=embedder)
        opened.append(services)
        return services

    yield factory
    for services in opened:
        with contextlib.suppress(Exception):
            services.close()


@pytest.fixture(scope="session")
def sample_services(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Any]:
    """The sample documents of data/docs, indexed once per test session (public for everyone,
    hr for group hr). Tests must not change them."""
    from docqa.services import open_services as _open
    from ingest.pipeline import Ingestor

    data = tmp_path_factory.mktemp("sample") / "data"
    services = _open(load_settings(data_dir=data, user="admin"), embedder=embedder)
    ingestor = Ingestor(services)
    report = ingestor.ingest([SAMPLE_DOCS / "public"], groups=["everyone"])
    report_hr = ingestor.ingest([SAMPLE_DOCS / "hr"], groups=["hr"])
    assert not report.failed and not report_hr.failed
    yield services
    services.close()
