"""Facility location by lazy greedy over a k-NN similarity graph (``docs/algorithms.md`` section 7).

Objective: ``F(S) = sum_i max_{j in S} s_ij`` where ``s_ij`` is the cosine of row ``i`` to its neighbour ``j``
when ``j`` is among the ``k`` nearest neighbours of ``i`` (self included), clipped at 0, and 0 otherwise. Where
k-center minimises the worst distance to the selection, facility location maximises the typical similarity, so
it picks representatives of dense regions rather than outliers (the representative counterpart of k-center).

The greedy adds the row with the largest marginal gain (ties: the lowest index). ``F`` is submodular, so a stale
gain is an upper bound of the fresh one and lazy evaluation (Minoux 1978) returns exactly the greedy order: the
top of a heap of stale gains is refreshed, and taken when it still beats the next stale bound.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Sequence

import faiss
import numpy as np

_GRAPH_CACHE: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}


def knn_graph(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact ``k`` nearest neighbours of every row by inner product: ``(n, k)`` int64 ids, ``(n, k)`` float32.

    Rows come back most similar first (for unit rows, the row itself first unless it has exact duplicates). The
    last graph is memoised by the content of ``X``, so strategies and proxies that share a pool share one search.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    k = min(k, X.shape[0])
    key = (hashlib.blake2b(X.tobytes(), digest_size=16).hexdigest(), k)
    if key not in _GRAPH_CACHE:
        index = faiss.IndexFlatIP(X.shape[1])
        index.add(X)
        sims, ids = index.search(X, k)
        _GRAPH_CACHE.clear()
        _GRAPH_CACHE[key] = (ids.astype(np.int64), sims.astype(np.float32))
    return _GRAPH_CACHE[key]


def facility_location(
    X: np.ndarray,
    budget: int,
    *,
    k: int = 10,
    seeds: Sequence[int] | np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | np.ndarray | None = None,
    graph: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Greedy facility location over the ``k``-NN graph of ``X`` (``(n, d)`` float32 unit rows); picks in order.

    k: neighbours per row (5-30 typical; larger is closer to dense facility location and slower to build).
    seeds: picked first, in order; groups/quotas: a group with as many picks as its quota is skipped.
    graph: a precomputed ``(ids, sims)`` graph (rows sorted or not), used instead of :func:`knn_graph`.
    Returns ``(m,)`` int64 with ``m == budget`` unless the quotas run out first.
    """
    ids, sims = graph if graph is not None else knn_graph(X, k)
    n = ids.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), ids.shape[1])
    cols = ids.reshape(-1)
    vals = np.maximum(sims.reshape(-1).astype(np.float64), 0.0)
    keep = cols >= 0  # faiss marks missing neighbours with -1
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((rows, cols))  # grouped by candidate j, then by row i
    rows, vals = rows[order], vals[order]
    indptr = np.searchsorted(cols[order], np.arange(n + 1))
    cur = np.zeros(n, dtype=np.float64)
    left = None if groups is None or quotas is None else np.asarray(quotas, dtype=np.int64).copy()
    picks: list[int] = []
    taken = np.zeros(n, dtype=bool)

    def gain(j: int) -> float:
        a, b = indptr[j], indptr[j + 1]
        return float(np.sum(np.maximum(vals[a:b] - cur[rows[a:b]], 0.0)))

    def take(j: int) -> None:
        a, b = indptr[j], indptr[j + 1]
        np.maximum.at(cur, rows[a:b], vals[a:b])
        picks.append(j)
        taken[j] = True
        if left is not None:
            left[groups[j]] -= 1

    for s in [] if seeds is None else np.asarray(seeds).reshape(-1).tolist():
        if len(picks) < budget and not taken[s]:
            take(int(s))
    heap = [(-gain(j), j) for j in range(n) if not taken[j]]
    heapq.heapify(heap)
    while heap and len(picks) < budget:
        _, j = heapq.heappop(heap)
        if left is not None and left[groups[j]] <= 0:
            continue
        entry = (-gain(j), j)
        if not heap or entry <= heap[0]:
            take(j)
        else:
            heapq.heappush(heap, entry)
    return np.asarray(picks, dtype=np.int64)
