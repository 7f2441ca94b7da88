"""The two inner loops of :mod:`selector.coreset`: they keep the squared min-distances and answer argmax/radius.

Both keep one ``(n,)`` float32 vector of squared distances to the nearest pick and compute, per pick, ``d2 =
max(0, |x|^2 + |c|^2 - 2 x.c)`` with one matrix-vector product per chunk of rows.

- :class:`DenseEngine` (torch, CPU or CUDA): updates every row on every pick, then one masked argmax over n.
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


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; otherwise the named torch device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        from selector.errors import ConfigError

        raise ConfigError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda'") from exc


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

    def __call__(self, c: np.ndarray, nc: float, s: int, e: int) -> None:
        nc32 = np.float32(nc)
        for cs in range(s, e, self.chunk):
            ce = min(e, cs + self.chunk)
            dot, base = self.dot[: ce - cs], self.base[: ce - cs]
            np.matmul(self.X[cs:ce], c, out=dot)
            np.add(self.sqn[cs:ce], nc32, out=base)
            dot *= np.float32(-2.0)
            dot += base
            np.maximum(dot, np.float32(0.0), out=dot)
            np.minimum(self.mind[cs:ce], dot, out=self.mind[cs:ce])


class DenseEngine:
    """Every row updated on every pick; on CPU torch matvec + numpy, on CUDA all torch."""

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


EAGER_SHARE = 4.0
"""LazyEngine turns eager (dense) once it has computed this many times the dense loop's distances. Its refreshes
are small matrix products that run near the CPU's arithmetic peak, while the dense loop streams X from memory, so a
refreshed distance costs several times less than a streamed one (measured: 1.9x the dense count still ran 2x
faster on 100k x 384)."""


class LazyEngine:
    """Exact lazy evaluation on the CPU: min-distances are kept as upper bounds and refreshed only where they matter.

    A row's stored value is the minimum over the picks it has been compared with (``stamp`` of them), so it is an
    upper bound on its true squared min-distance, and bounds only fall. To find the farthest row, take the row
    with the largest bound (ties: lowest index); if it is up to date it is the answer, since every other row's
    true value is at most its bound. Otherwise refresh the ``block`` rows with the largest bounds against the picks
    they have not seen, in one small matrix product, and look again. Each pick then reads a few ``(n,)`` vectors
    and a few hundred rows of X instead of all of X. The first pick is one full pass, and :meth:`min_dist`
    brings every row up to date at the end. On data where the bounds do not pay (every row stays a contender),
    it switches to the dense update once its work passes ``EAGER_SHARE`` times the dense loop's.

    Same arithmetic as :class:`CpuUpdater` (``fl(fl(|x|^2 + |c|^2) - 2 x.c)``, clamped at 0), so the picks are the
    dense loop's except where two candidates are within float32 rounding of each other (the BLAS call that forms
    a dot product may differ).
    """

    def __init__(self, X: np.ndarray, sqn: np.ndarray, eligible: np.ndarray, chunk: int, block: int = 256) -> None:
        n = X.shape[0]
        self.X, self.sqn, self.elig = X, sqn, eligible
        self.pick = eligible.copy()
        self.ub = np.full(n, np.inf, dtype=np.float32)
        self.stamp = np.zeros(n, dtype=np.int64)  # how many of the picks (in order) each bound has seen
        self.picks: list[int] = []
        self.block = max(1, min(block, n))
        self.updater = CpuUpdater(X, sqn, self.ub, chunk)
        self.distances = 0
        self.refreshed = 0
        self.eager_from: int | None = None

    def update(self, i: int) -> None:
        n = self.X.shape[0]
        self.picks.append(i)
        t = len(self.picks)
        if t > 8 and self.eager_from is None and self.distances > EAGER_SHARE * n * (t - 1):
            # The bounds are not paying (data where every row stays a contender): bring every row up to date and
            # continue as the dense loop does, so the cost never exceeds it by much.
            self.picks.pop()
            self._refresh_all()
            self.picks.append(i)
            self.eager_from = t
        if t == 1 or self.eager_from is not None:  # every row against the new pick, in one pass
            self.updater(self.X[i], float(self.sqn[i]), 0, n)
            self.stamp[:] = t
            self.distances += n
        self.ub[i] = 0.0
        self.stamp[i] = t

    def _refresh_all(self) -> None:
        t = len(self.picks)
        n = self.X.shape[0]
        for s in range(0, n, 4096):
            rows = np.arange(s, min(n, s + 4096))
            rows = rows[self.stamp[rows] < t]
            if rows.size:
                self._refresh(rows)

    def _refresh(self, rows: np.ndarray) -> None:
        t = len(self.picks)
        s0 = int(self.stamp[rows].min())
        cols = np.asarray(self.picks[s0:t], dtype=np.int64)
        d2 = self.X[rows] @ self.X[cols].T
        d2 *= np.float32(-2.0)
        d2 += self.sqn[rows, None] + self.sqn[None, cols]
        np.maximum(d2, np.float32(0.0), out=d2)
        self.ub[rows] = np.minimum(self.ub[rows], d2.min(axis=1))
        self.stamp[rows] = t
        self.distances += d2.size
        self.refreshed += rows.size

    def _farthest(self, mask: np.ndarray) -> int:
        n = self.X.shape[0]
        t = len(self.picks)
        while True:
            vals = np.where(mask, self.ub, -np.inf)
            j = int(np.argmax(vals))
            if not mask[j]:
                return -1
            if self.stamp[j] == t:
                return j
            top = np.argpartition(vals, n - self.block)[n - self.block :] if self.block < n else np.arange(n)
            top = top[mask[top] & (self.stamp[top] < t)]
            self._refresh(np.union1d(top, [j]))

    def disable(self, idx: np.ndarray) -> None:
        self.pick[np.asarray(idx, dtype=np.int64)] = False

    def argmax(self) -> int:
        return self._farthest(self.pick)

    def radius(self) -> float:
        j = self._farthest(self.elig)
        return float(np.sqrt(self.ub[j])) if j >= 0 else 0.0

    def min_dist(self) -> np.ndarray:
        self._refresh_all()
        return np.sqrt(self.ub)

    def stats(self) -> dict:
        n = self.X.shape[0]
        per_pick = self.distances / max(len(self.picks), 1)
        return {
            "engine": "lazy",
            "rows_refreshed": self.refreshed,
            "distances_computed": self.distances,
            "share_of_dense": round(per_pick / max(n, 1), 4),
            "eager_from_pick": self.eager_from,
        }
