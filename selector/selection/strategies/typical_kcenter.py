"""``typical_kcenter``: the most typical member of each of the largest K-Means clusters first, then KCenterGreedy
(:mod:`selector.selection.typical`; ``docs/algorithms.md`` section 9). What ``auto`` runs on label-free pools."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def _ranking(X: np.ndarray, budget: int, **rules: Any) -> np.ndarray:
    from selector.selection.typical import typical_kcenter as rank

    return rank(X, budget, **rules)


@strategy("typical_kcenter")
def typical_kcenter(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """Typical seeds (half the budget, at most 1,000) then KCenterGreedy on the candidate rows; ``n_seeds``
    counts the given and the typical seeds."""
    return ranked_result("typical_kcenter", _ranking, X, budget, **rules)
