"""``kcenter_guard``: KCenterGreedy where the 10% sparsest rows by k-NN distance may not be picked
(they still count for the radius); see
:func:`~selector.selection.strategies._kcenter_family.make_kcenter`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._kcenter_family import make_kcenter
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult

_RANK = make_kcenter(guard=0.1)


@strategy("kcenter_guard")
def kcenter_guard(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """KCenterGreedy with make_kcenter(guard=0.1), on the candidate rows."""
    return ranked_result("kcenter_guard", _RANK, X, budget, **rules)
