"""``random``: uniform random picks (:func:`selector.random_selection`) under the same seeds, candidates and
quotas; the baseline every other strategy is compared with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


@strategy("random", tokens=True)
def random(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Any = None,
    seed: int = 0,
    device: str = "auto",
    progress: bool = False,
    **_: Any,
) -> CoresetResult:
    """Random picks seeded by ``seed`` (a ``numpy.random.Generator``), with their coverage radii."""
    from selector.selection.coreset import random_selection

    return random_selection(
        X, budget, seeds=seeds, eligible=eligible, groups=groups, quotas=quotas, seed=seed, device=device,
        progress=progress,
    )  # fmt: skip
