"""FinanceBench-style JSONL: question, answer, ``evidence`` with ``doc_name`` and a ZERO-based
``evidence_page_num``; the PDFs are ``<doc_name>.pdf``. Shared by ``docqa eval`` and the bench."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evals.golden import GoldenItem, Reference, parse_rows

_NUMBER = re.compile(r"-?\$?\(?\d[\d,]*(?:\.\d+)?\)?%?")


def _item(number: int, row: dict[str, Any]) -> GoldenItem:
    refs = tuple(dict.fromkeys(
        Reference(f"{e['doc_name']}.pdf", int(e["evidence_page_num"]) + 1)
        for e in row.get("evidence") or ()))
    tags = [str(row["question_type"]).lower().replace(" ", "-")] if row.get("question_type") \
        else []
    return GoldenItem(id=str(row.get("financebench_id") or f"line-{number}"),
                      question=str(row["question"]), answer=str(row.get("answer") or ""),
                      references=refs, tags=tuple(tags))


def load_financebench(path: Path) -> list[GoldenItem]:
    return parse_rows(path, _item, "FinanceBench")


def figures(text: str) -> set[str]:
    """Numbers as written, normalised: "$1,577" and "1577" and "1,577.00" match."""
    out = set()
    for m in _NUMBER.findall(text):
        digits = m.strip("$()%-").replace(",", "")
        if not digits:
            continue
        try:
            value = float(digits)
        except ValueError:
            continue
        out.add(f"{value:.2f}".rstrip("0").rstrip("."))
    return out


def holds_figure(answer: str, reference: str) -> bool | None:
    """Whether ``answer`` states one of the reference's figures; None when it has none."""
    wanted = figures(reference)
    if not wanted:
        return None
    return bool(wanted & figures(answer))
