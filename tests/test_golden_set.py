"""data/eval/golden.jsonl is well formed: fields, tags, sources that exist, pages in range."""

from __future__ import annotations

import json

from ingest.pdf import read_pdf
from tests.conftest import REPO, SAMPLE_DOCS

TAGS = {"table", "multi-doc", "unanswerable", "numeric", "definition", "procedure", "hr-only",
        "paraphrase"}


def test_golden_questions_are_well_formed() -> None:
    lines = (REPO / "data" / "eval" / "golden.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    assert len(rows) >= 40
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "question", "answer", "sources", "tags", "groups"}, r["id"]
        assert r["question"].strip() and r["answer"].strip() and r["groups"]
        assert set(r["tags"]) <= TAGS, r["id"]
        assert ("unanswerable" in r["tags"]) == (r["sources"] == []), r["id"]
        for s in r["sources"]:
            path = SAMPLE_DOCS / s["source"]
            assert path.is_file(), s
            pages = len(read_pdf(path).pages) if path.suffix == ".pdf" else 1
            assert 1 <= s["page"] <= pages, (r["id"], s)
            if s["source"].startswith("hr/"):
                assert "hr" in r["groups"], r["id"]
