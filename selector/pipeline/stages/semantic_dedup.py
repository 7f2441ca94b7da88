"""Semantic dedup: SemDeDup inside each K-Means cluster, after embedding and before the coreset sees the pool
(:mod:`selector.filters.dedup.semantic`); the kept rows of the pool, its vectors and its labels stay aligned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from selector.filters.dedup.near import sample_scores
from selector.filters.dedup.semantic import drop_semantic_duplicates
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage


class SemanticDedupStage(BaseStage):
    """Fills ``ctx.semantic`` and narrows ``ctx.pool``, ``ctx.X`` and ``ctx.kmeans.labels`` to the kept rows."""

    name = "semantic_dedup"

    def applies(self, ctx: RunContext) -> bool:
        return bool(ctx.config.dedup.semantic_duplicate)

    def run(self, ctx: RunContext) -> None:
        pool, X, km = ctx.pool, ctx.X, ctx.kmeans
        assert pool is not None and X is not None and km is not None
        scores = sample_scores(pool, ctx.config.filters.score_field)
        sem = drop_semantic_duplicates(pool, X, km.labels, ctx.config.dedup.semantic_eps, scores)
        ctx.semantic = sem
        ctx.pool, ctx.X = [pool[i] for i in sem.keep], X[sem.keep]
        ctx.kmeans = replace(km, labels=km.labels[sem.keep])

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        assert ctx.semantic is not None and ctx.pool is not None
        return {"semantic_dedup": ctx.semantic.stats}
