"""The stages an answer is timed in, and the percentile every latency figure uses."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: the stages every answer reports in ``timings_ms`` (a model rewrite adds "rewrite")
CORE_STAGES = ("embed", "search", "generate", "total")


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest observed value with at least ``p``% of the values
    at or below it. Chosen over interpolation because it always reports a latency that some
    request really had. ``None`` for no values; ``p`` is in [0, 100]."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
