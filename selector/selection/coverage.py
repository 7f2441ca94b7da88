"""Coverage of a selection in the space it was picked in: the distance from each pick to the earlier ones.

This is what ``selection.jsonl``'s ``distance`` column holds. It measures the greedy in its own space, so it says
how the picks spread, not whether they are better training data (``docs/algorithms.md`` section 7).
"""

from __future__ import annotations

import numpy as np

CHUNK = 2048


def distances_at_pick(X: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """For each pick, the Euclidean distance to the nearest earlier pick (``inf`` for the first).

    ``X`` is ``(n, d)`` float32 with unit rows; ``picks`` ``(m,)`` indices in order. Computed in row blocks of the
    picks' Gram matrix, so memory stays ``O(CHUNK x m)``.
    """
    picks = np.asarray(picks, dtype=np.int64)
    m = picks.size
    out = np.full(m, np.inf, dtype=np.float64)
    if m < 2:
        return out
    P = np.ascontiguousarray(X[picks], dtype=np.float32)
    sq = np.einsum("ij,ij->i", P, P, dtype=np.float64)
    for start in range(1, m, CHUNK):
        stop = min(m, start + CHUNK)
        G = P[start:stop] @ P[:stop].T  # (b, stop)
        d2 = sq[start:stop, None] + sq[None, :stop] - 2.0 * G
        # Only earlier picks count: mask j >= i.
        rows = np.arange(start, stop)[:, None]
        d2 = np.where(np.arange(stop)[None, :] < rows, d2, np.inf)
        out[start:stop] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out
