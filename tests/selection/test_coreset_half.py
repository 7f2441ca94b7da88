"""The float16 CUDA coreset engine (``selection/_half_engine.py``), run on the CPU where no GPU exists.

The engine's code is the same on both devices except the product (one cuBLAS call with float32 output on CUDA,
a widened chunk here); its picks must be those of the float32 CPU engines run on the same float16-rounded rows.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from selector.selection import kcenter_greedy
from selector.selection._greedy import _first_pick, check_inputs, greedy_loop
from selector.selection._half_engine import HalfEngine


def _clustered(n: int, d: int, seed: int) -> np.ndarray:
    """Unit rows around 20 centres, rounded to float16 (what the engine stores), as float32."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, d))
    X = centres[rng.integers(0, 20, n)] + 0.4 * rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float16).astype(np.float32)


def _half(X, budget, *, seeds=None, eligible=None, groups=None, quotas=None, chunk=700):
    X, budget, seeds, eligible, groups, quotas = check_inputs(X, budget, seeds, eligible, groups, quotas)
    engine = HalfEngine(X, eligible, chunk, torch.device("cpu"))
    picks, radii = greedy_loop(X, budget, seeds, eligible, groups, quotas, engine, False)
    return np.asarray(picks), np.asarray(radii), engine


def test_picks_and_radii_match_the_cpu_engine_on_the_same_rows() -> None:
    X = _clustered(3000, 32, 0)
    picks, radii, engine = _half(X, 120)
    ref = kcenter_greedy(X, 120, device="cpu", lazy=False, progress=False)
    assert set(picks.tolist()) == set(ref.indices.tolist())
    assert picks[0] == ref.indices[0]  # the seedless first pick (the cosine medoid) is the same rule
    np.testing.assert_allclose(radii, ref.radii, atol=1e-5)
    np.testing.assert_allclose(engine.min_dist(), ref.min_dist, atol=2e-3)  # sqrt near 0 magnifies rounding
    assert np.all(np.diff(radii) <= 1e-7)
    assert engine.stats()["rows"] == "float16"


def test_seeds_eligibility_and_quotas_are_kept() -> None:
    X = _clustered(2000, 16, 1)
    rng = np.random.default_rng(2)
    eligible = rng.random(2000) < 0.7
    groups = rng.integers(0, 3, 2000)
    quotas = np.array([5, 30, 0])
    kw = dict(seeds=[7, 11], eligible=eligible, groups=groups, quotas=quotas)
    picks, radii, _ = _half(X, 40, **kw)
    ref = kcenter_greedy(X, 40, device="cpu", lazy=False, progress=False, **kw)
    assert set(picks.tolist()) == set(ref.indices.tolist())
    assert picks[:2].tolist() == [7, 11]
    assert not np.isin(picks[2:], np.flatnonzero(~eligible)).any()
    assert (groups[picks[2:]] == 2).sum() == 0 and np.bincount(groups[picks], minlength=3)[0] <= 5
    np.testing.assert_allclose(radii, ref.radii, atol=1e-5)


def test_first_pick_on_the_device_is_the_host_rule() -> None:
    X = _clustered(1500, 24, 3)
    eligible = np.random.default_rng(4).random(1500) < 0.5
    pickable = eligible.copy()
    pickable[:300] = False
    engine = HalfEngine(X, eligible, 512, torch.device("cpu"))
    assert engine.first_pick(eligible, pickable) == _first_pick(X, eligible, pickable)


def test_float32_input_is_rounded_to_float16_rows() -> None:
    X = np.random.default_rng(5).standard_normal((300, 8)).astype(np.float32)
    engine = HalfEngine(X, np.ones(300, dtype=bool), 64, torch.device("cpu"))
    assert engine.X.dtype == torch.float16
    np.testing.assert_array_equal(engine.X.float().numpy(), X.astype(np.float16).astype(np.float32))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_the_picks_are_the_cpu_engines_as_a_set() -> None:
    X = _clustered(20000, 64, 6)
    gpu = kcenter_greedy(X, 300, device="cuda", progress=False)
    cpu = kcenter_greedy(X, 300, device="cpu", progress=False)
    assert gpu.stats["engine"] == "half" and gpu.stats["device"].startswith("cuda")
    assert set(gpu.indices.tolist()) == set(cpu.indices.tolist())
    np.testing.assert_allclose(gpu.radii, cpu.radii, atol=1e-4)


def test_ties_go_to_the_lowest_index_as_on_the_cpu() -> None:
    base = _clustered(50, 8, 7)
    X = np.concatenate([base] * 4)  # every row four times: every farthest row is tied with its copies
    picks, _, _ = _half(X, 50)
    ref = kcenter_greedy(X, 50, device="cpu", lazy=False, progress=False)
    assert picks.tolist() == ref.indices.tolist()
    assert picks.max() < 50  # always the first copy
