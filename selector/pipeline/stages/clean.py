"""Clean: strip links, images and HTML from every sample, keeping code and lists (``cleaning:`` in the config;
:mod:`selector.filters.clean`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.filters.clean import clean_samples
from selector.pipeline.context import RunContext
from selector.pipeline.pool import Pool
from selector.pipeline.stages.base import BaseStage


class CleanStage(BaseStage):
    """Fills ``ctx.cleaned`` (the read samples themselves when cleaning is off) and ``ctx.clean_stats``; the pool
    becomes the cleaned samples, row for row."""

    name = "clean"
    needs = ("corpus",)
    fills = ("cleaned", "pool")

    def run(self, ctx: RunContext) -> None:
        if ctx.config.cleaning.enabled:
            ctx.cleaned, ctx.clean_stats = clean_samples(ctx.corpus.samples, ctx.config.cleaning)
        else:
            ctx.cleaned = ctx.corpus.samples
        ctx.pool = Pool.of(ctx.cleaned)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"cleaning": dict(ctx.clean_stats)}
