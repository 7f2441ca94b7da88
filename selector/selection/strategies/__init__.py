"""Selection strategies under one contract, by name (``docs/algorithms.md`` section 7).

Every strategy is one module of this package that registers a function with ``@strategy("name")``
(:mod:`.registry`); the modules are imported here, so :data:`STRATEGIES` holds them all. Each is called as
``fn(X, budget, *, seeds=None, eligible=None, groups=None, quotas=None, seed=0, device="auto", progress=False,
clusters=None, lengths=None, scores=None)`` and returns a :class:`~selector.selection.coreset.CoresetResult`:

- ``X`` is ``(n, d)`` float32 with unit rows (the encoder's embeddings); ``budget`` a non-negative count;
- ``eligible`` (``(n,)`` bool) marks the candidates: only they are picked and the coverage radius is over them;
- ``seeds`` are picked first, in order, and count toward the budget and toward their group's quota (a seed
  outside ``eligible``: ``kcenter`` and ``random`` keep it, the ranked strategies drop it);
- ``groups`` (``(n,)`` int ids) and ``quotas`` (most picks per id) split the budget; a full group is skipped;
- ``len(indices) == budget`` unless the candidates (or the quotas) run out; picks are unique;
- the same inputs and ``seed`` give the same indices; among equal scores the lowest index wins;
- ``device``, ``progress`` and ``clusters`` (K-Means labels) are used by the KCenterGreedy engines; ``lengths``
  (answer length per row) and ``scores`` (a quality score per row) only by ``longest`` and ``deita``; every
  strategy ignores what it does not use.

``auto`` is not a strategy but a rule choosing one (:func:`resolve_strategy`).
"""

from __future__ import annotations

import importlib
import pkgutil

from selector.selection._order import fill_in_order
from selector.selection.strategies._kcenter_family import make_kcenter, sparsest
from selector.selection.strategies._ranked import ranked_result, ranked_strategy
from selector.selection.strategies.auto import TYPICAL_MAX_CANDIDATES, resolve_strategy
from selector.selection.strategies.registry import REGISTRY, Strategy, StrategyFn, strategy

for _module in pkgutil.iter_modules(__path__):  # every strategy module registers its strategy when imported
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

STRATEGIES: dict[str, StrategyFn] = {name: REGISTRY[name].fn for name in sorted(REGISTRY)}
"""Strategy name -> function under the contract above (for configs and ``--strategies``), sorted by name."""

SELECT_STRATEGIES: tuple[str, ...] = ("auto", *(name for name in STRATEGIES if REGISTRY[name].select))
"""The values of ``coreset.strategy``: ``auto`` and every strategy ``selector select`` can run."""

PIPELINE_STRATEGIES: tuple[str, ...] = tuple(
    name for name in STRATEGIES if REGISTRY[name].select and not REGISTRY[name].tokens
)
"""The strategies ``selector select`` runs whose ranking a token budget cannot cut (all but ``kcenter`` and
``random``); ``longest`` and ``deita`` need answer lengths or scores and run in ``selector evaluate`` only."""

__all__ = [
    "PIPELINE_STRATEGIES",
    "REGISTRY",
    "SELECT_STRATEGIES",
    "STRATEGIES",
    "TYPICAL_MAX_CANDIDATES",
    "Strategy",
    "fill_in_order",
    "make_kcenter",
    "ranked_result",
    "ranked_strategy",
    "resolve_strategy",
    "sparsest",
    "strategy",
]
