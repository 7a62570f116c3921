"""Questions users marked "not helpful" in the app, written as candidate golden lines for an
admin to review (fill in the answer and sources, or tag them ``unanswerable``)."""

from __future__ import annotations

import json
from pathlib import Path

from docqa.query_log import QueryLog
from evals.golden import golden_row
from retrieval.types import EVERYONE

NOT_HELPFUL = -1


def candidates(log: QueryLog, limit: int = 10_000) -> list[dict[str, object]]:
    rows, seen = [], set()
    for q in reversed(log.recent(limit)):  # oldest first, so ids stay stable across exports
        if q.feedback != NOT_HELPFUL or q.question.strip().lower() in seen:
            continue
        seen.add(q.question.strip().lower())
        groups = [g for g in q.groups if g != "*"] or [EVERYONE]
        sources = [(str(c.get("source", "")), int(str(c.get("page", 0)) or 0))
                   for c in q.citations]
        rows.append(golden_row(
            f"fb-{q.id}", q.question, answer="", sources=sources,
            tags=["feedback", *(["refused"] if q.refused else [])], groups=groups,
            review={"asked_at": q.asked_at, "reason": q.feedback_reason, "answer_given": q.answer,
                    "note": "candidate: write the reference answer and the pages that hold it "
                            "(sources were what docqa cited), or tag it unanswerable"}))
    return rows


def export(log: QueryLog, out: Path) -> int:
    rows = candidates(log)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                   encoding="utf-8")
    return len(rows)
