"""KCenterGreedy coreset: greedy farthest-first traversal (``docs/algorithms.md`` section 5).

Sener & Savarese (arXiv 1708.00489): keep, for every point, its distance to the nearest selected point; repeatedly
select the eligible point farthest from the selection; update. This is a 2-approximation of k-center, and the picks
form an anytime ranking: every prefix is itself a greedy selection.

Exactness and speed. Each pick costs one matrix-vector product over the embeddings, done in chunks of
``chunk_size`` rows into a single ``(n,)`` float32 vector of squared distances (no ``budget x n`` or ``n x n``
matrix). With ``prune`` on (CPU), points are grouped by K-Means cluster; a cluster with centre ``mu`` and radius
``r`` is skipped when ``(||c - mu|| - r)^2`` exceeds the largest squared min-distance inside it by more than the
float32 rounding error of a distance, so a skipped cluster is one whose values could not change: the picks are
those of the unpruned loop (see :mod:`selector.selection._engines`).

Conventions (documented choices):

- Distance: Euclidean, ``sqrt(max(0, |x|^2 + |c|^2 - 2 x.c))``; on unit rows that is ``sqrt(2 - 2 cos)``.
- Ties: the lowest index wins.
- Seeds count as picks and toward the budget: ``indices`` is the seeds (truncated to ``budget``) followed by the
  greedy picks, ``len(indices) == budget`` unless the candidates run out (then all of them, with a warning).
- Without seeds the first pick is the candidate with the largest inner product with the sum of the eligible rows
  (the medoid under cosine for unit rows), so a run never depends on an arbitrary first point.
- ``eligible`` marks the candidates: only they are picked and the coverage radius is over them; every point's
  distance is still tracked (``min_dist``). Seeds may lie outside ``eligible``.
- ``groups``/``quotas``: a group with as many picks (seeds included) as its quota stops being eligible for
  picking, while its points stay candidates for the radius and its picks keep covering others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from selector.errors import ConfigError, SelectorError
from selector.selection._engine_choice import engine_device, use_lazy
from selector.selection._engines import DenseEngine, PrunedEngine
from selector.selection._greedy import check_inputs, greedy_loop
from selector.selection._half_engine import HalfEngine
from selector.selection._lazy_engine import LazyEngine
from selector.selection._random import random_selection
from selector.selection._rows import as_rows, squared_norms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoresetResult:
    """A selection: ``indices`` ``(m,)`` int64 (seeds first, then picks in order), ``radii`` ``(m,)`` float64
    (coverage radius over the candidates after each pick, non-increasing), ``min_dist`` ``(n,)`` float32
    (distance of every point to its nearest pick, :attr:`min_dist`), ``n_seeds`` and a ``stats`` dict for the run
    manifest."""

    indices: np.ndarray
    curve: np.ndarray | Callable[[], np.ndarray] = field(repr=False)
    distances: np.ndarray | Callable[[], np.ndarray] = field(repr=False)
    n_seeds: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def radii(self) -> np.ndarray:
        """``(m,)`` float64 coverage radius over the candidates after each pick, non-increasing. A ranking strategy
        hands a function here (measuring it costs ``n x m`` distances, the greedy's own price), so it is computed on
        the first read only: the sampled coverage of large pools never reads it."""
        if callable(self.curve):
            object.__setattr__(self, "curve", self.curve())
        return self.curve  # type: ignore[return-value]

    @property
    def min_dist(self) -> np.ndarray:
        """``(n,)`` float32 distance of every point to its nearest pick. An engine that keeps bounds (the lazy one)
        hands a function here, and the exact distances are computed on the first read only: at 1M rows that final
        pass costs as much as the whole lazy loop, and the sampled coverage of large pools never reads them."""
        if callable(self.distances):
            object.__setattr__(self, "distances", self.distances())
        return self.distances  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (sent to another process) with its distances computed: a function does not travel."""
        return {**self.__dict__, "curve": self.radii, "distances": self.min_dist}


class KCenterGreedy:
    """Greedy k-center selection, scikit-learn style: parameters in ``__init__``, work in :meth:`fit`.

    budget: number of points to select (seeds included). seeds: row indices selected first, in order.
    chunk_size: rows per matrix-vector product (16,384 rows of 384-d is 25 MB: fastest here).
    device: ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``. On CUDA the rows are stored in float16
    and distances accumulate in float32 (:mod:`selector.selection._half_engine`): the picks are the CPU engine's on
    the same float16-rounded rows, as a set (order only where distances tie within float32 rounding).
    prune: cluster-bound pruning (CPU). ``"auto"`` leaves it off: on 384-d embedding-like data the triangle bound
    never proves a cluster unchanged (benchmarks/bench_coreset.py), and on 8-d data it skips half the rows but its
    per-cluster overhead makes it 2x slower, so it has not paid where measured. ``True`` forces it; the picks are
    the same either way (tested).
    clusters: ``(n,)`` cluster labels for pruning (e.g. the
    pipeline's K-Means labels); when pruning without them, a quick K-Means (sqrt(n) clusters) is run.
    Pruning keeps a cluster-ordered copy of the embeddings (n x d float32) beside the input.
    progress: show a tqdm bar on stderr (only on a terminal).
    lazy: exact lazy evaluation (:class:`~selector.selection._engines.LazyEngine`): min-distances kept as upper
    bounds and refreshed only for the rows that could be the farthest. ``"auto"`` uses it on the CPU from
    ``LAZY_MIN_N`` rows, where it reads a small share of X per pick instead of all of it; the picks are the
    dense loop's (tested).

    After :meth:`fit`: ``ranking_``, ``radii_``, ``min_dist_``, ``n_seeds_``, ``stats_``.
    """

    def __init__(
        self,
        budget: int,
        *,
        seeds: np.ndarray | list[int] | None = None,
        chunk_size: int = 16384,
        device: str = "auto",
        prune: bool | Literal["auto"] = "auto",
        clusters: np.ndarray | None = None,
        progress: bool = True,
        lazy: bool | Literal["auto"] = "auto",
    ) -> None:
        self.budget = budget
        self.lazy = lazy
        self.seeds = seeds
        self.chunk_size = chunk_size
        self.device = device
        self.prune = prune
        self.clusters = clusters
        self.progress = progress

    def fit(
        self,
        X: np.ndarray,
        eligible: np.ndarray | None = None,
        groups: np.ndarray | None = None,
        quotas: np.ndarray | list[int] | None = None,
    ) -> KCenterGreedy:
        """Select from the rows of ``X`` (``(n, d)`` float32, unit rows expected); see the module docstring."""
        X, budget, seeds, eligible, groups, quotas = check_inputs(X, self.budget, self.seeds, eligible, groups, quotas)
        if self.chunk_size < 1:
            raise ConfigError(f"chunk_size must be positive, got {self.chunk_size!r}")
        n = X.shape[0]
        device, moved = engine_device(
            self.device, X, self.chunk_size, "the KCenterGreedy coreset", bytes_of=HalfEngine.cuda_bytes
        )
        prune = self.prune
        if prune == "auto":  # the bound skips nothing on 384-d embedding-like data (bench_coreset.py)
            prune = False
        elif not isinstance(prune, bool):
            raise ConfigError(f"prune must be 'auto', True or False, not {prune!r}")
        if prune and device.type != "cpu":
            raise ConfigError("cluster pruning runs on the CPU; use device='cpu' or prune=False on a GPU")
        start = time.perf_counter()
        if device.type == "cuda" and self.lazy is not True:  # float16 rows on the GPU (_half_engine.py)
            engine: DenseEngine | PrunedEngine | LazyEngine | HalfEngine = HalfEngine(
                X, eligible, self.chunk_size, device
            )
        else:
            # The CPU engines' math is float32. The lazy engine keeps float16 rows as they are and widens the few it
            # reads (the same picks as on the widened copy, at half its memory); the others take a float32 copy.
            lazy = not prune and use_lazy(self.lazy, device, n)
            X = as_rows(X) if lazy else np.ascontiguousarray(X, dtype=np.float32)
            engine = self._cpu_engine(X, eligible, prune, device)
        setup = time.perf_counter() - start

        picks, radii = greedy_loop(X, budget, seeds, eligible, groups, quotas, engine, self.progress)
        self.ranking_ = np.asarray(picks, dtype=np.int64)
        self.radii_ = np.asarray(radii, dtype=np.float64)
        # The lazy engine's exact distances cost a pass of their own: computed when first read. A device engine's
        # are fetched now, so that the result does not keep the rows on the device.
        lazy = isinstance(engine, LazyEngine)
        self._min_dist: np.ndarray | Callable[[], np.ndarray] = engine.min_dist if lazy else engine.min_dist()
        self.n_seeds_ = min(len(seeds), budget)
        self.stats_ = {
            "n": n,
            "d": int(X.shape[1]),
            "budget": budget,
            "selected": len(picks),
            "n_seeds": self.n_seeds_,
            "n_eligible": int(eligible.sum()),
            "final_radius": float(radii[-1]) if radii else None,
            "device": str(device),
            **({"gpu_fallback": moved} if moved else {}),
            "pruned": bool(prune),
            "setup_seconds": round(setup, 3),
            "seconds": round(time.perf_counter() - start, 3),
            **engine.stats(),
        }
        return self

    @property
    def min_dist_(self) -> np.ndarray:
        """``(n,)`` float32 distance of every row to its nearest pick (computed on the first read)."""
        if callable(self._min_dist):
            self._min_dist = self._min_dist()
        return self._min_dist

    def _cpu_engine(
        self, X: np.ndarray, eligible: np.ndarray, prune: bool, device: torch.device
    ) -> DenseEngine | PrunedEngine | LazyEngine:
        """The float32 engine for ``X``: pruned (``prune``), lazy (CPU, large inputs) or dense."""
        n = X.shape[0]
        sqn = squared_norms(X)
        if prune:
            clusters = self.clusters
            if clusters is None:
                from selector.selection.clustering import kmeans

                k = int(min(4096, max(1, round(np.sqrt(n)))))
                clusters = kmeans(X, k, seed=0, niter=10, max_points_per_centroid=64).labels
            clusters = np.asarray(clusters)
            if clusters.shape != (n,):
                raise SelectorError(f"clusters must be one label per row, shape ({n},), got {clusters.shape}")
            return PrunedEngine(X, sqn, eligible, clusters, self.chunk_size)
        if use_lazy(self.lazy, device, n):
            return LazyEngine(X, sqn, eligible, self.chunk_size)
        return DenseEngine(X, sqn, eligible, self.chunk_size, device)


def kcenter_greedy(
    X: np.ndarray,
    budget: int,
    *,
    seeds: np.ndarray | list[int] | None = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quotas: np.ndarray | list[int] | None = None,
    clusters: np.ndarray | None = None,
    chunk_size: int = 16384,
    device: str = "auto",
    prune: bool | Literal["auto"] = "auto",
    progress: bool = True,
    lazy: bool | Literal["auto"] = "auto",
) -> CoresetResult:
    """Greedy k-center selection of ``budget`` rows of ``X`` (``(n, d)`` float32 embeddings).

    Returns a :class:`CoresetResult`; the conventions (distance, ties, seeds, eligibility, quotas) are in the
    module docstring and the parameters in :class:`KCenterGreedy`. ``groups`` is ``(n,)`` non-negative group ids
    and ``quotas[g]`` the most picks group ``g`` may get (e.g. from the temperature allocation).
    """
    sel = KCenterGreedy(
        budget,
        seeds=seeds,
        chunk_size=chunk_size,
        device=device,
        prune=prune,
        clusters=clusters,
        progress=progress,
        lazy=lazy,
    ).fit(X, eligible=eligible, groups=groups, quotas=quotas)
    return CoresetResult(sel.ranking_, sel.radii_, lambda: sel.min_dist_, sel.n_seeds_, sel.stats_)


__all__ = ["CoresetResult", "KCenterGreedy", "kcenter_greedy", "random_selection"]
