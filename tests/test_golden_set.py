"""data/eval/golden.jsonl is well formed: fields, tags, sources that exist, pages in range, key
facts that occur on a cited page, and consistent conversation and unanswerable items. Office
documents are read as ingestion reads them (page n: rendered page, slide n, or visible sheet n)."""

from __future__ import annotations

import functools
import html
import json
import re
from collections import Counter
from typing import Any

from ingest.pdf import read_pdf
from ingest.pipeline import parse_file
from ingest.sources import SourceFile
from tests.conftest import REPO, SAMPLE_DOCS

TAGS = {"table", "multi-doc", "unanswerable", "numeric", "definition", "procedure", "hr-only",
        "paraphrase", "conversation", "follow-up", "topic-switch", "near-miss", "yes-no",
        "date", "name", "office", "docx", "xlsx", "pptx", "scan",
        "example"}  # example: offered as an example question in the empty chat
REQUIRED = {"id", "question", "answer", "sources", "tags", "groups", "facts"}
OPTIONAL = {"history", "standalone"}
ID = re.compile(r"^(hb|te|el|isp|it|og|faq|md|hr|pc|pl|fl|cc|un)-[a-z0-9]+(-[a-z0-9]+)*-\d{2}$")
NOT_IN_DOCS = "Not in the documents: "
# the smallest slices the metrics are reported for
MIN_PER_TAG = {"near-miss": 30, "conversation": 25, "follow-up": 12, "topic-switch": 10,
               "hr-only": 15, "unanswerable": 30}


def _rows() -> list[dict[str, Any]]:
    lines = (REPO / "data" / "eval" / "golden.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@functools.cache
def _pages(source: str) -> tuple[str, ...]:
    """Normalised text per page (1-based as index + 1): PDFs as ingestion extracts them,
    Markdown and text as they are, HTML without tags, scripts and styles."""
    path = SAMPLE_DOCS / source
    if path.suffix == ".pdf":
        return tuple(_normalise(page) for page in read_pdf(path).pages)
    if path.suffix in (".docx", ".xlsx", ".pptx"):  # as ingestion reads them (rendered, sheets)
        parsed = parse_file(SourceFile(path, path.name), path.read_bytes())
        return tuple(_normalise(page) for page in parsed.pages)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".html", ".htm"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
        text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
    return (_normalise(text),)


def test_golden_questions_are_well_formed() -> None:
    rows = _rows()
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        rid = r["id"]
        assert REQUIRED <= set(r) <= REQUIRED | OPTIONAL, rid
        assert ID.match(rid), rid
        assert r["question"].strip() and r["answer"].strip() and r["groups"], rid
        tags = set(r["tags"])
        assert tags <= TAGS and len(tags) == len(r["tags"]), rid
        assert ("unanswerable" in tags) == (r["sources"] == []), rid
        hr_sources = any(s["source"].startswith("hr/") for s in r["sources"])
        assert ("hr-only" in tags) == hr_sources, rid
        for s in r["sources"]:
            path = SAMPLE_DOCS / s["source"]
            assert path.is_file(), (rid, s)
            assert 1 <= s["page"] <= len(_pages(s["source"])), (rid, s)
            if s["source"].startswith("hr/"):
                assert "hr" in r["groups"], rid


def test_answerable_items_have_facts_from_a_cited_page() -> None:
    for r in _rows():
        if "unanswerable" in r["tags"]:
            continue
        facts = r["facts"]
        assert isinstance(facts, list) and 1 <= len(facts) <= 3, r["id"]
        for fact in facts:
            assert isinstance(fact, str) and fact.strip() and len(fact) <= 60, (r["id"], fact)
            needle = _normalise(fact)
            assert any(needle in _pages(s["source"])[s["page"] - 1] for s in r["sources"]), (
                f"{r['id']}: fact {fact!r} is not on any cited page")


def test_unanswerable_items_say_what_is_missing() -> None:
    for r in _rows():
        tags = set(r["tags"])
        if "near-miss" in tags:
            assert "unanswerable" in tags, r["id"]
        if "unanswerable" in tags:
            assert r["facts"] == [], r["id"]
            assert r["answer"].startswith(NOT_IN_DOCS), r["id"]
            assert len(r["answer"]) > len(NOT_IN_DOCS) + 10, r["id"]


def test_conversation_items_have_history_and_a_standalone_question() -> None:
    for r in _rows():
        tags, rid = set(r["tags"]), r["id"]
        assert ("conversation" in tags) == ("history" in r) == ("standalone" in r), rid
        if "conversation" not in tags:
            assert not tags & {"follow-up", "topic-switch"}, rid
            continue
        assert len(tags & {"follow-up", "topic-switch"}) == 1, rid
        history = r["history"]
        assert isinstance(history, list) and 1 <= len(history) <= 3, rid
        for turn in history:
            assert set(turn) == {"question", "answer"}, rid
            assert turn["question"].strip() and turn["answer"].strip(), rid
        assert r["standalone"].strip(), rid
        if "topic-switch" in tags:
            assert r["standalone"] == r["question"], rid
        else:
            assert r["standalone"] != r["question"], rid


def test_every_sample_document_and_slice_is_covered() -> None:
    rows = _rows()
    cited = {s["source"] for r in rows for s in r["sources"]}
    documents = {f"{folder}/{p.name}" for folder in ("public", "hr")
                 for p in (SAMPLE_DOCS / folder).iterdir() if p.is_file()}
    assert documents <= cited, documents - cited
    counts = Counter(t for r in rows for t in r["tags"])
    for tag, minimum in MIN_PER_TAG.items():
        assert counts[tag] >= minimum, (tag, counts[tag])
