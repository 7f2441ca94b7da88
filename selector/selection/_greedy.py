"""The selection loop every strategy of :mod:`selector.selection.coreset` shares, and its argument checks.

``greedy_loop`` takes the seeds, then asks ``choose`` (or the engine's farthest candidate) for each next row while
it keeps group quotas: a group that reached its quota stops being pickable, its picks still cover the rest.
"""

from __future__ import annotations

import logging

import numpy as np

from selector.errors import ConfigError, SelectorError
from selector.progress import Progress
from selector.selection._rows import as_rows

log = logging.getLogger(__name__)


def check_inputs(X, budget, seeds, eligible, groups, quotas):
    """Validate a strategy's arguments; returns them as contiguous float32 X, int budget, seed list and arrays."""
    X = as_rows(X)  # float16 rows stay float16 (the sharded coreset widens each shard's rows)
    if X.ndim != 2:
        raise SelectorError(f"the coreset needs a 2-D (n, d) array of embeddings, got shape {X.shape}")
    n = X.shape[0]
    if n == 0:
        raise SelectorError("the coreset got 0 embeddings: nothing to select from")
    if not all(np.isfinite(X[s : s + 8192]).all() for s in range(0, n, 8192)):  # chunked: no n x d mask
        raise SelectorError("the embeddings contain NaN or infinite values; re-run the encoder")
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 0:
        raise ConfigError(f"budget must be a non-negative integer, got {budget!r}")
    if eligible is None:
        eligible = np.ones(n, dtype=bool)
    else:
        eligible = np.asarray(eligible)
        if eligible.shape != (n,) or eligible.dtype != bool:
            raise SelectorError(f"eligible must be a bool mask of shape ({n},), got {eligible.dtype} {eligible.shape}")
    seed_list: list[int] = []
    if seeds is not None:
        arr = np.asarray(seeds).reshape(-1)
        if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= n):
            raise SelectorError(f"seeds must be integer row indices in [0, {n}), got {arr[:10].tolist()}")
        seen: set[int] = set()
        for s in arr.tolist():
            if s not in seen:
                seen.add(s)
                seed_list.append(s)
        if len(seed_list) < arr.size:
            log.warning("%d duplicate seed(s) ignored", arr.size - len(seed_list))
    if (groups is None) != (quotas is None):
        raise ConfigError("groups and quotas go together: give both (a group id per row, a quota per group) or neither")
    if groups is not None:
        groups = np.asarray(groups)
        quotas = np.asarray(quotas)
        if groups.shape != (n,) or not np.issubdtype(groups.dtype, np.integer) or (n and groups.min() < 0):
            got = f"{groups.dtype} {groups.shape}"
            raise SelectorError(f"groups must be ({n},) non-negative integer group ids, got {got}")
        if quotas.ndim != 1 or not np.issubdtype(quotas.dtype, np.integer) or (quotas < 0).any():
            raise SelectorError("quotas must be a 1-D array of non-negative integers, one per group id")
        if groups.max() >= len(quotas):
            raise SelectorError(f"group id {int(groups.max())} has no quota (only {len(quotas)} quotas given)")
    return X, int(budget), seed_list, eligible, groups, quotas


def _first_pick(X: np.ndarray, eligible: np.ndarray, pickable: np.ndarray, chunk: int = 4096) -> int:
    """The pickable row with the largest inner product with the sum of the eligible rows (ties: lowest index)."""
    total = np.zeros(X.shape[1], dtype=np.float64)
    for s in range(0, X.shape[0], chunk):
        total += X[s : s + chunk][eligible[s : s + chunk]].sum(axis=0, dtype=np.float64)
    best, best_i = -np.inf, -1
    for s in range(0, X.shape[0], chunk):
        scores = X[s : s + chunk].astype(np.float64) @ total
        scores[~pickable[s : s + chunk]] = -np.inf
        j = int(np.argmax(scores))
        if scores[j] > best:
            best, best_i = scores[j], s + j
    return best_i


def greedy_loop(X, budget, seeds, eligible, groups, quotas, engine, progress, choose=None):
    """The selection loop shared by the strategies: ``choose(pickable) -> row or -1`` picks the next row (default:
    the engine's farthest candidate, and the cosine medoid first when there are no seeds)."""
    n = X.shape[0]
    picks: list[int] = []
    radii: list[float] = []
    pickable = eligible.copy()
    counts = full = members = None
    if groups is not None:
        members, counts, full = _quota_state(groups, quotas, pickable, engine)

    def take(i: int) -> None:
        engine.update(i)
        engine.disable(np.array([i]))
        pickable[i] = False
        picks.append(i)
        if groups is not None:
            g = groups[i]
            counts[g] += 1
            if counts[g] >= quotas[g] and not full[g]:
                full[g] = True
                pickable[members[g]] = False
                engine.disable(members[g])
        radii.append(engine.radius())

    bar = Progress(budget, desc="kcenter", unit="picks", enabled=progress)
    for s in seeds[:budget]:
        take(s)
        bar.update(1)
    if len(seeds) > budget:
        log.warning("%d seeds given for a budget of %d: only the first %d are used", len(seeds), budget, budget)
    if budget > 0 and not picks and pickable.any():
        take(_opening_pick(X, eligible, pickable, engine, choose))
        bar.update(1)
    while len(picks) < budget:
        i = choose(pickable) if choose is not None else engine.argmax()
        if i < 0:
            break
        take(i)
        bar.update(1)
    bar.close()
    if len(picks) < budget:
        log.warning(
            "budget %d exceeds the %d points that can be selected (of %d; eligibility and quotas): all of them taken",
            budget,
            len(picks),
            n,
        )
    return picks, radii


def _quota_state(groups, quotas, pickable, engine):
    """Per-group bookkeeping for quota'd selection: ``(members, counts, full)`` where ``members[g]`` are the rows of
    group ``g`` (in row order), ``counts`` the picks per group so far (zeros) and ``full`` the groups closed. Groups
    whose quota is 0 are closed at once: their rows are made unpickable in ``pickable`` and disabled in the engine."""
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(len(quotas) + 1))
    members = [order[bounds[g] : bounds[g + 1]] for g in range(len(quotas))]
    counts = np.zeros(len(quotas), dtype=np.int64)
    full = np.zeros(len(quotas), dtype=bool)
    for g in np.flatnonzero(quotas == 0):
        full[g] = True
        pickable[members[g]] = False
        engine.disable(members[g])
    return members, counts, full


def _opening_pick(X, eligible, pickable, engine, choose) -> int:
    """The first pick when no seeds were given: ``choose(pickable)`` when the strategy has its own rule, else the
    cosine medoid of the eligible rows (computed by the engine when it holds X on a device)."""
    if choose is not None:
        return choose(pickable)
    if hasattr(engine, "first_pick"):
        return engine.first_pick(eligible, pickable)
    return _first_pick(X, eligible, pickable)
