"""Typical seeds, then KCenterGreedy: ``typical_kcenter`` (``docs/algorithms.md`` section 9).

At small budgets farthest-first spends its picks on outliers (ProbCover, arXiv 2205.11320); TypiClust (Hacohen et
al. 2022, arXiv 2202.02794) shows that prototypical points teach more there. This strategy takes both:

1. a K-Means of the candidates with ``K = min(cap, round(share * budget))`` clusters (:func:`selector.kmeans`);
2. clusters in decreasing size (ties: the lower cluster id); in each, its most *typical* member: typicality is
   ``1 / mean Euclidean distance to its t nearest neighbours inside the cluster`` with ``t = min(20, size - 1)``
   (TypiClust's definition, computed per cluster as in its reference code); ties go to the lowest row;
3. those seeds, in cluster-size order, after any given seeds; then :func:`selector.kcenter_greedy` from them for
   the rest of the budget (the exact engine).

Every prefix of the ranking is therefore a valid smaller selection of the same kind: the largest clusters'
prototypes first, then the farthest-first fill. The k-NN search runs per cluster with faiss in blocks of queries,
so it holds at most ``block x cluster size`` similarities at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faiss
import numpy as np

from selector.selection._order import fill_in_order, seed_list
from selector.selection.clustering import kmeans
from selector.selection.coreset import kcenter_greedy

TYPICAL_SHARE = 0.5
"""Default share of the budget spent on typical seeds (chosen by ``benchmarks/bench_quality.py``)."""
TYPICAL_CAP = 1000
"""Most typical seeds (and K-Means clusters): keeps the extra K-Means affordable at large budgets."""
NEIGHBOURS = 20


def typicality(X: np.ndarray, k: int = NEIGHBOURS, block: int = 4096) -> np.ndarray:
    """``(n,)`` float64 typicality of every row of ``X`` (``(n, d)`` float32) among the rows of ``X``.

    ``1 / mean Euclidean distance to its min(k, n - 1) nearest other rows`` (exact, faiss ``IndexFlatL2``; the row
    itself is excluded by position, so exact duplicates count as neighbours at distance 0). A lone row gets
    typicality ``inf``; a row whose neighbours all coincide with it also gets ``inf``.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = X.shape[0]
    t = min(k, n - 1)
    if t <= 0:
        return np.full(n, np.inf)
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    out = np.empty(n, dtype=np.float64)
    for s in range(0, n, block):
        e = min(n, s + block)
        d2, ids = index.search(X[s:e], t + 1)
        own = ids == np.arange(s, e)[:, None]
        # drop the row itself (or, when it is not among the hits because of duplicates, the farthest hit)
        drop = np.where(own.any(axis=1), own.argmax(axis=1), t)
        keep = np.ones_like(own)
        keep[np.arange(e - s), drop] = False
        dist = np.sqrt(np.maximum(d2[keep].reshape(e - s, t), 0.0).astype(np.float64))
        mean = dist.mean(axis=1)
        with np.errstate(divide="ignore"):
            out[s:e] = 1.0 / mean
    return out


def reusable_labels(clusters: np.ndarray | None, k: int) -> np.ndarray | None:
    """``clusters`` (``(n,)`` labels of the pipeline's K-Means, restricted to the rows at hand) renumbered
    ``0..k-1`` in label order when they hold exactly ``k`` distinct clusters, so a strategy that wants a
    ``k``-means of the same rows reuses them instead of running a second K-Means; else ``None``."""
    if clusters is None or k <= 0:
        return None
    distinct, ids = np.unique(np.asarray(clusters), return_inverse=True)
    return ids.astype(np.int64) if len(distinct) == k else None


def typical_seeds(
    X: np.ndarray, n_seeds: int, *, seed: int = 0, k: int = NEIGHBOURS, clusters: np.ndarray | None = None
) -> np.ndarray:
    """The most typical row of each of the ``n_seeds`` K-Means clusters of ``X``, largest cluster first.

    ``clusters``: the pipeline's labels of these rows, reused when they hold exactly ``n_seeds`` clusters
    (:func:`reusable_labels`). Returns ``(m,)`` int64 rows of ``X`` (``m <= n_seeds``: empty clusters give no
    seed). Ties in cluster size go to the lower cluster id, ties in typicality to the lower row.
    """
    if n_seeds <= 0 or X.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    want = min(n_seeds, X.shape[0])
    labels = reusable_labels(clusters, want)
    if labels is None:
        labels = np.asarray(kmeans(X, want, seed=seed, device="cpu").labels, dtype=np.int64)
    sizes = np.bincount(labels, minlength=want)
    present = np.flatnonzero(sizes)
    order = present[np.lexsort((present, -sizes[present]))]
    by_cluster = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[by_cluster], np.arange(len(sizes) + 1))
    out = []
    for c in order.tolist():
        rows = by_cluster[bounds[c] : bounds[c + 1]]  # ascending rows
        typ = typicality(X[rows], k)
        out.append(int(rows[int(np.argmax(typ))]))  # argmax: the first (lowest row) among equals
    return np.asarray(out, dtype=np.int64)


def typical_kcenter(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | np.ndarray | None = None,
    seed: int = 0,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | np.ndarray | None = None,
    share: float = TYPICAL_SHARE,
    cap: int = TYPICAL_CAP,
    stats: dict[str, int] | None = None,
    clusters: np.ndarray | None = None,
    **_: Any,
) -> np.ndarray:
    """Typical seeds then KCenterGreedy (module docstring); the strategy contract of
    :mod:`selector.selection.strategies`.

    X: ``(n, d)`` float32 unit rows. share: typical seeds per pick left after the given ``seeds`` (0.25-1 typical;
    0 is plain KCenterGreedy). cap: most typical seeds. Given seeds are kept as the other strategies keep them; a
    typical seed whose group is already full is skipped. clusters: ``(n,)`` K-Means labels of these rows (the
    pipeline's), reused for the typical seeds when their count is the number of seeds wanted.
    Returns ``(m,)`` int64 rows in ranking order, ``m == budget`` unless candidates or quotas run out.
    """
    given = seed_list(seeds, budget)
    n_typical = min(cap, round(share * (budget - len(given))))
    extra = typical_seeds(X, n_typical, seed=seed, clusters=clusters)
    picks = fill_in_order(extra, budget, seeds=given, groups=groups, quotas=quotas)
    if stats is not None:
        stats["seeds"] = len(picks)
    res = kcenter_greedy(X, budget, seeds=picks, groups=groups, quotas=quotas, progress=False)
    return np.asarray(res.indices, dtype=np.int64)
