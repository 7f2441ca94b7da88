"""Write: the selection's folder, whole or not at all (:func:`selector.pipeline.outputs.write_selection`):
the chosen records as read, ``selection.jsonl``, ``rejected.jsonl`` (records as read, before cleaning),
``manifest.json``, the report and its plots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from selector.io import Corpus
from selector.pipeline.context import RunContext
from selector.pipeline.outputs import write_selection
from selector.pipeline.stages.base import BaseStage
from selector.report.data import ReportData
from selector.sample import Sample


def positions(corpus: Corpus, samples: Sequence[Sample]) -> dict[str, int]:
    """Where the given samples (or their cleaned copies, by id) stand in ``corpus.samples``.

    Built at the end for just these samples: a map of every id would cost about 100 MB per million samples for
    the whole run.
    """
    wanted = {s.id for s in samples}
    return {s.id: i for i, s in enumerate(corpus.samples) if s.id in wanted}


class WriteStage(BaseStage):
    """Writes ``ctx.request.out`` through the guard the read stage took."""

    name = "write"

    def applies(self, ctx: RunContext) -> bool:
        return ctx.guard is not None

    def run(self, ctx: RunContext) -> None:
        req, corpus, pool, X, cov, km = ctx.request, ctx.corpus, ctx.pool, ctx.X, ctx.coverage, ctx.kmeans
        assert ctx.guard is not None and corpus is not None and pool is not None and X is not None
        assert cov is not None and km is not None
        report = ReportData(
            sources=[s.source for s in pool],
            lengths=np.asarray([len(s.response) for s in pool]),
            labels=km.labels,
            picks=ctx.picks,
            radii=cov.radii,
            random_radii=cov.random_radii,
            embeddings=X,
            seed=ctx.config.seed,
            samples=pool,
        )
        chosen = [pool[i] for i in ctx.picks]
        position = positions(corpus, [s for s, _ in ctx.rejected])
        rejected = [(corpus.samples[position[s.id]], reason) for s, reason in ctx.rejected]
        manifest = ctx.manifest.build()
        manifest["seconds"] = ctx.timer.as_dict()
        write_selection(
            ctx.guard,
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
