"""What an evaluation measures on: the caller's config copied, the inputs read, cleaned and filtered with the shared
stages of ``selector select`` (the output guard included), the example-level split and the pool's embeddings."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig, load_run_config
from selector.embedding.cache import default_cache_dir
from selector.errors import SelectorError
from selector.evaluation.groups import detect_group_field, empty_answer_tasks, group_keys
from selector.evaluation.split import Split, leave_datasets_out, split_by_group
from selector.io.options import ReadOptions
from selector.pipeline.context import RunContext
from selector.pipeline.request import keeping_request
from selector.pipeline.stages import CleanStage, EmbedStage, FilterStage, ReadStage, run_stages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitRules:
    """How the kept records are split into pool and test (see :func:`split_pool`)."""

    task_field: str
    group_field: str | None = None
    test_fraction: float = 0.2
    seed: int = 0
    holdout_datasets: int = 0
    datasets: Sequence[str] | None = None


@dataclass
class Prepared:
    """The two sides of the split (``pool``, ``test``: samples), the split itself and ``X`` (``(len(pool), d)``
    float32 unit rows of the pool, in pool order)."""

    pool: list[Any]
    test: list[Any]
    split: Split
    X: np.ndarray


def run_config(
    config: RunConfig | str | Path | None, model: str | Path | None, cache_dir: str | Path | None
) -> RunConfig:
    """The run config: a copy of the caller's :class:`RunConfig` (never changed) or the YAML ``config`` names
    (``None``: the defaults), with ``model``/``cache_dir`` when given."""
    cfg = copy.deepcopy(config) if isinstance(config, RunConfig) else load_run_config(config)
    if model is not None:
        cfg.encoder.model = str(model)
    if cache_dir is not None:
        cfg.encoder.cache_dir = str(cache_dir)
    return cfg


def prepare(
    inputs: Sequence[str | Path],
    cfg: RunConfig,
    rules: SplitRules,
    *,
    out: Path | None,
    overwrite: bool,
    progress: bool,
) -> Prepared:
    """Read (the guard on ``out`` first), clean and filter with the shared stages, split by example
    (:func:`split_pool`), then embed the pool with the shared embed stage (cached by content)."""
    read = ReadOptions(task_field=rules.task_field)
    request = keeping_request(inputs, cfg, read, out=out, export=None, overwrite=overwrite, progress=progress)
    ctx = RunContext(request, cfg)
    run_stages((ReadStage("evaluate"), CleanStage(), FilterStage()), ctx, sections=False)
    if ctx.guard is not None and ctx.corpus is not None:  # inputs found inside folders are protected too
        ctx.guard.check([f.path for f in ctx.corpus.files], overwrite, cfg.encoder.cache_dir or default_cache_dir())
    assert ctx.pool is not None  # the read stage fills it
    at, test, split = split_pool(ctx.pool.samples, rules)
    ctx.pool = ctx.pool.narrow(at)
    run_stages((EmbedStage(),), ctx, sections=False)
    return Prepared(ctx.pool.samples, test, split, np.ascontiguousarray(ctx.pool.X, dtype=np.float32))


def split_pool(kept: list[Any], rules: SplitRules) -> tuple[np.ndarray, list[Any], Split]:
    """Tasks whose answers are all empty left out, then the example-level split
    (:func:`~selector.evaluation.split.split_by_group` with the group key of :mod:`selector.evaluation.groups`)
    and the held-out datasets. Returns the pool's positions in ``kept``, the test samples and the split (its
    ``stats`` name the group field used and the tasks left out)."""
    if any(s.task is None for s in kept):
        raise SelectorError(f"some records have no {rules.task_field!r} field: every record needs a task to be split")
    empty = set(empty_answer_tasks([str(s.task) for s in kept], [s.response for s in kept]))
    rows = np.asarray([i for i, s in enumerate(kept) if str(s.task) not in empty], dtype=np.int64)
    kept = [kept[i] for i in rows.tolist()]
    field_used = rules.group_field if rules.group_field is not None else detect_group_field(kept)
    keys = group_keys(kept, field_used, rules.datasets)
    tasks = [str(s.task) for s in kept]
    prompts = [s.prompt for s in kept]
    split = split_by_group(tasks, keys, prompts, test_fraction=rules.test_fraction, seed=rules.seed)
    if rules.holdout_datasets:
        split = leave_datasets_out(split, tasks, rules.holdout_datasets, datasets=rules.datasets, seed=rules.seed)
    split.stats.update(group_field=field_used or "record", empty_answer_tasks=sorted(empty))
    log.info(
        "split: %d pool, %d test records, %d groups (%s); %d empty-answer tasks left out",
        split.stats["pool"], split.stats["test"], split.stats["groups"], field_used or "one per record", len(empty),
    )  # fmt: skip
    return rows[np.asarray(split.pool, dtype=np.int64)], [kept[i] for i in split.test], split
