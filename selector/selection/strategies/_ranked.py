"""From a ranking to a :class:`~selector.selection.coreset.CoresetResult`: what the strategies that compute only an
order (medoids, facility location, typical seeds, ...) share.

A ranking function is called as ``rank(X, budget, *, seeds, seed, groups, quotas, lengths, scores, stats)`` on the
candidate rows only and returns ``(m,)`` int64 row indices of its ``X`` in ranking order; it may set
``stats["seeds"]`` to the number of first picks it counts as seeds (``typical_kcenter``: the given plus the
typical ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult

Ranking = Callable[..., np.ndarray]


def ranked_result(
    name: str,
    rank: Ranking,
    X: np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | np.ndarray | None = None,
    seed: int = 0,
    lengths: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    **_: Any,
) -> CoresetResult:
    """Run ``rank`` on the eligible rows of ``X`` (``(n, d)`` float32) and return the picks as rows of ``X``.

    Seeds outside ``eligible`` are dropped. The coverage radius after each pick and every candidate's distance to
    its nearest pick are measured exactly over the eligible rows (:func:`selector.selection.coverage.coverage_curve`)
    when first read (``radii``, ``min_dist``; the sampled coverage of a large pool reads neither); ``min_dist`` is
    NaN outside them. ``stats`` holds ``n``, ``budget``, ``selected``, ``seed``, ``strategy`` and
    ``seeds``.
    """
    from selector.selection.coreset import CoresetResult
    from selector.selection.coverage import coverage_curve

    n = X.shape[0]
    rows = np.flatnonzero(eligible) if eligible is not None else np.arange(n)
    every = len(rows) == n  # every row a candidate: the ranking gets X itself, not a copy (1.5 GB at 1M x 384)
    sub_seeds = _candidate_positions(rows, seeds)
    sub_groups = None if groups is None else np.asarray(groups)[rows]
    extra = {key: np.asarray(v)[rows] for key, v in (("lengths", lengths), ("scores", scores)) if v is not None}
    info: dict[str, int] = {}
    sub_X = X if every else X[rows]
    order = rank(sub_X, budget, seeds=sub_seeds, seed=seed, groups=sub_groups, quotas=quotas, stats=info, **extra)
    del sub_X
    picks = rows[np.asarray(order, dtype=np.int64)]
    measured: list[tuple[np.ndarray, np.ndarray]] = []

    def curve() -> tuple[np.ndarray, np.ndarray]:  # exact over the eligible rows, once, when first read
        if not measured:
            measured.append(coverage_curve(X, picks, rows))
        return measured[0]

    def min_dist() -> np.ndarray:
        full = np.full(n, np.nan, dtype=np.float32)
        full[rows] = curve()[1]
        return full

    n_seeds = info.get("seeds", min(len(sub_seeds), budget))
    stats = {"n": n, "budget": budget, "selected": len(picks), "seed": seed, "strategy": name, "seeds": n_seeds}
    return CoresetResult(picks, lambda: curve()[0], min_dist, n_seeds, stats)


def _candidate_positions(rows: np.ndarray, seeds: Sequence[int] | np.ndarray | None) -> list[int]:
    """The positions in ``rows`` (ascending candidate rows) of the ``seeds`` that are candidates, in seed order."""
    given = np.zeros(0, dtype=np.int64) if seeds is None else np.asarray(seeds, dtype=np.int64).reshape(-1)
    at = np.searchsorted(rows, given)
    found = (at < len(rows)) & (rows[np.minimum(at, len(rows) - 1)] == given) if len(rows) else at < 0
    return at[found].tolist()


def ranked_strategy(name: str, rank: Ranking) -> Callable[..., CoresetResult]:
    """``rank`` under the strategy contract (:func:`ranked_result`), e.g. for a variant registered in a benchmark."""

    def run(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
        return ranked_result(name, rank, X, budget, **rules)

    run.__doc__ = rank.__doc__
    return run
