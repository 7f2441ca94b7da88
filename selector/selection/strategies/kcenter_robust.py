"""``kcenter_robust``: KCenterGreedy that passes over the 1% most isolated rows at every step
(:mod:`selector.selection.robust`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def _ranking(X: np.ndarray, budget: int, **rules: Any) -> np.ndarray:
    from selector.selection.robust import kcenter_robust as rank

    return rank(X, budget, **rules)


@strategy("kcenter_robust")
def kcenter_robust(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """Outlier-robust farthest-first (``z`` = 1% of the candidates) on the candidate rows."""
    return ranked_result("kcenter_robust", _ranking, X, budget, **rules)
