"""NovelSum (arXiv 2502.17184): a label-free diversity measure of a selection that weighs how far each pick is from
the others by how close those others are to it and by how dense the pool is around them (``docs/quality.md``).

In our words. Each pick gets a *novelty*: its distances to the other picks, averaged with weights that fall with
the rank of the neighbour (the nearest other pick weighs 1, the second nearest ``1/2^alpha``, the r-th nearest
``1/r^alpha``), each distance first multiplied by the *density factor* of that neighbour, ``sigma(x) =
(mean distance from x to its K nearest reference records)^(-beta)``, large where the pool is crowded. The measure is
the mean novelty over the picks (the paper sums; at a fixed selection size, as every comparison here is, the two
order selections alike). So a pick far from its nearest fellow picks raises it, more so when those fellows sit in
dense, information-rich regions; a far-out record in an empty region counts less than the plain distance says,
which is where NovelSum departs from a mean pairwise distance or the Vendi score.

Here: ``d = 1 - cos`` in the proxies' TF-IDF space (never the encoder's), the reference is the pool rows coverage is
measured on (:attr:`~selector.measures.ProxyData.coverage_rows`), ``K = 10``, ``alpha = 1``, ``beta = 0.5``
(the paper's main setting). A reference row at distance below ``1e-6`` (the record itself, exact duplicates) is not
a neighbour. The paper's formula weighs each distance by the neighbour's density, as here; its authors' code
scales by the pick's own density instead. Higher is more diverse; like any diversity measure it says nothing on its
own about whether the picks are useful.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

NEIGHBOURS = 10
ALPHA = 1.0
BETA = 0.5
_SAME = 1e-6


def density_factors(X: sparse.csr_matrix, ref: sparse.csr_matrix, *, k: int = NEIGHBOURS, beta: float = BETA,
                    block: int = 1 << 22) -> np.ndarray:  # fmt: skip
    """``(n,)`` float64: ``sigma`` of every row of ``X`` (L2-normalised rows) against the reference rows ``ref``:
    ``(mean 1 - cos to its k nearest reference rows)^(-beta)``, rows at distance below 1e-6 left out (their
    similarity counts as 0); ``k`` is capped at the reference size."""
    n, r = X.shape[0], ref.shape[0]
    out = np.ones(n, dtype=np.float64)
    if r == 0 or n == 0:
        return out
    k = min(k, r)
    ref_t = ref.T.tocsc()
    step = max(1, block // r)
    for start in range(0, n, step):
        sims = (X[start : start + step] @ ref_t).toarray().astype(np.float64)
        sims[sims >= 1.0 - _SAME] = 0.0
        top = -np.partition(-sims, k - 1, axis=1)[:, :k]
        mean_dist = np.clip(1.0 - top, 0.0, 2.0).mean(axis=1)
        out[start : start + step] = np.power(mean_dist + 1e-9, -beta)
    return out


def novelsum(sel_X: sparse.csr_matrix, sigma: np.ndarray, *, alpha: float = ALPHA) -> float:
    """Mean novelty of the selection (rows ``sel_X``, L2-normalised; ``sigma``: their density factors, ``(m,)``);
    see the module docstring. 0 for fewer than two picks. Neighbours tied in distance are ranked by position."""
    m = sel_X.shape[0]
    if m < 2:
        return 0.0
    dist = 1.0 - np.clip((sel_X @ sel_X.T).toarray().astype(np.float64), -1.0, 1.0)
    np.fill_diagonal(dist, np.inf)
    order = np.argsort(dist, axis=1, kind="stable")[:, : m - 1]
    d = np.take_along_axis(dist, order, axis=1)
    weights = 1.0 / np.power(np.arange(1, m, dtype=np.float64), alpha)
    novelty = (d * np.asarray(sigma, dtype=np.float64)[order]) @ weights / weights.sum()
    return float(novelty.mean())
