"""``facility_location``: lazy greedy facility location over a k-NN similarity graph, the representative
counterpart of k-center (:mod:`selector.selection._facility`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def _ranking(X: np.ndarray, budget: int, *, seeds: Any = None, groups: Any = None, quotas: Any = None, **_: Any):
    from selector.selection._facility import facility_location as rank

    return rank(X, budget, seeds=seeds, groups=groups, quotas=quotas)


@strategy("facility_location")
def facility_location(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """Greedy facility location (k = 10 neighbours) on the candidate rows; see
    :func:`selector.selection._facility.facility_location`."""
    return ranked_result("facility_location", _ranking, X, budget, **rules)
