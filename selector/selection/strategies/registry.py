"""The strategy registry: ``@strategy("name")`` on a function makes it a selection strategy.

A strategy is called as ``fn(X, budget, *, seeds=None, eligible=None, groups=None, quotas=None, seed=0,
device="auto", progress=False, clusters=None, lengths=None, scores=None)`` and returns a
:class:`~selector.selection.coreset.CoresetResult` (the contract is in :mod:`selector.selection.strategies`). Every
module of this package is imported when the package is, so a new strategy is one file that applies the decorator
(and its test); ``coreset.strategy``, ``selector evaluate --strategies`` and the config's choices read the names
from here. Strategy modules import torch and faiss inside their functions, so that reading the names (the config
loader does) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult

StrategyFn = Callable[..., "CoresetResult"]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Strategy:
    """A registered strategy: ``fn`` under ``name``.

    select: ``selector select`` can run it (``coreset.strategy``); ``False`` for strategies that need answer
        lengths or scores, which only ``selector evaluate`` passes.
    tokens: its ranking is prefix-consistent under group quotas, so a token budget (``--tokens``) can cut it.
    """

    name: str
    fn: StrategyFn
    select: bool = True
    tokens: bool = False


REGISTRY: dict[str, Strategy] = {}
"""Name -> :class:`Strategy`, filled by :func:`strategy` as the strategy modules are imported."""


def strategy(name: str, *, select: bool = True, tokens: bool = False) -> Callable[[F], F]:
    """Register the decorated function as strategy ``name`` (see :class:`Strategy` for ``select`` and ``tokens``).

    A name given twice is an error at import, so two files cannot claim one name."""

    def register(fn: F) -> F:
        if name in REGISTRY or name == "auto":
            raise ValueError(f"strategy name {name!r} is already taken; give the new strategy another name")
        REGISTRY[name] = Strategy(name, fn, select=select, tokens=tokens)
        return fn

    return register
