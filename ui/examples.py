"""Example questions for the empty chat: golden questions whose documents this reader can
open, so every example is one the index can answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docqa.accounts import User
from retrieval.types import DocStatus, DocumentRecord

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "eval" / "golden.jsonl"


def _golden(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def example_questions(records: list[DocumentRecord], user: User, limit: int = 4,
                      path: Path = GOLDEN) -> list[str]:
    readable = {Path(r.source).name for r in records
                if r.status in (DocStatus.INDEXED, DocStatus.NEEDS_OCR)
                and user.may_read(r.groups)}
    picked: list[str] = []
    seen_docs: set[str] = set()
    items = _golden(path)
    # items tagged "example" first: questions chosen to show what docqa answers well
    items.sort(key=lambda item: "example" not in item.get("tags", ()))
    for item in items:
        if "unanswerable" in item.get("tags", ()) or "follow-up" in item.get("tags", ()):
            continue
        docs = {Path(s["source"]).name for s in item.get("sources", ())}
        # one example per document, and only short questions: they read as invitations
        if docs and docs <= readable and not docs & seen_docs and len(item["question"]) < 90:
            picked.append(item["question"])
            seen_docs |= docs
        if len(picked) == limit:
            break
    return picked
