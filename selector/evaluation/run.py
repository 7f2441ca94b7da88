"""``selector.evaluate``: every strategy against seeded random selections of the same size, on held-out tasks.

The run: read the inputs with their task field, apply the config's filters (as ``selector select`` does), split
every task into pool and test (:mod:`selector.evaluation.split`), embed the pool once (cached), then for every
budget select with each strategy and with ``seeds`` random draws, and score all of them with the proxies
(:mod:`selector.measures.proxies`). Strategy names:

- ``default``: exactly what ``selector select`` does with the run config on the pool as one merged source, no
  task field (label-free: what most users run): the same stages, in memory (:func:`selector.pipeline.run.select_pool`),
  so ``coreset.strategy: auto`` resolves by :func:`selector.selection.strategies.resolve_strategy`.
- ``default+tasks``: the same with the task field (task centres as first picks, temperature quotas per task).
- any name of :data:`~selector.selection.strategies.STRATEGIES` (label-free), or that name with ``+tasks``:
  seeded with the task centres and split by the same temperature quotas per task.

The yardstick is ``seeds`` uniformly random selections of each size from the whole pool (numpy permutations
seeded ``1000 * seed + r``); each result row holds its median, 10th and 90th percentile, and the strategy's mid-rank
percentile among them (higher = better for every proxy). Outputs (with ``out``): ``evaluation.json``,
``evaluation.md`` and ``evaluation.png``, written into a staging folder and renamed into place as a whole. The
JSON holds no timings, so the same inputs and seed give byte-identical files.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig, load_run_config
from selector.embedding.cache import default_cache_dir
from selector.embedding.step import embed_samples, load_encoder
from selector.errors import ConfigError, SelectorError
from selector.evaluation.report import plot_evaluation, render_table
from selector.evaluation.split import leave_datasets_out, split_by_task
from selector.filters import apply_filters
from selector.io import read_corpus
from selector.io.guard import MARKER_KEY, OutputGuard, holds_output_lock, output_guard
from selector.measures.proxies import HIGHER_IS_BETTER, ProxyData, percentile
from selector.pipeline.outputs import staged_output
from selector.pipeline.request import Fraction
from selector.pipeline.run import pool_plan, select_pool
from selector.selection.strategies import STRATEGIES

log = logging.getLogger(__name__)

DEFAULT_BUDGETS = (0.005, 0.01, 0.02, 0.05)
DEFAULT_STRATEGIES = ("default", "default+tasks", "kcenter", "medoids", "random")


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


def _check_budgets(budgets: Sequence[float]) -> None:
    """Budgets are checked before any work (:func:`budget_size` applies them once the pool is known)."""
    if not budgets:
        raise ConfigError("--budgets is empty; give shares below 1 or counts (e.g. 0.005,0.01,100)")
    for b in budgets:
        if not (math.isfinite(b) and b > 0) or (b >= 1 and b != int(b)):
            raise ConfigError(
                f"--budgets: {b!r} is neither a share of the pool in (0, 1) nor a whole count of at least 1"
            )


def _check_strategies(names: Sequence[str], has_scores: bool) -> list[str]:
    valid = ["default", "default+tasks", *STRATEGIES, *(f"{s}+tasks" for s in STRATEGIES)]
    for name in names:
        if name not in valid:
            raise ConfigError(f"unknown strategy {name!r}; choose from: {', '.join(valid)}")
        if name.startswith("deita") and not has_scores:
            raise ConfigError(f"strategy {name!r} ranks by a quality score: pass a score field (--score-field F)")
    return list(dict.fromkeys(names))


def _task_rules(pool: Sequence[Any], X: np.ndarray, size: int, cfg: Any) -> dict[str, Any]:
    """Task centres as seeds and temperature quotas per task, as ``selector select --task-field`` plans them."""
    plan = pool_plan(pool, X, cfg, size)
    quotas = None if plan.quotas is None else np.asarray(plan.quotas, dtype=np.int64)
    return {"seeds": plan.seeds, "groups": plan.groups, "quotas": quotas}


@holds_output_lock("evaluate")  # the one output guard: held from before reading to the last file written
def evaluate(
    inputs: Sequence[str | Path],
    *,
    task_field: str,
    budgets: Sequence[float] = DEFAULT_BUDGETS,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    seeds: int = 20,
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
    """Evaluate selection strategies against random on held-out tasks; see the module docstring.

    inputs: files or folders, read with :func:`selector.read_corpus` and ``task_field`` (``@file``: file stem).
    budgets: shares of the pool (< 1) or counts. seeds: number of random selections per budget (20-50).
    config: a :class:`selector.RunConfig`, a YAML path or ``None`` (defaults): filters, encoder, K-Means, quotas.
    score_field: a numeric record field for the ``deita`` strategy. coverage_sample: measure coverage on this
    many seeded pool rows instead of all (``None``: all). holdout_datasets: leave this many whole datasets out of
    the pool and test only on them (:func:`~selector.evaluation.split.leave_datasets_out`; ``datasets``: dataset
    names that prefix the task names, else every task is its own dataset). Returns an :class:`EvaluationResult`.
    """
    if not task_field:
        raise ConfigError("evaluate needs --task-field F: every task is split into pool and held-out test")
    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {seeds!r}")
    _check_budgets(budgets)
    if not strategies:
        raise ConfigError("--strategies is empty; give at least one (e.g. default,kcenter)")
    if coverage_sample is not None and (isinstance(coverage_sample, bool) or coverage_sample < 1):
        raise ConfigError(f"--coverage-sample must be at least 1 (leave it out for all rows), got {coverage_sample!r}")
    cfg = config if isinstance(config, RunConfig) else load_run_config(config)
    if model is not None:
        cfg.encoder.model = str(model)
    if cache_dir is not None:
        cfg.encoder.cache_dir = str(cache_dir)
    names = _check_strategies(strategies, score_field is not None)
    out_path = Path(out) if out is not None else None
    cache = cfg.encoder.cache_dir or default_cache_dir()
    guard = output_guard(out_path, "evaluate", inputs, overwrite=overwrite, cache_dir=cache) if out_path else None
    started = time.perf_counter()
    corpus = read_corpus(inputs, task_field=task_field)
    if guard is not None:
        guard.check([f.path for f in corpus.files], overwrite, cache)  # inputs found inside folders too
    kept = apply_filters(corpus.samples, cfg.filters, progress=False).kept
    if any(s.task is None for s in kept):
        raise SelectorError(f"some records have no {task_field!r} field: every record needs a task to be split")
    split = split_by_task([str(s.task) for s in kept], [s.prompt for s in kept], test_fraction=test_fraction, seed=seed)
    if holdout_datasets:
        split = leave_datasets_out(split, [str(s.task) for s in kept], holdout_datasets, datasets=datasets, seed=seed)
    pool = [kept[i] for i in split.pool]
    test = [kept[i] for i in split.test]
    log.info("split: %d pool, %d test records in %d tasks", len(pool), len(test), split.stats["tasks"])
    encoder = load_encoder(cfg.encoder)  # the config's encoder: model, backend, quantisation, dtype, cache
    X, _ = embed_samples(pool, encoder, cfg.encoder.template, progress=progress)
    encoder.release()
    pool_tasks = [str(s.task) for s in pool]
    data = ProxyData.build(
        [s.prompt for s in pool], [s.response for s in pool], pool_tasks,
        [s.prompt for s in test], [s.response for s in test], [str(s.task) for s in test],
        coverage_sample=coverage_sample, seed=seed,
    )  # fmt: skip
    extra: dict[str, Any] = {"lengths": np.asarray([len(s.response) for s in pool], dtype=np.int64)}
    if score_field is not None:
        extra["scores"] = np.asarray([float(s.record[score_field]) for s in pool], dtype=np.float64)
    sizes = {float(b): budget_size(float(b), len(pool)) for b in budgets}
    results: list[dict[str, Any]] = []
    selections: dict[tuple[str, float], np.ndarray] = {}
    for budget, size in sizes.items():
        randoms = [
            data.measure(np.random.default_rng(1000 * seed + r).permutation(len(pool))[:size]) for r in range(seeds)
        ]
        plan = _task_rules(pool, X, size, cfg) if any(n.endswith("+tasks") for n in names) else {}
        for name in names:
            t0 = time.perf_counter()
            if name.startswith("default"):
                picks = select_pool(pool, X, cfg, size, tasks=name.endswith("+tasks"))
            else:
                fn = STRATEGIES[name.removesuffix("+tasks")]
                ctx = plan if name.endswith("+tasks") else {}
                picks = fn(X, size, seed=cfg.seed, **ctx, **extra).indices
            selections[(name, budget)] = picks
            values = data.measure(picks)
            for proxy, value in values.items():
                rand = [r[proxy] for r in randoms]
                results.append(_row(name, budget, len(picks), proxy, value, rand))
            pct = {r["proxy"]: r["percentile"] for r in results[-len(values) :]}
            log.info(
                "%s at %g (%d): transfer p%.0f, coverage p%.0f (%.1f s)",
                name, budget, size, pct["transfer"], pct["coverage_mean"], time.perf_counter() - t0,
            )  # fmt: skip
    settings = {
        "inputs": [str(p) for p in inputs],
        "task_field": task_field,
        "budgets": list(sizes),
        "strategies": names,
        "seeds": seeds,
        "test_fraction": test_fraction,
        "seed": seed,
        "coverage_sample": coverage_sample,
        "score_field": score_field,
        "holdout_datasets": holdout_datasets,
        "proxy_space": "word 1-2 gram TF-IDF of prompts, fitted on the pool",
        "encoder": cfg.encoder.model or "default",
    }
    result = EvaluationResult(
        results, split.stats, sizes, selections, settings, [s.id for s in pool], [s.id for s in test]
    )
    log.info("evaluation took %.1f s", time.perf_counter() - started)
    if out_path is not None:
        result.out_dir = write_evaluation(result, out_path, overwrite)
    return result


def _row(name: str, budget: float, size: int, proxy: str, value: float, rand: list[float]) -> dict[str, Any]:
    r = np.asarray(rand, dtype=np.float64)
    return {
        "strategy": name,
        "budget": budget,
        "size": size,
        "proxy": proxy,
        "value": round(float(value), 6),
        "random_median": round(float(np.median(r)), 6),
        "random_p10": round(float(np.percentile(r, 10)), 6),
        "random_p90": round(float(np.percentile(r, 90)), 6),
        "percentile": round(percentile(value, rand, HIGHER_IS_BETTER[proxy]), 2),
    }


EVALUATION_FILES = ("evaluation.json", "evaluation.md", "evaluation.png")


def write_evaluation(result: EvaluationResult, out: Path, overwrite: bool = False) -> Path:
    """Write ``evaluation.json``, ``evaluation.md``, ``evaluation.png`` and the ``manifest.json`` that marks them
    as this command's into ``out`` as a whole, through the one output guard (:mod:`selector.io.guard`)."""
    from selector import __version__

    guard = OutputGuard(Path(out), "evaluate")
    with staged_output(guard, result.settings.get("inputs", []), overwrite) as stage:
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
        (stage / "evaluation.json").write_text(text + "\n", encoding="utf-8")
        (stage / "evaluation.md").write_text(render_table(result), encoding="utf-8")
        plot_evaluation(result, stage / "evaluation.png")
        marker = {MARKER_KEY: __version__, "command": "evaluate", "outputs": list(EVALUATION_FILES)}
        (stage / "manifest.json").write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return guard.path
