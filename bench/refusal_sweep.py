"""Calibrates the offline answerer's refusal threshold (``DOCQA_REFUSE_BELOW``).

The documented procedure (``retrieval/answer/extractive.py``): answer every golden question
with threshold 0 (the rules still refuse what cannot answer), record the best unit's score,
then for each threshold t count an answer as refused when its score is below t and compute
answer correctness (answerable items with key facts), refusal accuracy (unanswerable items)
and false refusals (answerable items). Kept: the best correctness + refusal accuracy among
the thresholds with false refusals <= 0.10, and of those within 0.01 of the best the one
with the fewest false refusals (``keep``).

    DOCQA_DATA_DIR=DIR python -m bench.refusal_sweep [--dataset data/eval/golden.jsonl]

DIR must hold an index of the sample documents (``docqa ingest data/docs/public --groups
everyone; docqa ingest data/docs/hr --groups hr``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.golden import load_golden
from evals.run import RunOptions, build_answerer, evaluate
from retrieval.answer.context import Source
from retrieval.answer.extractive import Extract, ExtractiveAnswerer
from retrieval.types import DocStatus

MAX_FALSE_REFUSALS = 0.10
NOISE = 0.01


class _Recording(ExtractiveAnswerer):
    """The answerer with threshold 0 that notes each question's best score."""

    def __init__(self, base: ExtractiveAnswerer) -> None:
        super().__init__(base.embedder, threshold=0.0, max_picks=base.max_picks,
                         max_units=base.max_units, max_sources=base.max_sources)
        self.scores: list[float] = []

    def answer(self, question: str, sources: Sequence[Source],
               question_vector: np.ndarray | None = None,
               part_sources: Sequence[Sequence[Source]] = ()) -> Extract:
        picked = super().answer(question, sources, question_vector, part_sources)
        self.scores.append(picked.confidence if not picked.refused else -1.0)
        return picked


@dataclass(frozen=True)
class Row:
    threshold: float
    correctness: float
    refusal_accuracy: float
    false_refusals: float


def sweep(answerable: Sequence[tuple[float, bool]], unanswerable: Sequence[float],
          thresholds: Sequence[float]) -> list[Row]:
    """``answerable``: (best score, right at threshold 0) per item with key facts;
    ``unanswerable``: best score per unanswerable item (-1: the rules refused)."""
    rows = []
    for t in thresholds:
        right = sum(1 for s, ok in answerable if ok and s >= t)
        refused_right = sum(1 for s in unanswerable if s < t)
        refused_wrong = sum(1 for s, _ in answerable if s < t)
        rows.append(Row(t, right / max(1, len(answerable)),
                        refused_right / max(1, len(unanswerable)),
                        refused_wrong / max(1, len(answerable))))
    return rows


def keep(rows: Sequence[Row]) -> Row | None:
    """The best correctness + refusal accuracy among the thresholds with false refusals <=
    0.10; of those within ``NOISE`` of the best, the one with the fewest false refusals (one
    unanswerable item more or less moves refusal accuracy by 0.02: smaller differences are
    noise, and a false refusal costs the reader an answer the documents hold)."""
    allowed = [r for r in rows if r.false_refusals <= MAX_FALSE_REFUSALS]
    if not allowed:
        return None
    top = max(r.correctness + r.refusal_accuracy for r in allowed)
    near = [r for r in allowed if r.correctness + r.refusal_accuracy >= top - NOISE]
    return min(near, key=lambda r: (r.false_refusals, r.threshold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=Path("data/eval/golden.jsonl"))
    args = parser.parse_args(argv)
    from docqa.services import open_services
    from retrieval.settings import load_settings

    items = load_golden(args.dataset)
    settings = load_settings()
    with open_services(settings) as services:
        if not any(r.status == DocStatus.INDEXED for r in services.catalog.list()):
            # an empty index refuses everything: its sweep would look like figures
            print(f"error: no documents are indexed under {settings.data_dir}: index data/docs "
                  "there first (docqa ingest data/docs/public --groups everyone; docqa ingest "
                  "data/docs/hr --groups hr)", file=sys.stderr)
            return 1
        answerer = build_answerer(services, RunOptions())
        recording = _Recording(answerer.extractive)
        answerer.extractive = recording
        results = evaluate(services, items, RunOptions(), answerer=answerer)
    if len(recording.scores) != len(results):
        print("error: not every question was answered extractively", file=sys.stderr)
        return 1
    answerable = [(s, bool(r.correct)) for s, r in zip(recording.scores, results, strict=True)
                  if r.correct is not None]
    unanswerable = [s for s, r in zip(recording.scores, results, strict=True)
                    if r.item.unanswerable]
    rows = sweep(answerable, unanswerable, [round(0.2 + 0.02 * i, 2) for i in range(25)])
    print(f"{len(answerable)} answerable items with key facts, {len(unanswerable)} "
          "unanswerable")
    print("threshold  correctness  refusal accuracy  false refusals")
    best = keep(rows)
    for r in rows:
        mark = "  <- kept" if r is best else ""
        print(f"  {r.threshold:.2f}      {r.correctness:.3f}        {r.refusal_accuracy:.3f}"
              f"            {r.false_refusals:.3f}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
