"""Filter: LIMA's rules and the curation rules (:mod:`selector.filters`), each drop with one stable reason; then
the checks that need the kept samples (``--task`` among them, every sample exportable) before any embedding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.errors import SelectorError
from selector.filters import apply_filters
from selector.formats.export import check_exportable
from selector.pipeline.arguments import check_task, top_reasons
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage


class FilterStage(BaseStage):
    """Fills ``ctx.filtered`` and narrows ``ctx.pool`` to the kept samples. With ``require_kept`` (a selection),
    a run whose filters keep nothing is an error naming the rules that dropped most."""

    name = "filter"
    needs = ("pool",)
    fills = ("filtered",)

    def __init__(self, require_kept: bool = True) -> None:
        self.require_kept = require_kept

    def run(self, ctx: RunContext) -> None:
        cfg, samples = ctx.config, ctx.pool.samples
        ctx.filtered = apply_filters(
            samples, cfg.filters, dedup=cfg.dedup, seed=cfg.seed, progress=ctx.request.progress
        )
        if self.require_kept and not ctx.filtered.kept:
            raise SelectorError(
                f"every one of the {len(samples):,} samples was filtered out ({top_reasons(ctx.filtered.stats)}); "
                "loosen the filters in the config"
            )
        if ctx.request.task is not None:
            check_task(ctx.request.task, ctx.filtered.kept)
        ctx.dropped_at.append(ctx.pool.at[ctx.filtered.rejected_at])
        ctx.pool = ctx.pool.narrow(ctx.filtered.kept_at)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"counts": {"after_filters": len(ctx.filtered.kept)}, "filters": dict(ctx.filtered.stats)}


class ExportCheckStage(BaseStage):
    """A sample the ``--export`` shape cannot hold fails here, before embedding."""

    name = "export_check"
    needs = ("pool",)

    def applies(self, ctx: RunContext) -> bool:
        return ctx.request.export is not None

    def run(self, ctx: RunContext) -> None:
        check_exportable(ctx.pool.samples, ctx.request.export)
