"""``selector.evaluate``: every strategy, over several selection seeds, against random draws of the same size.

The run (``docs/quality.md``): read, clean and filter the inputs with the shared stages of ``selector select``
(:mod:`selector.pipeline.stages`); leave out the tasks whose answers are all empty (``split["empty_answer_tasks"]``
names them); split by *example* (:func:`~selector.evaluation.split.split_by_group` with the group key of
:mod:`selector.evaluation.groups`, so no held-out example is in the pool under another template); embed the pool
with the shared embed stage (cached by content); then for every budget run each strategy with ``seeds`` selection
seeds and compare with ``draws`` random draws (:mod:`selector.evaluation.cells`): effect size ``z`` with a
bootstrap 90% interval, percentile and verdict per (strategy, budget, proxy).

Strategy names: ``default`` is exactly what ``selector select`` does with the run config on the pool
(:func:`selector.pipeline.run.select_pool`); any name of :data:`~selector.selection.strategies.STRATEGIES` runs
that strategy (``stratified`` gets the pipeline's K-Means labels). Suffixes: ``+sources`` (the samples keep their
sources: one file per template), ``+tasks`` (the task field plans the run). Selection seed ``i`` is the run
config's seed plus ``i``. Outputs (with ``out``): ``evaluation.json``, ``evaluation.md`` and ``evaluation.png``,
written whole; the JSON holds no timings, so the same inputs and seed give byte-identical files.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig, load_run_config
from selector.errors import ConfigError, SelectorError
from selector.evaluation.cells import MODES, Baselines, cell_rows, split_name
from selector.evaluation.checks import check_args
from selector.evaluation.groups import detect_group_field, empty_answer_tasks, group_keys
from selector.evaluation.report import plot_evaluation, render_table
from selector.evaluation.split import leave_datasets_out, split_by_group
from selector.io.atomic import atomic_path
from selector.measures.proxies import ProxyData
from selector.pipeline.context import RunContext
from selector.pipeline.request import Fraction, build_request
from selector.pipeline.run import pool_plan, select_pool
from selector.pipeline.stages import CleanStage, EmbedStage, FilterStage, ReadStage, run_stages
from selector.selection.clustering import kmeans_for_run
from selector.selection.strategies import STRATEGIES

log = logging.getLogger(__name__)

DEFAULT_BUDGETS = (0.005, 0.01, 0.02, 0.05)
DEFAULT_STRATEGIES = ("default", "default+sources", "default+tasks", "medoids", "stratified", "kcenter")


@dataclass
class EvaluationResult:
    """What :func:`evaluate` measured: ``results`` (one row per strategy, budget and proxy, the keys of
    ``evaluation.json``), ``split`` (the split's counts), ``sizes`` (budget -> selection size), ``selections``
    ((strategy, budget) -> pool indices picked), ``pool_ids``/``test_ids`` (sample ids of the two sides of the split,
    the pool in the order the indices refer to) and ``out_dir`` when files were written."""

    results: list[dict[str, Any]]
    split: dict[str, Any]
    sizes: dict[float, int]
    selections: dict[tuple[str, float], np.ndarray] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    pool_ids: list[str] = field(default_factory=list)
    test_ids: list[str] = field(default_factory=list)
    out_dir: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The content of ``evaluation.json``."""
        return {
            "settings": self.settings,
            "split": self.split,
            "sizes": {str(b): n for b, n in self.sizes.items()},
            "results": self.results,
        }


def budget_size(budget: float, pool_size: int) -> int:
    """A budget below 1 is a share of the pool (the pipeline's one rule: rounded half up, at least 1); 1 or more is
    a count (at most the pool)."""
    if not budget > 0:  # also refuses nan
        raise ConfigError(f"budgets must be positive, got {budget!r}")
    if budget < 1:
        return Fraction(budget).records(pool_size)
    if budget != int(budget):
        raise ConfigError(f"a budget of 1 or more is a count and must be whole, got {budget!r}")
    return min(int(budget), pool_size)


def _check_strategies(names: Sequence[str], has_scores: bool) -> list[str]:
    bases = ["default", *STRATEGIES]
    valid = [f"{b}{suffix}" for suffix in MODES for b in bases]
    for name in names:
        if name not in valid:
            raise ConfigError(f"unknown strategy {name!r}; choose from: {', '.join(valid)}")
        if name.startswith("deita") and not has_scores:
            raise ConfigError(f"strategy {name!r} ranks by a quality score: pass a score field (--score-field F)")
    return list(dict.fromkeys(names))


def _rules(pool: Sequence[Any], X: np.ndarray, size: int, cfg: Any, suffix: str) -> dict[str, Any]:
    """Seeds, groups and quotas as ``selector select`` plans them with tasks (``+tasks``) or sources
    (``+sources``); none for the merged mode."""
    if not suffix:
        return {}
    plan = pool_plan(pool, X, cfg, size, sources=suffix == "+sources")
    quotas = None if plan.quotas is None else np.asarray(plan.quotas, dtype=np.int64)
    return {"seeds": plan.seeds, "groups": plan.groups, "quotas": quotas}


def _prepare(inputs: Sequence[str | Path], cfg: RunConfig, task_field: str, progress: bool) -> RunContext:
    """Read, clean and filter with the shared stages of ``selector select`` (no output: nothing to guard yet)."""
    # budget=1 only satisfies the request's budget check: every budget of the evaluation is given to select_pool
    request = build_request(inputs, config=copy.deepcopy(cfg), budget=1, task_field=task_field, progress=progress)
    ctx = RunContext(request, request.config)
    return run_stages((ReadStage("evaluate"), CleanStage(), FilterStage()), ctx, sections=False)


def _config(config: Any, model: str | Path | None, cache_dir: str | Path | None) -> RunConfig:
    """The run config: a copy of the caller's (never changed), with ``model``/``cache_dir`` when given."""
    cfg = copy.deepcopy(config) if isinstance(config, RunConfig) else load_run_config(config)
    if model is not None:
        cfg.encoder.model = str(model)
    if cache_dir is not None:
        cfg.encoder.cache_dir = str(cache_dir)
    return cfg


def evaluate(
    inputs: Sequence[str | Path],
    *,
    task_field: str,
    group_field: str | None = None,
    budgets: Sequence[float] = DEFAULT_BUDGETS,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    seeds: int = 5,
    draws: int = 200,
    test_fraction: float = 0.2,
    seed: int = 0,
    out: str | Path | None = None,
    overwrite: bool = False,
    config: Any = None,
    model: str | Path | None = None,
    cache_dir: str | Path | None = None,
    score_field: str | None = None,
    coverage_sample: int | None = None,
    progress: bool = False,
    holdout_datasets: int = 0,
    datasets: Sequence[str] | None = None,
) -> EvaluationResult:
    """Evaluate selection strategies against random on held-out examples; see the module docstring.

    inputs: files or folders, read with ``task_field`` (``@file``: the file stem). group_field: the example key
    (:mod:`selector.evaluation.groups`; ``None``: detected). budgets: shares of the pool (< 1) or counts.
    seeds: selection seeds per strategy (at least 5 for a verdict). draws: random draws per baseline (200).
    config: a :class:`selector.RunConfig` (copied, never changed), a YAML path or ``None``. score_field: a numeric
    record field for ``deita``. coverage_sample: measure coverage on this many seeded pool rows (``None``: all).
    holdout_datasets: leave this many whole datasets out of the pool and test only on them (``datasets``: their
    names). Returns an :class:`EvaluationResult`.
    """
    check_args(task_field, seeds, draws, budgets, strategies, coverage_sample)
    cfg = _config(config, model, cache_dir)
    names = _check_strategies(strategies, score_field is not None)
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        _check_out(out_path, overwrite)
    started = time.perf_counter()
    ctx = _prepare(inputs, cfg, task_field, progress)
    pool, test, split = _split(list(ctx.pool or []), task_field, group_field, test_fraction, seed,
                               holdout_datasets, datasets)  # fmt: skip
    ctx.pool = pool
    EmbedStage().run(ctx)
    X = np.ascontiguousarray(ctx.X, dtype=np.float32)
    data = ProxyData.build(
        [s.prompt for s in pool], [s.response for s in pool], [str(s.task) for s in pool],
        [s.prompt for s in test], [s.response for s in test], [str(s.task) for s in test],
        coverage_sample=coverage_sample, seed=seed,
    )  # fmt: skip
    extra: dict[str, Any] = {"lengths": np.asarray([len(s.response) for s in pool], dtype=np.int64)}
    if score_field is not None:
        extra["scores"] = np.asarray([float(s.record[score_field]) for s in pool], dtype=np.float64)
    if any(split_name(n)[0] == "stratified" for n in names):
        extra["clusters"] = kmeans_for_run(X, cfg).labels  # the pipeline's K-Means, reused
    sizes = {float(b): budget_size(float(b), len(pool)) for b in budgets}
    results, selections = _measure_all(pool, X, cfg, names, sizes, data, extra, seeds, Baselines(data, draws, seed))
    settings = {
        "inputs": [str(p) for p in inputs], "task_field": task_field, "group_field": split.stats["group_field"],
        "budgets": list(sizes), "strategies": names, "seeds": seeds, "draws": draws,
        "test_fraction": test_fraction, "seed": seed, "coverage_sample": coverage_sample,
        "score_field": score_field, "holdout_datasets": holdout_datasets,
        "proxy_space": "word 1-2 gram TF-IDF of prompts, fitted on the pool", "encoder": cfg.encoder.model or "default",
    }  # fmt: skip
    result = EvaluationResult(results, split.stats, sizes, selections, settings, [s.id for s in pool],
                              [s.id for s in test])  # fmt: skip
    log.info("evaluation took %.1f s", time.perf_counter() - started)
    if out_path is not None:
        result.out_dir = write_evaluation(result, out_path, overwrite)
    return result


def _split(kept: list[Any], task_field: str, group_field: str | None, test_fraction: float, seed: int,
           holdout_datasets: int, datasets: Sequence[str] | None) -> tuple[list, list, Any]:  # fmt: skip
    """Empty-answer tasks out, then the example-level split (and the held-out datasets): pool, test, split."""
    if any(s.task is None for s in kept):
        raise SelectorError(f"some records have no {task_field!r} field: every record needs a task to be split")
    empty = set(empty_answer_tasks([str(s.task) for s in kept], [s.response for s in kept]))
    kept = [s for s in kept if str(s.task) not in empty]
    field_used = group_field if group_field is not None else detect_group_field(kept)
    keys = group_keys(kept, field_used, datasets)
    tasks = [str(s.task) for s in kept]
    split = split_by_group(tasks, keys, [s.prompt for s in kept], test_fraction=test_fraction, seed=seed)
    if holdout_datasets:
        split = leave_datasets_out(split, tasks, holdout_datasets, datasets=datasets, seed=seed)
    split.stats.update(group_field=field_used or "record", empty_answer_tasks=sorted(empty))
    log.info("split: %d pool, %d test records, %d groups (%s); %d empty-answer tasks left out", split.stats["pool"],
             split.stats["test"], split.stats["groups"], field_used or "one per record", len(empty))  # fmt: skip
    return [kept[i] for i in split.pool], [kept[i] for i in split.test], split


def _pick(pool: Sequence[Any], X: np.ndarray, cfg: RunConfig, name: str, size: int, rules: dict, extra: dict,
          seed: int) -> np.ndarray:  # fmt: skip
    """The picks of strategy ``name`` at selection seed ``seed``."""
    base, suffix = split_name(name)
    if base == "default":
        run_cfg = copy.deepcopy(cfg)
        run_cfg.seed = seed
        return select_pool(pool, X, run_cfg, size, tasks=suffix == "+tasks", sources=suffix == "+sources")
    return np.asarray(STRATEGIES[base](X, size, seed=seed, **rules, **extra), dtype=np.int64)


def _measure_all(pool, X, cfg, names, sizes, data, extra, seeds, baselines) -> tuple[list, dict]:
    """Every (budget, strategy) cell: ``seeds`` selections, measured, against the baselines."""
    results: list[dict[str, Any]] = []
    selections: dict[tuple[str, float], np.ndarray] = {}
    group_ids = {"+tasks": data.pool_tasks, "+sources": _ids([str(s.source) for s in pool])}
    for budget, size in sizes.items():
        uniform = baselines.uniform(size)
        rules = {sfx: _rules(pool, X, size, cfg, sfx) for sfx in sorted({split_name(n)[1] for n in names})}
        for name in names:
            t0 = time.perf_counter()
            suffix = split_name(name)[1]
            picks = [_pick(pool, X, cfg, name, size, rules[suffix], extra, cfg.seed + i) for i in range(seeds)]
            selections[(name, budget)] = picks[0]
            matched = baselines.matched(group_ids[suffix], picks[0]) if suffix else None
            rows = cell_rows(name, budget, len(picks[0]), [data.measure(p) for p in picks], uniform, matched,
                             baselines.seed)  # fmt: skip
            results.extend(rows)
            z = {r["proxy"]: r["z"] for r in rows}
            log.info("%s at %g (%d): transfer z %s, coverage z %s (%.1f s)", name, budget, size, z["transfer"],
                     z["coverage_mean"], time.perf_counter() - t0)  # fmt: skip
    return results, selections


def _ids(values: Sequence[str]) -> np.ndarray:
    """Integer ids of ``values`` in sorted order of the distinct values (hash-free)."""
    return np.unique(np.asarray(values, dtype=str), return_inverse=True)[1].astype(np.int64)


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise SelectorError(f"--out {out} exists and is a file; choose a folder path")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise SelectorError(f"--out {out} is not empty; choose a new folder, or --overwrite an earlier evaluation")
        if not (out / "evaluation.json").is_file():
            raise SelectorError(f"--out {out} holds no evaluation.json; refusing to replace it even with --overwrite")


def write_evaluation(result: EvaluationResult, out: Path, overwrite: bool = False) -> Path:
    """Write ``evaluation.json``, ``evaluation.md`` and ``evaluation.png`` into ``out`` as a whole."""
    _check_out(out, overwrite)
    with atomic_path(out) as stage:  # written whole beside out, then renamed into place
        stage.mkdir(parents=True)
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
        (stage / "evaluation.json").write_text(text + "\n", encoding="utf-8")
        (stage / "evaluation.md").write_text(render_table(result), encoding="utf-8")
        plot_evaluation(result, stage / "evaluation.png")
    return out
