"""What the coreset picks from, what it starts with, and how the budget is split (``docs/algorithms.md`` section 4).

Four settings, chosen from what the user gave:

========================  ==========================================  ======================  ==================
setting                   candidates                                  first pick(s)           budget split by
========================  ==========================================  ======================  ==================
``--target FILE``         pool samples of the target's dominant       the task centre         sources
                          cluster, grown cluster by cluster to
                          ``candidate_factor x budget``
``--task NAME``           that task's samples                         the task centre         sources
several tasks, no --task  the whole pool                              each task's centre      tasks
no task information       the whole pool                              the pool's centre       sources
========================  ==========================================  ======================  ==================

"Split by" is what ``allocation.group_by: auto`` (the default) does; an explicit ``source``, ``task`` or
``cluster`` is followed as given, and samples without a task form their own group (``(no task)``). It applies when
``coreset.balance`` is on: the budget is divided among the groups present in the
candidates by temperature (``allocation.tau``; :func:`selector.selection.allocation.temperature_quotas`), and the
coreset stops picking from a group that reached its quota. ``allocation.group_by: cluster`` makes K-Means clusters the
groups (pseudo-tasks). ``coreset.seeding`` can replace the task centres by cluster medoids (largest cluster
first) or by nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.errors import ConfigError, SelectorError
from selector.sample import Sample
from selector.selection.allocation import AllocationConfig, group_name, resolve_group_by, temperature_quotas
from selector.selection.centres import TaskCentre, cluster_medoids, target_centre, task_centres
from selector.selection.clustering import KMeansResult
from selector.selection.config import CoresetConfig


@dataclass
class CoresetPlan:
    """Inputs of the coreset step.

    Attributes:
        eligible: ``(n,)`` bool, the candidates.
        seeds: pool indices of the first picks, in order.
        groups: ``(n,)`` int group id per pool sample, or ``None`` when the budget is not split.
        quotas: most picks per group id, or ``None``.
        group_by: ``source``, ``task``, ``cluster`` or ``none``.
        quota_by_name: group name -> quota, for the manifest.
        stats: what the manifest records about the centres.
    """

    eligible: np.ndarray
    seeds: list[int]
    groups: np.ndarray | None = None
    quotas: list[int] | None = None
    group_by: str = "none"
    quota_by_name: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


def plan_selection(
    pool: Sequence[Sample],
    X: np.ndarray,
    km: KMeansResult,
    budget: int,
    coreset: CoresetConfig,
    allocation: AllocationConfig,
    *,
    task: str | None = None,
    target: np.ndarray | None = None,
    centres_of: Callable[..., list[TaskCentre]] = task_centres,
) -> CoresetPlan:
    """Candidates, seeds and group quotas for selecting ``budget`` of ``pool`` (rows of ``X``), under the run's
    ``coreset:`` and ``allocation:`` sections. ``centres_of`` computes the task centres of the pool and of labelled
    tasks (:func:`~selector.selection.centres.task_centres`'s arguments and result; the partitioned executor's
    runs on Ray workers)."""
    if target is not None and task is not None:
        raise ConfigError("give either task=NAME or target=FILE, not both")
    eligible, centres, stats = _candidates(pool, X, km, budget, coreset, task, target, centres_of)
    seeds = _seeds(pool, X, km.labels, eligible, centres, budget, coreset.seeding, stats)
    plan = CoresetPlan(eligible=eligible, seeds=[int(s) for s in seeds], stats=stats)
    if coreset.balance:
        group_by = resolve_group_by(allocation.group_by, stats["mode"] == "tasks")
        _split_budget(plan, pool, km.labels, budget, group_by, allocation.tau)
    return plan


def _candidates(
    pool: Sequence[Sample],
    X: np.ndarray,
    km: KMeansResult,
    budget: int,
    coreset: CoresetConfig,
    task: str | None,
    target: np.ndarray | None,
    centres_of: Callable[..., list[TaskCentre]] = task_centres,
) -> tuple[np.ndarray, list[int], dict[str, Any]]:
    """``(eligible, centres, stats)`` of the plan's mode: a target, one task, several tasks, or the whole pool."""
    n = len(pool)
    labels, centroids = km.labels, km.centroids
    tasks = [s.task for s in pool]
    known = sorted({t for t in tasks if t is not None})
    stats: dict[str, Any]
    if target is not None:
        tc = target_centre(X, labels, centroids, target, budget, candidate_factor=coreset.candidate_factor)
        eligible = np.zeros(n, dtype=bool)
        eligible[tc.candidates] = True
        stats = {"mode": "target", "cluster": tc.cluster, "clusters": tc.clusters, **tc.stats}
        stats["centre_id"] = pool[tc.centre].id
        return eligible, [tc.centre], stats
    if task is not None:
        if not known:
            raise ConfigError(f"task={task!r} needs task_field=F (the record key that names each sample's task)")
        if task not in known:
            shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
            raise SelectorError(f"task={task!r} is not among the {len(known)} tasks in the pool: {shown}")
        (tc,) = centres_of(X, labels, centroids, [t if t == task else None for t in tasks])
        eligible = np.zeros(n, dtype=bool)
        eligible[tc.members] = True
        stats = {"mode": "task", "task": task, "cluster": tc.cluster, "centre_id": pool[tc.centre].id, **tc.stats}
        return eligible, [tc.centre], stats
    if known:
        found = centres_of(X, labels, centroids, tasks)
        stats = {
            "mode": "tasks",
            "tasks": {str(c.task): {"cluster": c.cluster, "centre_id": pool[c.centre].id, **c.stats} for c in found},
        }
        return np.ones(n, dtype=bool), [c.centre for c in found], stats
    (tc,) = centres_of(X, labels, centroids, ["pool"] * n)
    stats = {"mode": "pool", "cluster": tc.cluster, "centre_id": pool[tc.centre].id, **tc.stats}
    return np.ones(n, dtype=bool), [tc.centre], stats


