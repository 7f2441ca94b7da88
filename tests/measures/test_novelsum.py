"""NovelSum on hand-made rows: distances weighted by neighbour rank and by the neighbour's density factor, the
density factor from the k nearest reference rows with the record itself left out, and diversity ordering."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from selector.measures.novelsum import density_factors, novelsum


def _rows(*rows) -> sparse.csr_matrix:
    X = np.asarray(rows, dtype=np.float32)
    return sparse.csr_matrix(X / np.linalg.norm(X, axis=1, keepdims=True))


def test_identical_picks_have_no_novelty_and_orthogonal_ones_their_density():
    assert novelsum(_rows([1, 0], [1, 0], [1, 0]), np.ones(3)) == pytest.approx(0.0)
    assert novelsum(_rows([1, 0, 0], [0, 1, 0], [0, 0, 1]), np.full(3, 2.0)) == pytest.approx(2.0)
    assert novelsum(_rows([1, 0]), np.ones(1)) == 0.0  # one pick: nothing to be novel against


def test_nearer_neighbours_weigh_more_and_each_distance_takes_the_neighbours_density():
    # pick 0 is close to pick 1 (distance d1) and orthogonal to pick 2 (distance 1): rank weights 1 and 1/2
    X = _rows([1, 0, 0], [1, 1, 0], [0, 0, 1])
    d1 = 1 - 1 / np.sqrt(2)
    sigma = np.array([1.0, 2.0, 3.0])
    novelty = [
        (d1 * 2.0 + 1.0 * 3.0 * 0.5) / 1.5,  # pick 0: nearest pick 1 (density 2), then pick 2 (density 3)
        (d1 * 1.0 + 1.0 * 3.0 * 0.5) / 1.5,  # pick 1: nearest pick 0 (density 1), then pick 2
        (1.0 * 1.0 + 1.0 * 2.0 * 0.5) / 1.5,  # pick 2: both at distance 1, the tie ranked by position
    ]
    assert novelsum(X, sigma) == pytest.approx(np.mean(novelty))
    assert novelsum(X, sigma, alpha=0.0) == pytest.approx(np.mean([(d1 * 2 + 3) / 2, (d1 + 3) / 2, 1.5]))


def test_density_factor_leaves_the_record_itself_out_and_uses_k_neighbours():
    ref = _rows([1, 0], [1, 0], [0, 1], [1, 1])  # rows 0 and 1 are duplicates
    sigma = density_factors(ref[:1], ref, k=2, beta=1.0)
    # neighbours of row 0 once its duplicates (itself, row 1) count as similarity 0: row 3 (cos 0.707), row 2 (0)
    mean_dist = ((1 - 1 / np.sqrt(2)) + 1.0) / 2
    assert sigma[0] == pytest.approx(1 / (mean_dist + 1e-9))
    assert density_factors(ref[:1], ref, k=2, beta=0.0)[0] == pytest.approx(1.0)  # beta 0: plain distances


def test_a_spread_selection_scores_higher_than_a_clumped_one():
    rng = np.random.default_rng(0)
    pool = sparse.csr_matrix(np.abs(rng.normal(size=(200, 30))).astype(np.float32) ** 4)
    pool = sparse.csr_matrix(pool.multiply(1 / np.sqrt(pool.multiply(pool).sum(axis=1))))
    sigma = density_factors(pool, pool)
    sims = (pool @ pool[0].T).toarray().ravel()
    clumped = np.argsort(-sims, kind="stable")[:20]  # row 0 and its 19 nearest
    spread = np.arange(0, 200, 10)
    assert novelsum(pool[spread], sigma[spread]) > novelsum(pool[clumped], sigma[clumped])
