"""The one rule for the embeddings the selection stages take: float16 rows stay float16, anything else is float32.

A float16 ``X`` is what ``select`` keeps in memory in sharded mode (half of float32's size); the stages that read
every row widen it block by block with :func:`widened`, and never make a float32 copy of the whole array.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

BLOCK = 65_536
"""Rows widened at a time (96 MB of float32 at 384-d)."""


def as_rows(X: np.ndarray) -> np.ndarray:
    """``X`` itself when it is C-contiguous float16, else a contiguous float32 array (no copy when it is one)."""
    X = np.asarray(X)
    return X if X.dtype == np.float16 and X.flags.c_contiguous else np.ascontiguousarray(X, dtype=np.float32)


def widened(X: np.ndarray, rows: np.ndarray | None = None, block: int = BLOCK) -> Iterator[np.ndarray]:
    """``X[rows]`` (every row when ``rows`` is ``None``) as float32 blocks of at most ``block`` rows, in order."""
    n = X.shape[0] if rows is None else len(rows)
    for s in range(0, n, block):
        part = X[s : s + block] if rows is None else X[rows[s : s + block]]
        yield part.astype(np.float32)


def squared_norms(X: np.ndarray) -> np.ndarray:
    """``(n,)`` float32 squared norms of the rows of ``X``; float16 rows widened block by block (no float32 copy)."""
    if X.dtype != np.float16:
        return np.einsum("ij,ij->i", X, X, dtype=np.float32)
    parts = [np.einsum("ij,ij->i", b, b, dtype=np.float32) for b in widened(X)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
