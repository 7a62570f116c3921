"""Retrieval metrics over ranked ids (documents, pages or chunks) and graded relevance."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def hit_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    return 1.0 if any(r in relevant and relevant[r] > 0 for r in ranked[:k]) else 0.0


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {r for r, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def mrr(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 100) -> float:
    for i, r in enumerate(ranked[:k], start=1):
        if relevant.get(r, 0) > 0:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """nDCG with linear gains, as pytrec_eval and the BEIR paper compute it."""
    dcg = sum(relevant.get(r, 0) / math.log2(i + 1) for i, r in enumerate(ranked[:k], start=1))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def unique(items: Sequence[str]) -> list[str]:
    """First occurrence order: several chunks of one document count once."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
