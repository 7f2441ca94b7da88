"""The measuring loop of an evaluation: every (budget, strategy) cell, each strategy over its selection seeds, against
the random baselines of :mod:`selector.evaluation.cells`."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.config import RunConfig
from selector.evaluation.cells import Baselines, cell_rows, split_name
from selector.measures.proxies import ProxyData
from selector.pipeline.run import pool_plan, select_pool
from selector.selection.strategies import STRATEGIES

log = logging.getLogger(__name__)


@dataclass
class Cells:
    """What the loop measured: one row per (strategy, budget, proxy) and the first seed's picks per
    (strategy, budget)."""

    results: list[dict[str, Any]] = field(default_factory=list)
    selections: dict[tuple[str, float], np.ndarray] = field(default_factory=dict)


def mode_rules(pool: Sequence[Any], X: np.ndarray, size: int, cfg: RunConfig, suffix: str,
               seed: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Seeds, groups and quotas as ``selector select --seed seed`` (``None``: the config's seed) plans them with
    tasks (``+tasks``) or sources (``+sources``); none for the merged mode. The plan depends on the seed (its
    task centres come after the run's K-Means), so each selection seed gets its own, as ``default`` does."""
    if not suffix:
        return {}
    if seed is not None:
        cfg = copy.deepcopy(cfg)
        cfg.seed = seed
    plan = pool_plan(pool, X, cfg, size, sources=suffix == "+sources")
    quotas = None if plan.quotas is None else np.asarray(plan.quotas, dtype=np.int64)
    return {"seeds": plan.seeds, "groups": plan.groups, "quotas": quotas}


def pick(
    pool: Sequence[Any],
    X: np.ndarray,
    cfg: RunConfig,
    name: str,
    size: int,
    rules: Mapping[str, Any],
    extra: Mapping[str, Any],
    seed: int,
) -> np.ndarray:
    """``(m,)`` pool positions strategy ``name`` picks at selection seed ``seed``: ``default`` runs the pipeline's
    own stages (:func:`~selector.pipeline.run.select_pool`), any other base its registry strategy under ``rules``
    with ``extra`` (answer lengths, scores, the pipeline's K-Means labels)."""
    base, suffix = split_name(name)
    if base == "default":
        run_cfg = copy.deepcopy(cfg)
        run_cfg.seed = seed
        return select_pool(pool, X, run_cfg, size, tasks=suffix == "+tasks", sources=suffix == "+sources")
    return np.asarray(STRATEGIES[base](X, size, seed=seed, **rules, **extra).indices, dtype=np.int64)


def measure_cells(
    pool: Sequence[Any],
    X: np.ndarray,
    cfg: RunConfig,
    names: Sequence[str],
    sizes: Mapping[float, int],
    data: ProxyData,
    extra: Mapping[str, Any],
    seeds: int,
    baselines: Baselines,
) -> Cells:
    """Every (budget, strategy) cell: ``seeds`` selections (seeds ``cfg.seed + i``), measured by ``data``, against
    the uniform baseline and, in the ``+sources``/``+tasks`` modes, the count-matched one."""
    cells = Cells()
    labels = cluster_labels(X, cfg, seeds) if any(split_name(n)[0] != "default" for n in names) else []
    group_ids = {"+tasks": data.pool_tasks, "+sources": sorted_ids([str(s.source) for s in pool])}
    for budget, size in sizes.items():
        uniform = baselines.uniform(size)
        rules: dict[tuple[str, int], dict[str, Any]] = {}  # (suffix, seed) -> plan; ``default`` plans itself
        for name in names:
            t0 = time.perf_counter()
            base, suffix = split_name(name)
            picks = []
            for i in range(seeds):
                if base != "default" and (suffix, i) not in rules:
                    rules[(suffix, i)] = mode_rules(pool, X, size, cfg, suffix, cfg.seed + i)
                more = {**extra, "clusters": labels[i] if labels else None}
                picks.append(pick(pool, X, cfg, name, size, rules.get((suffix, i), {}), more, cfg.seed + i))
            cells.selections[(name, budget)] = picks[0]
            matched = baselines.matched(np.asarray(group_ids[suffix]), picks[0]) if suffix else None
            measured = [data.measure(p) for p in picks]
            rows = cell_rows(name, budget, len(picks[0]), measured, uniform, matched, baselines.seed)
            cells.results.extend(rows)
            z = {r["proxy"]: r["z"] for r in rows}
            z.setdefault("transfer", None)
            z.setdefault("coverage_mean", None)
            log.info(
                "%s at %g (%d): transfer z %s, coverage z %s (%.1f s)",
                name, budget, size, z["transfer"], z["coverage_mean"], time.perf_counter() - t0,
            )  # fmt: skip
    return cells


def cluster_labels(X: np.ndarray, cfg: RunConfig, seeds: int) -> list[np.ndarray]:
    """The pipeline's K-Means labels (:func:`~selector.selection.clustering.kmeans_for_run`) at each selection seed
    ``cfg.seed + i``: what ``selector select --seed`` would pass its strategy as ``clusters``."""
    from selector.selection.clustering import kmeans_for_run

    return [
        kmeans_for_run(X, cfg.clustering, seed=cfg.seed + i, device=cfg.encoder.device).labels for i in range(seeds)
    ]


def sorted_ids(values: Sequence[str]) -> np.ndarray:
    """``(n,)`` int64 ids of ``values``, numbered in the sorted order of the distinct values (hash-free)."""
    return np.unique(np.asarray(values, dtype=str), return_inverse=True)[1].astype(np.int64)
