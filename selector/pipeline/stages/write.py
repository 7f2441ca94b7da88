"""Write: the selection's folder, whole or not at all (:func:`selector.pipeline.outputs.write_selection`):
the chosen records as read, ``selection.jsonl``, ``rejected.jsonl`` (records as read, before cleaning),
``manifest.json``, the report and its plots."""

from __future__ import annotations

import numpy as np

from selector.pipeline.context import RunContext
from selector.pipeline.outputs import write_selection
from selector.pipeline.stages.base import BaseStage
from selector.report.data import ReportData


class WriteStage(BaseStage):
    """Writes ``ctx.request.out`` through the guard the read stage took."""

    name = "write"
    needs = ("corpus", "pool", "kmeans", "coverage")

    def applies(self, ctx: RunContext) -> bool:
        return ctx.guard is not None

    def run(self, ctx: RunContext) -> None:
        req, corpus, cov, guard = ctx.request, ctx.corpus, ctx.coverage, ctx.guard
        pool = ctx.pool.samples
        assert guard is not None  # applies() checked it
        report = ReportData(
            sources=[s.source for s in pool],
            lengths=ctx.pool.lengths if ctx.pool.lengths is not None else np.asarray([len(s.response) for s in pool]),
            labels=ctx.pool.labels,
            picks=ctx.picks,
            radii=cov.radii,
            random_radii=cov.random_radii,
            embeddings=ctx.pool.X,
            seed=ctx.config.seed,
            samples=pool,
        )
        chosen = [pool[i] for i in ctx.picks]
        rejected = ctx.rejected_as_read()
        manifest = ctx.manifest.build()
        manifest["seconds"] = ctx.timer.as_dict()
        write_selection(
            guard,
            req.protected,
            req.overwrite,
            corpus,
            chosen,
            ctx.rows,
            rejected,
            manifest,
            report,
            export=req.export,
            details=ctx.details,
        )
