"""``stratified``: random picks within K-Means clusters, in proportion to their size (``docs/quality.md``).

The budget is split over the clusters of the pipeline's K-Means (the labels ``selector select`` already computed,
passed as ``clusters``; without them, :func:`selector.kmeans` with the default ``k``) by largest remainder in
proportion to cluster size (:func:`~selector.selection.allocation.temperature_quotas` at ``tau = 1``), and each
cluster's share is drawn uniformly at random. It keeps a random sample's lack of bias toward outliers while fixing
how many picks each region gets (D4, arXiv 2308.12284, and "Diversify and Conquer" split by cluster the same way).
Beside the K-Means it costs one seeded permutation of the candidates: linear in the pool, so it stays fast at 1M.

Order: the picks are ranked by their place in that one permutation, so a prefix is a uniform random sample that is
only approximately stratified (exactly so at the full budget). ``groups``/``quotas`` (task or source quotas) apply on
top: a full group is skipped and the freed picks go to the next rows of the permutation.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def stratified_ranking(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    seed: int = 0,
    groups: np.ndarray | None = None,
    quotas: Any = None,
    clusters: np.ndarray | None = None,
    **_: Any,
) -> np.ndarray:
    """``(m,)`` row indices of ``X`` (``(n, d)`` float32 unit rows): seeds first, then random within clusters in
    proportion to their size (``clusters``: ``(n,)`` labels; ``None``: a K-Means with the default ``k``), drawn from
    one permutation seeded by ``seed``; see the module docstring."""
    from selector.errors import SelectorError
    from selector.selection._order import fill_in_order, seed_list
    from selector.selection.allocation import temperature_quotas
    from selector.selection.clustering import kmeans

    n = X.shape[0]
    if n == 0 or budget <= 0:
        return np.empty(0, dtype=np.int64)
    labels = kmeans(X, None, seed=seed, device="cpu").labels if clusters is None else np.asarray(clusters)
    if labels.shape != (n,):
        raise SelectorError(f"stratified needs one cluster label per row (clusters=): {labels.shape} for {n} rows")
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
    return fill_in_order(order, budget, seeds=picks, groups=groups, quotas=quotas)


def candidate_labels(clusters: np.ndarray | None, eligible: np.ndarray | None) -> np.ndarray | None:
    """The K-Means labels (``(n,)``, one per row of ``X``) of the candidate rows only, in row order: what a ranking
    run on ``X[eligible]`` (:func:`~selector.selection.strategies.ranked_result`) indexes; ``None`` stays ``None``."""
    if clusters is None:
        return None
    labels = np.asarray(clusters)
    return labels if eligible is None else labels[np.asarray(eligible, dtype=bool)]


@strategy("stratified")
def stratified(
    X: np.ndarray,
    budget: int,
    *,
    clusters: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    **rules: Any,
) -> CoresetResult:
    """Random within the K-Means clusters of the candidate rows (``clusters``: the pipeline's labels, one per row
    of ``X``; they are reused, so no second K-Means runs), in proportion to cluster size."""
    rank = partial(stratified_ranking, clusters=candidate_labels(clusters, eligible))
    return ranked_result("stratified", rank, X, budget, eligible=eligible, **rules)
