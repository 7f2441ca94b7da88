"""Task distribution centres, task centres and the coreset's candidates (``docs/algorithms.md`` section 4).

Given the K-Means of the pool (:func:`selector.selection.clustering.kmeans`):

- the **distribution centre** of a task is the centroid of the cluster its samples fall in most often (ties: the
  lowest cluster id);
- the **task centre** is the task's sample (or, for an external target, the pool's sample) with the highest cosine
  to that centroid (ties: the lowest index).

Three settings: labelled tasks (:func:`task_centres`), an external target set (:func:`target_centre`, with the
candidate rule), and no task information (:func:`cluster_medoids`, clusters as pseudo-tasks). Embeddings are
``(n, d)`` float32 unit rows, so cosine is the inner product.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.errors import ConfigError, SelectorError
from selector.selection._rows import as_rows, widened


@dataclass(frozen=True)
class TaskCentre:
    """One labelled task: ``cluster`` (its distribution centre's cluster id), ``centre`` (pool row index of the
    task centre), ``members`` (sorted row indices of the task's samples) and ``stats`` (task size, share of the
    task in that cluster, share of that cluster's members from the task, cosine of the centre)."""

    task: Any
    cluster: int
    centre: int
    members: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetCentre:
    """An external target: the dominant ``cluster`` of the target examples, the pool's ``centre`` row, the
    ``candidates`` (sorted pool row indices the coreset may pick from), the ``clusters`` whose members they are
    (dominant first, then in order of added similarity) and ``stats``."""

    cluster: int
    centre: int
    candidates: np.ndarray
    clusters: list[int]
    stats: dict[str, Any] = field(default_factory=dict)


def _check(X: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = as_rows(X)
    labels = np.asarray(labels)
    centroids = np.ascontiguousarray(centroids, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] == 0:
        raise SelectorError(f"need a non-empty (n, d) array of embeddings, got shape {X.shape}")
    if labels.shape != (X.shape[0],):
        raise SelectorError(f"need one cluster label per embedding: {labels.shape} labels for {X.shape[0]} rows")
    if centroids.ndim != 2 or centroids.shape[1] != X.shape[1] or labels.max() >= len(centroids):
        raise SelectorError(f"centroids of shape {centroids.shape} do not match the labels and embeddings")
    return X, labels, centroids


def _best_row(X: np.ndarray, rows: np.ndarray, direction: np.ndarray) -> tuple[int, float]:
    """The row among ``rows`` (sorted) with the largest inner product with ``direction``; ties: the lowest.

    When ``rows`` is every row (one task: the pool's centre), ``X`` is used as it is: ``X[rows]`` would copy it
    (1.5 GB at 1M x 384). The product is the same call on the same values, so the scores are the same bits.
    """
    if X.dtype == np.float16:  # widened block by block: a float32 copy of X would double its memory
        scores = np.concatenate([block @ direction for block in widened(X, rows)])
    else:
        scores = (X if len(rows) == X.shape[0] else X[rows]) @ direction
    j = int(np.argmax(scores))
    return int(rows[j]), float(scores[j])


def task_centres(
    X: np.ndarray, labels: np.ndarray, centroids: np.ndarray, tasks: Sequence[Any] | np.ndarray
) -> list[TaskCentre]:
    """Distribution centre and task centre of every labelled task.

    tasks: ``(n,)`` task label per row (strings or ints); rows whose task is ``None`` belong to no task. Tasks
    come back sorted by label (as strings), so the order is deterministic.
    """
    X, labels, centroids = _check(X, labels, centroids)
    tasks = np.asarray(tasks, dtype=object)
    if tasks.shape != (X.shape[0],):
        raise SelectorError(f"need one task label per embedding: {tasks.shape} labels for {X.shape[0]} rows")
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    out = []
    for task in sorted({t for t in tasks.tolist() if t is not None}, key=str):
        members = np.flatnonzero(tasks == task)
        counts = np.bincount(labels[members], minlength=k)
        cluster = int(np.argmax(counts))
        centre, cosine = _best_row(X, members, centroids[cluster])
        stats = {
            "size": len(members),
            "cluster_share_of_task": round(float(counts[cluster] / len(members)), 4),
            "task_share_of_cluster": round(float(counts[cluster] / sizes[cluster]), 4),
            "centre_cosine": round(cosine, 6),
        }
        out.append(TaskCentre(task, cluster, centre, members, stats))
    return out


def target_centre(
    X: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    target: np.ndarray,
    budget: int,
    *,
    candidate_factor: float = 4.0,
) -> TargetCentre:
    """Centre and candidates for an external target set (a few embedded examples of the downstream task).

    The target's rows are assigned to their nearest centroid (largest cosine, ties lowest id); the dominant
    cluster's centroid is the distribution centre and the pool row closest to it the task centre. Candidates are
    the pool rows of that cluster; while they number fewer than ``candidate_factor * budget``, whole clusters are
    added in order of their centroid's cosine to the distribution centre (ties: lowest id). When the whole pool
    is smaller, every row is a candidate.
    """
    X, labels, centroids = _check(X, labels, centroids)
    target = np.ascontiguousarray(target, dtype=np.float32)
    if target.ndim != 2 or target.shape[0] == 0 or target.shape[1] != X.shape[1]:
        raise SelectorError(f"the target embeddings must be a non-empty (m, {X.shape[1]}) array, got {target.shape}")
    if candidate_factor <= 0 or budget < 0:
        raise ConfigError(f"candidate_factor must be > 0 and budget >= 0, got {candidate_factor} and {budget}")
    k = len(centroids)
    assigned = np.argmax(target @ centroids.T, axis=1)
    cluster = int(np.argmax(np.bincount(assigned, minlength=k)))
    centre_vec = centroids[cluster]
    sims = centroids @ centre_vec
    sims[cluster] = np.inf
    order = np.argsort(-sims, kind="stable")
    sizes = np.bincount(labels, minlength=k)
    need = candidate_factor * budget
    chosen: list[int] = []
    total = 0
    for c in order.tolist():
        if chosen and total >= need:
            break
        chosen.append(c)
        total += int(sizes[c])
    candidates = np.flatnonzero(np.isin(labels, chosen))
    members = np.flatnonzero(labels == cluster)
    if members.size == 0:  # an empty dominant cluster: the centre comes from the candidates
        members = candidates
    centre, cosine = _best_row(X, members, centre_vec)
    stats = {
        "target_size": int(target.shape[0]),
        "target_share_in_cluster": round(float(np.mean(assigned == cluster)), 4),
        "cluster_size": int(sizes[cluster]),
        "candidates": int(candidates.size),
        "clusters_used": len(chosen),
        "candidate_factor": candidate_factor,
        "centre_cosine": round(cosine, 6),
    }
    return TargetCentre(cluster, centre, candidates, chosen, stats)


def cluster_medoids(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Medoid of every non-empty cluster, ``(m,)`` int64 row indices in cluster-id order.

    For unit rows, the member minimising the summed cosine dissimilarity to the other members is the one with
    the largest inner product with the members' sum, so this is an exact medoid at the cost of one pass.
    """
    X = as_rows(X)
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise SelectorError(f"need one cluster label per embedding: {labels.shape} labels for {X.shape[0]} rows")
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1], True])
    out = []
    for s, e in itertools.pairwise(bounds):
        rows = order[s:e]
        total = X[rows].sum(axis=0, dtype=np.float64)
        out.append(_best_row(X, rows, total.astype(np.float32))[0])
    return np.asarray(out, dtype=np.int64)
