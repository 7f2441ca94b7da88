"""Near dedup (``selector dedup``'s first stage): the near-duplicate rule (MinHash + LSH,
:mod:`selector.filters.dedup.near`) and, when asked, contamination against evaluation files; no cleaning and no
other filter runs."""

from __future__ import annotations

from selector.filters import FilterPipeline, build_corpus_rules, build_filters
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage


class NearDedupStage(BaseStage):
    """Fills ``ctx.filtered`` and narrows ``ctx.pool`` to the samples it keeps."""

    name = "near_dedup"

    def run(self, ctx: RunContext) -> None:
        cfg, pool = ctx.config, ctx.pool
        assert pool is not None
        f = cfg.filters
        only = ("contaminated",)  # of the per-sample rules, dedup runs decontamination alone
        pipeline = FilterPipeline(build_filters(f, only), build_corpus_rules(f, cfg.dedup, cfg.seed))
        ctx.filtered = pipeline.run(pool, progress=ctx.request.progress)
        ctx.pool = ctx.filtered.kept
