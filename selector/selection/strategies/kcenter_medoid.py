"""``kcenter_medoid``: KCenterGreedy where K-Means medoids take the first 75% of the budget, then farthest-first
fills it, with the 10% outlier guard; see
:func:`~selector.selection.strategies._kcenter_family.make_kcenter`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._kcenter_family import make_kcenter
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult

_RANK = make_kcenter(guard=0.1, medoid_seeds=0.75)


@strategy("kcenter_medoid")
def kcenter_medoid(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """KCenterGreedy with make_kcenter(guard=0.1, medoid_seeds=0.75), on the candidate rows."""
    return ranked_result("kcenter_medoid", _RANK, X, budget, **rules)