def _seeds(
    pool: Sequence[Sample],
    X: np.ndarray,
    labels: np.ndarray,
    eligible: np.ndarray,
    centres: list[int],
    budget: int,
    seeding: str,
    stats: dict[str, Any],
) -> list[int]:
    """The greedy's seeds by ``coreset.seeding``; notes how many in ``stats``."""
    seeds: list[int] = []
    if seeding == "task_centre":
        seeds = centres
        if len(centres) > budget:  # fewer picks than tasks: choose which centres, weighted by task size
            sizes = Counter(str(s.task) for s in pool if s.task is not None)
            weights = [sizes[str(pool[c].task)] if pool[c].task is not None else 1 for c in centres]
            seeds = [centres[j] for j in choose_centres(X[centres], weights, budget)]
            stats["centres_chosen"] = len(seeds)
    elif seeding == "medoids":
        seeds = _medoid_seeds(X, labels, eligible)
    stats["seeding"] = seeding
    stats["seeds"] = len(seeds)
    return seeds


def choose_centres(C: np.ndarray, weights: Sequence[float], budget: int) -> list[int]:
    """Which ``budget`` of the ``m`` centres (rows of ``C``, ``(m, d)`` unit float32) to keep when there are more
    centres than picks: greedy size-weighted facility location, ``max_S sum_t w_t max(0, max_{s in S} cos(c_t,
    c_s))``, so the kept centres stand for as much of the pool as they can (large tasks, and tasks near many others)
    instead of the first ``budget`` tasks by name. Returns positions in greedy order (ties: the lowest position);
    every prefix is the greedy choice of its size. Exact, ``O(budget m^2)``: meant for hundreds to a few thousand
    tasks.
    """
    S = np.maximum(np.asarray(C, dtype=np.float64) @ np.asarray(C, dtype=np.float64).T, 0.0)
    w = np.asarray(weights, dtype=np.float64)
    best = np.zeros(len(w))
    chosen: list[int] = []
    taken = np.zeros(len(w), dtype=bool)
    for _ in range(min(budget, len(w))):
        gains = w @ np.maximum(S - best[:, None], 0.0)
        gains[taken] = -np.inf
        j = int(np.argmax(gains))
        chosen.append(j)
        taken[j] = True
        best = np.maximum(best, S[:, j])
    return chosen


def _medoid_seeds(X: np.ndarray, labels: np.ndarray, eligible: np.ndarray) -> list[int]:
    """Medoids of the clusters that hold candidates, largest cluster first (ties: lowest cluster id)."""
    medoids = cluster_medoids(X[eligible], labels[eligible])
    rows = np.flatnonzero(eligible)[medoids]
    sizes = np.bincount(labels[eligible])
    order = sorted(range(len(rows)), key=lambda j: (-sizes[labels[rows[j]]], labels[rows[j]]))
    return [int(rows[j]) for j in order]


def _split_budget(
    plan: CoresetPlan, pool: Sequence[Sample], labels: np.ndarray, budget: int, group_by: str, tau: float
) -> None:
    if group_by in ("source", "task"):
        if group_by == "task" and all(s.task is None for s in pool):
            raise ConfigError("allocation.group_by is 'task' but no sample has a task; pass task_field=F")
        keys = [group_name(s, group_by) for s in pool]
    elif group_by == "cluster":
        keys = [f"cluster {int(c)}" for c in labels]
    else:
        raise ConfigError(f"allocation.group_by must be source, task or cluster, got {group_by!r}")
    names = sorted(set(keys))
    ids = {name: i for i, name in enumerate(names)}
    groups = np.fromiter((ids[k] for k in keys), dtype=np.int64, count=len(keys))
    sizes = Counter(keys[i] for i in np.flatnonzero(plan.eligible))
    quota = temperature_quotas({name: sizes.get(name, 0) for name in names}, budget, tau)
    plan.groups = groups
    plan.quotas = [int(quota[name]) for name in names]
    plan.group_by = group_by
    plan.quota_by_name = {name: int(quota[name]) for name in names if sizes.get(name, 0)}
