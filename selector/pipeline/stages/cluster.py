"""Cluster: seeded faiss spherical K-Means over the pool's vectors (:mod:`selector.selection.clustering`)."""

from __future__ import annotations

from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.selection.clustering import kmeans_for_run


class ClusterStage(BaseStage):
    """Fills ``ctx.kmeans`` (centroids, one label per pool row) and gives ``ctx.pool`` its ``labels``."""

    name = "cluster"
    needs = ("pool",)
    fills = ("kmeans",)

    def run(self, ctx: RunContext) -> None:
        cfg, X = ctx.config, ctx.pool.X
        if X is None:
            raise RuntimeError("stage 'cluster' needs the pool's vectors: run the embed stage first")
        ctx.kmeans = kmeans_for_run(X, cfg.clustering, seed=cfg.seed, device=cfg.encoder.device)
        ctx.pool = ctx.pool.with_(labels=ctx.kmeans.labels)
