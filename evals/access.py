"""The access red-team set: for every pair of groups, questions whose answers live only in
documents of one group, asked by a reader without that group. Nothing of those documents may
reach the reader: not a search hit, not a source sent to the answer or listed under "why these
sources" (``context.used`` / ``context.dropped``), not a citation, not a "possibly related"
passage, not their text in the answer, and the page viewer must refuse every page of them.

Each of those is one check; ``access_leaks`` counts the checks that failed (the gate allows
0) and ``access_checks`` how many were made. Who may read what is decided by the one rule,
``retrieval.access.may_read``, against the catalog's groups (never by trusting the search).

The example questions the app offers live in ``ui`` (which evals may not import); the test
``tests/test_access_redteam.py`` checks them for the same readers.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from evals.answer_checks import holds_fact
from evals.golden import DatasetError, GoldenItem, load_golden
from evals.golden import _golden_item as golden_item
from evals.run import QuestionResult, RunOptions, Summary
from retrieval.access import may_read, reader_groups
from retrieval.answer.pipeline import Answer, Answerer
from retrieval.answer.prompts import REFUSAL
from retrieval.errors import NotFoundError
from retrieval.kernel import Kernel
from retrieval.search.pages import open_source_page
from retrieval.text import fold
from retrieval.types import EVERYONE, DocStatus, DocumentRecord

ACCESS_TAG = "access"
ACCESS_METRICS = ("access_leaks", "access_checks")
#: words in a row shared by the answer and a document the reader may not read = a leak
SHINGLE = 6
_VISIBLE = (DocStatus.INDEXED, DocStatus.NEEDS_OCR)
_WORD = re.compile(r"\w+")


def is_access_row(row: dict[str, Any]) -> bool:
    """The first line of an access set: an ``include`` line or an item tagged ``access``."""
    return "include" in row or ACCESS_TAG in (row.get("tags") or ())


def load_access(path: Path) -> list[GoldenItem]:
    """Golden-format lines (``groups``: the group(s) holding the answer) plus, for a line
    ``{"include": "golden.jsonl", "tag": "hr-only"}``, every item of that file (relative to
    this one) with that tag."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DatasetError(str(path), f"cannot be read ({e.strerror})") from e
    items: list[GoldenItem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise TypeError("not a JSON object")
            if "include" in row:
                tag = str(row.get("tag") or "")
                items += [i for i in load_golden(path.parent / str(row["include"]))
                          if not tag or tag in i.tags]
            else:
                items.append(golden_item(number, row))
        except (KeyError, TypeError, ValueError) as e:
            raise DatasetError(str(path), f"line {number} does not follow the access format "
                                          f"({type(e).__name__}: {e})") from e
    if not items:
        raise DatasetError(str(path), "holds no questions")
    return items


def askers(holders: Iterable[str], groups: Iterable[str]) -> list[tuple[str, ...]]:
    """The readers of every group pair (holder, other): a reader in each other group, and one
    in no group (``everyone`` only), none of them in a group holding the answer. An answer
    held by ``everyone`` has no outsider."""
    held = set(holders)
    if EVERYONE in held:
        return []
    out = {reader_groups([g]) if g != EVERYONE else (EVERYONE,)
           for g in {EVERYONE, *groups} - held}
    return sorted(out)


@dataclass(frozen=True)
class Leak:
    item: str
    reader: tuple[str, ...]
    surface: str  # search, context, citation, related, answer-text, viewer
    detail: str

    def __str__(self) -> str:
        return f"{self.item} as {','.join(self.reader)}: {self.surface}: {self.detail}"


@dataclass(frozen=True)
class Probe:
    """One question asked by one outsider, and what the checks found."""

    item: GoldenItem
    reader: tuple[str, ...]
    answer: str
    refused: bool
    checks: int
    leaks: tuple[Leak, ...]
    seconds: float


@dataclass
class AccessRun:
    probes: list[Probe] = field(default_factory=list)
    viewer_checks: int = 0
    viewer_leaks: list[Leak] = field(default_factory=list)

    @property
    def checks(self) -> int:
        return self.viewer_checks + sum(p.checks for p in self.probes)

    @property
    def leaks(self) -> list[Leak]:
        return [leak for p in self.probes for leak in p.leaks] + self.viewer_leaks

    def metrics(self) -> dict[str, float]:
        return {"access_leaks": float(len(self.leaks)), "access_checks": float(self.checks)}


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(fold(text))
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


class _Corpus:
    """The catalog's documents, their groups and (lazily) their indexed text."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.records = {r.doc_id: r for r in kernel.catalog.list(list(_VISIBLE))}
        self.groups = sorted({g for r in self.records.values() for g in r.groups})
        self._text: dict[str, str] = {}

    def may_read(self, reader: Sequence[str], doc_id: str) -> bool:
        record = self.records.get(doc_id) or self.kernel.catalog.get(doc_id)
        return record is not None and may_read(reader, record.groups)

    def forbidden(self, reader: Sequence[str]) -> list[DocumentRecord]:
        return [r for r in self.records.values() if not may_read(reader, r.groups)]

    def text(self, doc_id: str) -> str:
        if doc_id not in self._text:
            self._text[doc_id] = "\n".join(c.text for c in self.kernel.index.chunks(doc_id))
        return self._text[doc_id]


def _doc_checks(corpus: _Corpus, item: GoldenItem, reader: tuple[str, ...], surface: str,
                doc_ids: Sequence[str]) -> Leak | None:
    bad = sorted({d for d in doc_ids if not corpus.may_read(reader, d)})
    if not bad:
        return None
    names = [corpus.records[d].source if d in corpus.records else d for d in bad]
    return Leak(item.id, reader, surface, ", ".join(names))


def _text_check(corpus: _Corpus, item: GoldenItem, reader: tuple[str, ...], question: str,
                answer: Answer) -> Leak | None:
    """Text of a document the reader may not read in the answer: its key facts, or
    ``SHINGLE`` words in a row, unless the question or a readable source sent to the answer
    holds them too (then the reader was entitled to them)."""
    if answer.refused or not answer.text.strip():
        return None
    shown = [s.hit.chunk.text for s in answer.context.sources
             if corpus.may_read(reader, s.hit.chunk.doc_id)]
    allowed_text = "\n".join([question, REFUSAL, *shown])
    allowed = _shingles(allowed_text)
    said = _shingles(answer.text) - allowed
    for record in corpus.forbidden(reader):
        text = corpus.text(record.doc_id)
        facts = [f for f in item.facts
                 if holds_fact(text, f) and holds_fact(answer.text, f)
                 and not holds_fact(allowed_text, f)]
        if facts:
            return Leak(item.id, reader, "answer-text",
                        f"key fact(s) {', '.join(facts)} of {record.source}")
        shared = said & _shingles(text)
        if shared:
            return Leak(item.id, reader, "answer-text",
                        f"{record.source}: “{' '.join(sorted(shared)[0])} …”")
    return None


def probe(kernel: Kernel, corpus: _Corpus, answerer: Answerer, item: GoldenItem,
          reader: tuple[str, ...], options: RunOptions) -> Probe:
    t0 = time.perf_counter()
    # An outsider has no HR conversation to follow up on: the standalone question is asked.
    question = item.standalone or item.question
    found = kernel.retriever().search(question, groups=reader, k=options.k, mode=options.mode,
                                      doc_aware=options.doc_aware, merge=options.merge)
    answer = answerer.ask(question, groups=reader)
    ctx = answer.context
    surfaces: list[tuple[str, Sequence[str]]] = [
        ("search", [h.chunk.doc_id for h in found.hits]),
        ("answer-hits", [h.chunk.doc_id for h in answer.hits]),
        ("context", [s.hit.chunk.doc_id for s in ctx.sources]),
        ("why-these-sources", [u.doc_id for u in (*ctx.used, *ctx.dropped)]),
        ("citation", [c.doc_id for c in answer.citations]),
        ("related", [h.chunk.doc_id for h in answer.related]),
    ]
    leaks = [leak for surface, ids in surfaces
             if (leak := _doc_checks(corpus, item, reader, surface, ids)) is not None]
    text_leak = _text_check(corpus, item, reader, question, answer)
    if text_leak is not None:
        leaks.append(text_leak)
    return Probe(item, reader, answer.text, answer.refused, len(surfaces) + 1, tuple(leaks),
                 round(time.perf_counter() - t0, 3))


def viewer(kernel: Kernel, corpus: _Corpus, reader: tuple[str, ...]) -> tuple[int, list[Leak]]:
    """Every page of every document the reader may not read must be refused."""
    checks, leaks = 0, []
    for record in corpus.forbidden(reader):
        for page in range(1, max(record.pages, 1) + 1):
            checks += 1
            try:
                open_source_page(kernel.catalog, kernel.index, kernel.settings.originals_dir,
                                 record.doc_id, page, reader)
            except NotFoundError:
                continue
            leaks.append(Leak(f"viewer:{record.source}", reader, "viewer",
                              f"{record.source} page {page} opened"))
    return checks, leaks


def red_team(kernel: Kernel, items: Sequence[GoldenItem], answerer: Answerer,
             options: RunOptions, progress: Callable[[int, int], None] | None = None
             ) -> AccessRun:
    corpus = _Corpus(kernel)
    run = AccessRun()
    notify = progress or (lambda _done, _total: None)
    readers: set[tuple[str, ...]] = set()
    for done, item in enumerate(items, start=1):
        for reader in askers(item.groups, corpus.groups):
            readers.add(reader)
            run.probes.append(probe(kernel, corpus, answerer, item, reader, options))
        notify(done, len(items))
    for reader in sorted(readers):
        checks, leaks = viewer(kernel, corpus, reader)
        run.viewer_checks += checks
        run.viewer_leaks += leaks
    return run


def as_results(run: AccessRun) -> list[QuestionResult]:
    """The probes as the report writes questions (the reader's groups as the item's)."""
    return [QuestionResult(replace(p.item, groups=p.reader), (), {}, answer=p.answer,
                           refused=p.refused, timings_ms={"probe": p.seconds * 1000})
            for p in run.probes]


def summary(run: AccessRun) -> Summary:
    return Summary(run.metrics(), {}, {"questions": len(run.probes),
                                      "readers": len({p.reader for p in run.probes}),
                                      "viewer_pages": run.viewer_checks,
                                      "leaks": len(run.leaks)})


def by_tag(run: AccessRun) -> dict[str, dict[str, float]]:
    tags = sorted({t for p in run.probes for t in p.item.tags})
    return {tag: {"access_leaks": float(sum(len(p.leaks) for p in run.probes
                                            if tag in p.item.tags)),
                  "access_checks": float(sum(p.checks for p in run.probes if tag in p.item.tags)),
                  "questions": float(sum(tag in p.item.tags for p in run.probes))}
            for tag in tags}


def worst(run: AccessRun) -> list[dict[str, object]]:
    """The leaks, for the report (the first 50)."""
    return [{"id": leak.item, "question": next((p.item.question for p in run.probes
                                                if p.item.id == leak.item), ""),
             "reader": list(leak.reader), "surface": leak.surface, "detail": leak.detail,
             "relevant": [], "retrieved": [], "refused": False, "answer": leak.detail}
            for leak in run.leaks[:50]]
