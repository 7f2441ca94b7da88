"""What a token-budget run reports: the manifest's ``tokens`` section, quotas by group name, an empty cut."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selector.errors import ConfigError
from selector.sample import Sample
from selector.selection.allocation import group_name

__all__ = ["check_token_cut", "picked_per_group", "quota_names", "token_manifest"]


def check_token_cut(res: Any, counts: np.ndarray, plan: Any, token_budget: int) -> None:
    """A token budget smaller than every candidate leaves nothing: say so, with the shortest sample's length."""
    if len(res.indices):
        return
    shortest = int(counts[plan.eligible].min()) if plan.eligible.any() else 0
    raise ConfigError(
        f"tokens={token_budget:,} holds no sample: the shortest candidate has {shortest:,} tokens (per-group "
        "quotas are smaller still); raise tokens="
    )


def picked_per_group(picks: np.ndarray, groups: np.ndarray | None) -> list[int] | None:
    """Picks per group id (the record quotas of the random baseline of a token-budget run)."""
    if groups is None:
        return None
    return [int(x) for x in np.bincount(groups[picks], minlength=int(groups.max()) + 1)]


def quota_names(plan: Any, pool: Sequence[Sample], by_id: Mapping[int, int]) -> dict[str, int]:
    """Group id -> value as group name -> value (the group of any pool sample with that id names it)."""
    if plan.groups is None:
        return {}
    names: dict[int, str] = {}
    for s, g in zip(pool, plan.groups, strict=True):
        names.setdefault(int(g), _group_label(s, plan.group_by, int(g)))
    return {names[g]: int(v) for g, v in sorted(by_id.items(), key=lambda kv: names[kv[0]])}


def _group_label(sample: Sample, group_by: str, group: int) -> str:
    return f"cluster {group}" if group_by == "cluster" else group_name(sample, group_by)


def token_manifest(
    pool: Sequence[Sample],
    counts: np.ndarray,
    picks: np.ndarray,
    budget: int,
    tokenizer: str | Path | None,
    ranked: int,
) -> dict[str, Any]:
    """The manifest's ``tokens`` section: the budget, the tokenizer, and tokens per source and in all."""
    by_source: dict[str, int] = {}
    for i in picks:
        by_source[pool[i].source] = by_source.get(pool[i].source, 0) + int(counts[i])
    return {
        "budget": budget,
        "tokenizer": str(tokenizer) if tokenizer is not None else "default encoder (all-MiniLM-L6-v2)",
        "counted": "all turns (system, prompt, answer), no special tokens, no chat template",
        "selected": int(counts[picks].sum()),
        "pool": int(counts.sum()),
        "ranked": ranked,
        "by_source": dict(sorted(by_source.items())),
    }
