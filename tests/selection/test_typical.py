"""typical_kcenter against a naive reference (numpy distance matrices, plain farthest-first), its prefix property,
quotas and determinism; typicality's handling of duplicates and lone rows."""

from __future__ import annotations

import numpy as np
import pytest

import selector
from selector.selection.strategies import STRATEGIES
from selector.selection.typical import typical_kcenter, typical_seeds, typicality


def _blobs(n: int = 300, d: int = 10, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(7, d))
    X = centres[rng.integers(0, 7, n)] + 0.4 * rng.normal(size=(n, d))
    X[:4] += 5.0 * rng.normal(size=(4, d))  # outliers
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def _naive_typicality(X: np.ndarray, k: int = 20) -> np.ndarray:
    n = len(X)
    if n == 1:
        return np.array([np.inf])
    D = np.sqrt(np.maximum(((X[:, None, :].astype(np.float64) - X[None, :, :]) ** 2).sum(-1), 0.0))
    np.fill_diagonal(D, np.inf)
    t = min(k, n - 1)
    return 1.0 / np.sort(D, axis=1)[:, :t].mean(axis=1)


def _naive_kcenter(X: np.ndarray, budget: int, seeds: list[int]) -> list[int]:
    picks = list(seeds)
    D = np.sqrt(np.maximum(2.0 - 2.0 * (X.astype(np.float64) @ X.T.astype(np.float64)), 0.0))
    mind = D[picks].min(axis=0)
    while len(picks) < budget:
        mind[picks] = -1.0
        i = int(np.argmax(mind))
        picks.append(i)
        mind = np.minimum(mind, D[i])
    return picks


def test_typicality_equals_naive_mean_distance_to_20_neighbours():
    X = _blobs(120)
    np.testing.assert_allclose(typicality(X), _naive_typicality(X), rtol=1e-4)
    np.testing.assert_allclose(typicality(X[:5], k=20), _naive_typicality(X[:5]), rtol=1e-4)  # k > n - 1
    assert typicality(X[:1]).tolist() == [np.inf]


def test_typicality_counts_an_exact_duplicate_as_a_neighbour_at_distance_zero():
    X = _blobs(30)
    X2 = np.vstack([X, X[3:4]])
    typ = typicality(X2, k=1)
    assert typ[3] == np.inf and typ[30] == np.inf


@pytest.mark.parametrize("share", [0.5, 1.0])
def test_typical_kcenter_equals_naive_reference(share):
    X = _blobs()
    budget = 24
    picks = typical_kcenter(X, budget, seed=0, share=share)
    # reference: the same K-Means, typicality by dense distances, clusters largest first, then farthest-first
    k = round(share * budget)
    labels = selector.kmeans(X, k, seed=0, device="cpu").labels
    sizes = np.bincount(labels, minlength=k)
    clusters = sorted(np.flatnonzero(sizes).tolist(), key=lambda c: (-sizes[c], c))
    seeds = []
    for c in clusters:
        rows = np.flatnonzero(labels == c)
        seeds.append(int(rows[np.argmax(_naive_typicality(X[rows]))]))
    assert picks.tolist() == _naive_kcenter(X, budget, seeds)
    assert picks[: len(seeds)].tolist() == typical_seeds(X, k, seed=0).tolist()


def test_typical_seeds_avoid_the_outliers_that_farthest_first_takes():
    X = _blobs()
    typical = typical_kcenter(X, 10, seed=0)
    plain = STRATEGIES["kcenter"](X, 10).indices
    outliers = set(range(4))
    assert not outliers & set(typical[:5].tolist())
    assert outliers & set(plain.tolist())


def test_typical_kcenter_keeps_given_seeds_quotas_and_is_deterministic():
    X = _blobs()
    groups = np.arange(len(X)) % 3
    quotas = np.array([2, 8, 10])
    picks = typical_kcenter(X, 20, seeds=[5, 9], seed=1, groups=groups, quotas=quotas)
    assert picks[:2].tolist() == [5, 9]
    assert len(set(picks.tolist())) == 20
    assert (np.bincount(groups[picks], minlength=3) <= quotas).all()
    again = typical_kcenter(X, 20, seeds=[5, 9], seed=1, groups=groups, quotas=quotas)
    assert picks.tolist() == again.tolist()


def test_share_zero_is_plain_kcenter_from_the_given_seed():
    X = _blobs()
    assert (
        typical_kcenter(X, 15, seeds=[0], share=0.0).tolist()
        == STRATEGIES["kcenter"](X, 15, seeds=[0]).indices.tolist()
    )


def test_choose_centres_equals_naive_weighted_facility_location():
    from itertools import combinations

    from selector.selection.coreset_plan import choose_centres

    C = _blobs(9, d=6, seed=4)
    w = np.array([5.0, 1, 1, 8, 2, 2, 1, 3, 1])
    S = np.maximum(C.astype(np.float64) @ C.T.astype(np.float64), 0.0)

    def value(sel):
        return float(w @ S[:, list(sel)].max(axis=1))

    chosen = choose_centres(C, w, 3)
    # greedy: each step the best marginal value given the earlier ones
    for i in range(3):
        best = max(range(9), key=lambda j: (-1e9 if j in chosen[:i] else value([*chosen[:i], j]), -j))
        assert chosen[i] == best
    # and within the (1 - 1/e) bound of the exhaustive optimum
    opt = max(value(c) for c in combinations(range(9), 3))
    assert value(chosen) >= (1 - 1 / np.e) * opt
    assert choose_centres(C, w, 20) == choose_centres(C, w, 9)


def test_kcenter_robust_equals_naive_reference_and_zero_is_kcenter():
    from selector.selection.robust import kcenter_robust

    X = _blobs(200)
    assert kcenter_robust(X, 12, outliers=0.0).tolist() == STRATEGIES["kcenter"](X, 12).indices.tolist()
    z = 6
    picks = kcenter_robust(X, 12, seeds=[10], outliers=z / len(X))
    D = np.sqrt(np.maximum(2.0 - 2.0 * (X.astype(np.float64) @ X.T.astype(np.float64)), 0.0))
    ref = [10]
    while len(ref) < 12:
        mind = D[ref].min(axis=0)
        order = [i for i in np.lexsort((np.arange(len(X)), -mind)).tolist() if i not in ref]
        ref.append(order[z])
    assert picks.tolist() == ref
    assert not set(range(4)) & set(picks.tolist())  # the outliers are passed over
