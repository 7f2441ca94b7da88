"""``selector.evaluate``: every strategy, over several selection seeds, against random draws of the same size.

The run (``docs/quality.md``): read, clean and filter the inputs with the shared stages of ``selector select``
(:mod:`selector.evaluation.prepare`; the output guard first); leave out the tasks whose answers are all empty
(``split["empty_answer_tasks"]`` names them); split by *example* (:func:`~selector.evaluation.split.split_by_group`
with the group key of :mod:`selector.evaluation.groups`, so no held-out example is in the pool under another
template); embed the pool with the shared embed stage (cached by content); then for every budget run each strategy
with ``seeds`` selection seeds and compare with ``draws`` random draws (:mod:`selector.evaluation.measure`,
:mod:`selector.evaluation.cells`): effect size ``z`` with a bootstrap 90% interval, percentile and verdict per
(strategy, budget, proxy).

Strategy names: ``default`` is exactly what ``selector select`` does with the run config on the pool
(:func:`selector.pipeline.run.select_pool`); any name of :data:`~selector.selection.strategies.STRATEGIES` runs
that strategy with the pipeline's K-Means labels as ``clusters``. Suffixes: ``+sources`` (the samples keep their
sources: one file per template), ``+tasks`` (the task field plans the run). Selection seed ``i`` is the run
config's seed plus ``i``. Outputs (with ``out``): ``evaluation.json``, ``evaluation.md`` and ``evaluation.png``,
written whole through the output guard (:mod:`selector.evaluation.write`); the JSON holds no timings, so the same
inputs and seed give byte-identical files.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig
from selector.errors import ConfigError
from selector.evaluation.cells import MODES, Baselines
from selector.evaluation.checks import check_args
from selector.evaluation.measure import measure_cells
from selector.evaluation.prepare import SplitRules, prepare, run_config
from selector.evaluation.proxydata import build_proxies, check_proxies, finetune_draws
from selector.evaluation.write import write_evaluation
from selector.io.guard import holds_output_lock
from selector.measures.finetune import FinetuneSettings
from selector.measures.proxies import DEFAULT_PROXIES
from selector.pipeline.request import Fraction
from selector.selection.strategies import STRATEGIES

log = logging.getLogger(__name__)

DEFAULT_BUDGETS = (0.005, 0.01, 0.02, 0.05)
DEFAULT_STRATEGIES = ("default", "default+sources", "default+tasks", "medoids", "stratified", "kcenter")
PROXY_SPACE = "word 1-2 gram TF-IDF of prompts, fitted on the pool"


@dataclass
class EvaluationResult:
    """What :func:`evaluate` measured: ``results`` (one row per strategy, budget and proxy, the keys of
    ``evaluation.json``), ``split`` (the split's counts), ``sizes`` (budget -> selection size), ``selections``
    ((strategy, budget) -> pool indices picked at the first seed), ``pool_ids``/``test_ids`` (sample ids of the two
    sides of the split, the pool in the order the indices refer to) and ``out_dir`` when files were written."""

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


def check_strategies(names: Sequence[str], has_scores: bool) -> list[str]:
    """``names`` without repeats, each ``default`` or a registry strategy with an optional mode suffix; ``deita``
    needs ``score_field=``."""
    valid = [f"{b}{suffix}" for suffix in MODES for b in ("default", *STRATEGIES)]
    for name in names:
        if name not in valid:
            raise ConfigError(f"unknown strategy {name!r}; choose from: {', '.join(valid)}")
        if name.startswith("deita") and not has_scores:
            raise ConfigError(f"strategy {name!r} ranks by a quality score: pass score_field=F")
    return list(dict.fromkeys(names))


@holds_output_lock("evaluate")  # the one output guard: held from before reading to the last file written
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
    config: RunConfig | str | Path | None = None,
    model: str | Path | None = None,
    cache_dir: str | Path | None = None,
    score_field: str | None = None,
    coverage_sample: int | None = None,
    progress: bool = False,
    holdout_datasets: int = 0,
    datasets: Sequence[str] | None = None,
    proxies: Sequence[str] = DEFAULT_PROXIES,
    finetune: FinetuneSettings | None = None,
) -> EvaluationResult:
    """Evaluate selection strategies against random on held-out examples; see the module docstring.

    inputs: files or folders, read with ``task_field`` (``@file``: the file stem). group_field: the example key
    (:mod:`selector.evaluation.groups`; ``None``: detected). budgets: shares of the pool (< 1) or counts.
    seeds: selection seeds per strategy (at least 5 for a verdict). draws: random draws per baseline (200).
    config: a :class:`selector.RunConfig` (copied, never changed), a YAML path or ``None``. score_field: a numeric
    record field for ``deita``. coverage_sample: measure coverage on this many seeded pool rows (``None``: all).
    holdout_datasets: leave this many whole datasets out of the pool and test only on them (``datasets``: their
    names). proxies: names of :data:`~selector.measures.proxies.PROXIES`; finetune: that proxy's form.
    """
    check_args(task_field, seeds, draws, budgets, strategies, coverage_sample)
    cfg = run_config(config, model, cache_dir)
    names = check_strategies(strategies, score_field is not None)
    wanted = check_proxies(proxies)
    out_path, started = Path(out) if out is not None else None, time.perf_counter()
    rules = SplitRules(task_field, group_field, test_fraction, seed, holdout_datasets, datasets)
    prep = prepare(inputs, cfg, rules, out=out_path, overwrite=overwrite, progress=progress)
    pool, test = prep.pool, prep.test
    data, extra = build_proxies(pool, test, cfg, proxies=wanted, score_field=score_field,
                                coverage_sample=coverage_sample, seed=seed, finetune=finetune)  # fmt: skip
    sizes = {float(b): budget_size(float(b), len(pool)) for b in budgets}
    baselines = Baselines(data, draws, seed, finetune_draws=finetune_draws(data, draws))
    cells = measure_cells(pool, prep.X, cfg, names, sizes, data, extra, seeds, baselines)
    settings = {
        "inputs": [str(p) for p in inputs], "task_field": task_field, "group_field": prep.split.stats["group_field"],
        "budgets": list(sizes), "strategies": names, "seeds": seeds, "draws": draws, "test_fraction": test_fraction,
        "seed": seed, "coverage_sample": coverage_sample, "score_field": score_field, "proxy_space": PROXY_SPACE,
        "holdout_datasets": holdout_datasets, "encoder": cfg.encoder.model or "default", "proxies": list(data.proxies),
        "finetune": {**data.finetune.describe(), "draws": baselines.finetune_draws} if data.finetune else None,
    }  # fmt: skip
    result = EvaluationResult(cells.results, prep.split.stats, sizes, cells.selections, settings,
                              [s.id for s in pool], [s.id for s in test])  # fmt: skip
    log.info("evaluation took %.1f s", time.perf_counter() - started)
    if out_path is not None:
        result.out_dir = write_evaluation(result, out_path, overwrite)
    return result
