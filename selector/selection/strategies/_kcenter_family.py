"""KCenterGreedy variants with an outlier guard, cluster quotas and medoid seeds (``kcenter_guard``,
``kcenter_quota``, ``kcenter_medoid``): :func:`make_kcenter` builds their rankings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from selector.selection._order import fill_in_order, seed_list
from selector.selection.strategies.medoids import medoid_order


def sparsest(X: np.ndarray, share: float, k: int = 10) -> np.ndarray:
    """``(n,)`` bool mask of the ``share`` of rows with the largest distance to their ``k``-th nearest neighbour
    (the row itself counted as the first, so that the graph is the one facility location uses).

    The k-NN distance is the outlier score of the guard: rare formats, mixed-language and junk records sit far
    from everything. Ties at the cut: the higher index is dropped first (so the lowest index survives).
    """
    from selector.selection._facility import knn_graph

    n = X.shape[0]
    out = np.zeros(n, dtype=bool)
    drop = int(share * n)
    if drop <= 0 or n <= k:
        return out
    _, sims = knn_graph(X, k)
    kth = sims[:, -1].astype(np.float64)  # larger similarity = denser
    order = np.lexsort((-np.arange(n), kth))  # least dense first; among equals the highest index first
    out[order[:drop]] = True
    return out


def make_kcenter(
    *, guard: float = 0.0, cluster_quotas: bool = False, medoid_seeds: float = 0.0
) -> Callable[..., np.ndarray]:
    """The ranking of a KCenterGreedy variant: farthest-first with optional outlier guard, cluster quotas and
    medoid seeds (wrap it with :func:`~selector.selection.strategies.ranked_strategy` to run it as a strategy).

    guard: share of rows (0-0.3 typical) that may not be picked because they are the sparsest by k-NN distance
        (:func:`sparsest`); they still count for the coverage radius.
    cluster_quotas: without ``groups``, split the budget over the pool's K-Means clusters (default k, see
        :func:`selector.kmeans`) in proportion to their size, as D4 and "Diversify and Conquer" do.
    medoid_seeds: after the given seeds, seed with the medoids of a K-Means with ``round(medoid_seeds * budget)``
        clusters (largest first), so the first picks are representative and farthest-first fills the gaps.
    """

    def kcenter(
        X: np.ndarray,
        budget: int,
        *,
        seeds: Any = None,
        seed: int = 0,
        groups: Any = None,
        quotas: Any = None,
        **_: Any,
    ) -> np.ndarray:
        from selector.selection.allocation import temperature_quotas
        from selector.selection.clustering import kmeans
        from selector.selection.coreset import kcenter_greedy

        picks = seed_list(seeds, budget)
        eligible = ~sparsest(X, guard) if guard > 0 else None
        if cluster_quotas and groups is None:
            labels = kmeans(X, None, seed=seed, device="cpu").labels
            groups = labels
            quotas = temperature_quotas(np.bincount(labels).tolist(), budget, 1.0)
        if medoid_seeds > 0 and len(picks) < budget:
            k = max(1, round(medoid_seeds * budget))
            rows = np.arange(X.shape[0]) if eligible is None else np.flatnonzero(eligible)
            extra = rows[medoid_order(X[rows], k, seed)]
            picks = fill_in_order(extra, budget, seeds=picks, groups=groups, quotas=quotas).tolist()
        res = kcenter_greedy(X, budget, seeds=picks, eligible=eligible, groups=groups, quotas=quotas, progress=False)
        return np.asarray(res.indices, dtype=np.int64)

    kcenter.__doc__ = (
        f"KCenterGreedy (guard={guard}, cluster_quotas={cluster_quotas}, medoid_seeds={medoid_seeds}); "
        "see make_kcenter."
    )
    return kcenter
