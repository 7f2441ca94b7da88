"""Temperature-balanced allocation of a budget across groups (sources or tasks).

LIMA samples across Stack Exchange sites with temperature tau = 3 (arXiv 2305.11206). For groups of sizes
``n_1..n_m`` and a total ``M``, group ``s`` gets the share

    p_s = n_s ** (1 / tau) / sum_t n_t ** (1 / tau)

so tau = 1 is proportional to size, and tau -> infinity is uniform over the non-empty groups. The quotas are
integers that:

* sum exactly to ``min(M, sum n_s)``;
* never exceed a group's size: a group whose share reaches its size is capped, and the excess is handed to the
  others in proportion to their weights (water-filling, repeated until no share exceeds its size);
* round by largest remainder (Hamilton): each group gets the floor of its share, and the units left over go to
  the largest fractional parts, ties to the group that comes first (key order of a mapping, index of a sequence).

The same function serves the per-source (or per-task) budget split of the coreset and the optional pre-sampling
of a huge pool before embedding (:func:`presample_indices`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np

from selector.errors import ConfigError, SelectorError
from selector.sample import Sample

__all__ = ["AllocationConfig", "presample_indices", "temperature_quotas", "temperature_shares"]


NO_TASK = "(no task)"
"""The group name of samples without a task when the budget is split by task."""


def group_name(sample: Sample, group_by: str) -> str:
    """The group of ``sample`` under ``group_by`` (``source`` or ``task``; a missing task is :data:`NO_TASK`)."""
    if group_by == "task":
        return NO_TASK if sample.task is None else str(sample.task)
    return sample.source


def resolve_group_by(group_by: str, several_tasks: bool) -> str:
    """``auto`` becomes ``task`` when the run selects across several tasks (no ``--task``, no ``--target``), else
    ``source``; other values are returned as they are."""
    if group_by != "auto":
        return group_by
    return "task" if several_tasks else "source"


@dataclass
class AllocationConfig:
    """How a budget is balanced across groups (the ``allocation:`` section of a run config).

    Attributes:
        tau: temperature, > 0; 1 is proportional to group size, larger flattens the split, ``.inf`` is uniform.
            LIMA uses 3; typical range 1-10.
        group_by: what the groups are: ``auto`` (tasks when selecting across several tasks, else sources),
            ``source`` (the
            ``--source-field`` value or the input file's stem), ``task`` (the ``--task-field`` value; samples
            without a task form the group :data:`NO_TASK`) or ``cluster`` (K-Means clusters as pseudo-tasks). The
            manifest's ``allocation.group_by`` says which grouping a run used.
        max_pool: pre-sample the filtered pool down to at most this many samples before embedding, by
            temperature across groups, to cap the encoder's cost; ``None`` keeps the whole pool.
    """

    tau: float = 3.0
    group_by: Literal["auto", "source", "task", "cluster"] = "auto"
    max_pool: int | None = None

    def __post_init__(self) -> None:
        check_tau(self.tau, "allocation.tau")
        if self.max_pool is not None and self.max_pool < 1:
            raise ConfigError(
                f"config key 'allocation.max_pool' must be a positive integer or null, got {self.max_pool}"
            )


def check_tau(tau: float, name: str = "tau") -> None:
    """Raise :class:`ConfigError` unless ``tau`` is a positive number (``inf`` allowed)."""
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or math.isnan(tau) or tau <= 0:
        raise ConfigError(f"{name} must be a positive number (1 = proportional, inf = uniform), got {tau!r}")


def temperature_shares(sizes: Sequence[int], total: float, tau: float = 3.0) -> list[float]:
    """Real-valued capped shares: ``total * p_s`` with the excess of capped groups water-filled onto the others.

    ``total`` is first clipped to ``sum(sizes)``. The shares sum to that clipped total (up to float rounding) and
    each lies in ``[0, n_s]``. :func:`temperature_quotas` rounds them to integers.
    """
    check_tau(tau)
    sizes = [_check_size(n, i) for i, n in enumerate(sizes)]
    shares = [0.0] * len(sizes)
    remaining = float(min(total, sum(sizes)))
    weights = [0.0 if n == 0 else (1.0 if math.isinf(tau) else float(n) ** (1.0 / tau)) for n in sizes]
    active = [i for i, n in enumerate(sizes) if n > 0]
    while active and remaining > 0:
        wsum = math.fsum(weights[i] for i in active)
        capped = [i for i in active if remaining * weights[i] / wsum >= sizes[i]]
        if not capped:
            for i in active:
                shares[i] = remaining * weights[i] / wsum
            break
        for i in capped:
            shares[i] = float(sizes[i])
            remaining -= sizes[i]
        capped_set = set(capped)
        active = [i for i in active if i not in capped_set]
    return shares


@overload
def temperature_quotas(sizes: Mapping[Hashable, int], total: int, tau: float = ...) -> dict[Hashable, int]: ...
@overload
def temperature_quotas(sizes: Sequence[int], total: int, tau: float = ...) -> list[int]: ...


def temperature_quotas(
    sizes: Mapping[Hashable, int] | Sequence[int], total: int, tau: float = 3.0
) -> dict[Hashable, int] | list[int]:
    """Integer quotas per group: temperature shares, capped at each group's size, rounded by largest remainder.

    Args:
        sizes: group sizes, as a mapping ``{group: n}`` or a sequence ``[n_1, ..., n_m]`` (non-negative ints).
        total: the budget ``M`` (non-negative int); more than ``sum(sizes)`` simply takes every sample.
        tau: temperature > 0 (1 proportional, 3 LIMA, ``math.inf`` uniform over non-empty groups).

    Returns:
        The same shape as ``sizes`` (a dict with the same keys in the same order, or a list), with
        ``sum == min(total, sum(sizes))`` and ``0 <= quota <= n`` for every group.

    Example: ``temperature_quotas({"a": 900, "b": 100}, 100, tau=1) == {"a": 90, "b": 10}``; with ``tau=math.inf``
    it is ``{"a": 50, "b": 50}``.
    """
    if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 0:
        raise SelectorError(f"the budget to allocate must be a non-negative integer, got {total!r}")
    if isinstance(sizes, Mapping):
        keys = list(sizes)
        return dict(zip(keys, _round(list(sizes.values()), int(total), tau), strict=True))
    return _round(list(sizes), int(total), tau)


def _round(sizes: list[int], total: int, tau: float) -> list[int]:
    shares = temperature_shares(sizes, total, tau)
    target = min(total, sum(sizes))
    quotas = [min(math.floor(s), n) for s, n in zip(shares, sizes, strict=True)]
    # Largest remainder: the units left over go to the largest fractional parts, ties to the lower index.
    order = sorted(range(len(sizes)), key=lambda i: (-(shares[i] - quotas[i]), i))
    left = target - sum(quotas)
    while left > 0:  # one pass almost always suffices; a second only absorbs float rounding
        for i in order:
            if left == 0:
                break
            if quotas[i] < sizes[i]:
                quotas[i] += 1
                left -= 1
    while left < 0:  # float rounding pushed a floor one too high: take it back from the smallest fraction
        for i in reversed(order):
            if left == 0:
                break
            if quotas[i] > 0:
                quotas[i] -= 1
                left += 1
    return quotas


def presample_indices(groups: Sequence[Hashable], total: int, tau: float = 3.0, seed: int | None = 0) -> list[int]:
    """Pick at most ``total`` positions, balanced across groups by :func:`temperature_quotas`.

    Args:
        groups: the group label of each sample (length n), e.g. each sample's source.
        total: how many to keep; ``>= n`` keeps everything.
        tau: temperature, as in :func:`temperature_quotas`.
        seed: seeds a ``numpy.random.Generator``; within a group, the kept positions are a uniform random subset.

    Returns:
        Sorted positions into ``groups`` (the kept samples stay in input order). Groups are taken in order of
        first appearance, so the result depends only on the inputs and the seed.
    """
    members: dict[Hashable, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    quotas = temperature_quotas({g: len(idx) for g, idx in members.items()}, total, tau)
    rng = np.random.default_rng(seed)
    picked: list[int] = []
    for g, idx in members.items():
        q = quotas[g]
        if q >= len(idx):
            picked.extend(idx)
        elif q > 0:
            chosen = rng.choice(len(idx), size=q, replace=False)
            picked.extend(idx[j] for j in chosen.tolist())
    return sorted(picked)


def _check_size(n: int, i: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise SelectorError(f"group sizes must be non-negative integers, got {n!r} at position {i}")
    return int(n)
