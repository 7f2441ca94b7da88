"""Plan: the coreset plan (:class:`~selector.selection.coreset_plan.CoresetPlan`), namely candidates, seeds (task
centres) and group quotas, for the budget in records; not the training plan of :mod:`selector.planning`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.pipeline.stages.read import counts_of
from selector.selection.coreset_plan import plan_selection


class PlanStage(BaseStage):
    """Fills ``ctx.records`` (the budget in records) and ``ctx.plan``."""

    name = "plan"

    def run(self, ctx: RunContext) -> None:
        pool, X, km = ctx.pool, ctx.X, ctx.kmeans
        assert pool is not None and X is not None and km is not None
        filtered = len(ctx.filtered.kept) if ctx.filtered is not None else len(pool)
        budget = ctx.request.budget
        assert budget is not None, "a plan needs a budget"
        ctx.records = budget.records(filtered, ctx.token_counts)
        ctx.plan = plan_selection(pool, X, km, ctx.records, ctx.config, task=ctx.request.task, target=ctx.target_X)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        pool, plan = ctx.pool, ctx.plan
        assert pool is not None and plan is not None
        return {
            "counts": {"pool": len(pool), "candidates": int(plan.eligible.sum())},
            "sources": {"pool": counts_of(s.source for s in pool)},
            "tasks": {"pool": counts_of(str(s.task) for s in pool if s.task is not None)},
            "centres": plan.stats,
        }
