"""Coverage of a selection in the space it was picked in: distances from each pick to the earlier ones, and the
coverage of the candidates against a random selection of the same size.

``distances_at_pick`` is what ``selection.jsonl``'s ``distance`` column holds; :func:`versus_random` is the
manifest's ``coverage`` section. It measures the greedy in its own space, so it says
how the picks spread, not whether they are better training data (``docs/algorithms.md`` section 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CHUNK = 2048


def distances_at_pick(X: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """For each pick, the Euclidean distance to the nearest earlier pick (``inf`` for the first).

    ``X`` is ``(n, d)`` float32 with unit rows; ``picks`` ``(m,)`` indices in order. Computed in row blocks of the
    picks' Gram matrix, so memory stays ``O(CHUNK x m)``.
    """
    picks = np.asarray(picks, dtype=np.int64)
    m = picks.size
    out = np.full(m, np.inf, dtype=np.float64)
    if m < 2:
        return out
    P = np.ascontiguousarray(X[picks], dtype=np.float32)
    sq = np.einsum("ij,ij->i", P, P, dtype=np.float64)
    for start in range(1, m, CHUNK):
        stop = min(m, start + CHUNK)
        G = P[start:stop] @ P[:stop].T  # (b, stop)
        d2 = sq[start:stop, None] + sq[None, :stop] - 2.0 * G
        # Only earlier picks count: mask j >= i.
        rows = np.arange(start, stop)[:, None]
        d2 = np.where(np.arange(stop)[None, :] < rows, d2, np.inf)
        out[start:stop] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out


FULL_COVERAGE_MAX = 100_000
"""Up to this many candidates, the random baseline's coverage is exact over every candidate; above it, both the
selection's and the baseline's coverage are measured on the same seeded sample of ``COVERAGE_SAMPLE`` candidates."""

COVERAGE_SAMPLE = 20_000


@dataclass
class Coverage:
    """The selection's coverage against a random selection of the same size under the same rules.

    Attributes:
        random: the random baseline (its ``radii``/``min_dist`` are NaN when ``rows`` is a sample).
        selection: ``radius`` (largest distance from a candidate to its nearest pick), ``mean_distance`` and
            ``size`` of the selection; random: the same for the baseline.
        radii, random_radii: ``(m,)`` coverage radius after each pick, for the report's curve.
        rows: how many candidates the figures are measured on (all of them, or the sample).
    """

    random: Any
    selection: dict[str, Any]
    random_summary: dict[str, Any]
    radii: np.ndarray
    random_radii: np.ndarray
    rows: int
    sampled: bool


def versus_random(
    X: np.ndarray,
    result: Any,
    *,
    eligible: np.ndarray,
    groups: np.ndarray | None,
    quotas: list[int] | None,
    seed: int,
    device: str = "cpu",
    progress: bool = False,
    sample: int = COVERAGE_SAMPLE,
    full_max: int = FULL_COVERAGE_MAX,
) -> Coverage:
    """Coverage of ``result`` (a :class:`~selector.selection.coreset.CoresetResult`) and of a seeded random
    selection of the same size under the same eligibility and quotas.

    Exact over every candidate up to ``full_max`` candidates. Above, the random picks are drawn without tracking
    distances, and both selections are measured on one seeded uniform sample of ``sample`` candidates (a
    blocked matrix product, ``O(sample x m x d)``): the radius is then the sample's, a lower bound of the true
    one for both alike, and the mean distance an unbiased estimate (standard error about ``std / sqrt(sample)``);
    only the sampled rows and the picks of ``X`` are read then (``X`` may be any row source indexed by rows).
    """
    from selector.selection.coreset import random_selection

    n_candidates = int(eligible.sum())
    exact = n_candidates <= full_max
    rnd = random_selection(
        X if exact else np.empty((X.shape[0], 0), dtype=np.float32),  # picks only: no row of X is read
        len(result.indices),
        eligible=eligible,
        groups=groups,
        quotas=quotas,
        seed=seed,
        device=device,
        progress=progress,
        distances=exact,
    )
    if exact:
        return Coverage(
            rnd,
            _summary(result, eligible),
            {**_summary(rnd, eligible), **_where(rnd)},
            np.asarray(result.radii),
            np.asarray(rnd.radii),
            n_candidates,
            False,
        )
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(np.flatnonzero(eligible), size=min(sample, n_candidates), replace=False))
    radii, dist = coverage_curve(X, result.indices, rows)
    r_radii, r_dist = coverage_curve(X, rnd.indices, rows)
    return Coverage(
        rnd,
        _sampled(radii, dist, len(result.indices)),
        {**_sampled(r_radii, r_dist, len(rnd.indices)), **_where(rnd)},
        radii,
        r_radii,
        len(rows),
        True,
    )


def coverage_curve(
    X: np.ndarray, picks: np.ndarray, rows: np.ndarray, block: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Radius over ``rows`` after each pick, and each row's final distance to its nearest pick.

    ``X`` ``(n, d)`` float32; ``picks`` in order; ``rows`` the rows to measure. Picks are taken in blocks: one
    ``(len(rows), block)`` matrix product, then a running minimum along the block, so memory stays
    ``O(len(rows) x block)``.
    """
    picks = np.asarray(picks, dtype=np.int64)
    R = np.ascontiguousarray(X[rows], dtype=np.float32)
    rn = np.einsum("ij,ij->i", R, R, dtype=np.float32)
    mind = np.full(len(rows), np.inf, dtype=np.float32)
    radii = np.empty(len(picks), dtype=np.float64)
    for s in range(0, len(picks), block):
        P = np.ascontiguousarray(X[picks[s : s + block]], dtype=np.float32)
        pn = np.einsum("ij,ij->i", P, P, dtype=np.float32)
        d2 = rn[:, None] + pn[None, :] - np.float32(2.0) * (R @ P.T)
        np.maximum(d2, np.float32(0.0), out=d2)
        np.minimum.accumulate(d2, axis=1, out=d2)
        np.minimum(d2, mind[:, None], out=d2)
        radii[s : s + len(P)] = np.sqrt(d2.max(axis=0))
        mind = d2[:, -1].copy()
    return radii, np.sqrt(mind)


def _where(rnd: Any) -> dict[str, Any]:
    """Where the random baseline's distances were kept (``cpu`` when it kept none), and why not on the GPU
    asked for when it did not fit there."""
    keys = ("device", "engine", "gpu_fallback")
    return {k: rnd.stats[k] for k in keys if k in rnd.stats}


def _summary(result: Any, eligible: np.ndarray) -> dict[str, Any]:
    return {
        "radius": round(float(result.radii[-1]), 6) if len(result.radii) else None,
        "mean_distance": round(float(np.mean(result.min_dist[eligible], dtype=np.float64)), 6),
        "size": len(result.indices),
    }


def _sampled(radii: np.ndarray, dist: np.ndarray, size: int) -> dict[str, Any]:
    return {
        "radius": round(float(radii[-1]), 6) if len(radii) else None,
        "mean_distance": round(float(np.mean(dist, dtype=np.float64)), 6),
        "size": size,
    }
