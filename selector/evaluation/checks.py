"""Checks of :func:`~selector.evaluation.evaluate`'s arguments, made before any work (budgets, seeds, draws,
coverage sample). Errors name the API keywords; the CLI spells them as its flags."""

from __future__ import annotations

import math
from collections.abc import Sequence

from selector.errors import ConfigError


def check_budgets(budgets: Sequence[float]) -> None:
    """Budgets are checked before any work (:func:`~selector.evaluation.budget_size` applies them once the pool is
    known): shares in (0, 1) or whole counts of at least 1."""
    if not budgets:
        raise ConfigError("budgets= is empty; give shares below 1 or counts (e.g. 0.005,0.01,100)")
    for b in budgets:
        if not (math.isfinite(b) and b > 0) or (b >= 1 and b != int(b)):
            raise ConfigError(
                f"budgets=: {b!r} is neither a share of the pool in (0, 1) nor a whole count of at least 1"
            )


def check_args(
    task_field: str,
    seeds: int,
    draws: int,
    budgets: Sequence[float],
    strategies: Sequence[str],
    coverage_sample: int | None,
) -> None:
    """Refuse arguments no evaluation can run with, naming the keyword and a valid value."""
    if not task_field:
        raise ConfigError("evaluate needs task_field=F (e.g. @file): every task is split into pool and held-out test")
    if seeds < 1:
        raise ConfigError(f"seeds= must be at least 1 (5 for a verdict), got {seeds!r}")
    if draws < 2:
        raise ConfigError(f"draws= must be at least 2 (200 for a verdict), got {draws!r}")
    check_budgets(budgets)
    if not strategies:
        raise ConfigError("strategies= is empty; give at least one (e.g. default,kcenter)")
    if coverage_sample is not None and (isinstance(coverage_sample, bool) or coverage_sample < 1):
        raise ConfigError(f"coverage_sample= must be at least 1 (leave it out for all rows), got {coverage_sample!r}")
