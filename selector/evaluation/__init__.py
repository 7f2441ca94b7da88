"""Judge a selection against random on held-out tasks (``docs/algorithms.md`` section 7).

:func:`evaluate` reads and filters with the pipeline's own stages (:mod:`.prepare`), splits by example so that no
held-out example is in the pool under another template (:mod:`.groups`, :mod:`.split`), runs each registry strategy
over several selection seeds (:mod:`.measure`) against uniform and count-matched random draws (:mod:`.cells`), and
reports an effect size with a bootstrap interval and a verdict per cell (:mod:`selector.measures.effect`); the
proxies live in an independent TF-IDF space (:mod:`selector.measures.proxies`); :mod:`.report` and :mod:`.write`
write the table and the plot.
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
