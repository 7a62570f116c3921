"""The sample documents in data/docs answer their own questions: the page that states each
fact in data/eval/sample-facts.jsonl is among the first hits for the question."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from retrieval.store.points import HybridQuery, SearchFilter
from retrieval.types import DocStatus
from tests.conftest import REPO, SAMPLE_DOCS

FACTS = [json.loads(line) for line in
         (REPO / "data" / "eval" / "sample-facts.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def indexed(sample_services: Any) -> Any:
    return sample_services


def test_every_sample_document_is_indexed(indexed: Any) -> None:
    records = indexed.catalog.list()
    assert len(records) == sum(1 for p in SAMPLE_DOCS.rglob("*") if p.is_file())
    assert all(r.status is DocStatus.INDEXED and r.chunks > 0 for r in records)
    handbook = next(r for r in records if r.source == "employee-handbook.pdf")
    assert handbook.pages >= 12
    text = " ".join(c.text for c in indexed.index.chunks(handbook.doc_id))
    assert "reimbursement" in text  # hyphenated across a line in the PDF
    for record in records:  # running headers and "Page N of M" footers are gone
        chunks = indexed.index.chunks(record.doc_id)
        assert not any(re.search(r"Page \d+ of \d+", c.text) for c in chunks), record.source


@pytest.mark.parametrize("fact", FACTS, ids=[f["question"][:40] for f in FACTS])
def test_the_page_stating_a_fact_is_found(indexed: Any, fact: dict[str, Any],
                                         embedder: Any) -> None:
    groups = ("everyone", "hr") if fact["source"].startswith("hr/") else ("everyone",)
    hits = indexed.index.search(HybridQuery(
        dense=embedder.embed_one(fact["question"]),
        sparse=indexed.sparse.encode_query(fact["question"]), limit=5,
        filter=SearchFilter(groups=groups)))
    source = fact["source"].split("/", 1)[1]
    pages = {(h.chunk.source, p) for h in hits
             for p in range(h.chunk.page_start, h.chunk.page_end + 1)}
    assert (source, fact["page"]) in pages


def test_hr_documents_stay_hidden_from_everyone_else(indexed: Any, embedder: Any) -> None:
    question = "What is the midpoint of the L4 salary band?"
    hits = indexed.index.search(HybridQuery(
        dense=embedder.embed_one(question), sparse=indexed.sparse.encode_query(question),
        limit=20, filter=SearchFilter(groups=("everyone",))))
    assert hits and all(h.chunk.groups == ("everyone",) for h in hits)
    assert not any(h.chunk.source == "salary-bands-2026.pdf" for h in hits)


