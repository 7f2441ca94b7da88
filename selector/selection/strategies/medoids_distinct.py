"""``medoids_distinct``: :mod:`medoids` per task with a cross-task near-duplicate rule at pick time (issue 27).

With task labels (``groups``/``quotas``) ``medoids`` picks every task's K-Means medoids on their own, and P3-style
pools render one example under many templates (tasks): the medoids of sibling tasks are then often the SAME
example (55% / 48% distinct examples at 2% / 5%, against 92% / 82% for count-matched random draws;
``benchmarks/results/bench_quality_coverage.md``), which costs coverage. Here each task's clusters are visited
largest first, the tasks round-robin as in ``medoids``, and a cluster's pick is its member nearest the centroid
that is not a near-duplicate of a pick another task already holds: cosine at or above ``duplicate_cosine`` or,
when ``examples`` (an example key per row) is given, the same example. When every member of a cluster is such a
duplicate, the member least similar to the other tasks' picks is taken, so quotas are still met.

:data:`DUPLICATE_COSINE` comes from the P3 pool (``benchmarks/bench_quality_duplicates.py``). Without ``groups``
there are no other tasks and the strategy is ``medoids``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.selection._order import fill_in_order, seed_list
from selector.selection.strategies._ranked import ranked_result
from selector.selection.strategies.medoids import groups_to_fill, medoid_ranking, quota_left, ranked_clusters
from selector.selection.strategies.registry import strategy
from selector.selection.strategies.stratified import candidate_labels

if TYPE_CHECKING:
    from selector.selection.coreset import CoresetResult

DUPLICATE_COSINE = 0.85
"""Cosine at or above which a candidate repeats a pick of another task. On the p3-short pool (16,426 rows, 111
templates, 2,228 examples; ``benchmarks/results/bench_quality_duplicates.md``) 91% of rows have a sibling rendering
(same example, other template) at or above 0.85, and 14% have a row of another task and another example that close
somewhere in the pool (median nearest: sibling 0.955, non-sibling 0.655); against the few rows already picked far
fewer are. In tasks mode at 2% / 5% (``benchmarks/results/bench_quality_distinct.md``) 0.85 lifted the distinct
examples among the picks from 55% / 48% to 69% / 70% and coverage z from -7.98 / -17.66 to -5.06 / -6.74, transfer
z staying +1.61 / +1.28 (0.9: 63% / 64%, coverage -6.18 / -9.73). Typical range 0.8-0.95; above 1 only the
``examples`` rule is left."""


def cluster_queues(X: np.ndarray, k: int, seed: int, clusters: np.ndarray | None = None) -> list[np.ndarray]:
    """A ``k``-means of the unit rows ``X``: per non-empty cluster, largest first (ties: lowest cluster id), its
    members by cosine to the cluster's normalised mean, highest first (ties: lowest row), so each list starts with
    the medoid ``medoids`` takes. ``clusters``: labels of these rows, reused when they hold exactly ``k``."""
    labels, present, order = ranked_clusters(X, k, seed, clusters)
    out = []
    for c in present[order].tolist():
        rows = np.flatnonzero(labels == c)
        mean = X[rows].sum(axis=0, dtype=np.float64).astype(np.float32)
        sims = X[rows] @ mean
        out.append(rows[np.lexsort((rows, -sims))])
    return out


class _Held:
    """The picks so far: their rows, tasks and examples, and a growing matrix of their embeddings."""

    def __init__(self, X: np.ndarray, groups: np.ndarray, examples: np.ndarray | None, limit: int) -> None:
        self.X, self.groups, self.examples = X, groups, examples
        self.rows: list[int] = []
        self.vecs = np.zeros((max(1, limit), X.shape[1]), dtype=np.float32)
        self.tasks = np.zeros(max(1, limit), dtype=np.int64)

    def add(self, row: int) -> None:
        self.vecs[len(self.rows)] = self.X[row]
        self.tasks[len(self.rows)] = self.groups[row]
        self.rows.append(row)

    def choose(self, members: np.ndarray, cosine: float) -> int:
        """The first of ``members`` (all of one task) that repeats no other task's pick; else the least similar."""
        m = len(self.rows)
        other = self.tasks[:m] != self.groups[members[0]]
        if not other.any():
            return int(members[0])
        sims = (self.X[members] @ self.vecs[:m][other].T).max(axis=1)
        dup = sims >= cosine
        if self.examples is not None:
            held = self.examples[np.asarray(self.rows)[other]]
            dup |= np.isin(self.examples[members], held)
        free = np.flatnonzero(~dup)
        return int(members[free[0]] if len(free) else members[np.lexsort((members, sims))[0]])


def distinct_ranking(
    X: np.ndarray,
    budget: int,
    *,
    seeds: Any = None,
    seed: int = 0,
    groups: Any = None,
    quotas: Any = None,
    clusters: np.ndarray | None = None,
    examples: np.ndarray | None = None,
    duplicate_cosine: float = DUPLICATE_COSINE,
    **_: Any,
) -> np.ndarray:
    """Seeds first, then one pick per cluster of every task (its quota left after the seeds), tasks in turn, by
    the near-duplicate rule of the module docstring; short selections are completed as in ``medoids``."""
    if groups is None or quotas is None:
        return medoid_ranking(X, budget, seeds=seeds, seed=seed, clusters=clusters)
    from selector.selection.coreset import kcenter_greedy

    groups = np.asarray(groups)
    picks = seed_list(seeds, budget)
    held = _Held(X, groups, None if examples is None else np.asarray(examples), budget)
    left = quota_left(quotas, groups, picks)
    for s in picks:
        held.add(s)
    queues = {
        g: [rows[q] for q in cluster_queues(X[rows], int(left[g]), seed, sub)]
        for g, rows, sub in groups_to_fill(groups, left, clusters)
    }
    taken = set(picks)
    for r in range(max((len(q) for q in queues.values()), default=0)):
        for q in queues.values():
            members = q[r][[i not in taken for i in q[r].tolist()]] if r < len(q) else []
            if len(members) and len(picks) < budget:
                row = held.choose(members, duplicate_cosine)
                picks.append(row)
                taken.add(row)
                held.add(row)
    out = fill_in_order(picks, budget, groups=groups, quotas=quotas)
    if len(out) < budget:
        out = np.asarray(kcenter_greedy(X, budget, seeds=out, groups=groups, quotas=quotas, progress=False).indices)
    return out


@strategy("medoids_distinct")
def medoids_distinct(
    X: np.ndarray,
    budget: int,
    *,
    clusters: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    examples: np.ndarray | None = None,
    duplicate_cosine: float = DUPLICATE_COSINE,
    **rules: Any,
) -> CoresetResult:
    """Per-task medoids that skip near-duplicates of other tasks' picks (:func:`distinct_ranking`) on the candidate
    rows. ``examples``: ``(n,)`` example keys (equal keys are one example), optional; ``duplicate_cosine``: the
    cosine of a near-duplicate (default :data:`DUPLICATE_COSINE`)."""
    sub = None if examples is None or eligible is None else np.asarray(examples)[np.asarray(eligible, dtype=bool)]
    rank = partial(
        distinct_ranking,
        clusters=candidate_labels(clusters, eligible),
        examples=examples if sub is None else sub,
        duplicate_cosine=duplicate_cosine,
    )
    return ranked_result("medoids_distinct", rank, X, budget, eligible=eligible, **rules)
