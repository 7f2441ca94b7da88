"""Semantic dedup: SemDeDup inside each K-Means cluster, after embedding and before the coreset sees the pool
(:mod:`selector.filters.dedup.semantic`); the kept rows of the pool, its vectors and its labels stay aligned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from selector.filters.dedup.near import sample_scores
from selector.filters.dedup.semantic import drop_semantic_duplicates
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage


class SemanticDedupStage(BaseStage):
    """Fills ``ctx.semantic`` and narrows ``ctx.pool`` (its vectors and labels with it) and
    ``ctx.kmeans.labels`` to the kept rows."""

    name = "semantic_dedup"
    needs = ("pool", "kmeans")
    fills = ("semantic",)

    def applies(self, ctx: RunContext) -> bool:
        return bool(ctx.config.dedup.semantic_duplicate)

    def run(self, ctx: RunContext) -> None:
        pool, km = ctx.pool, ctx.kmeans
        scores = sample_scores(pool.samples, ctx.config.filters.score_field)
        sem = drop_semantic_duplicates(pool.samples, pool.X, km.labels, ctx.config.dedup.semantic_eps, scores)
        ctx.semantic = sem
        ctx.dropped_at.append(pool.at[np.setdiff1d(np.arange(len(pool)), sem.keep)])  # rejected, in pool order
        ctx.pool = pool.narrow(sem.keep)
        ctx.kmeans = replace(km, labels=ctx.pool.labels)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"semantic_dedup": ctx.semantic.stats}
