"""Pick: the ranked selection, by the configured strategy (KCenterGreedy by default) under the plan's rules; a
token budget cuts each group's ranking at its token quota (:mod:`selector.pipeline.tokens`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from selector.config import RunConfig
from selector.device import resolve_device
from selector.distributed import run_ray
from selector.pipeline.context import Picked, RunContext
from selector.pipeline.request import Tokens
from selector.pipeline.stages.base import BaseStage
from selector.pipeline.stages.read import counts_of
from selector.pipeline.tokens import check_token_cut, picked_per_group, quota_names, select_tokens, token_manifest
from selector.selection.sharded import Runner, sharded_kcenter
from selector.selection.strategies import STRATEGIES, TYPICAL_MAX_CANDIDATES, resolve_strategy

__all__ = ["TYPICAL_MAX_CANDIDATES", "PickStage", "coreset_function", "strategy_name"]


def strategy_name(cfg: RunConfig, plan_mode: str, tokens: bool, candidates: int) -> str:
    """The strategy a run uses: the config's, with ``auto`` resolved by
    :func:`~selector.selection.strategies.resolve_strategy` (the one place its rule lives)."""
    c = cfg.coreset
    return resolve_strategy(c.strategy, plan_mode=plan_mode, mode=c.mode, tokens=tokens, candidates=candidates)


def coreset_function(
    name: str, cfg: RunConfig, labels: np.ndarray, progress: bool, device: str
) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The coreset function of strategy ``name`` and its keyword arguments: the registered strategy
    (:data:`~selector.selection.strategies.STRATEGIES`), or with ``coreset.mode: sharded`` the sharded
    KCenterGreedy for ``kcenter``."""
    if name != "kcenter" or cfg.coreset.mode == "global":
        return STRATEGIES[name], {"seed": cfg.seed, "clusters": labels, "progress": progress, "device": device}
    c = cfg.coreset
    kwargs: dict[str, Any] = {"clusters": labels, "shards": c.shards, "tau": c.shard_tau, "workers": c.workers}
    if c.backend == "ray":
        kwargs["runner"] = run_ray  # imports Ray when it runs (the ray extra)
    return sharded_kcenter, kwargs


class PickStage(BaseStage):
    """Fills ``ctx.picked``. ``runner``: where the sharded coreset's shards run, when not as the config says (the
    partitioned executor's Ray tasks read their rows from the vector file)."""

    name = "pick"
    needs = ("pool", "plan")
    fills = ("picked",)

    def __init__(self, runner: Runner | None = None) -> None:
        self.runner = runner

    def run(self, ctx: RunContext) -> None:
        pool, plan, cfg = ctx.pool, ctx.plan, ctx.config
        X = pool.X
        device = resolve_device(cfg.encoder.device, mps=False)
        budget = ctx.request.budget
        tokens, candidates = isinstance(budget, Tokens), int(plan.eligible.sum())
        ctx.strategy = strategy_name(cfg, str(plan.stats.get("mode")), tokens, candidates)
        fn, kwargs = coreset_function(ctx.strategy, cfg, pool.labels, ctx.request.progress, device)
        if self.runner is not None and fn is sharded_kcenter:
            kwargs["runner"] = self.runner
        rules = {"seeds": plan.seeds, "eligible": plan.eligible, "groups": plan.groups, "quotas": plan.quotas}
        if not isinstance(budget, Tokens):
            res = fn(X, ctx.budget_records, **rules, **kwargs)
            ctx.picked = Picked(res, plan.quotas, dict(plan.quota_by_name))
            return
        counts = pool.token_counts
        if counts is None:
            raise RuntimeError("stage 'pick' needs the pool's token counts under a token budget: run 'tokens' first")
        by_tokens = select_tokens(X, plan, counts, budget.n, cfg.allocation.tau, fn, kwargs)
        res = by_tokens.result
        check_token_cut(res, counts, plan, budget.n)
        picks = np.asarray(res.indices, dtype=np.int64)
        ctx.picked = Picked(
            res,
            picked_per_group(picks, plan.groups),  # the random baseline, record for record
            quota_names(plan, pool.samples, by_tokens.quotas),
            token_manifest(pool.samples, counts, picks, budget.n, budget.tokenizer, by_tokens.ranked),
        )

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        picked, plan, km, pool = ctx.picked, ctx.plan, ctx.kmeans, ctx.pool
        picks, res, labels = picked.indices, picked.result, pool.labels
        k = len(km.centroids)
        per_cluster = np.bincount(labels[picks], minlength=k) if len(picks) else []
        selected = [pool[i] for i in picks]
        group_by = plan.group_by
        out: dict[str, Any] = {
            "counts": {"budget": int(res.stats.get("budget", len(picks))), "selected": len(picks)},
            "sources": {
                "quota": picked.quota_by_name if group_by == "source" else {},
                "selected": counts_of(s.source for s in selected),
            },
            "tasks": {
                "quota": picked.quota_by_name if group_by == "task" else {},
                "selected": counts_of(str(s.task) for s in selected if s.task is not None),
            },
            "allocation": {"group_by": group_by, "quotas": picked.quota_by_name},
            "clusters": {
                "k": k,
                "train_points": km.stats.get("train_size"),
                "objective": km.stats.get("objective"),
                "sizes": [int(x) for x in np.bincount(labels, minlength=k)],
                "picks": [int(x) for x in per_cluster],
                "clusters_picked": int(np.count_nonzero(per_cluster)),
            },
            "coreset": {key: v for key, v in res.stats.items() if key != "seconds"},
            "strategy": {"name": ctx.strategy, "configured": ctx.config.coreset.strategy, "seeds": int(res.n_seeds)},
        }
        if picked.tokens is not None:
            out["allocation"]["unit"] = "tokens"
            out["tokens"] = picked.tokens
        return out
