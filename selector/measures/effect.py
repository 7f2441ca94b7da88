"""Effect sizes against random with a bootstrap interval, and the verdict of a cell (``docs/quality.md``): what
``selector evaluate`` reports per cell and the per-run "Versus random" section per proxy.

For one (strategy, budget, proxy) cell: ``values`` (the strategy's proxy value for each selection seed) and
``randoms`` (the same proxy for each random draw of the same size). Oriented so that larger is better for every
proxy (lower-is-better ones negated):

- ``z = (mean over seeds - random mean) / random standard deviation`` (ddof 1): how many random standard
  deviations the strategy sits above a random draw;
- its 90% interval: the 5th and 95th percentiles of ``z`` over :data:`BOOTSTRAP` resamples that draw the seeds and
  the random draws with replacement (seeded ``[seed, 2]``: the same inputs give the same interval);
- ``percentile``: the place of the mean over seeds among the random draws (mid-rank, 0-100);
- ``verdict``: ``beats`` (interval above 0), ``loses`` (below 0) or ``ties`` (across 0).

When every random draw gives the same value, ``z`` is 0 for an equal mean and :data:`Z_CAP` (signed) otherwise,
so a cell stays finite in JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.measures.proxies import percentile

BOOTSTRAP = 1000
Z_CAP = 99.0


def _z(v: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``z`` along the last axis: ``(mean(v) - mean(r)) / sd(r)``, capped at :data:`Z_CAP`."""
    diff = v.mean(axis=-1) - r.mean(axis=-1)
    sd = r.std(axis=-1, ddof=1) if r.shape[-1] > 1 else np.zeros_like(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, diff / np.where(sd > 0, sd, 1.0), np.sign(diff) * Z_CAP)
    return np.clip(z, -Z_CAP, Z_CAP)


def effect(values: Sequence[float], randoms: Sequence[float], higher_is_better: bool, *, seed: int = 0) -> dict:
    """The cell's ``z``, ``z_lo``/``z_hi`` (bootstrap 90%), ``percentile`` and ``verdict``; see the module docstring.
    ``values``: one per selection seed (at least 1); ``randoms``: one per random draw (at least 2)."""
    sign = 1.0 if higher_is_better else -1.0
    v = sign * np.asarray(values, dtype=np.float64)
    r = sign * np.asarray(randoms, dtype=np.float64)
    if v.size == 0 or r.size < 2 or np.isnan(v).any() or np.isnan(r).any():
        return {"z": None, "z_lo": None, "z_hi": None, "percentile": None, "verdict": "not measured"}
    rng = np.random.default_rng([int(seed), 2])
    vb = v[rng.integers(0, v.size, size=(BOOTSTRAP, v.size))]
    rb = r[rng.integers(0, r.size, size=(BOOTSTRAP, r.size))]
    boot = _z(vb, rb)
    lo, hi = (float(x) for x in np.percentile(boot, [5, 95]))
    verdict = "beats" if lo > 0 else "loses" if hi < 0 else "ties"
    mean = float(np.mean(np.asarray(values, dtype=np.float64)))
    return {
        "z": round(float(_z(v, r)), 3),
        "z_lo": round(lo, 3),
        "z_hi": round(hi, 3),
        "percentile": round(percentile(mean, list(randoms), higher_is_better), 2),
        "verdict": verdict,
    }


def summary(randoms: Sequence[float]) -> dict[str, Any]:
    """The random draws' mean, standard deviation, median, 10th and 90th percentile (rounded for JSON)."""
    r = np.asarray(randoms, dtype=np.float64)
    return {
        "random_mean": round(float(r.mean()), 6),
        "random_sd": round(float(r.std(ddof=1)) if r.size > 1 else 0.0, 6),
        "random_median": round(float(np.median(r)), 6),
        "random_p10": round(float(np.percentile(r, 10)), 6),
        "random_p90": round(float(np.percentile(r, 90)), 6),
    }
