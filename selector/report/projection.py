"""The 2-D map of a pool: a seeded sample of at most :data:`PROJECTION_POINTS` rows, projected by PCA.

One projection serves both reports: ``projection.png`` (:mod:`selector.report.plots`) and the interactive map
of ``report.html`` (:mod:`selector.report.html`) call :func:`pool_projection` with the same rows, picks and seed,
so the two show the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROJECTION_POINTS = 20_000
"""At most this many pool rows are projected and drawn (a seeded sample at scale)."""


@dataclass
class Projection:
    """A sampled pool and its picks on the first two principal axes.

    Attributes:
        idx: ``(s,)`` sorted pool indices of the sampled rows, ``s <= PROJECTION_POINTS``.
        pool_xy: ``(s, 2)`` float64 coordinates of those rows.
        pick_xy: ``(m, 2)`` float64 coordinates of the picks, in the order given.
    """

    idx: np.ndarray
    pool_xy: np.ndarray
    pick_xy: np.ndarray


def project_2d(X: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the rows ``idx`` of ``X`` onto their first two principal axes; returns the axes ``(d, 2)`` and the
    rows' mean.

    The axes are the top eigenvectors of the ``d x d`` scatter matrix, accumulated in float64 over blocks of rows
    (the right singular vectors of the centred rows, without the rows' ``n x d`` float64 copies an SVD needs).
    """
    d = X.shape[1]
    total = np.zeros(d)
    scatter = np.zeros((d, d))
    for s in range(0, len(idx), 4096):
        block = X[idx[s : s + 4096]].astype(np.float64)
        total += block.sum(axis=0)
        scatter += block.T @ block
    mean = total / len(idx)
    scatter -= len(idx) * np.outer(mean, mean)
    _, vectors = np.linalg.eigh(scatter)  # ascending eigenvalues
    axes = vectors[:, ::-1][:, :2].copy()
    # Fix the sign of each axis so the plot does not flip between runs or machines.
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), [0, 1]])
    return axes * np.where(signs == 0, 1.0, signs), mean


def sample_rows(n: int, seed: int, points: int = PROJECTION_POINTS) -> np.ndarray:
    """Sorted indices of a seeded sample of ``min(n, points)`` of ``n`` rows (all of them when ``n <= points``)."""
    if n <= points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=points, replace=False))


def pool_projection(X: np.ndarray, picks: np.ndarray, seed: int) -> Projection | None:
    """Project a seeded sample of the pool ``X`` (``(n, d)`` float32 or float16; only sampled rows are widened)
    and the rows ``picks`` onto the sample's first two principal axes; ``None`` below 3 rows."""
    n = X.shape[0]
    if n < 3:
        return None
    idx = sample_rows(n, seed)
    axes, mean = project_2d(X, idx)
    picks = np.asarray(picks, dtype=np.int64)
    return Projection(idx=idx, pool_xy=(X[idx] - mean) @ axes, pick_xy=(X[picks] - mean) @ axes)
