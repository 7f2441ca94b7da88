"""``kcenter_quota``: KCenterGreedy where the budget is split over the pool's K-Means clusters in proportion to
their size (D4, "Diversify and Conquer"); see
:func:`~selector.selection.strategies._kcenter_family.make_kcenter`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._kcenter_family import make_kcenter
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult

_RANK = make_kcenter(cluster_quotas=True)


@strategy("kcenter_quota")
def kcenter_quota(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """KCenterGreedy with make_kcenter(cluster_quotas=True), on the candidate rows."""
    return ranked_result("kcenter_quota", _RANK, X, budget, **rules)
