"""``longest``: longest answers first, the strong length baseline of arXiv 2410.09335 (``selector evaluate``
only: it needs the answer lengths)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from selector.errors import ConfigError
from selector.selection._order import fill_in_order
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.registry import strategy

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def longest_ranking(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    groups: Any = None,
    quotas: Any = None,
    lengths: Any = None,
    **_: Any,
) -> np.ndarray:
    """Rows by decreasing ``lengths`` (ties: the lowest index), after the seeds, under the quotas."""
    if lengths is None:
        raise ConfigError("the 'longest' strategy needs the answer length of every row (lengths=...)")
    order = np.lexsort((np.arange(len(lengths)), -np.asarray(lengths, dtype=np.float64)))
    return fill_in_order(order, budget, seeds=seeds, groups=groups, quotas=quotas)


@strategy("longest", select=False)
def longest(X: np.ndarray, budget: int, **rules: Any) -> CoresetResult:
    """Longest answers first (``lengths=``, one per row of ``X``)."""
    return ranked_result("longest", longest_ranking, X, budget, **rules)
