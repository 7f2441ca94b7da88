"""Measure: how the picks cover the candidates against a seeded random selection under the same rules (in the
embedding space, :mod:`selector.selection.coverage`), each pick's distance to the picks before it, and the
label-free evidence in an independent space (:mod:`selector.measures.evidence`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from selector.device import resolve_device
from selector.measures.evidence import random_draws, versus_random_proxies
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.report.duplicates import dedup_examples
from selector.selection.coverage import distances_at_pick, versus_random


class CoverageStage(BaseStage):
    """Fills ``ctx.coverage`` (radius and mean distance, selection vs random), ``ctx.at_pick`` and ``ctx.rows``."""

    name = "coverage"
    needs = ("pool", "plan", "picked")
    fills = ("coverage", "at_pick")

    def run(self, ctx: RunContext) -> None:
        X, plan, picked, cfg = ctx.pool.X, ctx.plan, ctx.picked, ctx.config
        ctx.coverage = versus_random(
            X,
            picked.result,
            eligible=plan.eligible,
            groups=plan.groups,
            quotas=picked.quotas,
            seed=cfg.seed,
            device=resolve_device(cfg.encoder.device, mps=False),
            progress=ctx.request.progress,
        )
        ctx.at_pick = distances_at_pick(X, picked.result.indices)
        ctx.rows = selection_rows(ctx)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        cov = ctx.coverage
        out: dict[str, Any] = {"selection": cov.selection, "random": cov.random_summary}
        if cov.sampled:
            out["measured_on"] = {
                "candidates_sampled": cov.rows,
                "note": "radius and mean distance over a seeded sample",
            }
        return {"coverage": out}


def selection_rows(ctx: RunContext) -> list[dict[str, Any]]:
    """The rows of ``selection.jsonl``: one per pick, in ranking order."""
    pool, picked, labels, at_pick = ctx.pool.samples, ctx.picked, ctx.pool.labels, ctx.at_pick
    n_seeds = picked.result.n_seeds
    return [
        {
            "rank": r,
            "id": pool[i].id,
            "source": pool[i].source,
            "task": pool[i].task,
            "cluster": int(labels[i]),
            "distance": None if not np.isfinite(at_pick[r]) else round(float(at_pick[r]), 6),
            "seed": r < n_seeds,
        }
        for r, i in enumerate(picked.indices.tolist())
    ]


class EvidenceStage(BaseStage):
    """Fills ``ctx.evidence``: the manifest's ``versus_random`` section (``None`` when nothing was picked)."""

    name = "versus_random"
    needs = ("pool", "plan", "picked")

    def run(self, ctx: RunContext) -> None:
        plan, picked, pool, seed = ctx.plan, ctx.picked, ctx.pool.samples, ctx.config.seed
        picks = picked.indices
        matched = plan.groups is not None and picked.quotas is not None
        quotas = None
        if matched:  # count-matched: the draws hold the selection's own picks per group, not the quotas' caps
            groups = np.asarray(plan.groups)
            size = max(len(picked.quotas), int(groups.max()) + 1 if len(groups) else 0)
            quotas = np.bincount(groups[picks], minlength=size).tolist()
        draws = random_draws(plan.eligible, plan.groups, quotas, len(picks), seed)
        group_of = [str(g) for g in plan.groups] if plan.groups is not None else [s.source for s in pool]
        baseline = "count-matched" if matched else "uniform"
        ctx.evidence = (
            versus_random_proxies(pool, picks, draws, group_of, seed=seed, baseline=baseline) if len(picks) else None
        )

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        out: dict[str, Any] = {"versus_random": ctx.evidence}
        if ctx.semantic is not None:  # after the other counts: the report lists them in this order
            out["counts"] = {"after_semantic_dedup": len(ctx.pool)}
        out["dedup"] = dedup_examples(ctx.rejected, ctx.details, ctx.cleaned)
        return out
