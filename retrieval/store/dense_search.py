"""How dense vectors are searched, whichever Qdrant holds them: exact below a size, above it
an HNSW graph over int8-quantized vectors rescored with the float vectors. The embedded
adapter (``qdrant_embedded``) and the server adapter (``qdrant_server``) both read these
figures, measured with ``bench/scale_bench.py``; this module imports neither engine.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Filter selectivity (share of points a filter keeps) below which ACORN is used (Qdrant's
#: default): a restrictive group filter leaves the graph in islands.
ACORN_BELOW = 0.4
#: Graph degree and build-time candidate list (Qdrant's defaults are 16 and 100).
HNSW_M = 16
HNSW_EF_CONSTRUCT = 128


@dataclass(frozen=True)
class DenseSearch:
    """How dense vectors are searched and when the approximate index is built.

    Defaults measured with ``bench/scale_bench.py`` (MiniLM vectors, 100k–1M chunks)."""

    #: Below this many points dense search is exact: a few ms, and exactly the nearest.
    exact_below: int = 20_000
    #: HNSW candidate list per search (and segment); raised to the prefetch depth when that
    #: is larger. At 1M chunks: 128 found 99.1% of the exact top 10, 256 found 99.7%, for a
    #: few ms more; ACORN's filtered walks get slower as it grows.
    hnsw_ef: int = 256
    #: Quantized candidates fetched per wanted hit, then rescored with the float vectors
    #: (int8 scores alone reorder near-ties); 4 recalled no more than 2 at 100k.
    oversampling: float = 2.0
    #: Unindexed points (written since the last build) that make a write or a flush build
    #: the index; 0: only ``optimize`` builds it.
    build_after: int = 50_000


#: the defaults, for an adapter built without settings (the server builds its own graph)
DEFAULT_SEARCH = DenseSearch()


def kb_of_vectors(points: int, dimension: int) -> int:
    """Qdrant sizes its thresholds in KB of float32 vectors; 0 would mean "never"."""
    return max(1, -(-points * dimension * 4 // 1024))
