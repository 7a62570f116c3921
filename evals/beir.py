"""BEIR folders (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``) as docqa sees
them: each corpus row is a document whose source is ``beir:<id>``."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from evals.golden import DatasetError, GoldenItem, Reference
from retrieval.types import TextRecord

PREFIX = "beir:"


@dataclass(frozen=True)
class BeirSet:
    queries: dict[str, str]
    #: query id -> {corpus id: grade}
    qrels: dict[str, dict[str, int]]


def corpus_records(folder: Path) -> Iterator[TextRecord]:
    with (folder / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                yield TextRecord(f"{PREFIX}{row['_id']}", row.get("title") or "",
                                 row.get("text") or "")


def load_split(folder: Path, split: str = "test") -> BeirSet:
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0] == "query-id":
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries: dict[str, str] = {}
    with (folder / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                if row["_id"] in qrels:
                    queries[row["_id"]] = row["text"]
    return BeirSet(queries, {q: r for q, r in qrels.items() if q in queries})


def corpus_id(source: str) -> str:
    return source.removeprefix(PREFIX)


def beir_items(folder: Path, split: str = "test") -> list[GoldenItem]:
    """The split's queries as golden items judged at document level (graded qrels)."""
    try:
        found = load_split(folder, split)
    except OSError as e:
        raise DatasetError(str(folder), f"no readable qrels/{split}.tsv or queries.jsonl "
                                        f"({e.strerror})") from e
    if not found.queries:
        raise DatasetError(str(folder), f"split {split!r} has no queries")
    return [GoldenItem(qid, text, references=tuple(
                Reference(doc, None, grade) for doc, grade in found.qrels[qid].items()))
            for qid, text in found.queries.items()]
