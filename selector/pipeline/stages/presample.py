"""Presample: at most ``allocation.max_pool`` samples, drawn by temperature across groups (sources, or tasks when
the samples have several), before the pool is embedded."""

from __future__ import annotations

from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.selection.allocation import group_name, presample_indices, resolve_group_by


class PresampleStage(BaseStage):
    """Narrows ``ctx.pool`` to a temperature-balanced sample of it, in reading order."""

    name = "presample"
    needs = ("pool",)

    def applies(self, ctx: RunContext) -> bool:
        cap = ctx.config.allocation.max_pool
        return cap is not None and ctx.pool is not None and len(ctx.pool) > cap

    def run(self, ctx: RunContext) -> None:
        kept, alloc = ctx.pool.samples, ctx.config.allocation
        assert alloc.max_pool is not None  # applies() checked it
        req = ctx.request
        several_tasks = req.task is None and req.target is None and any(s.task is not None for s in kept)
        # Clusters are not known before embedding: pre-sampling by cluster balances sources instead.
        group_by = resolve_group_by(alloc.group_by, several_tasks)
        keys = [group_name(s, "source" if group_by == "cluster" else group_by) for s in kept]
        chosen = presample_indices(keys, alloc.max_pool, alloc.tau, seed=ctx.config.seed)
        ctx.pool = ctx.pool.narrow(sorted(chosen))
