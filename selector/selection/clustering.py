"""Spherical K-Means with faiss (``docs/algorithms.md`` section 4).

The embeddings are unit vectors, so the clustering is spherical: centroids are re-normalised after every
update and points are assigned by largest inner product (cosine). faiss trains on a random subsample of at most
``k * max_points_per_centroid`` points (the subsample size is reported in the stats) and then every point is
assigned to its nearest centroid.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import faiss
import numpy as np

from selector.device import faiss_uses_gpu
from selector.errors import ConfigError, SelectorError
from selector.selection._rows import as_rows, widened
from selector.selection.config import ClusteringConfig

log = logging.getLogger(__name__)

MAX_DEFAULT_K = 1000


@dataclass(frozen=True)
class KMeansResult:
    """Outcome of :func:`kmeans`.

    ``centroids`` is ``(k, d)`` float32 with unit rows; ``labels`` is ``(n,)`` int64 in ``[0, k)``; ``stats`` holds
    ``k``, ``n``, ``niter``, ``seed``, ``train_size`` (the subsample faiss trained on), ``objective`` (faiss's
    final objective: the sum over the training points of their inner product with their centroid),
    ``mean_cosine`` (mean cosine of every point to its centroid), ``cluster_sizes`` (list of k ints), ``gpu`` and
    ``seconds``.
    """

    centroids: np.ndarray
    labels: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


def default_k(n: int) -> int:
    """Default number of clusters for ``n`` points: ``round(sqrt(n / 2))`` clipped to ``[1, 1000]``.

    The classic rule of thumb; it gives 32 clusters for 2,000 samples, 224 for 100k and 1,000 (the cap) from 2M.
    The paper does not state its k; this keeps clusters large enough (about ``sqrt(2 n)`` members) for a task to
    dominate one, and small enough that a cluster is one kind of request.
    """
    if n <= 0:
        return 1
    return int(min(MAX_DEFAULT_K, max(1, round(math.sqrt(n / 2)))))


def kmeans(
    X: np.ndarray,
    k: int | None = None,
    *,
    seed: int = 0,
    niter: int = 20,
    max_points_per_centroid: int = 256,
    device: str = "auto",
) -> KMeansResult:
    """Spherical K-Means of the rows of ``X`` with faiss; seeded and deterministic.

    X: ``(n, d)`` float array of embeddings (unit rows expected; any rows work, the clustering is by cosine).
    k: number of clusters; ``None`` means :func:`default_k`. ``k > n`` is lowered to ``n`` with a warning.
    seed: faiss's seed for the initial centroids and the training subsample.
    niter: Lloyd iterations (faiss default 25; 10-30 is typical).
    max_points_per_centroid: faiss trains on at most ``k * max_points_per_centroid`` random points. For float16
        ``X`` (kept half-size in memory) that sample is drawn here (seeded) and widened, and every row is assigned
        in blocks widened one at a time: no float32 copy of X is made.
    device: the run's device (:func:`selector.device.resolve_device`); faiss uses a GPU only for a CUDA device
        and only when it was built with GPU support (faiss-cpu has none).
    """
    X = as_rows(X)
    half = X.dtype == np.float16
    k = checked_k(X, k, niter)
    use_gpu = faiss_uses_gpu(device)
    start = time.perf_counter()
    rows = _training_rows(X, k * max_points_per_centroid, seed) if half else X
    centroids, objective = train_centroids(
        rows, k, niter=niter, seed=seed, max_points_per_centroid=max_points_per_centroid, gpu=use_gpu
    )
    sims, labels = _assign(X, centroids)
    result = kmeans_result(
        centroids, labels, sims, objective=objective, niter=niter, seed=seed, mpc=max_points_per_centroid,
        gpu=use_gpu, start=start,
    )  # fmt: skip
    stats = result.stats
    log.info("k-means: %d points, k=%d, trained on %d, %.1fs", stats["n"], k, stats["train_size"], stats["seconds"])
    return result


def train_centroids(
    rows: np.ndarray, k: int, *, niter: int, seed: int, max_points_per_centroid: int, gpu: bool
) -> tuple[np.ndarray, float]:
    """faiss's spherical ``Kmeans`` trained on ``rows`` (faiss draws its own seeded subsample of at most
    ``k * max_points_per_centroid`` of them): the unit ``(k, d)`` centroids and faiss's final objective. What
    :func:`kmeans` and the partitioned executor's K-Means (``selector.distributed.ray_kmeans``) both train."""
    km = faiss.Kmeans(
        rows.shape[1],
        k,
        niter=niter,
        seed=seed,
        spherical=True,
        max_points_per_centroid=max_points_per_centroid,
        min_points_per_centroid=1,
        gpu=gpu,
        verbose=False,
    )
    km.train(rows)
    return unit_centroids(km.centroids), float(km.obj[-1]) if len(km.obj) else 0.0


