"""The KCenterGreedy engine for a CUDA device: rows in float16 on the device, distances in float32, one wait per pick.

Per pick ``c`` and chunk of rows, ``d2 = max(0, (|x|^2 + |c|^2) - 2 x.c)``, where ``x.c`` multiplies float16 rows
and accumulates in float32 (``torch.mm(..., out_dtype=torch.float32)``, cuBLAS). Products of two float16 numbers
are exact in float32, so the distances are those of the CPU engines run on the same float16-rounded rows, up to
the order of the float32 sums: the picks agree with theirs as a set, and their order can differ only where two
candidates' distances are within float32 rounding of each other (``docs/gpu.md``). Squared norms are taken from the
float16 rows themselves, so ``d2`` of a row with itself is 0 up to rounding.

Besides the min-distances (``mind``, every row) the engine keeps two copies masked with ``-inf``: ``pick`` (rows
that may still be picked) and ``elig`` (the candidates the radius is over). A ``min`` leaves ``-inf`` alone, so the
same chunk pass updates all three and the farthest pickable row and the radius are one ``argmax`` and one ``max``,
fetched together: the host waits once per pick. Storing float16 halves both the memory (10M x 384: 7.7 GB) and
the bytes each pick streams, the whole cost of a pick at this size.

Off CUDA (tests, simulated paths) the same code runs with each chunk widened to float32 for the product.
"""

from __future__ import annotations

import numpy as np
import torch

STAGE_ROWS = 1 << 18
"""Rows copied (and rounded to float16) at a time while loading X onto the device."""


class HalfEngine:
    """Dense farthest-first updates over float16 rows on a torch device (CUDA; CPU only for tests)."""

    @staticmethod
    def cuda_bytes(n: int, d: int, chunk: int) -> int:
        """Device bytes for ``n`` rows of ``d``: X in float16 (``2 n d``), norms, min-distances and the two masked
        copies (float32), and the working chunk's float32 products and distances (two vectors)."""
        rows = min(n, max(chunk, 1 << 22))
        return 2 * n * d + 4 * 4 * n + 2 * 4 * rows + 4 * STAGE_ROWS * d

    def __init__(self, X: np.ndarray, eligible: np.ndarray, chunk: int, device: torch.device) -> None:
        n, d = X.shape
        self.device = device
        self.cuda = device.type == "cuda"
        self.chunk = max(chunk, 1 << 22) if self.cuda else chunk
        self.mixed = True  # float16 x float16 -> float32 products in one cuBLAS call
        self.X = torch.empty((n, d), dtype=torch.float16, device=device)
        self.sqn = torch.empty(n, dtype=torch.float32, device=device)
        for s in range(0, n, STAGE_ROWS):
            part = torch.from_numpy(np.ascontiguousarray(X[s : s + STAGE_ROWS])).to(device)
            self.X[s : s + len(part)] = part.to(torch.float16)
            wide = self.X[s : s + len(part)].to(torch.float32)
            self.sqn[s : s + len(part)] = (wide * wide).sum(dim=1)
        self.mind = torch.full((n,), float("inf"), dtype=torch.float32, device=device)
        elig = torch.from_numpy(np.ascontiguousarray(eligible)).to(device)
        self.elig = torch.where(elig, self.mind, float("-inf"))
        self.pick = self.elig.clone()
        self.rows_computed = 0
        self.answer: tuple[int, float] | None = None
        self.out = torch.empty(3, dtype=torch.float64, device=device)  # (argmax, radius) fetched after the last update

    def _dot(self, s: int, e: int, c: torch.Tensor) -> torch.Tensor:
        """``X[s:e] @ c`` as float32 (e - s,): float16 products accumulated in float32."""
        if self.cuda and self.mixed:
            try:
                return torch.mm(self.X[s:e], c[:, None], out_dtype=torch.float32)[:, 0]
            except (TypeError, RuntimeError, NotImplementedError):  # a torch without mm(out_dtype=): widen instead
                self.mixed = False
                self.chunk = min(self.chunk, 1 << 20)
        return self.X[s:e].to(torch.float32) @ c.to(torch.float32)

    def update(self, i: int) -> None:
        n = self.X.shape[0]
        c = self.X[i]
        nc = self.sqn[i]
        for s in range(0, n, self.chunk):
            e = min(n, s + self.chunk)
            d2 = torch.add(self.sqn[s:e], self._dot(s, e, c), alpha=-2.0).add_(nc).clamp_(min=0.0)
            torch.minimum(self.mind[s:e], d2, out=self.mind[s:e])
            torch.minimum(self.pick[s:e], d2, out=self.pick[s:e])
            torch.minimum(self.elig[s:e], d2, out=self.elig[s:e])
        self.mind[i] = 0.0
        self.pick[i] = float("-inf")
        self.elig[i : i + 1].clamp_(max=0.0)  # 0 for a candidate, -inf stays for a row outside eligible
        self.rows_computed += n
        self.answer = None

    def disable(self, idx: np.ndarray) -> None:
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        if idx.size == 1:  # the loop's own pick: a fill on the device, no host-to-device copy (which would wait)
            self.pick[int(idx[0])] = float("-inf")
        else:
            self.pick[torch.from_numpy(idx).to(self.device)] = float("-inf")
        self.answer = None

    def _fetch(self) -> tuple[int, float]:
        """The farthest pickable row (-1 when none) and the radius, read back in one transfer."""
        if self.answer is None:
            best, j = torch.max(self.pick, dim=0)  # the first of equal maxima: the lowest index, as on the CPU
            self.out[0] = j
            self.out[1] = best
            self.out[2] = self.elig.max()
            j_, best_, worst = self.out.cpu().tolist()
            found = int(j_) if best_ > float("-inf") else -1
            self.answer = (found, float(np.sqrt(worst)) if worst > -np.inf else 0.0)
        return self.answer

    def argmax(self) -> int:
        return self._fetch()[0]

    def radius(self) -> float:
        return self._fetch()[1]

    def first_pick(self, eligible: np.ndarray, pickable: np.ndarray) -> int:
        """The pickable row with the largest inner product with the sum of the eligible rows (ties: lowest index),
        in float64 on the device: the greedy loop's seedless first pick without reading X on the host."""
        elig = torch.from_numpy(np.ascontiguousarray(eligible)).to(self.device)
        ok = torch.from_numpy(np.ascontiguousarray(pickable)).to(self.device)
        n = self.X.shape[0]
        step = 1 << 18
        total = torch.zeros(self.X.shape[1], dtype=torch.float64, device=self.device)
        for s in range(0, n, step):
            total += (self.X[s : s + step].to(torch.float64) * elig[s : s + step, None]).sum(dim=0)
        scores = torch.empty(n, dtype=torch.float64, device=self.device)
        for s in range(0, n, step):
            scores[s : s + step] = self.X[s : s + step].to(torch.float64) @ total
        scores.masked_fill_(~ok, float("-inf"))
        return int(torch.argmax(scores))

    def min_dist(self) -> np.ndarray:
        return self.mind.sqrt().cpu().numpy()

    def stats(self) -> dict:
        return {"engine": "half", "rows": "float16", "mixed_mm": self.mixed, "rows_computed": self.rows_computed}
