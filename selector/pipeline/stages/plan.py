"""Plan: the coreset plan (:class:`~selector.selection.coreset_plan.CoresetPlan`), namely candidates, seeds (task
centres) and group quotas, for the budget in records; not the training plan of :mod:`selector.planning`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.pipeline.stages.read import counts_of
from selector.selection.centres import TaskCentre, task_centres
from selector.selection.coreset_plan import plan_selection


class PlanStage(BaseStage):
    """Fills ``ctx.budget_records`` (the budget in records) and ``ctx.plan``; the task centres come from
    :meth:`centres_of` (the partitioned executor's computes them on Ray workers)."""

    name = "plan"
    needs = ("pool", "kmeans")
    fills = ("plan",)

    def centres_of(self, X: Any, labels: np.ndarray, centroids: np.ndarray, tasks: Sequence[Any]) -> list[TaskCentre]:
        """The pool's or the labelled tasks' centres (:func:`~selector.selection.centres.task_centres`)."""
        return task_centres(X, labels, centroids, tasks)

    def run(self, ctx: RunContext) -> None:
        pool, km, budget = ctx.pool, ctx.kmeans, ctx.request.budget
        filtered = len(ctx.filtered.kept) if ctx.filtered is not None else len(pool)
        if budget is None:
            raise RuntimeError("stage 'plan' needs a budget in the request")
        ctx.budget_records = budget.records(filtered, pool.token_counts)
        ctx.plan = plan_selection(
            pool.samples,
            pool.X,
            km,
            ctx.budget_records,
            ctx.config.coreset,
            ctx.config.allocation,
            task=ctx.request.task,
            target=ctx.target_X,
            centres_of=self.centres_of,
        )

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        pool, plan = ctx.pool.samples, ctx.plan
        return {
            "counts": {"pool": len(pool), "candidates": int(plan.eligible.sum())},
            "sources": {"pool": counts_of(s.source for s in pool)},
            "tasks": {"pool": counts_of(str(s.task) for s in pool if s.task is not None)},
            "centres": plan.stats,
        }
