"""``typical_kcenter``: the most typical member of each of the largest K-Means clusters first, then KCenterGreedy
(:mod:`selector.selection.typical`; ``docs/algorithms.md`` section 9). What ``auto`` runs on label-free pools."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy
from selector.selection.strategies.stratified import candidate_labels

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def _ranking(X: np.ndarray, budget: int, *, clusters: np.ndarray | None = None, **rules: Any) -> np.ndarray:
    from selector.selection.typical import typical_kcenter as rank

    return rank(X, budget, clusters=clusters, **rules)


@strategy("typical_kcenter")
def typical_kcenter(
    X: np.ndarray, budget: int, *, clusters: np.ndarray | None = None, eligible: np.ndarray | None = None, **rules: Any
) -> CoresetResult:
    """Typical seeds (half the budget, at most 1,000) then KCenterGreedy on the candidate rows; ``n_seeds``
    counts the given and the typical seeds. ``clusters`` (the pipeline's K-Means labels, one per row of ``X``) are
    reused for the seeds when the candidates hold exactly as many clusters as seeds are wanted."""
    rank = partial(_ranking, clusters=candidate_labels(clusters, eligible))
    return ranked_result("typical_kcenter", rank, X, budget, eligible=eligible, **rules)
