"""``kcenter``: plain KCenterGreedy (:func:`selector.kcenter_greedy`), farthest-first from the seeds (or the pool
centre) on the exact engines; ``docs/algorithms.md`` section 5."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


@strategy("kcenter", tokens=True)
def kcenter(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Any = None,
    clusters: np.ndarray | None = None,
    device: str = "auto",
    progress: bool = False,
    **_: Any,
) -> CoresetResult:
    """KCenterGreedy under the strategy contract; ``clusters`` (the pipeline's K-Means labels) serve pruning."""
    from selector.selection.coreset import kcenter_greedy

    return kcenter_greedy(
        X,
        budget,
        seeds=seeds,
        eligible=eligible,
        groups=groups,
        quotas=quotas,
        clusters=clusters,
        progress=progress,
        device=device,
    )
