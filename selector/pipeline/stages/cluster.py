"""Cluster: seeded faiss spherical K-Means over the pool's vectors (:mod:`selector.selection.clustering`)."""

from __future__ import annotations

from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.selection.clustering import kmeans_for_run


class ClusterStage(BaseStage):
    """Fills ``ctx.kmeans`` (centroids, one label per pool row)."""

    name = "cluster"

    def run(self, ctx: RunContext) -> None:
        assert ctx.X is not None
        cfg = ctx.config
        ctx.kmeans = kmeans_for_run(ctx.X, cfg.clustering, seed=cfg.seed, device=cfg.encoder.device)
