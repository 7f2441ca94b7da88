"""The GPU memory check before the coreset and the random baseline copy X to a CUDA device.

No GPU exists where these run: the decision is a pure function, and the fallback is driven by patching torch's own
``torch.cuda`` answers to describe a small GPU (selector's code runs unpatched).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from selector.device import GPU_RESERVE_BYTES, fits_on_gpu
from selector.selection import kcenter_greedy
from selector.selection._engines import DenseEngine
from selector.selection.coverage import versus_random

GiB = 1 << 30


def test_the_decision_keeps_a_margin_over_the_estimate() -> None:
    assert fits_on_gpu(1 * GiB, 4 * GiB)
    assert not fits_on_gpu(4 * GiB, 4 * GiB)  # exactly the free memory leaves no margin
    assert not fits_on_gpu(3 * GiB, 4 * GiB)  # 3 x 1.25 + 0.5 GiB > 4 GiB
    assert fits_on_gpu(2 * GiB, 4 * GiB)  # 2 x 1.25 + 0.5 GiB <= 4 GiB
    assert not fits_on_gpu(0, GPU_RESERVE_BYTES - 1)
    assert fits_on_gpu(10 * GiB, 11 * GiB, headroom=1.0, reserve=0)


def test_the_estimate_counts_x_the_vectors_and_the_chunk() -> None:
    n, d = 2_000_000, 384
    need = DenseEngine.cuda_bytes(n, d, 16384)
    assert 4 * n * d < need < 4 * n * d * 1.05  # X dominates at 384-d
    assert need == 4 * n * d + 14 * n + 8 * (1 << 20)  # the CUDA chunk is at least 2^20 rows
    assert DenseEngine.cuda_bytes(100, 8, 16384) == 4 * 100 * 8 + 14 * 100 + 8 * 100


@pytest.fixture
def small_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch reports one CUDA device with 256 MiB free of 8 GiB: less than the margin alone."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (256 << 20, 8 * GiB))


def _unit(n: int, d: int, seed: int) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_coreset_and_random_baseline_fall_back_to_the_cpu_and_say_so(small_gpu, caplog) -> None:
    X = _unit(2000, 16, 3)
    eligible = np.ones(len(X), dtype=bool)
    with caplog.at_level(logging.WARNING, logger="selector"):
        res = kcenter_greedy(X, 25, device="cuda", progress=False)
        cov = versus_random(X, res, eligible=eligible, groups=None, quotas=None, seed=1, device="auto")
    on_cpu = kcenter_greedy(X, 25, device="cpu", progress=False)
    np.testing.assert_array_equal(res.indices, on_cpu.indices)
    assert res.stats["device"] == "cpu" and "0.25 of 8.00 GiB are free" in res.stats["gpu_fallback"]
    assert cov.random_summary["device"] == "cpu" and "random baseline" in cov.random_summary["gpu_fallback"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("KCenterGreedy coreset needs about" in m and "running it on the CPU" in m for m in warned)
    assert any(m.startswith("the random baseline needs about") for m in warned)


def test_a_cpu_run_records_its_device_and_no_fallback() -> None:
    X = _unit(500, 8, 4)
    res = kcenter_greedy(X, 10, device="cpu", progress=False)
    cov = versus_random(X, res, eligible=np.ones(len(X), dtype=bool), groups=None, quotas=None, seed=0)
    assert res.stats["device"] == "cpu" and "gpu_fallback" not in res.stats
    assert cov.random_summary["device"] == "cpu" and "gpu_fallback" not in cov.random_summary
