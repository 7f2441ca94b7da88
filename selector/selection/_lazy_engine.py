"""Exact lazy evaluation of the KCenterGreedy loop on the CPU (the default engine from ``LAZY_MIN_N`` rows).

Each row's stored squared min-distance is an upper bound that only falls; the farthest row by bound is the answer
once it is up to date, otherwise the rows with the largest bounds are refreshed in small matrix products and the
search repeats (``docs/algorithms.md`` section 5, ``docs/scale.md``).
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import ThreadpoolController

from selector.selection._engines import CpuUpdater

EAGER_SHARE = 4.0
"""LazyEngine turns eager (dense) once it has computed this many times the dense loop's distances. Its refreshes
are small matrix products that run near the CPU's arithmetic peak, while the dense loop streams X from memory, so a
refreshed distance costs several times less than a streamed one (measured: 1.9x the dense count still ran 2x
faster on 100k x 384)."""

BLOCK_ROWS = 1024
"""Rows per block of the per-block maxima: finding the largest bound reads ``n / BLOCK_ROWS`` maxima and one block
instead of all ``n`` bounds."""

REFRESH_ROWS = 1024
"""Most rows refreshed in one matrix product (``REFRESH_ROWS x picks`` float32 at a time)."""

REFRESH_THREADS = 1
"""BLAS threads for the refresh products. They are small (at most ``REFRESH_ROWS`` rows, often a few dozen picks),
and OpenBLAS's threads spin and wait on each other when the cores are shared: 200k x 2,000 picks of the
bench_scale vectors took 112.9 s with numpy's default 2 threads and 6.3 s with 1, the same picks (2 cores, load
about 5). Limited through one ``ThreadpoolController`` made per engine (its ``limit`` costs about 0.03 ms)."""


class _MaskedMax:
    """The bounds ``ub`` masked by ``mask`` (``-inf`` elsewhere) and their maximum per block of ``BLOCK_ROWS`` rows.

    ``vals`` is padded to whole blocks with ``-inf``; :meth:`touch` re-reads the given rows and re-takes the maxima
    of their blocks only, so the farthest row is found in ``O(n / BLOCK_ROWS + BLOCK_ROWS)``.
    """

    def __init__(self, ub: np.ndarray, mask: np.ndarray) -> None:
        self.ub, self.mask = ub, mask
        n = len(ub)
        self.nb = max(1, -(-n // BLOCK_ROWS))
        self.vals = np.full(self.nb * BLOCK_ROWS, -np.inf, dtype=np.float32)
        self.grid = self.vals.reshape(self.nb, BLOCK_ROWS)
        self.rebuild()

    def rebuild(self) -> None:
        n = len(self.ub)
        np.copyto(self.vals[:n], np.where(self.mask, self.ub, np.float32(-np.inf)))
        self.bmax = self.grid.max(axis=1)

    def touch(self, rows: np.ndarray) -> None:
        self.vals[rows] = np.where(self.mask[rows], self.ub[rows], np.float32(-np.inf))
        blocks = np.unique(rows // BLOCK_ROWS)
        self.bmax[blocks] = self.grid[blocks].max(axis=1)

    def top(self) -> int:
        """The row with the largest masked bound (ties: the lowest row), or -1 when every row is masked."""
        b = int(np.argmax(self.bmax))
        if self.bmax[b] == -np.inf:
            return -1
        return b * BLOCK_ROWS + int(np.argmax(self.grid[b]))

    def leaders(self, count: int) -> np.ndarray:
        """About ``count`` rows with large bounds: the largest ``count`` among the blocks with the largest maxima."""
        m = min(self.nb, max(1, -(-count // 16)))
        blocks = np.argpartition(self.bmax, self.nb - m)[self.nb - m :] if m < self.nb else np.arange(self.nb)
        rows = (blocks[:, None] * BLOCK_ROWS + np.arange(BLOCK_ROWS)).reshape(-1)
        vals = self.vals[rows]
        if count < len(rows):
            keep = np.argpartition(vals, len(rows) - count)[len(rows) - count :]
            rows, vals = rows[keep], vals[keep]
        return rows[vals > -np.inf]


class LazyEngine:
    """Exact lazy evaluation on the CPU: min-distances are kept as upper bounds and refreshed only where they matter.

    A row's stored value is the minimum over the picks it has been compared with (``stamp`` of them), so it is an
    upper bound on its true squared min-distance, and bounds only fall. To find the farthest row, take the row
    with the largest bound (ties: lowest index); if it is up to date it is the answer, since every other row's
    true value is at most its bound. Otherwise refresh the ``block`` rows with the largest bounds against the picks
    they have not seen, and look again. The picks' rows are kept in one contiguous ``(budget, d)`` array, and the
    rows to refresh are grouped by how many picks they missed (within a factor of 2), so a refresh computes about
    the distances it needs and no more (one group per stamp range: a stale row no longer drags its whole block
    back to the first pick). The largest bound is found through per-block maxima (:class:`_MaskedMax`), one for
    the pickable rows and one for the candidates of the radius. The first pick is one full pass, and
    :meth:`min_dist` brings every row up to date (only when asked). On data where the bounds do not pay (every
    row stays a contender) it switches to the dense update once its work passes ``EAGER_SHARE`` times the dense
    loop's.

    Same arithmetic as :class:`CpuUpdater` (``fl(fl(|x|^2 + |c|^2) - 2 x.c)``, clamped at 0), so the picks are the
    dense loop's except where two candidates are within float32 rounding of each other (the BLAS call that forms
    a dot product may differ).
    """

    def __init__(self, X: np.ndarray, sqn: np.ndarray, eligible: np.ndarray, chunk: int, block: int = 256) -> None:
        n, d = X.shape
        self.X, self.sqn, self.elig = X, sqn, eligible
        self.pick = eligible.copy()
        self.ub = np.full(n, np.inf, dtype=np.float32)
        self.stamp = np.zeros(n, dtype=np.int64)  # how many of the picks (in order) each bound has seen
        self.picks: list[int] = []
        self.P = np.empty((16, d), dtype=np.float32)  # the picks' rows, in order (grown by doubling)
        self.block = max(1, min(block, n))
        self.updater = CpuUpdater(X, sqn, self.ub, chunk)
        self.blas = ThreadpoolController()
        self.by_pick = _MaskedMax(self.ub, self.pick)
        self.by_elig = _MaskedMax(self.ub, self.elig)
        self.distances = 0
        self.refreshed = 0
        self.eager_from: int | None = None

    def update(self, i: int) -> None:
        n = self.X.shape[0]
        t = len(self.picks) + 1
        if t > 8 and self.eager_from is None and self.distances > EAGER_SHARE * n * (t - 1):
            # The bounds are not paying (data where every row stays a contender): bring every row up to date and
            # continue as the dense loop does, so the cost never exceeds it by much.
            self._refresh_all()
            self.eager_from = t
        self._append(i)
        if t == 1 or self.eager_from is not None:  # every row against the new pick, in one pass
            self.updater(self.P[t - 1], float(self.sqn[i]), 0, n)  # row i, as float32
            self.stamp[:] = t
            self.distances += n
        self.ub[i] = 0.0
        self.stamp[i] = t
        if t == 1 or self.eager_from is not None:
            self.by_pick.rebuild()
            self.by_elig.rebuild()
        else:
            self._touch(np.array([i]))

    def _append(self, i: int) -> None:
        t = len(self.picks)
        if t == len(self.P):
            self.P = np.concatenate([self.P, np.empty_like(self.P)])
        self.P[t] = self.X[i]
        self.picks.append(i)

    def _touch(self, rows: np.ndarray) -> None:
        self.by_pick.touch(rows)
        self.by_elig.touch(rows)

    def _refresh_all(self) -> None:
        t = len(self.picks)
        rows = np.flatnonzero(self.stamp < t)
        if rows.size:
            self._refresh(rows)

    def _refresh(self, rows: np.ndarray) -> None:
        """Bring ``rows`` up to date: one matrix product per group of rows that missed a similar number of picks
        (``floor(log2(missed))`` equal, at most ``REFRESH_ROWS`` rows), each against the picks its group missed."""
        t = len(self.picks)
        rows = rows[np.argsort(self.stamp[rows], kind="stable")]
        bucket = np.floor(np.log2(t - self.stamp[rows])).astype(np.int64)
        cuts = np.flatnonzero(np.diff(bucket)) + 1
        with self.blas.limit(limits=REFRESH_THREADS, user_api="blas"):
            for group in np.split(rows, cuts):
                for s in range(0, len(group), REFRESH_ROWS):
                    self._refresh_part(group[s : s + REFRESH_ROWS], t)
        self._touch(rows)

    def _refresh_part(self, part: np.ndarray, t: int) -> None:
        """``part`` (rows sorted by stamp) against the picks from its oldest stamp to ``t``, in one product."""
        s0 = int(self.stamp[part[0]])
        cols = np.asarray(self.picks[s0:t], dtype=np.int64)
        d2 = np.asarray(self.X[part], dtype=np.float32) @ self.P[s0:t].T  # float16 rows widened, as gathered
        d2 *= np.float32(-2.0)
        d2 += self.sqn[part, None] + self.sqn[None, cols]
        np.maximum(d2, np.float32(0.0), out=d2)
        self.ub[part] = np.minimum(self.ub[part], d2.min(axis=1))
        self.stamp[part] = t
        self.distances += d2.size
        self.refreshed += part.size

    def _farthest(self, view: _MaskedMax) -> int:
        t = len(self.picks)
        while True:
            j = view.top()
            if j < 0 or self.stamp[j] == t:
                return j
            top = view.leaders(self.block)
            top = top[self.stamp[top] < t]
            self._refresh(np.union1d(top, [j]))

    def disable(self, idx: np.ndarray) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        self.pick[idx] = False
        self.by_pick.touch(idx)

    def argmax(self) -> int:
        return self._farthest(self.by_pick)

    def radius(self) -> float:
        j = self._farthest(self.by_elig)
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
