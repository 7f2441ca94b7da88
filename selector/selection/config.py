"""The ``clustering:`` and ``coreset:`` sections of a run config, owned by the selection package.

(``allocation:`` is :class:`selector.selection.allocation.AllocationConfig`.) ``selector.config`` composes them
into the run config and loads them strictly (an unknown key is an error naming it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from selector.errors import ConfigError
from selector.selection.strategies import SELECT_STRATEGIES

StrategyName = Literal[SELECT_STRATEGIES]  # type: ignore[valid-type]
"""The values of ``coreset.strategy``, read from the strategy registry (a new strategy file adds its name)."""

__all__ = ["ClusteringConfig", "CoresetConfig"]


@dataclass
class ClusteringConfig:
    """faiss spherical K-Means (the ``clustering:`` section).

    Attributes:
        k: number of clusters; ``None`` is ``round(sqrt(n / 2))`` capped at 1,000
            (see ``selector.selection.clustering``).
        niter: Lloyd iterations (10-30 typical).
        max_points_per_centroid: faiss trains on at most ``k`` times this many points (faiss's own default: 256).
    """

    k: int | None = None
    niter: int = 20
    max_points_per_centroid: int = 256

    def __post_init__(self) -> None:
        for key in ("k", "niter", "max_points_per_centroid"):
            value = getattr(self, key)
            if value is not None and value < 1:
                hint = " (null: the default, round(sqrt(n / 2)))" if key == "k" else ""
                raise ConfigError(f"config key 'clustering.{key}' must be a positive integer{hint}, got {value}")


@dataclass
class CoresetConfig:
    """How the subset is picked (the ``coreset:`` section).

    Attributes:
        strategy: ``auto`` (the default: the rule of
            :func:`selector.selection.strategies.resolve_strategy`, chosen by ``selector evaluate``'s evidence,
            ``docs/quality.md``), or any strategy of the registry that ``selector select`` runs
            (:data:`selector.selection.strategies.SELECT_STRATEGIES`, one module each in
            ``selector/selection/strategies/``): ``kcenter`` (KCenterGreedy), ``random`` (a seeded random baseline
            under the same rules), ``stratified``, ``medoids``, ``kcenter_quota``, ``kcenter_guard``,
            ``kcenter_medoid``, ``facility_location``, ``typical_kcenter`` or ``kcenter_robust``; ``docs/quality.md``
            says how each fares against random.
        seeding: first picks: ``task_centre`` (the sample nearest each task's distribution centre), ``medoids``
            (the sample nearest each cluster centroid, largest clusters first), or ``none``.
        candidate_factor: with ``--target``, keep adding the clusters nearest the target until the candidates
            number at least this many times the budget (the paper's setting needs about 4).
        balance: split the budget across groups (``allocation.group_by``: sources, or tasks when they are
            known) by temperature; ``false`` lets the coreset pick freely.
        mode: ``global`` (the exact KCenterGreedy over every candidate) or ``sharded`` (exact inside shards of
            K-Means clusters, each with its share of the budget: faster and parallel, a larger coverage radius;
            ``selector.selection.sharded``, ``docs/scale.md``).
        shards: with ``sharded``, how many shards the clusters are packed into; ``null`` is one per worker.
        shard_tau: with ``sharded``, the temperature of the budget split across shards (1 proportional to their
            candidates; larger flattens towards equal shares).
        workers: with ``sharded``, processes that run the shards on this machine (1: in the run's process).
        backend: with ``sharded``, ``local`` (processes here) or ``ray`` (Ray tasks, ``pip install selector[ray]``;
            a local Ray cluster unless ``RAY_ADDRESS`` names one).
    """

    strategy: StrategyName = "auto"
    seeding: Literal["task_centre", "medoids", "none"] = "task_centre"
    candidate_factor: float = 4.0
    balance: bool = True
    mode: Literal["global", "sharded"] = "global"
    shards: int | None = None
    shard_tau: float = 1.0
    workers: int = 1
    backend: Literal["local", "ray"] = "local"

    def __post_init__(self) -> None:
        if not self.candidate_factor >= 1:
            raise ConfigError(
                f"config key 'coreset.candidate_factor' must be at least 1 (candidates per pick), "
                f"got {self.candidate_factor}"
            )
        if self.shards is not None and self.shards < 1:
            raise ConfigError(f"config key 'coreset.shards' must be a positive integer or null, got {self.shards}")
        if self.workers < 1:
            raise ConfigError(f"config key 'coreset.workers' must be a positive integer, got {self.workers}")
        if not self.shard_tau > 0:
            raise ConfigError(f"config key 'coreset.shard_tau' must be positive (1 proportional), got {self.shard_tau}")