def kmeans_result(
    centroids: np.ndarray,
    labels: np.ndarray,
    sims: np.ndarray,
    *,
    objective: float,
    niter: int,
    seed: int,
    mpc: int,
    gpu: bool,
    start: float,
) -> KMeansResult:
    """The :class:`KMeansResult` of ``labels`` and ``sims`` (each row's centroid and cosine to it) with its stats;
    ``mpc`` is ``max_points_per_centroid``, ``start`` the ``time.perf_counter()`` the clustering began at."""
    k, d = centroids.shape
    n = len(labels)
    sizes = np.bincount(labels, minlength=k)
    stats = {
        "k": k,
        "n": n,
        "d": d,
        "niter": niter,
        "seed": seed,
        "train_size": int(min(n, k * mpc)),
        "objective": objective,
        "mean_cosine": float(sims.mean()),
        "cluster_sizes": sizes.tolist(),
        "empty_clusters": int((sizes == 0).sum()),
        "gpu": gpu,
        "seconds": round(time.perf_counter() - start, 3),
    }
    return KMeansResult(centroids=centroids, labels=labels, stats=stats)


def unit_centroids(centroids: np.ndarray) -> np.ndarray:
    """faiss's ``(k, d)`` centroids as contiguous float32 rows scaled to unit length (norms clamped at 1e-12)."""
    centroids = np.ascontiguousarray(centroids, dtype=np.float32)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    return centroids / np.maximum(norms, np.float32(1e-12))


def checked_k(X: np.ndarray, k: int | None, niter: int) -> int:
    """The number of clusters for ``X``: ``k`` checked (``None``: :func:`default_k`), lowered to ``n`` if above."""
    if X.ndim != 2:
        raise SelectorError(f"kmeans needs a 2-D (n, d) array of embeddings, got shape {X.shape}")
    n = X.shape[0]
    if n == 0:
        raise SelectorError("kmeans got 0 embeddings: nothing to cluster (did every sample get filtered out?)")
    if k is None:
        k = default_k(n)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k (number of clusters) must be a positive integer, got {k!r}")
    if niter < 1:
        raise ConfigError(f"niter must be at least 1, got {niter!r}")
    if k > n:
        log.warning("k=%d clusters requested for %d points: using k=%d", k, n, n)
        return n
    return int(k)


def _assign(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(cosine, label)`` of each row's nearest centroid; float16 ``X`` in blocks widened one at a time."""
    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(centroids)
    if X.dtype == np.float16:
        found = [index.search(block, 1) for block in widened(X)]
        sims, labels = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    else:
        sims, labels = index.search(X, 1)
    return sims[:, 0], labels[:, 0].astype(np.int64)


def _training_rows(X: np.ndarray, size: int, seed: int) -> np.ndarray:
    """A seeded sample of at most ``size`` rows of float16 ``X`` (in row order), widened to float32."""
    n = X.shape[0]
    if n <= size:
        return np.ascontiguousarray(X, dtype=np.float32)
    rows = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    return np.ascontiguousarray(X[rows], dtype=np.float32)


def kmeans_for_run(X: np.ndarray, clustering: ClusteringConfig, *, seed: int, device: str) -> KMeansResult:
    """:func:`kmeans` with a run config's ``clustering:`` keys, its seed and the run's device (what ``select`` and
    ``dedup`` run)."""
    return kmeans(
        X,
        clustering.k,
        seed=seed,
        niter=clustering.niter,
        max_points_per_centroid=clustering.max_points_per_centroid,
        device=device,
    )
