"""The sharded coreset's shard jobs as Ray tasks, one per group of cluster shards.

A drop-in ``runner`` for :func:`selector.selection.sharded.sharded_kcenter` (config ``coreset.backend: ray``): the
shard plan, the per-shard greedy and the merge are the local ones, so the picks equal the local sharded run's.
Each task receives only its shards' rows of the embeddings, and is tried at most ``1 + RETRIES`` times
(:mod:`selector.distributed.failures`) before the run fails naming its shards. When Ray is not yet initialised,
the run joins the cluster ``RAY_ADDRESS`` names, or starts a local Ray and stops it afterwards
(:func:`selector.distributed.session.ray_session`).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from selector.distributed.failures import RETRIES, BatchError
from selector.distributed.session import ray_session
from selector.distributed.vectors import VectorFile
from selector.selection.sharded import ShardJob, ShardResult, batches, run_shard

log = logging.getLogger(__name__)

TASKS_PER_WORKER = 4
"""Cluster groups per worker: several per worker even out shards of unequal cost."""


def _shard_group(rows_X: list[np.ndarray], jobs: list[ShardJob]) -> list[ShardResult]:
    """One Ray task: the exact greedy on each of its shards, each given only its own rows."""
    return [run_shard(x, job) for x, job in zip(rows_X, jobs, strict=True)]


def _file_shard_group(parts: list[VectorFile], jobs: list[ShardJob]) -> list[ShardResult]:
    """One Ray task of the partitioned executor: each shard's rows read here from the vector file, then its greedy."""
    return [run_shard(part.read_all(), job) for part, job in zip(parts, jobs, strict=True)]


def run_ray(X: np.ndarray | VectorFile, jobs: list[ShardJob], workers: int) -> list[ShardResult]:
    """Run the shard jobs as Ray tasks (about ``TASKS_PER_WORKER x workers`` of them, one per group of shards).

    ``X`` is the ``(n, d)`` float32 array the jobs' rows index, whose rows each task is sent, or a
    :class:`~selector.distributed.vectors.VectorFile`, from which each task reads its shards' rows itself (the
    partitioned executor: the driver never holds them). The results come back in shard order, whatever the order
    the tasks finished in.
    """
    with ray_session(feature="coreset.backend: ray") as ray:
        from_file = isinstance(X, VectorFile)
        task = ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=True)(
            _file_shard_group if from_file else _shard_group
        )
        groups = batches(jobs, max(1, workers) * TASKS_PER_WORKER)
        refs = [task.remote(_rows_of(X, group), group) for group in groups]
        log.info("sharded coreset: %d shards in %d Ray tasks%s", len(jobs), len(refs), " (rows read there)" * from_file)
        results = []
        for ref, group in zip(refs, groups, strict=True):
            try:
                results.extend(ray.get(ref))
            except ray.exceptions.RayError as err:
                raise _task_error(group, err) from None
    return sorted(results, key=lambda r: r.shard)


def _rows_of(X: np.ndarray | VectorFile, group: list[ShardJob]) -> list[Any]:
    """What a task is sent of each of its shards: the rows themselves, or where to read them."""
    if isinstance(X, VectorFile):
        return [X.take(j.rows) for j in group]
    return [np.ascontiguousarray(X[j.rows]) for j in group]


def _task_error(group: list[ShardJob], err: BaseException) -> BatchError:
    """The error for a coreset task that failed on every try: its shards, their sizes and budgets, and why."""
    shards = ", ".join(f"{j.shard} ({len(j.rows)} rows, budget {j.budget})" for j in group)
    cause = getattr(err, "cause", None) or err
    why = f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
    return BatchError(
        f"the Ray coreset task of shards {shards} failed on each of {1 + RETRIES} tries: {why}. "
        "A worker that died is out of memory or on a broken node (worker logs: /tmp/ray/session_latest/logs); "
        "more shards (coreset.shards) make each task smaller"
    )
