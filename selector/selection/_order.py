"""Ranking helpers shared by the strategies of :mod:`selector.selection.strategies` and
:mod:`selector.selection.typical`: given seeds first, then a priority order under group quotas."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def seed_list(seeds: Sequence[int] | np.ndarray | None, budget: int) -> list[int]:
    """The seeds without repeats (first occurrence kept), cut at ``budget``."""
    out: list[int] = []
    for s in [] if seeds is None else np.asarray(seeds).reshape(-1).tolist():
        if s not in out:
            out.append(int(s))
    return out[:budget]


def fill_in_order(
    order: Sequence[int] | np.ndarray,
    budget: int,
    *,
    seeds: Sequence[int] | np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Seeds, then rows of ``order`` (a priority list) not yet taken, skipping rows whose group is full."""
    picks = seed_list(seeds, budget)
    taken = set(picks)
    left = None
    if groups is not None and quotas is not None:
        left = np.asarray(quotas, dtype=np.int64).copy()
        for s in picks:
            left[groups[s]] -= 1
    for i in np.asarray(order, dtype=np.int64).tolist():
        if len(picks) >= budget:
            break
        if i in taken or (left is not None and left[groups[i]] <= 0):
            continue
        picks.append(i)
        taken.add(i)
        if left is not None:
            left[groups[i]] -= 1
    return np.asarray(picks, dtype=np.int64)
