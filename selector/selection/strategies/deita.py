"""``deita``: score-first diversity threshold (Deita, arXiv 2312.15685); ``selector evaluate`` only (it needs a
quality score per row)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.errors import ConfigError
from selector.selection._order import fill_in_order
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def deita_ranking(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    groups: Any = None,
    quotas: Any = None,
    scores: Any = None,
    threshold: float = 0.9,
    **_: Any,
) -> np.ndarray:
    """Rows are visited by score, highest first (ties: lowest index); a row is taken when its cosine to every pick
    so far is below ``threshold`` (Deita's 0.9). When the pass ends short of the budget, the skipped rows follow in
    score order, so the budget is always met."""
    if scores is None:
        raise ConfigError("the 'deita' strategy needs a score per row: pass a score field (score_field=F)")
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


@strategy("deita", select=False)
def deita(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """Best score first, near-duplicates of earlier picks skipped (``scores=``, one per row of ``X``)."""
    return ranked_result("deita", deita_ranking, X, budget, **rules)
