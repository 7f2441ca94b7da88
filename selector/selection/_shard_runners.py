"""The shards' work and where it runs: a shard job and its result (:class:`ShardJob`, :class:`ShardResult`), the
exact greedy on one shard (:func:`run_shard`), batches of about equal work (:func:`batches`) and the local runner,
in this process or in forked workers reading the parent's embeddings (:func:`run_local`). The Ray runner is in
:mod:`selector.distributed.ray_coreset`; the plan and the merge are in :mod:`selector.selection.sharded`."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from selector.errors import SelectorError
from selector.selection._threads import limit_threads, share_of_cores
from selector.selection.coreset import kcenter_greedy

__all__ = ["Runner", "ShardJob", "ShardResult", "batches", "run_local", "run_shard"]


@dataclass(frozen=True)
class ShardJob:
    """One shard's work, self-contained: global ``rows`` (ascending), and local seeds, eligibility and quotas."""

    shard: int
    rows: np.ndarray
    budget: int
    seeds: np.ndarray
    eligible: np.ndarray
    groups: np.ndarray | None
    quotas: np.ndarray | None


@dataclass(frozen=True)
class ShardResult:
    """A shard's picks as global row indices in pick order, with the shard's radius after each pick."""

    shard: int
    picks: np.ndarray
    radii: np.ndarray
    min_dist: np.ndarray
    seconds: float


def run_shard(X: np.ndarray, job: ShardJob) -> ShardResult:
    """The exact global greedy on one shard's rows of ``X`` (the full ``(n, d)`` array, or just those rows)."""
    start = time.perf_counter()
    sub = X[job.rows] if X.shape[0] != job.rows.shape[0] else X
    res = kcenter_greedy(
        np.ascontiguousarray(sub, dtype=np.float32),
        job.budget,
        seeds=job.seeds,
        eligible=job.eligible,
        groups=job.groups,
        quotas=job.quotas,
        device="cpu",
        progress=False,
    )
    return ShardResult(job.shard, job.rows[res.indices], res.radii, res.min_dist, round(time.perf_counter() - start, 3))


def batches(jobs: list[ShardJob], n_batches: int) -> list[list[ShardJob]]:
    """Group shard jobs into at most ``n_batches`` batches of about equal work (rows x budget), deterministically."""
    n_batches = max(1, min(n_batches, len(jobs)))
    loads = np.zeros(n_batches)
    out: list[list[ShardJob]] = [[] for _ in range(n_batches)]
    for job in sorted(jobs, key=lambda j: (-(len(j.rows) * j.budget), j.shard)):
        b = int(np.argmin(loads))
        out[b].append(job)
        loads[b] += len(job.rows) * job.budget
    return [sorted(b, key=lambda j: j.shard) for b in out if b]


_SHARED: np.ndarray | None = None
"""The embeddings a forked worker reads (copy-on-write: the parent's pages, never copied or pickled)."""


def _local_batch(rows_X: list[np.ndarray] | None, jobs: list[ShardJob]) -> list[ShardResult]:
    """Worker entry point: ``rows_X[i]`` holds exactly ``jobs[i]``'s rows, or ``None`` to read the forked X."""
    if rows_X is None:
        if _SHARED is None:
            raise SelectorError("a forked shard worker found no embeddings; run shards through run_local")
        return [run_shard(_SHARED, job) for job in jobs]
    return [run_shard(x, job) for x, job in zip(rows_X, jobs, strict=True)]


Runner = Callable[[np.ndarray, list[ShardJob], int], list[ShardResult]]


def run_local(X: np.ndarray, jobs: list[ShardJob], workers: int) -> list[ShardResult]:
    """Run the shard jobs here (``workers=1``) or in ``workers`` processes.

    Where the platform forks (Linux), the workers are forked after ``X`` is in place and read it through
    copy-on-write pages: nothing of X is copied or pickled, so the run's peak memory does not grow with workers.
    Elsewhere they are spawned and each batch is sent its rows, at most ``workers`` batches in flight.
    """
    global _SHARED
    if workers <= 1 or len(jobs) <= 1:
        return [run_shard(X, job) for job in jobs]
    import multiprocessing

    fork = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    results: list[ShardResult] = []
    pending: deque[Future[list[ShardResult]]] = deque()
    _SHARED = X if fork else None
    try:
        per = share_of_cores(workers)  # forked pools sized for the whole machine oversubscribe it (_threads)
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=limit_threads, initargs=(per,)) as pool:
            for group in batches(jobs, workers * 4):
                if len(pending) >= workers:  # bounded: at most one batch queued per worker
                    results.extend(pending.popleft().result())
                rows_X = None if fork else [X[j.rows] for j in group]
                pending.append(pool.submit(_local_batch, rows_X, group))
            while pending:
                results.extend(pending.popleft().result())
    finally:
        _SHARED = None
    return results
