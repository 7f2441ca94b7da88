"""``medoids``: the record nearest each centroid of a K-Means with ``k = budget`` (per group, ``k = quota``),
largest cluster first (``docs/quality.md``).

The selection spreads over the pool in proportion to its density, as TypiClust (arXiv 2202.02794) and "Rethinking
Data Selection at Scale" (arXiv 2410.09335) recommend at small budgets; for unit rows the member nearest the
(normalised) centroid is the cluster's cosine medoid (:func:`~selector.selection.centres.cluster_medoids`).

Order: clusters largest first (ties: the lower cluster id), so any prefix holds the medoids of the densest regions
and is a sensible smaller selection. It is not the selection a K-Means with a smaller ``k`` would give (those
clusters are coarser), so for a fraction of the budget, rerun at that budget. With ``groups``/``quotas`` every group
gets its own K-Means with ``k`` = its quota left after the seeds, and the groups' lists are interleaved. A cluster
faiss leaves empty leaves the selection short; KCenterGreedy completes it from the medoids.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection._order import fill_in_order, seed_list
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy
from selector.selection.strategies.stratified import candidate_labels

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def ranked_clusters(
    X: np.ndarray, k: int, seed: int, clusters: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``k``-means of ``X`` (``clusters``, the pipeline's labels of these rows, reused instead of a second
    K-Means when they hold exactly ``k`` clusters): its labels, its non-empty cluster ids in id order, and the
    positions of those ids largest cluster first (ties: lowest cluster id)."""
    from selector.selection.clustering import kmeans
    from selector.selection.typical import reusable_labels

    k = max(1, min(k, X.shape[0]))
    labels = reusable_labels(clusters, k)
    if labels is None:
        labels = kmeans(X, k, seed=seed, device="cpu").labels
    sizes = np.bincount(labels, minlength=k)
    present = np.unique(labels)
    return labels, present, np.lexsort((present, -sizes[present]))


def medoid_order(X: np.ndarray, k: int, seed: int, clusters: np.ndarray | None = None) -> np.ndarray:
    """Medoids of a ``k``-means of ``X``, largest cluster first (:func:`ranked_clusters`)."""
    from selector.selection.centres import cluster_medoids

    labels, _, order = ranked_clusters(X, k, seed, clusters)
    return cluster_medoids(X, labels)[order]  # one medoid per non-empty cluster, in id order


def quota_left(quotas: Any, groups: np.ndarray, picks: Sequence[int]) -> np.ndarray:
    """Each group's quota less the ``picks`` (seeds) it already holds."""
    left = np.asarray(quotas, dtype=np.int64).copy()
    for s in picks:
        left[groups[s]] -= 1
    return left


def groups_to_fill(
    groups: np.ndarray, left: np.ndarray, clusters: np.ndarray | None
) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
    """``(group, its rows, the pipeline's labels of those rows or None)`` for every group with quota left."""
    for g in np.flatnonzero(left > 0).tolist():
        rows = np.flatnonzero(groups == g)
        yield g, rows, None if clusters is None else np.asarray(clusters)[rows]


def medoid_ranking(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    seed: int = 0,
    groups: Any = None,
    quotas: Any = None,
    clusters: np.ndarray | None = None,
    **_: Any,
) -> np.ndarray:
    """Seeds first; a seed's group gets that many fewer clusters. Empty clusters leave the selection short by as
    many picks; they are filled by KCenterGreedy from the medoids (rare: faiss re-seeds empty clusters).
    ``clusters`` (labels of these rows) are reused wherever a group's K-Means would have as many clusters."""
    from selector.selection.coreset import kcenter_greedy

    picks = seed_list(seeds, budget)
    if groups is None or quotas is None:
        order = medoid_order(X, budget - len(picks), seed, clusters) if budget > len(picks) else np.empty(0, np.int64)
    else:
        left = quota_left(quotas, groups, picks)
        lists = [
            rows[medoid_order(X[rows], int(left[g]), seed, sub)]
            for g, rows, sub in groups_to_fill(groups, left, clusters)
        ]
        order = _round_robin(lists)
    out = fill_in_order(order, budget, seeds=picks, groups=groups, quotas=quotas)
    if len(out) < budget:  # empty clusters: complete with farthest-first from what we have
        out = np.asarray(kcenter_greedy(X, budget, seeds=out, groups=groups, quotas=quotas, progress=False).indices)
    return out


def _round_robin(lists: Sequence[np.ndarray]) -> np.ndarray:
    """First items of every list (in list order), then the second items, and so on."""
    out = [int(a[r]) for r in range(max((len(a) for a in lists), default=0)) for a in lists if r < len(a)]
    return np.asarray(out, dtype=np.int64)


@strategy("medoids")
def medoids(
    X: np.ndarray, budget: int, *, clusters: np.ndarray | None = None, eligible: np.ndarray | None = None, **rules: Any
) -> CoresetResult:
    """K-Means medoids, largest cluster first (:func:`medoid_ranking`), on the candidate rows; ``clusters`` (the
    pipeline's K-Means labels, one per row of ``X``) are reused where their count is the ``k`` wanted."""
    rank = partial(medoid_ranking, clusters=candidate_labels(clusters, eligible))
    return ranked_result("medoids", rank, X, budget, eligible=eligible, **rules)
