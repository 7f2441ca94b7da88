"""Near dedup (``selector dedup``'s first stage): the near-duplicate rule (MinHash + LSH,
:mod:`selector.filters.dedup.near`) and, when asked, contamination against evaluation files; no cleaning and no
other filter runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.filters import FilterPipeline, build_corpus_rules, build_filters
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage


class NearDedupStage(BaseStage):
    """Fills ``ctx.filtered`` and narrows ``ctx.pool`` to the samples it keeps."""

    name = "near_dedup"
    needs = ("pool",)
    fills = ("filtered",)

    def run(self, ctx: RunContext) -> None:
        cfg, pool = ctx.config, ctx.pool
        f = cfg.filters
        only = ("contaminated",)  # of the per-sample rules, dedup runs decontamination alone
        pipeline = FilterPipeline(build_filters(f, only), build_corpus_rules(f, cfg.dedup, cfg.seed))
        ctx.filtered = pipeline.run(pool.samples, progress=ctx.request.progress)
        ctx.dropped_at.append(pool.at[ctx.filtered.rejected_at])
        ctx.pool = pool.narrow(ctx.filtered.kept_at)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"counts": {"after_near_dedup": len(ctx.filtered.kept)}, "filters": dict(ctx.filtered.stats)}
