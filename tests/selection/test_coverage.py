"""Coverage against random: exact on small pools, on one shared sample of candidates on large ones."""

from __future__ import annotations

import numpy as np

from selector.selection.coreset import kcenter_greedy
from selector.selection.coverage import coverage_curve, versus_random


def _unit(n: int, d: int, seed: int) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_coverage_curve_equals_the_greedy_radii_over_all_rows():
    X = _unit(2000, 16, 0)
    res = kcenter_greedy(X, 40, progress=False)
    radii, dist = coverage_curve(X, res.indices, np.arange(len(X)), block=7)
    np.testing.assert_allclose(radii, res.radii, atol=1e-5)
    assert np.all(np.diff(radii) <= 1e-7)
    np.testing.assert_allclose(dist, res.min_dist, atol=2e-3)  # sqrt near zero at the picks themselves


def test_sampled_coverage_keeps_the_random_picks_and_estimates_the_mean():
    X = _unit(4000, 16, 1)
    eligible = np.ones(len(X), dtype=bool)
    groups = np.arange(len(X)) % 3
    res = kcenter_greedy(X, 30, groups=groups, quotas=[10, 10, 10], progress=False)
    exact = versus_random(X, res, eligible=eligible, groups=groups, quotas=[10, 10, 10], seed=5)
    sampled = versus_random(
        X, res, eligible=eligible, groups=groups, quotas=[10, 10, 10], seed=5, full_max=1000, sample=1500
    )
    assert not exact.sampled and sampled.sampled and sampled.rows == 1500
    assert np.array_equal(exact.random.indices, sampled.random.indices)
    for ours, est in ((exact.selection, sampled.selection), (exact.random_summary, sampled.random_summary)):
        assert abs(ours["mean_distance"] - est["mean_distance"]) < 0.02
        assert est["radius"] <= ours["radius"] + 1e-6  # a sample's radius never exceeds the whole pool's
    again = versus_random(
        X, res, eligible=eligible, groups=groups, quotas=[10, 10, 10], seed=5, full_max=1000, sample=1500
    )
    assert again.selection == sampled.selection and again.random_summary == sampled.random_summary
