"""``stratified``: random picks within K-Means clusters, in proportion to their size (``docs/quality.md``).

The budget is split over the clusters of the pipeline's K-Means (the labels ``selector select`` already computed,
passed as ``clusters``; without them, :func:`selector.kmeans` with the default ``k``) by largest remainder in
proportion to cluster size (:func:`~selector.selection.allocation.temperature_quotas` at ``tau = 1``), and each
cluster's share is drawn uniformly at random. So it keeps a random sample's lack of bias toward outliers while
fixing how many picks each region gets (D4, arXiv 2308.12284, and "Diversify and Conquer" split by cluster the same
way). It costs one seeded permutation of the rows beside the K-Means: linear in the pool, so it stays fast at 1M.

Order: the picks are ranked by their place in that one permutation, so a prefix is a uniform random sample that
is only approximately stratified (exactly so at the full budget). ``groups``/``quotas`` (task or source quotas)
apply on top: a full group is skipped and the freed picks go to the next rows of the permutation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.errors import SelectorError
from selector.selection._order import fill_in_order, seed_list
from selector.selection.allocation import temperature_quotas
from selector.selection.clustering import kmeans
from selector.selection.coreset import CoresetResult
from selector.selection.medoids import ranked_result


def stratified(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | None = None,
    seed: int = 0,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | None = None,
    clusters: np.ndarray | None = None,
    **_: Any,
) -> CoresetResult:
    """``budget`` picks of ``X`` (``(n, d)`` float32 unit rows): seeds first, then random within clusters in
    proportion to their size (``clusters``: ``(n,)`` labels, e.g. the pipeline's K-Means; ``None``: a K-Means
    with the default ``k``), drawn from one permutation seeded by ``seed``; see the module docstring."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = X.shape[0]
    labels = kmeans(X, None, seed=seed, device="cpu").labels if clusters is None else np.asarray(clusters)
    if labels.shape != (n,):
        raise SelectorError(f"stratified needs one cluster label per row: {labels.shape} labels for {n} rows")
    picks = seed_list(seeds, budget)
    _, ids = np.unique(labels, return_inverse=True)
    share = np.asarray(temperature_quotas(np.bincount(ids).tolist(), max(0, budget - len(picks)), 1.0))
    for s in picks:
        share[ids[s]] = max(0, share[ids[s]] - 1)
    perm = np.random.default_rng(seed).permutation(n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(ids[perm], kind="stable")] = np.arange(n)
    first = np.searchsorted(np.sort(ids), np.arange(ids.max() + 1))  # where each cluster starts in cluster order
    within = rank - first[ids[perm]]  # each row's place among its cluster's rows, in permutation order
    chosen = perm[within < share[ids[perm]]]  # permutation order
    order = np.concatenate([chosen, perm])  # then the rest of the permutation, should quotas or seeds bite
    out = fill_in_order(order, budget, seeds=picks, groups=groups, quotas=quotas)
    return ranked_result(X, out, len(picks), "stratified", seed)
