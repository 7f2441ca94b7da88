"""The random baseline under the greedy's rules (seeds first, eligibility, quotas), with or without its radii:
what the run report and the ``coverage`` section compare KCenterGreedy against."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from selector.selection._engine_choice import engine_device, use_lazy
from selector.selection._engines import DenseEngine, PicksOnlyEngine
from selector.selection._greedy import check_inputs, greedy_loop
from selector.selection._lazy_engine import LazyEngine

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult


def random_selection(
    X: np.ndarray,
    budget: int,
    *,
    seeds: np.ndarray | list[int] | None = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: np.ndarray | list[int] | None = None,
    seed: int | None = 0,
    chunk_size: int = 16384,
    device: str = "auto",
    progress: bool = True,
    distances: bool = True,
) -> CoresetResult:
    """A uniformly random selection under the same rules (seeds first, eligibility, quotas), with its radii.

    The baseline the run report compares the coreset's coverage radius against. ``seed`` seeds a
    ``numpy.random.Generator``. With ``distances=False`` no distance is tracked (``radii`` and ``min_dist`` are
    NaN): the picks are the same, at a fraction of the cost, for callers that measure coverage themselves
    (:func:`selector.selection.coverage.versus_random` on large pools).
    """
    from selector.selection.coreset import CoresetResult  # here: coreset.py imports this module

    X, budget, seed_list, eligible, groups, quotas = check_inputs(X, budget, seeds, eligible, groups, quotas)
    rng = np.random.default_rng(seed)
    moved = None
    engine: DenseEngine | LazyEngine | PicksOnlyEngine
    if not distances:
        dev = torch.device("cpu")  # no distance is kept, nothing is copied to a device
        engine = PicksOnlyEngine(X.shape[0], eligible)
    else:
        X = np.ascontiguousarray(X, dtype=np.float32)  # distances are float32 math over every row
        sqn = np.einsum("ij,ij->i", X, X, dtype=np.float32)
        dev, moved = engine_device(device, X, chunk_size, "the random baseline")
        if use_lazy("auto", dev, X.shape[0]):
            engine = LazyEngine(X, sqn, eligible, chunk_size)
        else:
            engine = DenseEngine(X, sqn, eligible, chunk_size, dev)
    if isinstance(engine, PicksOnlyEngine):
        choose = lambda _: engine.random_pick(rng)  # noqa: E731  (the same draws as _random_pick, without O(n) scans)
    else:
        choose = lambda p: _random_pick(rng, p)  # noqa: E731
    picks, radii = greedy_loop(X, budget, seed_list, eligible, groups, quotas, engine, progress, choose=choose)
    stats = {"n": X.shape[0], "budget": budget, "selected": len(picks), "seed": seed, "strategy": "random"}
    stats.update(device=str(dev), **engine.stats(), **({"gpu_fallback": moved} if moved else {}))
    return CoresetResult(
        np.asarray(picks, dtype=np.int64), np.asarray(radii), engine.min_dist, min(len(seed_list), budget), stats
    )


def _random_pick(rng: np.random.Generator, mask: np.ndarray) -> int:
    idx = np.flatnonzero(mask)
    return int(rng.choice(idx)) if idx.size else -1
