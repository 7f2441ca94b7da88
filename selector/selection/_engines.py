"""The inner loops of :mod:`selector.selection.coreset`: they keep the squared min-distances, answer argmax/radius.

Both keep one ``(n,)`` float32 vector of squared distances to the nearest pick and compute, per pick, ``d2 =
max(0, |x|^2 + |c|^2 - 2 x.c)`` with one matrix-vector product per chunk of rows.

- :class:`DenseEngine` (torch, CPU or CUDA): updates every row on every pick, then one masked argmax over n.
- :class:`~selector.selection._lazy_engine.LazyEngine` (CPU) lives in its own module.
- :class:`PrunedEngine` (CPU): rows copied in cluster order; per cluster it keeps the largest squared
  min-distance over all rows, over the candidates and over the still-pickable rows. A pick ``c`` cannot lower any
  value in cluster ``C`` (mean ``mu``, radius ``r``) when ``(||c - mu|| - r)^2 > max_C + eps``, where ``eps``
  bounds the float32 rounding of a computed ``d2`` (``(8 d + 32) 2^-24 max|x|^2``): then every computed ``d2`` is
  at least the stored value and ``min`` would leave it unchanged, so skipping ``C`` changes nothing. The argmax
  only looks inside the clusters holding the largest pickable value.
"""

from __future__ import annotations

import numpy as np
import torch


class CpuUpdater:
    """``mind[s:e] = min(mind[s:e], max(0, (|x|^2 + |c|^2) - 2 x.c))`` in chunks, on the CPU, with no allocation.

    The matvec is numpy's (BLAS sgemv into a preallocated buffer), the elementwise part runs in place. Measured on
    a 2-core machine, this reads X at about twice the rate of ``torch.mv`` per chunk (benchmarks/bench_coreset.py);
    the rounding order ``fl(fl(|x|^2 + |c|^2) - 2 x.c)`` is the reference's.
    """

    def __init__(self, X: np.ndarray, sqn: np.ndarray, mind: np.ndarray, chunk: int) -> None:
        self.X, self.sqn, self.mind, self.chunk = X, sqn, mind, chunk
        size = min(chunk, X.shape[0])
        self.dot = np.empty(size, dtype=np.float32)
        self.base = np.empty(size, dtype=np.float32)
        # float16 rows (unit vectors kept at half the size) are widened a chunk at a time: float32 math throughout
        self.wide = np.empty((size, X.shape[1]), dtype=np.float32) if X.dtype == np.float16 else None

    def __call__(self, c: np.ndarray, nc: float, s: int, e: int) -> None:
        nc32 = np.float32(nc)
        c = np.asarray(c, dtype=np.float32)
        for cs in range(s, e, self.chunk):
            ce = min(e, cs + self.chunk)
            dot, base = self.dot[: ce - cs], self.base[: ce - cs]
            rows = self.X[cs:ce]
            if self.wide is not None:
                rows = self.wide[: ce - cs]
                np.copyto(rows, self.X[cs:ce])
            np.matmul(rows, c, out=dot)
            np.add(self.sqn[cs:ce], nc32, out=base)
            dot *= np.float32(-2.0)
            dot += base
            np.maximum(dot, np.float32(0.0), out=dot)
            np.minimum(self.mind[cs:ce], dot, out=self.mind[cs:ce])


