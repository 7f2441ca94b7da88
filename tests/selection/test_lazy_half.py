"""The lazy CPU engine keeps float16 rows as float16 and widens the rows it reads: the same picks, radii and
distances as the float32 engines on the widened rows, and, through them, the farthest-first reference."""

from __future__ import annotations

import numpy as np
import pytest

from selector.selection import kcenter_greedy
from tests.selection.test_coreset import check_greedy


def _rows(n: int, d: int, seed: int) -> np.ndarray:
    """Float16 unit rows around 12 centres (clustered, so the lazy bounds skip most rows)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((12, d))[rng.integers(0, 12, n)] + 0.5 * rng.standard_normal((n, d))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float16)


@pytest.mark.parametrize("chunk", [333, 16384])
def test_float16_rows_give_the_float32_engines_picks_on_the_widened_rows(chunk):
    H = _rows(6000, 24, 0)
    W = H.astype(np.float32)
    eligible = np.random.default_rng(1).random(len(H)) > 0.2
    groups = np.arange(len(H)) % 3
    for kw in ({}, {"eligible": eligible, "groups": groups, "quotas": np.array([20, 60, 5]), "seeds": [7]}):
        half = kcenter_greedy(H, 80, device="cpu", lazy=True, chunk_size=chunk, progress=False, **kw)
        lazy = kcenter_greedy(W, 80, device="cpu", lazy=True, chunk_size=chunk, progress=False, **kw)
        dense = kcenter_greedy(W, 80, device="cpu", lazy=False, chunk_size=chunk, progress=False, **kw)
        assert half.stats["engine"] == "lazy"
        assert half.indices.tolist() == lazy.indices.tolist()  # the same arithmetic on the same values
        assert set(half.indices.tolist()) == set(dense.indices.tolist())
        np.testing.assert_array_equal(half.radii, lazy.radii)
        np.testing.assert_array_equal(half.min_dist, lazy.min_dist)
        check_greedy(W, half.indices.tolist(), 80, **kw)


def test_float16_rows_are_not_copied_to_float32(monkeypatch):
    """The engine holds the caller's float16 array itself (half the memory of a float32 copy)."""
    from selector.selection import _lazy_engine

    seen = []
    init = _lazy_engine.LazyEngine.__init__

    def spy(self, X, *args, **kwargs):
        seen.append(X)
        init(self, X, *args, **kwargs)

    monkeypatch.setattr(_lazy_engine.LazyEngine, "__init__", spy)
    H = _rows(3000, 16, 2)
    kcenter_greedy(H, 10, device="cpu", lazy=True, progress=False)
    assert seen and seen[0].dtype == np.float16 and np.shares_memory(seen[0], H)
