"""What ``select()``'s arguments mean: config overrides, the budget, and the checks made before any work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selector.embedding.cache import default_cache_dir
from selector.errors import ConfigError
from selector.io import ReadOptions
from selector.io.writable import check_writable
from selector.sample import Sample


def resolve_budget(budget: int | None, fraction: float | None, pool_size: int) -> int:
    """The number of samples to select from a pool of ``pool_size``: exactly one of ``budget`` and ``fraction``."""
    if budget is not None and fraction is not None:
        raise ConfigError("give either a budget (budget=N) or a fraction (fraction=F), not both")
    if budget is None and fraction is None:
        raise ConfigError("no budget: pass budget=N (a count) or fraction=F (e.g. 0.005 for the paper's 0.5%)")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
            raise ConfigError(f"budget= must be a positive integer, got {budget!r}")
        return int(budget)
    if not 0 < float(fraction) <= 1:  # type: ignore[arg-type]
        raise ConfigError(f"fraction= must be in (0, 1], got {fraction!r}")
    return max(1, int(float(fraction) * pool_size + 0.5))  # type: ignore[arg-type]


def check_options(
    task: str | None, task_field: str | None, target: str | Path | None, embeddings: str | Path | None
) -> None:
    """Checks that need no data, made before anything is read."""
    if task is not None and target is not None:
        raise ConfigError("give either task=NAME or target=FILE, not both")
    if task is not None and task_field is None:
        raise ConfigError(f"task={task!r} needs task_field=F (the record key naming each sample's task, or @file)")
    if target is not None and not Path(target).exists():
        raise ConfigError(f"target={target}: file not found; give a file of a few examples of the downstream task")
    if target is not None and embeddings is not None:
        raise ConfigError("target= needs the encoder that embedded the pool; it cannot be combined with embeddings=")
    if embeddings is not None and not Path(embeddings).is_file():
        raise ConfigError(f"embeddings={embeddings}: file not found (write one with `selector embed`)")


def check_cache_dir(cache_dir: str | Path | None, embeddings: str | Path | None) -> None:
    """The embedding cache (``--cache-dir``, else the default under ``$SELECTOR_CACHE_DIR``, ``$XDG_CACHE_HOME``
    or ``~/.cache``) must be writable before any work, unless ``--embeddings`` replaces the encoder."""
    if embeddings is not None:
        return
    check_writable(
        default_cache_dir() if cache_dir is None else cache_dir,
        "--cache-dir",
        folder=True,
        fix="free space there, or give a writable --cache-dir (or set SELECTOR_CACHE_DIR)",
    )


def check_target(target: str | Path | None, options: ReadOptions) -> None:
    """``--target`` must hold at least one sample: read now (a few examples), not found empty after embedding."""
    if target is not None and not options.read([target]).samples:
        raise ConfigError(f"target={target} holds no samples; give a file of a few examples of the downstream task")


def check_task(task: str, kept: Sequence[Sample]) -> None:
    """``--task`` must name a task among the samples that passed the filters (checked before embedding)."""
    known = sorted({str(s.task) for s in kept if s.task is not None})
    if task not in known:
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        raise ConfigError(f"task={task!r} is not among the {len(known)} tasks after filtering: {shown or 'none'}")


def top_reasons(stats: Mapping[str, Any]) -> str:
    by_reason = stats.get("by_reason", {})
    top = sorted(((k, v) for k, v in by_reason.items() if v), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{k}: {v:,}" for k, v in top) or "no reason"
