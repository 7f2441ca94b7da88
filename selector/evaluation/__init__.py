"""Judge a selection against random on held-out tasks (``docs/algorithms.md`` section 7).

:func:`evaluate` splits every task into a pool and a held-out test set (:mod:`.split`), selects from the pool with
each strategy (:mod:`.strategies`) and with seeded random draws, and scores every selection with proxies in an
independent TF-IDF space (:mod:`selector.measures.proxies`); :mod:`.report` writes the table and the plot.
"""

from __future__ import annotations

from selector.evaluation.run import EvaluationResult, budget_size, evaluate
from selector.evaluation.split import Split, normalise, split_by_task
from selector.measures.proxies import HIGHER_IS_BETTER, ProxyData, percentile
from selector.selection.strategies import STRATEGIES, make_kcenter

__all__ = [
    "HIGHER_IS_BETTER",
    "STRATEGIES",
    "EvaluationResult",
    "ProxyData",
    "Split",
    "budget_size",
    "evaluate",
    "make_kcenter",
    "normalise",
    "percentile",
    "split_by_task",
]
