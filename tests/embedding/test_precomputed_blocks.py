"""Precomputed embeddings at scale: memory-mapped, converted in blocks, float16 storage with float32 math."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from selector.embedding.npy_file import open_npy as _open_npy
from selector.embedding.precomputed import unit_rows
from selector.errors import SelectorError


def _saved(tmp_path: Path, dtype: str, n: int = 1000, d: int = 24) -> tuple[Path, np.ndarray]:
    X = np.random.default_rng(3).standard_normal((n, d)).astype(dtype)
    path = tmp_path / f"v_{dtype}.npy"
    np.save(path, X)
    return path, X


def test_blocks_give_the_values_of_normalising_at_once(tmp_path: Path) -> None:
    path, X = _saved(tmp_path, "float32")
    rows = np.arange(1000)
    whole = X / np.linalg.norm(X, axis=1, keepdims=True)
    got = unit_rows(path, _open_npy(path), rows, block=97)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, whole)
    picked = np.array([5, 3, 999, 0, 500])
    np.testing.assert_array_equal(unit_rows(path, _open_npy(path), picked, block=2), whole[picked])


def test_float16_storage_is_widened_before_the_math(tmp_path: Path) -> None:
    path, H = _saved(tmp_path, "float16")
    arr = _open_npy(path)
    assert isinstance(arr, np.memmap)  # read from disk as needed, not loaded
    wide = H.astype(np.float32)
    expected = wide / np.linalg.norm(wide, axis=1, keepdims=True)
    got = unit_rows(path, arr, np.arange(len(H)), block=128)
    np.testing.assert_array_equal(got, expected)
    assert np.abs(got - unit_rows(path, _open_npy(_saved(tmp_path, "float32")[0]), np.arange(len(H)))).max() < 2e-3


def test_zero_and_non_finite_rows_are_named(tmp_path: Path) -> None:
    X = np.ones((300, 4), dtype=np.float16)
    X[201] = 0
    path = tmp_path / "z.npy"
    np.save(path, X)
    with pytest.raises(SelectorError, match="row 201 is all zeros"):
        unit_rows(path, _open_npy(path), np.arange(300), block=64)
    X[201] = np.inf
    np.save(path, X)
    with pytest.raises(SelectorError, match="NaN or infinite"):
        unit_rows(path, _open_npy(path), np.arange(300), block=64)
    np.save(path, np.ones((3, 4), dtype=np.complex64))
    with pytest.raises(SelectorError, match="float32 or float16"):
        unit_rows(path, _open_npy(path), np.arange(3))