class DenseEngine:
    """Every row updated on every pick; on CPU torch matvec + numpy, on CUDA all torch."""

    @staticmethod
    def cuda_bytes(n: int, d: int, chunk: int) -> int:
        """Bytes the engine holds on a CUDA device for ``n`` rows of ``d`` float32: X (``4 n d``), the squared
        norms and min-distances (float32) and the two masks (bool), one ``(n,)`` float32 temporary of the argmax
        or radius, and two float32 vectors of the working chunk (at least 2^20 rows on CUDA, see ``__init__``)."""
        rows = min(n, max(chunk, 1 << 20))
        return 4 * n * d + (4 + 4 + 1 + 1) * n + 4 * n + 2 * 4 * rows

    def __init__(self, X: np.ndarray, sqn: np.ndarray, eligible: np.ndarray, chunk: int, device: torch.device):
        self.device = device
        self.cpu = device.type == "cpu"
        self.X = X if self.cpu else torch.from_numpy(X).to(device)
        self.rows_computed = 0
        n = X.shape[0]
        if self.cpu:
            self.sqn = sqn
            self.elig = eligible
            self.pick = eligible.copy()
            self.mind = np.full(n, np.inf, dtype=np.float32)
            self.chunk = chunk
            self.updater = CpuUpdater(X, sqn, self.mind, chunk)
        else:
            self.sqn_t = torch.from_numpy(sqn).to(device)
            self.elig_t = torch.from_numpy(eligible).to(device)
            self.pick_t = self.elig_t.clone()
            self.mind_t = torch.full((n,), float("inf"), dtype=torch.float32, device=device)
            self.chunk = max(chunk, 1 << 20)
            self.neg_inf = torch.tensor(float("-inf"), device=device)

    def update(self, i: int) -> None:
        n = self.X.shape[0]
        c = self.X[i]
        if self.cpu:
            self.updater(c, float(self.sqn[i]), 0, n)
            self.mind[i] = 0.0
        else:
            nc = self.sqn_t[i]
            for s in range(0, n, self.chunk):
                e = min(n, s + self.chunk)
                d2 = torch.addmv(self.sqn_t[s:e] + nc, self.X[s:e], c, alpha=-2.0).clamp_(min=0.0)
                torch.minimum(self.mind_t[s:e], d2, out=self.mind_t[s:e])
            self.mind_t[i] = 0.0
        self.rows_computed += n

    def disable(self, idx: np.ndarray) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        if self.cpu:
            self.pick[idx] = False
        else:
            self.pick_t[torch.from_numpy(idx).to(self.device)] = False

    def argmax(self) -> int:
        if self.cpu:
            j = int(np.argmax(np.where(self.pick, self.mind, -np.inf)))
            return j if self.pick[j] else -1
        j = int(torch.argmax(torch.where(self.pick_t, self.mind_t, self.neg_inf)))
        return j if bool(self.pick_t[j]) else -1

    def radius(self) -> float:
        if self.cpu:
            m = float(np.where(self.elig, self.mind, -np.inf).max())
        else:
            m = float(torch.where(self.elig_t, self.mind_t, self.neg_inf).max())
        return float(np.sqrt(m)) if m > -np.inf else 0.0

    def min_dist(self) -> np.ndarray:
        return np.sqrt(self.mind) if self.cpu else self.mind_t.sqrt().cpu().numpy()

    def stats(self) -> dict:
        return {"engine": "dense", "rows_computed": self.rows_computed}


class PrunedEngine:
    """Rows in cluster order; clusters whose bound shows no value can drop are skipped (CPU only)."""

    def __init__(self, X: np.ndarray, sqn: np.ndarray, eligible: np.ndarray, clusters: np.ndarray, chunk: int):
        n, d = X.shape
        self.X = X
        self.sqn_orig = sqn
        self.chunk = chunk
        order = np.argsort(clusters, kind="stable")
        self.order = order
        self.pos = np.empty(n, dtype=np.int64)
        self.pos[order] = np.arange(n)
        self.Xs = np.ascontiguousarray(X[order])
        self.sqn = sqn[order]
        labs = np.asarray(clusters)[order]
        self.starts = np.flatnonzero(np.r_[True, labs[1:] != labs[:-1]])
        self.ends = np.r_[self.starts[1:], n]
        nb = len(self.starts)
        self.block_of = np.repeat(np.arange(nb), self.ends - self.starts)
        mu = np.zeros((nb, d), dtype=np.float64)
        rad = np.zeros(nb, dtype=np.float64)
        for b in range(nb):
            rows = self.Xs[self.starts[b] : self.ends[b]].astype(np.float64)
            mu[b] = rows.mean(axis=0)
            rad[b] = np.sqrt(((rows - mu[b]) ** 2).sum(axis=1).max())
        self.mu = mu
        self.mu_sq = (mu**2).sum(axis=1)
        self.rad = rad * (1 + 1e-9) + 1e-12
        self.eps = (8 * d + 32) * 2.0**-24 * float(sqn.max())
        self.mind = np.full(n, np.inf, dtype=np.float32)
        self.updater = CpuUpdater(self.Xs, self.sqn, self.mind, chunk)
        self.elig = eligible[order]
        self.pick = self.elig.copy()
        has_elig = np.maximum.reduceat(self.elig, self.starts)
        self.max_all = np.full(nb, np.inf)
        self.max_elig = np.where(has_elig, np.inf, -np.inf)
        self.max_pick = self.max_elig.copy()
        self.rows_computed = 0
        self.picks = 0

    def _runs(self, active: np.ndarray) -> list[tuple[int, int]]:
        """Block runs ``[b0, b1]`` covering the active blocks; gaps of a few rows are merged (recomputing a
        skipped block is harmless: its values cannot change)."""
        blocks = np.flatnonzero(active)
        if blocks.size == 0:
            return []
        runs = []
        b0 = prev = int(blocks[0])
        for b in blocks[1:].tolist():
            if self.starts[b] - self.ends[prev] > 512:
                runs.append((b0, prev))
                b0 = b
            prev = b
        runs.append((b0, prev))
        return runs

    def _refresh(self, b0: int, b1: int) -> None:
        s, e = int(self.starts[b0]), int(self.ends[b1])
        seg = self.mind[s:e]
        offs = self.starts[b0 : b1 + 1] - s
        self.max_all[b0 : b1 + 1] = np.maximum.reduceat(seg, offs)
        self.max_elig[b0 : b1 + 1] = np.maximum.reduceat(np.where(self.elig[s:e], seg, -np.inf), offs)
        self.max_pick[b0 : b1 + 1] = np.maximum.reduceat(np.where(self.pick[s:e], seg, -np.inf), offs)

    def update(self, i: int) -> None:
        c64 = self.X[i].astype(np.float64)
        nc = float(self.sqn_orig[i])
        dc = np.sqrt(np.maximum(self.mu_sq + nc - 2.0 * (self.mu @ c64), 0.0))
        lb = dc - self.rad
        active = ~((lb > 0) & (lb * lb > self.max_all + self.eps))
        q = int(self.pos[i])
        active[self.block_of[q]] = True
        runs = self._runs(active)
        c = self.X[i]
        for b0, b1 in runs:
            s, e = int(self.starts[b0]), int(self.ends[b1])
            self.updater(c, nc, s, e)
            self.rows_computed += e - s
        self.mind[q] = 0.0
        self.pick[q] = False
        for b0, b1 in runs:
            self._refresh(b0, b1)
        self.picks += 1

    def disable(self, idx: np.ndarray) -> None:
        q = self.pos[np.asarray(idx, dtype=np.int64)]
        self.pick[q] = False
        for b in np.unique(self.block_of[q]).tolist():
            s, e = int(self.starts[b]), int(self.ends[b])
            vals = np.where(self.pick[s:e], self.mind[s:e], -np.inf)
            self.max_pick[b] = vals.max()

    def argmax(self) -> int:
        m = self.max_pick.max()
        if m == -np.inf:
            return -1
        best = -1
        for b in np.flatnonzero(self.max_pick == m).tolist():
            s, e = int(self.starts[b]), int(self.ends[b])
            vals = np.where(self.pick[s:e], self.mind[s:e], -np.inf)
            j = int(self.order[s + int(np.argmax(vals))])
            best = j if best < 0 else min(best, j)
        return best

    def radius(self) -> float:
        m = self.max_elig.max()
        return float(np.sqrt(m)) if m > -np.inf else 0.0

    def min_dist(self) -> np.ndarray:
        out = np.empty_like(self.mind)
        out[self.order] = np.sqrt(self.mind)
        return out

    def stats(self) -> dict:
        n = len(self.mind)
        frac = self.rows_computed / max(1, n * self.picks)
        return {"engine": "pruned", "clusters": len(self.starts), "rows_computed_fraction": round(frac, 4)}


