"""Outlier-robust KCenterGreedy: ``kcenter_robust`` (``docs/algorithms.md`` section 9).

Farthest-first takes, at every step, the row farthest from the picks so far; at small budgets those rows are the
outliers (ProbCover, arXiv 2205.11320). k-center with ``z`` outliers (Charikar et al. 2001) may leave ``z`` rows
uncovered; Ding et al. (arXiv 1901.08219) draw each next centre among the ``(1 + eps) z`` farthest rows. This
deterministic variant takes the ``(z + 1)``-th farthest pickable row instead of the farthest: the ``z`` most
isolated rows are passed over at every step (and still count for the coverage radius), while the pick is still
far from everything chosen so far. With ``z = 0`` it is exactly KCenterGreedy.

It runs on the exact dense engine (:class:`~selector.selection._engines.DenseEngine`, CPU): one update per pick
as KCenterGreedy, plus one ``O(n)`` selection of the ``(z + 1)``-th largest distance (``numpy.partition``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from selector.selection._engines import DenseEngine
from selector.selection._greedy import _first_pick, check_inputs, greedy_loop

OUTLIER_SHARE = 0.01
"""Default ``z`` as a share of the rows."""


def kth_farthest(dist: np.ndarray, mask: np.ndarray, k: int) -> int:
    """The row at position ``k`` (0-based) when the rows of ``mask`` are sorted by decreasing ``dist`` and then by
    increasing index; ``k`` is lowered to the number of masked rows minus one; -1 when the mask is empty."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return -1
    k = min(k, rows.size - 1)
    d = dist[rows]
    v = np.partition(d, rows.size - 1 - k)[rows.size - 1 - k]  # the (k+1)-th largest value
    above = int(np.count_nonzero(d > v))
    return int(rows[np.flatnonzero(d == v)[k - above]])


def kcenter_robust(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | np.ndarray | None = None,
    outliers: float = OUTLIER_SHARE,
    chunk_size: int = 16384,
    **_: Any,
) -> np.ndarray:
    """KCenterGreedy that passes over the ``z = int(outliers * n)`` farthest rows at every step (module docstring).

    X: ``(n, d)`` float32 rows. outliers: share of rows treated as outliers (0-0.05 typical). Seeds first, then
    the pool's cosine medoid when there are none (as KCenterGreedy); group quotas as in the strategy contract.
    Returns ``(m,)`` int64 rows in ranking order.
    """
    X, budget, seed_list, eligible, groups, quotas = check_inputs(X, budget, seeds, None, groups, quotas)
    X = np.ascontiguousarray(X, dtype=np.float32)
    sqn = np.einsum("ij,ij->i", X, X, dtype=np.float32)
    engine = DenseEngine(X, sqn, eligible, chunk_size, torch.device("cpu"))
    z = int(outliers * X.shape[0])

    def choose(pickable: np.ndarray) -> int:
        if np.isinf(engine.mind).all():  # nothing picked yet: start where KCenterGreedy starts
            return _first_pick(X, eligible, pickable) if pickable.any() else -1
        return kth_farthest(engine.mind, pickable, z)

    picks, _ = greedy_loop(X, budget, seed_list, eligible, groups, quotas, engine, False, choose=choose)
    return np.asarray(picks, dtype=np.int64)
