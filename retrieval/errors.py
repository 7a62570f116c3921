"""One exception root for everything docqa reports to a person.

Each error carries its facts as attributes and renders as one plain sentence (``str(err)``),
which is what the CLI and the app show. Anything that is not a ``DocqaError`` is a bug.
"""

from __future__ import annotations


class DocqaError(Exception):
    """Root of every error docqa expects and explains."""


class ConfigError(DocqaError):
    def __init__(self, setting: str, reason: str) -> None:
        self.setting = setting
        self.reason = reason
        super().__init__(f"Setting {setting} is invalid: {reason}")


class IngestError(DocqaError):
    """A file could not be read or indexed; ``reason`` is meant for the person who uploaded it."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class IndexError_(DocqaError):
    """The vector index is unreachable, locked or incompatible."""

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(f"Vector index at {location}: {reason}")


class EmbedderError(DocqaError):
    def __init__(self, embedder: str, reason: str) -> None:
        self.embedder = embedder
        self.reason = reason
        super().__init__(f"Embedder {embedder}: {reason}")


class ModelError(DocqaError):
    """A remote model failed; ``status`` is the HTTP status when there was one."""

    def __init__(self, provider: str, status: int | None, reason: str) -> None:
        self.provider = provider
        self.status = status
        self.reason = reason
        where = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"Model provider {provider}{where}: {reason}")


class NotFoundError(DocqaError):
    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"Not found: {what}")


class QuestionError(DocqaError):
    """The question itself cannot be answered as asked (empty, too long)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
