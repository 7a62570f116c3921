"""The three set formats read into one shape, on tiny files written in each real format;
format detection; the feedback export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docqa.feedback import candidates, export
from docqa.query_log import QueryLog
from evals.datasets import detect, load_dataset
from evals.golden import DatasetError, Reference, load_golden

REPO = Path(__file__).resolve().parent.parent


def _financebench(path: Path) -> Path:
    rows = [{"financebench_id": "fb1", "doc_name": "ACME_2022_10K", "question_type": "metrics",
             "question": "What was ACME's FY2022 revenue?", "answer": "$1,577 million",
             "evidence": [{"doc_name": "ACME_2022_10K", "evidence_page_num": 0,
                           "evidence_text": "Revenue 1,577"},
                          {"doc_name": "ACME_2022_10K", "evidence_page_num": 41,
                           "evidence_text": "..."}]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_financebench_pages_become_one_based(tmp_path: Path) -> None:
    path = _financebench(tmp_path / "fb.jsonl")
    assert detect(path) == "financebench"
    data = load_dataset(path, docs=tmp_path)
    (item,) = data.items
    assert item.references == (Reference("ACME_2022_10K.pdf", 1),
                               Reference("ACME_2022_10K.pdf", 42))
    assert item.relevant == {"ACME_2022_10K.pdf#1": 1, "ACME_2022_10K.pdf#42": 1}
    assert data.name == "financebench-fb" and data.collection == "financebench"
    assert load_dataset(path).collection is None  # without --docs: the configured index


def test_beir_folder_is_judged_per_document_with_grades(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(json.dumps({"_id": "d1", "text": "x"}) + "\n")
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "what?"}) + "\n")
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\n")
    assert detect(folder) == "beir"
    data = load_dataset(folder, split="train")
    assert data.level == "doc" and data.collection == "beir-tiny" and data.split == "train"
    assert data.items[0].relevant == {"d1": 2}
    with pytest.raises(DatasetError, match=r"qrels/test\.tsv"):
        load_dataset(folder)


def test_golden_set_matches_documents_by_file_name() -> None:
    items = load_golden(REPO / "data" / "eval" / "golden.jsonl")
    assert len(items) >= 150 and sum(i.unanswerable for i in items) >= 30
    first = items[0]
    assert first.facts and all(isinstance(f, str) for f in first.facts)
    talk = next(i for i in items if "conversation" in i.tags)
    assert talk.history and talk.history[0].question and talk.standalone
    assert first.references == (Reference("employee-handbook.pdf", 4),)
    hr = next(i for i in items if "hr-only" in i.tags)
    assert hr.readers == ("everyone", "hr")


def test_unknown_and_broken_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text('{"title": "no question"}\n')
    with pytest.raises(DatasetError, match="neither golden"):
        detect(tmp_path / "x.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"question": "q", "sources": [{"page": 1}]}\n')
    with pytest.raises(DatasetError, match="line 1"):
        load_golden(tmp_path / "bad.jsonl")
    with pytest.raises(DatasetError, match="not a BEIR folder"):
        detect(tmp_path)


def test_thumbs_down_questions_export_as_candidate_golden_lines(tmp_path: Path) -> None:
    log = QueryLog(tmp_path / "db.sqlite3")
    common = dict(standalone="", mode="extractive", verified=True, hits=[], prompt_tokens=0,
                  completion_tokens=0, cost_usd=0.0, timings={})
    bad = log.record(user="a", groups=("everyone", "hr"), question="How long is parental leave?",
                     answer="I could not find this in the documents.", refused=True,
                     citations=[], **common)  # type: ignore[arg-type]
    good = log.record(user="a", groups=None, question="Wifi password?", answer="x",
                      refused=False, citations=[{"source": "it.pdf", "page": 3}],
                      **common)  # type: ignore[arg-type]
    cited = log.record(user="b", groups=None, question="VPN setup?", answer="y", refused=False,
                       citations=[{"source": "it-policy.pdf", "page": 2}],
                       **common)  # type: ignore[arg-type]
    log.feedback(bad, helpful=False, reason="it is in the HR handbook")
    log.feedback(good, helpful=True)
    log.feedback(cited, helpful=False)
    rows = candidates(log)
    assert [r["id"] for r in rows] == [f"fb-{bad}", f"fb-{cited}"]
    assert rows[0]["groups"] == ["everyone", "hr"] and rows[0]["tags"] == ["feedback", "refused"]
    assert rows[0]["review"]["reason"] == "it is in the HR handbook"  # type: ignore[index]
    assert rows[1]["sources"] == [{"source": "it-policy.pdf", "page": 2}]
    out = tmp_path / "candidates.jsonl"
    assert export(log, out) == 2
    assert detect(out) == "golden" and len(load_golden(out)) == 2  # reviewable as golden
    log.close()
