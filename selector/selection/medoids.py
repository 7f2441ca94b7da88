"""``medoids``: a K-Means with ``k = budget`` and the member nearest each centroid (``docs/quality.md``).

The record nearest each centroid of a spherical K-Means (:func:`selector.kmeans`, the pipeline's one K-Means) with
as many clusters as picks: the selection spreads over the pool in proportion to its density, as TypiClust (arXiv
2202.02794) and "Rethinking Data Selection at Scale" (arXiv 2410.09335) recommend at small budgets. For unit rows
the member nearest the (normalised) centroid is the cluster's cosine medoid (:func:`cluster_medoids`).

Order: clusters largest first (ties: the lower cluster id), so any prefix holds the medoids of the densest regions
and is a sensible smaller selection; it is not the same selection a K-Means with a smaller ``k`` would give (its
clusters are finer), so for a fraction of the budget, rerun at that budget. With ``groups``/``quotas`` every group
gets its own K-Means with ``k`` = its quota left after the seeds, and the groups' lists are interleaved. A cluster
faiss leaves empty leaves the selection short; KCenterGreedy completes it from the medoids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.selection._order import fill_in_order, seed_list
from selector.selection.centres import cluster_medoids
from selector.selection.clustering import kmeans
from selector.selection.coreset import CoresetResult, kcenter_greedy
from selector.selection.coverage import coverage_curve


def medoid_order(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Row indices of ``X`` (``(n, d)`` float32 unit rows): the medoids of a ``k``-means, largest cluster first."""
    k = max(1, min(k, X.shape[0]))
    km = kmeans(X, k, seed=seed, device="cpu")
    med = cluster_medoids(X, km.labels)
    sizes = np.bincount(km.labels, minlength=len(km.centroids))
    present = np.unique(km.labels)  # cluster_medoids gives one medoid per non-empty cluster, in id order
    return med[np.lexsort((present, -sizes[present]))]


def interleave(lists: Sequence[np.ndarray]) -> np.ndarray:
    """First items of every list (in list order), then the second items, and so on."""
    out = [int(a[r]) for r in range(max((len(a) for a in lists), default=0)) for a in lists if r < len(a)]
    return np.asarray(out, dtype=np.int64)


def medoids(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | None = None,
    seed: int = 0,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | None = None,
    **_: Any,
) -> CoresetResult:
    """``budget`` picks of ``X`` (``(n, d)`` float32 unit rows): seeds first, then the medoids of a ``k``-means
    (``k`` = the budget left, or per group its quota left), largest cluster first; see the module docstring.
    The K-Means is seeded by ``seed``, so the same inputs and seed give the same picks."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    picks = seed_list(seeds, budget)
    if groups is None or quotas is None:
        order = medoid_order(X, budget - len(picks), seed) if budget > len(picks) else np.empty(0, np.int64)
    else:
        groups = np.asarray(groups)
        left = np.asarray(quotas, dtype=np.int64).copy()
        for s in picks:
            left[groups[s]] -= 1
        lists = []
        for g in np.flatnonzero(left > 0).tolist():
            rows = np.flatnonzero(groups == g)
            if len(rows):
                lists.append(rows[medoid_order(X[rows], int(left[g]), seed)])
        order = interleave(lists)
    out = fill_in_order(order, budget, seeds=picks, groups=groups, quotas=quotas)
    if len(out) < min(budget, X.shape[0]):  # empty clusters: farthest-first from what we have
        return kcenter_greedy(X, budget, seeds=out, groups=groups, quotas=quotas, progress=False)
    return ranked_result(X, out, len(picks), "medoids", seed)


def ranked_result(X: np.ndarray, picks: np.ndarray, n_seeds: int, name: str, seed: int) -> CoresetResult:
    """A :class:`CoresetResult` for a ranking ``picks`` of ``X``: coverage radius after each pick and every row's
    distance to its nearest pick, measured exactly (:func:`~selector.selection.coverage.coverage_curve`)."""
    picks = np.asarray(picks, dtype=np.int64)
    radii, dist = coverage_curve(X, picks, np.arange(X.shape[0]))
    stats = {"n": X.shape[0], "budget": len(picks), "selected": len(picks), "seed": seed, "strategy": name}
    return CoresetResult(picks, radii, dist.astype(np.float32), n_seeds, {**stats, "seeds": n_seeds})
