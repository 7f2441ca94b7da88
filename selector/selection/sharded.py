"""Cluster-sharded KCenterGreedy: farthest-first inside each group of K-Means clusters, one quota per shard.

The global greedy (:mod:`selector.selection.coreset`) needs every row's min-distance at every pick. The sharded
mode (``coreset.mode: sharded``, ``docs/scale.md``) splits the rows into shards of whole K-Means clusters and runs
the exact global greedy inside each shard, with its own budget, so shards need nothing from each other and run in
parallel processes (``workers``) or as Ray tasks (:mod:`selector.distributed`). It trades coverage for time: a
pick covers only its own shard, so the radius over the whole pool is at least the global greedy's (the benchmark
reports both; ``docs/scale.md``).

How the budget is split (documented choices):

- Seeds (task centres) stay picks: each goes to the shard holding it, first, in the given order.
- Every group's quota (``groups``/``quotas``: the temperature allocation across sources or tasks), less the group's
  seeds, is split across the shards by temperature over the group's candidates in each shard (``tau=1``:
  proportional to them, the default; larger flattens towards equal shares), capped at what a shard holds and
  rounded by largest remainder (:func:`~selector.selection.allocation.temperature_quotas`). A shard's budget is the
  sum of its groups' shares plus its seeds, so every group gets exactly the picks it gets from the global greedy.
  Without groups the whole budget is split the same way.
- Shards: an integer packs the K-Means clusters into that many shards of about equal size (largest cluster first
  into the lightest shard; ties: lowest cluster id, lowest shard), so ``shards=1`` is the global greedy, pick for
  pick, and ``shards >= k`` is one shard per cluster. ``None`` is one shard per worker: the least sharding that
  keeps every worker busy. Fewer, larger shards cover better: on the 1M benchmark one shard per cluster (681
  shards, about 7 picks each) covered worse than a random selection (``docs/scale.md``).
- The ranking: seeds first in their order, then every shard's picks merged by the distance at which the shard
  picked them, largest first (ties: lowest shard, then earlier pick); each shard's first pick (its medoid) has
  distance ``inf``. A prefix is then close to what a global greedy would have picked first.
- ``radii`` after each merged pick is the largest radius over the shards so far (``inf`` until every shard has a
  pick) and ``min_dist`` each row's distance to its own shard's picks: both are upper bounds of the exact
  figures, equal to them with one shard.

Everything is deterministic: a shard's picks depend only on its rows, never on which process ran it or when.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.errors import ConfigError, SelectorError
from selector.selection._greedy import check_inputs
from selector.selection._shard_runners import Runner, ShardJob, ShardResult, batches, run_local, run_shard
from selector.selection.allocation import check_tau, temperature_quotas
from selector.selection.coreset import CoresetResult

log = logging.getLogger(__name__)


def pack_clusters(labels: np.ndarray, shards: int | None) -> list[np.ndarray]:
    """The cluster ids of each shard: one per non-empty cluster (``None``) or ``shards`` balanced groups.

    Balanced by rows: clusters largest first (ties: lowest id) go to the shard with the fewest rows so far (ties:
    lowest shard). Shards are returned ordered by their lowest cluster id, each one's ids ascending.
    """
    sizes = np.bincount(labels)
    present = np.flatnonzero(sizes)
    if shards is None or shards >= len(present):
        return [np.array([c]) for c in present]
    loads = np.zeros(shards, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(shards)]
    for c in sorted(present.tolist(), key=lambda c: (-sizes[c], c)):
        s = int(np.argmin(loads))
        members[s].append(c)
        loads[s] += sizes[c]
    out = [np.array(sorted(m)) for m in members if m]
    return sorted(out, key=lambda m: int(m[0]))


def plan_shards(
    labels: np.ndarray,
    budget: int,
    seeds: Sequence[int],
    eligible: np.ndarray,
    groups: np.ndarray | None,
    quotas: np.ndarray | None,
    *,
    shards: int | None = None,
    tau: float = 1.0,
) -> list[ShardJob]:
    """Split a selection into independent shard jobs (see the module docstring for the rules).

    ``labels`` ``(n,)`` K-Means cluster of every row; ``budget`` the total picks, seeds included; ``seeds`` global
    rows picked first; ``eligible`` ``(n,)`` bool candidates; ``groups``/``quotas`` the group of every row and the
    most picks per group (or ``None``); ``shards`` how many shards (``None``: one per cluster); ``tau`` the
    temperature of the split across shards (1 proportional).
    """
    n = labels.shape[0]
    if shards is not None and (isinstance(shards, bool) or shards < 1):
        raise ConfigError(f"config key 'coreset.shards' must be a positive integer or null, got {shards!r}")
    check_tau(tau, "coreset.shard_tau")
    shard_of = np.empty(n, dtype=np.int64)
    clusters = pack_clusters(np.asarray(labels, dtype=np.int64), shards)
    for s, ids in enumerate(clusters):
        shard_of[np.isin(labels, ids)] = s
    n_shards = len(clusters)
    if n_shards == 1:  # the global greedy itself, arguments untouched
        rows = np.arange(n)
        q = None if quotas is None else np.asarray(quotas)
        return [ShardJob(0, rows, budget, np.asarray(seeds, dtype=np.int64), eligible, groups, q)]
    seeds = list(seeds)[:budget]
    g = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    share = _shares(shard_of, n_shards, budget, seeds, eligible, g, None if groups is None else quotas, tau)
    if groups is None and share.sum() + len(seeds) < budget:
        log.warning("budget %d exceeds the %d candidates: all of them taken", budget, share.sum() + len(seeds))
    jobs = []
    for s in range(n_shards):
        rows = np.flatnonzero(shard_of == s)
        local = np.full(n, -1, dtype=np.int64)
        local[rows] = np.arange(len(rows))
        s_seeds = np.asarray([local[i] for i in seeds if shard_of[i] == s], dtype=np.int64)
        b = int(share[:, s].sum()) + len(s_seeds)
        if b == 0:
            continue
        s_quotas = None
        if groups is not None:
            s_quotas = share[:, s] + np.bincount(g[rows[s_seeds]], minlength=share.shape[0])
        jobs.append(ShardJob(s, rows, b, s_seeds, eligible[rows], None if groups is None else g[rows], s_quotas))
    return jobs


def _shares(
    shard_of: np.ndarray,
    n_shards: int,
    budget: int,
    seeds: list[int],
    eligible: np.ndarray,
    g: np.ndarray,
    quotas: np.ndarray | None,
    tau: float,
) -> np.ndarray:
    """``(n_groups, n_shards)`` picks of each group in each shard, seeds aside: each group's budget left after its
    seeds (``quotas``; ``None``: one group with the whole budget), split across the shards by temperature over the
    candidates each holds."""
    n = len(shard_of)
    seed_mask = np.zeros(n, dtype=bool)
    seed_mask[seeds] = True
    open_rows = eligible & ~seed_mask  # rows a shard may still pick
    n_groups = 1 if quotas is None else len(quotas)
    left = np.array([budget - len(seeds)]) if quotas is None else np.asarray(quotas, dtype=np.int64).copy()
    if quotas is not None:
        np.subtract.at(left, g[seeds], 1)
    left = np.maximum(left, 0)
    if left.sum() > budget - len(seeds):  # quotas above the budget: the budget split across groups, proportionally
        left = np.asarray(temperature_quotas(left.tolist(), budget - len(seeds), 1.0), dtype=np.int64)
    share = np.zeros((n_groups, n_shards), dtype=np.int64)
    for gi in range(n_groups):
        avail = np.bincount(shard_of[open_rows & (g == gi)], minlength=n_shards)
        share[gi] = temperature_quotas(avail.tolist(), int(left[gi]), tau)
    return share


def merge(results: list[ShardResult], seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """One ranking out of the shards' picks: seeds first, then by the distance each was picked at, largest first.

    Returns ``(indices, radii)`` as described in the module docstring.
    """
    results = sorted(results, key=lambda r: r.shard)
    seed_set = set(seeds)
    keys: list[tuple[float, int, int, int]] = []
    for r in results:
        before = np.concatenate([[np.inf], r.radii[:-1]])  # the shard's radius just before each pick
        for j, row in enumerate(r.picks.tolist()):
            if row not in seed_set:
                keys.append((-float(before[j]), r.shard, j, row))
    keys.sort()
    picked = {int(p) for r in results for p in r.picks.tolist()}
    seed_order = [s for s in seeds if s in picked]
    order = seed_order + [k[3] for k in keys]
    where = {r.shard: (r, {int(p): j for j, p in enumerate(r.picks.tolist())}) for r in results}
    shard_radius = {r.shard: np.inf for r in results}
    shard_of_row = {int(p): r.shard for r in results for p in r.picks.tolist()}
    radii = np.empty(len(order), dtype=np.float64)
    for t, row in enumerate(order):
        s = shard_of_row[row]
        r, pos = where[s]
        shard_radius[s] = float(r.radii[pos[row]])
        radii[t] = max(shard_radius.values())
    return np.asarray(order, dtype=np.int64), radii


def sharded_kcenter(
    X: np.ndarray,
    budget: int,
    *,
    clusters: np.ndarray,
    seeds: np.ndarray | list[int] | None = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: np.ndarray | list[int] | None = None,
    shards: int | None = None,
    tau: float = 1.0,
    workers: int = 1,
    runner: Runner | None = None,
    progress: bool = False,
    device: str = "cpu",
) -> CoresetResult:
    """KCenterGreedy run exactly inside each shard of K-Means clusters, the shards merged into one ranking.

    ``X`` ``(n, d)`` float32 unit rows; ``clusters`` ``(n,)`` K-Means labels; ``budget``, ``seeds``, ``eligible``,
    ``groups``, ``quotas`` as for :func:`~selector.selection.coreset.kcenter_greedy`; ``shards`` and ``tau`` as in
    :func:`plan_shards`; ``workers`` processes on this machine (1: in this process); ``runner`` replaces the local
    runner (e.g. :func:`selector.distributed.run_ray`). ``X`` may instead be a row source (the partitioned
    executor's :class:`~selector.distributed.vectors.VectorFile`: ``len``, ``shape`` and rows read on demand)
    handed to ``runner`` as it is; the runner then reads the rows (their values are checked as they are read).
    ``progress`` and ``device`` are accepted for the
    strategies' common signature; shards run on the CPU. Returns a :class:`CoresetResult` whose ``stats`` say how
    many shards ran and their seconds.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"config key 'coreset.workers' must be a positive integer, got {workers!r}")
    in_memory = isinstance(X, np.ndarray)
    probe = X if in_memory else np.empty((len(X), 0), dtype=np.float32)  # a row source: its rows stay where they are
    probe, budget, seed_list, eligible, groups, quotas = check_inputs(probe, budget, seeds, eligible, groups, quotas)
    if in_memory:
        X = probe
    labels = np.asarray(clusters)
    if labels.shape != (X.shape[0],) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise SelectorError(f"clusters must be ({X.shape[0]},) non-negative integer labels, got {labels.shape}")
    start = time.perf_counter()
    shards = workers if shards is None else shards
    jobs = plan_shards(labels, budget, seed_list, eligible, groups, quotas, shards=shards, tau=tau)
    results = (runner or run_local)(X, jobs, workers)
    indices, radii = merge(results, seed_list[:budget])
    min_dist = np.full(X.shape[0], np.inf, dtype=np.float32)
    for r, job in zip(sorted(results, key=lambda r: r.shard), sorted(jobs, key=lambda j: j.shard), strict=True):
        min_dist[job.rows] = r.min_dist
    stats = {
        "n": int(X.shape[0]),
        "d": int(X.shape[1]),
        "budget": budget,
        "selected": len(indices),
        "n_seeds": min(len(seed_list), budget),
        "n_eligible": int(eligible.sum()),
        "final_radius": float(radii[-1]) if len(radii) else None,
        **_shard_stats(results, workers, tau),
        "seconds": round(time.perf_counter() - start, 3),
    }
    return CoresetResult(indices, radii, min_dist, min(len(seed_list), budget), stats)


def _shard_stats(results: list[ShardResult], workers: int, tau: float) -> dict[str, Any]:
    """The manifest's keys of a sharded run: the mode, how many shards ran on how many workers, their seconds."""
    seconds = [r.seconds for r in results]
    return {
        "mode": "sharded",
        "shards": len(results),
        "workers": workers,
        "shard_tau": tau if math.isfinite(tau) else "inf",
        "shard_seconds_max": max(seconds, default=0.0),
        "shard_seconds_sum": round(sum(seconds), 3),
        "radius_is_upper_bound": len(results) > 1,
    }


__all__ = [
    "Runner",
    "ShardJob",
    "ShardResult",
    "batches",
    "merge",
    "pack_clusters",
    "plan_shards",
    "run_local",
    "run_shard",
    "sharded_kcenter",
]
