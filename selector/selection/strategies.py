"""Selection strategies under one contract, for the evaluation (``docs/algorithms.md`` section 7).

Every entry of :data:`STRATEGIES` is called as ``fn(X, budget, *, seeds=None, seed=0, groups=None, quotas=None,
lengths=None, scores=None)`` and returns ``(m,)`` int64 row indices of ``X``, in ranking order:

- ``X`` is ``(n, d)`` float32 with unit rows (the encoder's embeddings); ``budget`` a non-negative count;
- ``seeds`` are picked first, in order, and count toward the budget and toward their group's quota;
- ``groups`` (``(n,)`` int ids) and ``quotas`` (most picks per id) split the budget; a full group is skipped;
- ``m == budget`` unless the candidates (or the quotas) run out; picks are unique;
- the same inputs and ``seed`` give the same indices; among equal scores the lowest index wins;
- ``lengths`` (answer length per row) and ``scores`` (a quality score per row) are used only by ``longest`` and
  ``deita``; the other strategies ignore them.

The k-center family builds on :func:`selector.kcenter_greedy`; ``facility_location`` is its representative
counterpart (see :mod:`selector.selection._facility`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from selector.errors import ConfigError
from selector.selection._facility import facility_location, knn_graph
from selector.selection._order import fill_in_order, seed_list
from selector.selection.allocation import temperature_quotas
from selector.selection.clustering import kmeans
from selector.selection.coreset import kcenter_greedy, random_selection
from selector.selection.medoids import medoid_order, medoids
from selector.selection.robust import kcenter_robust
from selector.selection.stratified import stratified
from selector.selection.typical import typical_kcenter

log = logging.getLogger(__name__)

Strategy = Callable[..., np.ndarray]


def random(X: np.ndarray, budget: int, *, seeds=None, seed: int = 0, groups=None, quotas=None, **_: Any) -> np.ndarray:
    """Uniform random picks (:func:`selector.random_selection`) under the same seeds and quotas."""
    res = random_selection(X, budget, seeds=seeds, groups=groups, quotas=quotas, seed=seed, progress=False)
    return np.asarray(res.indices, dtype=np.int64)


def longest(X: np.ndarray, budget: int, *, seeds=None, groups=None, quotas=None, lengths=None, **_: Any) -> np.ndarray:
    """Longest answers first (the strong length baseline of arXiv 2410.09335); ties: the lowest index."""
    if lengths is None:
        raise ConfigError("the 'longest' strategy needs the answer length of every row (lengths=...)")
    order = np.lexsort((np.arange(len(lengths)), -np.asarray(lengths, dtype=np.float64)))
    return fill_in_order(order, budget, seeds=seeds, groups=groups, quotas=quotas)


def sparsest(X: np.ndarray, share: float, k: int = 10) -> np.ndarray:
    """``(n,)`` bool mask of the ``share`` of rows with the largest distance to their ``k``-th nearest neighbour
    (the row itself counted as the first, so that the graph is the one facility location uses).

    The k-NN distance is the outlier score of the guard: rare formats, mixed-language and junk records sit far
    from everything. Ties at the cut: the higher index is dropped first (so the lowest index survives).
    """
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


def make_kcenter(*, guard: float = 0.0, cluster_quotas: bool = False, medoid_seeds: float = 0.0) -> Strategy:
    """A KCenterGreedy variant: farthest-first with optional outlier guard, cluster quotas and medoid seeds.

    guard: share of rows (0-0.3 typical) that may not be picked because they are the sparsest by k-NN distance
        (:func:`sparsest`); they still count for the coverage radius.
    cluster_quotas: without ``groups``, split the budget over the pool's K-Means clusters (default k, see
        :func:`selector.kmeans`) in proportion to their size, as D4 and "Diversify and Conquer" do.
    medoid_seeds: after the given seeds, seed with the medoids of a K-Means with ``round(medoid_seeds * budget)``
        clusters (largest first), so the first picks are representative and farthest-first fills the gaps.
    """

    def kcenter(
        X: np.ndarray, budget: int, *, seeds=None, seed: int = 0, groups=None, quotas=None, **_: Any
    ) -> np.ndarray:
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


def deita(
    X: np.ndarray,
    budget: int,
    *,
    seeds=None,
    groups=None,
    quotas=None,
    scores=None,
    threshold: float = 0.9,
    **_: Any,
) -> np.ndarray:
    """Score-first diversity threshold (Deita, arXiv 2312.15685): best score first, skip near-duplicates.

    Rows are visited by score, highest first (ties: lowest index); a row is taken when its cosine to every pick so
    far is below ``threshold`` (Deita's 0.9). When the pass ends short of the budget, the skipped rows follow in
    score order, so the budget is always met.
    """
    if scores is None:
        raise ConfigError("the 'deita' strategy needs a score per row: pass a score field (--score-field F)")
    scores = np.asarray(scores, dtype=np.float64)
    order = np.lexsort((np.arange(len(scores)), -scores))
    picks = fill_in_order([], budget, seeds=seeds, groups=groups, quotas=quotas).tolist()
    chosen = np.zeros((budget, X.shape[1]), dtype=np.float32)
    chosen[: len(picks)] = X[picks]
    left = None if groups is None else np.asarray(quotas, dtype=np.int64).copy()
    for s in picks if left is not None else []:
        left[groups[s]] -= 1
    taken = set(picks)
    for i in order.tolist():
        if len(picks) >= budget:
            break
        if i in taken or (left is not None and left[groups[i]] <= 0):
            continue
        if picks and float(np.max(chosen[: len(picks)] @ X[i])) >= threshold:
            continue
        chosen[len(picks)] = X[i]
        picks.append(i)
        taken.add(i)
        if left is not None:
            left[groups[i]] -= 1
    return fill_in_order(order, budget, seeds=picks, groups=groups, quotas=quotas)


def kcenter(X: np.ndarray, budget: int, *, seeds=None, groups=None, quotas=None, **_: Any) -> np.ndarray:
    """Plain KCenterGreedy (:func:`selector.kcenter_greedy`): farthest-first from the seeds (or the pool centre)."""
    res = kcenter_greedy(X, budget, seeds=seeds, groups=groups, quotas=quotas, progress=False)
    return np.asarray(res.indices, dtype=np.int64)


def _facility(X: np.ndarray, budget: int, *, seeds=None, groups=None, quotas=None, **_: Any) -> np.ndarray:
    return facility_location(X, budget, seeds=seeds, groups=groups, quotas=quotas)


_facility.__doc__ = facility_location.__doc__

STRATEGIES: dict[str, Strategy] = {
    "random": random,
    "kcenter": kcenter,
    "medoids": lambda X, b, **kw: medoids(X, b, **kw).indices,  # ev27: returns a CoresetResult
    "kcenter_quota": make_kcenter(cluster_quotas=True),
    "kcenter_guard": make_kcenter(guard=0.1),
    "kcenter_medoid": make_kcenter(guard=0.1, medoid_seeds=0.75),
    "facility_location": _facility,
    "typical_kcenter": typical_kcenter,
    "kcenter_robust": kcenter_robust,
    "stratified": lambda X, b, **kw: stratified(X, b, **kw).indices,  # ev27: returns a CoresetResult
    "longest": longest,
    "deita": deita,
}
"""Strategy name -> callable with the contract in the module docstring (for configs and ``--strategies``)."""

__all__ = ["STRATEGIES", "fill_in_order", "make_kcenter", "sparsest"]


PIPELINE_STRATEGIES = (
    "medoids",
    "stratified",
    "kcenter_quota",
    "kcenter_guard",
    "kcenter_medoid",
    "facility_location",
    "typical_kcenter",
    "kcenter_robust",
)
"""The ranked strategies ``selector select`` can run besides ``kcenter`` and ``random`` (``coreset.strategy``);
``longest`` and ``deita`` need answer lengths or scores and run in ``selector evaluate`` only."""


def run_ranked(
    name: str,
    X: np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | None = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | None = None,
    seed: int = 0,
    **_: Any,
) -> Any:
    """Run strategy ``name`` of :data:`STRATEGIES` under the pipeline's rules and return a
    :class:`~selector.selection.coreset.CoresetResult` like ``kcenter_greedy``'s.

    The strategy sees only the eligible rows (seeds outside them are dropped); its picks are mapped back to rows of
    ``X``. The seed count is that of the given seeds, or what the strategy reports in ``stats["seeds"]``
    (``typical_kcenter``: the given plus the typical seeds). The coverage radius after each pick and every
    candidate's distance to its nearest pick are measured exactly over the eligible rows
    (:func:`selector.selection.coverage.coverage_curve`).
    """
    from selector.selection.coreset import CoresetResult
    from selector.selection.coverage import coverage_curve

    if name not in STRATEGIES:
        raise ConfigError(f"unknown strategy {name!r}; choose one of: {', '.join(sorted(STRATEGIES))}")
    n = X.shape[0]
    rows = np.flatnonzero(eligible) if eligible is not None else np.arange(n)
    position = {int(r): i for i, r in enumerate(rows)}
    sub_seeds = [position[int(s)] for s in (seeds or []) if int(s) in position]
    sub_groups = None if groups is None else np.asarray(groups)[rows]
    info: dict[str, int] = {}
    order = STRATEGIES[name](X[rows], budget, seeds=sub_seeds, seed=seed, groups=sub_groups, quotas=quotas, stats=info)
    picks = rows[np.asarray(order, dtype=np.int64)]
    radii, dist = coverage_curve(X, picks, rows)
    min_dist = np.full(n, np.nan, dtype=np.float32)
    min_dist[rows] = dist
    n_seeds = info.get("seeds", min(len(sub_seeds), budget))
    stats = {"n": n, "budget": budget, "selected": len(picks), "seed": seed, "strategy": name, "seeds": n_seeds}
    return CoresetResult(picks, radii, min_dist, n_seeds, stats)
