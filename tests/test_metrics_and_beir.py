"""Retrieval metrics against hand-computed values; BEIR folders in, one document per row."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from evals.beir import corpus_id, corpus_records, load_split
from evals.metrics import hit_at, mrr, ndcg_at, recall_at, unique
from ingest.pipeline import ingest_records


def test_metrics_match_hand_computed_values() -> None:
    ranked = ["a", "b", "c", "d"]
    rel = {"b": 1, "d": 2, "z": 1}
    assert hit_at(ranked, rel, 1) == 0.0 and hit_at(ranked, rel, 2) == 1.0
    assert recall_at(ranked, rel, 4) == pytest.approx(2 / 3)
    assert mrr(ranked, rel) == 0.5
    dcg = 1 / math.log2(3) + 2 / math.log2(5)
    idcg = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(ranked, rel, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(["d", "b", "z"], rel, 10) == pytest.approx(1.0)
    assert unique(["x", "y", "x", "z", "y"]) == ["x", "y", "z"]


def _beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    rows = [{"_id": "1", "title": "Vitamin D and bone density",
             "text": "Vitamin D supplements increase bone mineral density in older adults."},
            {"_id": "2", "title": "Statins", "text": "Statins lower LDL cholesterol levels."},
            {"_id": "3", "title": "", "text": "Aspirin reduces the risk of heart attacks."}]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (folder / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "Does vitamin D help bones?"}) + "\n"
        + json.dumps({"_id": "q9", "text": "not in the qrels"}))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\t1\t1\n")
    return folder


def test_a_beir_corpus_is_indexed_and_searched(tmp_path: Path, open_services: Any) -> None:
    folder = _beir(tmp_path / "beir")
    split = load_split(folder, "test")
    assert split.queries == {"q1": "Does vitamin D help bones?"}
    assert split.qrels == {"q1": {"1": 1}}
    services = open_services(collection="beir")
    records = list(corpus_records(folder))
    report = ingest_records(services, records)
    assert sorted(report.ingested) == ["beir:1", "beir:2", "beir:3"] and not report.failed
    assert ingest_records(services, records).skipped == ["beir:1", "beir:2", "beir:3"]
    found = services.retriever().search(split.queries["q1"], k=3)
    assert corpus_id(found.hits[0].chunk.source) == "1"
    assert services.index.count() == report.chunks
