"""Golden questions as docqa evaluates them, whatever format they came in (our JSONL, BEIR,
FinanceBench): a question, a reference answer and the references that should be retrieved."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import DocqaError
from retrieval.types import EVERYONE

UNANSWERABLE = "unanswerable"


class DatasetError(DocqaError):
    """An evaluation set cannot be read: ``path`` and a reason for the person running it."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"Evaluation set {path}: {reason}")


@dataclass(frozen=True)
class Reference:
    """A document (``page`` None: document level, as BEIR judges) or one 1-based page of it.
    ``document`` is the file name as the catalog stores it (or the BEIR corpus id)."""

    document: str
    page: int | None = None
    grade: int = 1

    @property
    def key(self) -> str:
        return self.document if self.page is None else f"{self.document}#{self.page}"


@dataclass(frozen=True)
class Turn:
    """An earlier turn of a conversation item."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class GoldenItem:
    id: str
    question: str
    answer: str = ""
    references: tuple[Reference, ...] = ()
    tags: tuple[str, ...] = ()
    groups: tuple[str, ...] = (EVERYONE,)
    #: key facts a correct answer must contain (verbatim from a cited page)
    facts: tuple[str, ...] = ()
    #: earlier turns, oldest first (conversation items)
    history: tuple[Turn, ...] = ()
    #: the question as it should be searched (conversation items)
    standalone: str = ""

    @property
    def unanswerable(self) -> bool:
        return UNANSWERABLE in self.tags

    @property
    def relevant(self) -> dict[str, int]:
        """Graded relevance by reference key (page or document), for the ranking metrics."""
        out: dict[str, int] = {}
        for r in self.references:
            out[r.key] = max(out.get(r.key, 0), r.grade)
        return out

    @property
    def readers(self) -> tuple[str, ...]:
        """A reader who may see the answer: everyone's documents plus the item's groups."""
        return tuple(sorted({EVERYONE, *self.groups}))


def document_name(source: str) -> str:
    """Golden sources are paths under data/docs ("public/x.pdf"); the catalog keeps the
    file name, so documents are matched by file name."""
    return Path(source).name


def _rows(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DatasetError(str(path), f"cannot be read ({e.strerror})") from e
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as e:
            raise DatasetError(str(path), f"line {number} is not JSON ({e})") from e
        if not isinstance(row, dict):
            raise DatasetError(str(path), f"line {number} is not a JSON object")
        yield number, row


def parse_rows(path: Path, parse: Callable[[int, dict[str, Any]], GoldenItem],
               format_name: str) -> list[GoldenItem]:
    """Every line through ``parse``; a line that does not fit is one clear error."""
    items = []
    for number, row in _rows(path):
        try:
            items.append(parse(number, row))
        except (KeyError, TypeError, ValueError) as e:
            raise DatasetError(str(path), f"line {number} does not follow the {format_name} "
                                          f"format ({type(e).__name__}: {e})") from e
    if not items:
        raise DatasetError(str(path), "holds no questions")
    return items


def _golden_item(number: int, row: dict[str, Any]) -> GoldenItem:
    return GoldenItem(
        id=str(row.get("id") or f"line-{number}"), question=str(row["question"]),
        answer=str(row.get("answer") or ""),
        references=tuple(Reference(document_name(str(s["source"])),
                                   int(s["page"]) if s.get("page") else None)
                         for s in row.get("sources") or []),
        tags=tuple(str(t) for t in row.get("tags") or ()),
        groups=tuple(str(g) for g in row.get("groups") or (EVERYONE,)),
        facts=tuple(str(f) for f in row.get("facts") or ()),
        history=tuple(Turn(str(t["question"]), str(t.get("answer") or ""))
                      for t in row.get("history") or ()),
        standalone=str(row.get("standalone") or ""))


def load_golden(path: Path) -> list[GoldenItem]:
    """Our own format (data/eval/README.md): pages are 1-based."""
    return parse_rows(path, _golden_item, "golden")


def golden_row(item_id: str, question: str, answer: str = "",
               sources: Sequence[tuple[str, int]] = (), tags: Sequence[str] = (),
               groups: Sequence[str] = (EVERYONE,), **extra: object) -> dict[str, object]:
    """One line of the golden format (what the feedback export writes for review)."""
    return {"id": item_id, "question": question, "answer": answer,
            "sources": [{"source": s, "page": p} for s, p in sources], "tags": list(tags),
            "groups": list(groups), **extra}