class PicksOnlyEngine:
    """Keeps no distances: for a random baseline whose coverage is measured elsewhere (on a row subsample).

    The selection loop still enforces seeds, eligibility and quotas through ``disable``; ``radius`` is NaN. It
    keeps which rows are still open, with a count per block of ``BLOCK`` rows, so that :meth:`random_pick` draws
    a uniform open row in ``O(n / BLOCK + BLOCK)`` instead of scanning all ``n`` rows for every pick (10M rows x
    10,000 picks took 110 s that way).
    """

    BLOCK = 4096

    def __init__(self, n: int, eligible: np.ndarray | None = None) -> None:
        self.n = n
        self.open = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool).copy()
        starts = np.arange(0, n, self.BLOCK)
        self.counts = np.add.reduceat(self.open, starts, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)

    def update(self, i: int) -> None:
        pass

    def disable(self, idx: np.ndarray) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        idx = idx[self.open[idx]]
        if len(idx) > 1 and not bool(np.all(idx[1:] > idx[:-1])):  # a row twice would be counted twice
            idx = np.unique(idx)  # (the callers' rows are mostly ascending already: a group's members)
        self.open[idx] = False
        np.subtract.at(self.counts, idx // self.BLOCK, 1)

    def random_pick(self, rng: np.random.Generator) -> int:
        """A uniform open row, or -1: the same row, and the same draw from ``rng``, as
        ``rng.choice(np.flatnonzero(open))``."""
        total = int(self.counts.sum())
        if total == 0:
            return -1
        k = int(rng.integers(0, total))
        cum = np.cumsum(self.counts)
        b = int(np.searchsorted(cum, k, side="right"))
        local = np.flatnonzero(self.open[b * self.BLOCK : (b + 1) * self.BLOCK])
        return b * self.BLOCK + int(local[k - (cum[b] - self.counts[b])])

    def argmax(self) -> int:
        return -1

    def radius(self) -> float:
        return float("nan")

    def min_dist(self) -> np.ndarray:
        return np.full(self.n, np.nan, dtype=np.float32)

    def stats(self) -> dict:
        return {"engine": "picks-only"}
