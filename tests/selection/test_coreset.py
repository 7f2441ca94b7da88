"""KCenterGreedy against a straightforward farthest-first reference (full recomputation per pick)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selector.errors import ConfigError, SelectorError
from selector.selection.coreset import KCenterGreedy, kcenter_greedy, random_selection
from selector.selection.strategies import STRATEGIES


def reference(X, budget, seeds=(), eligible=None, groups=None, quotas=None):
    """Farthest-first traversal with every distance recomputed from scratch in float64; ties -> lowest index."""
    X = X.astype(np.float64)
    n = len(X)
    eligible = np.ones(n, bool) if eligible is None else eligible
    pickable = eligible.copy()
    picks: list[int] = []
    counts: dict[int, int] = {}
    if groups is not None:
        for g, q in enumerate(quotas):
            if q == 0:
                pickable[groups == g] = False

    def take(i):
        picks.append(i)
        pickable[i] = False
        if groups is not None:
            counts[groups[i]] = counts.get(groups[i], 0) + 1
            if counts[groups[i]] >= quotas[groups[i]]:
                pickable[groups == groups[i]] = False

    for s in list(dict.fromkeys(seeds))[:budget]:
        take(s)
    if not picks and budget > 0 and pickable.any():
        scores = X @ X[eligible].sum(axis=0)
        scores[~pickable] = -np.inf
        take(int(np.argmax(scores)))
    while len(picks) < budget and pickable.any():
        P = X[picks]
        d2 = (X**2).sum(1)[:, None] + (P**2).sum(1)[None, :] - 2 * X @ P.T
        mind = np.maximum(d2, 0).min(axis=1)
        mind[~pickable] = -np.inf
        take(int(np.argmax(mind)))
    return picks


def unit(X):
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def make_data(kind, n, d, seed):
    rng = np.random.default_rng(seed)
    if kind == "integer":  # exact arithmetic: many exact ties and duplicates, so the tie rule is tested
        return rng.integers(-2, 3, (n, d)).astype(np.float32)
    if kind == "random":
        return unit(rng.standard_normal((n, d)))
    centres = rng.standard_normal((max(1, n // 20), d))
    return unit(centres[rng.integers(0, len(centres), n)] + 0.1 * rng.standard_normal((n, d)))


@st.composite
def problems(draw):
    kind = draw(st.sampled_from(["integer", "random", "clustered"]))
    n = draw(st.integers(1, 120))
    d = draw(st.integers(1, 12))
    X = make_data(kind, n, d, draw(st.integers(0, 2**32 - 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    budget = draw(st.integers(0, n + 5))
    seeds = rng.choice(n, draw(st.integers(0, min(3, n))), replace=False).tolist()
    eligible = rng.random(n) < draw(st.sampled_from([1.0, 0.6, 0.2]))
    groups = quotas = None
    if draw(st.booleans()):
        m = draw(st.integers(1, 4))
        groups = rng.integers(0, m, n)
        quotas = rng.integers(0, max(2, budget // m + 2), m)
    clusters = rng.integers(0, draw(st.integers(1, 8)), n)
    return X, budget, seeds, eligible, groups, quotas, clusters


TIE = 1e-5  # float32 rounding of a squared distance between unit-scale vectors is about 1e-6


def check_greedy(X, picks, budget, seeds=(), eligible=None, groups=None, quotas=None):
    """Replay ``picks`` against the reference rules: the same picks where the reference's choice is clear, and
    otherwise (two candidates within float32 rounding of each other) a pick that ties the farthest candidate.
    On integer data (exact arithmetic) this is identity with :func:`reference`."""
    exact = np.array_equal(X, np.round(X))
    if exact:
        assert picks == reference(X, budget, seeds, eligible, groups, quotas)
        return
    X64 = X.astype(np.float64)
    n = len(X)
    eligible = np.ones(n, bool) if eligible is None else eligible
    expected_len = len(reference(X, budget, seeds, eligible, groups, quotas))
    assert len(picks) == expected_len
    seeds = list(dict.fromkeys(seeds))[:budget]
    assert picks[: len(seeds)] == seeds
    pickable = eligible.copy()
    counts = np.zeros(len(quotas) if quotas is not None else 0, int)
    if groups is not None:
        pickable &= quotas[groups] > 0
    for t, i in enumerate(picks):
        if t >= len(seeds) and t > 0:
            P = X64[picks[:t]]
            d2 = np.maximum((X64**2).sum(1)[:, None] + (P**2).sum(1)[None] - 2 * X64 @ P.T, 0).min(axis=1)
            d2[~pickable] = -np.inf
            order = np.argsort(-d2, kind="stable")
            assert d2[i] >= d2[order[0]] - TIE, f"pick {t}: {i} is not the farthest candidate"
            if len(order) == 1 or d2[order[0]] - d2[order[1]] > TIE:
                assert i == order[0], f"pick {t}: {i} instead of {order[0]}"
        pickable[i] = False
        if groups is not None:
            counts[groups[i]] += 1
            if counts[groups[i]] >= quotas[groups[i]]:
                pickable[groups == groups[i]] = False


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from([1, 7, 64]))
def test_same_picks_as_reference_with_and_without_pruning(problem, chunk):
    X, budget, seeds, eligible, groups, quotas, clusters = problem
    runs = {}
    for prune, lazy in ((False, False), (True, False), (False, True)):
        res = kcenter_greedy(
            X,
            budget,
            seeds=seeds,
            eligible=eligible,
            groups=groups,
            quotas=quotas,
            clusters=clusters,
            prune=prune,
            lazy=lazy,
            chunk_size=chunk,
            device="cpu",
        )
        picks = res.indices.tolist()
        check_greedy(X, picks, budget, seeds, eligible, groups, quotas)
        runs[prune, lazy] = picks
        assert len(set(picks)) == len(picks)
        assert len(res.radii) == len(picks)
        assert np.all(np.diff(res.radii) <= 1e-6)
        picked_ok = eligible.copy()
        picked_ok[seeds[:budget]] = True
        assert picked_ok[res.indices].all()
        if groups is not None:
            counts = np.bincount(groups[res.indices[res.n_seeds :]], minlength=len(quotas))
            assert (counts <= quotas).all()
    if np.array_equal(X, np.round(X)):
        assert runs[True, False] == runs[False, False] == runs[False, True]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["random", "clustered"]))
def test_lazy_evaluation_changes_no_pick_or_radius(seed, kind):
    X = make_data(kind, 3000, 48, seed)
    rng = np.random.default_rng(seed)
    eligible = rng.random(3000) < 0.8
    groups = rng.integers(0, 4, 3000)
    quotas = np.array([5, 20, 30, 40])
    kwargs = {
        "eligible": eligible,
        "groups": groups,
        "quotas": quotas,
        "device": "cpu",
        "seeds": [int(rng.integers(3000))],
    }
    dense = kcenter_greedy(X, 80, lazy=False, **kwargs)
    lazy = kcenter_greedy(X, 80, lazy=True, **kwargs)
    assert dense.indices.tolist() == lazy.indices.tolist()
    assert np.allclose(dense.radii, lazy.radii, rtol=1e-6, atol=1e-6)
    assert np.allclose(dense.min_dist, lazy.min_dist, rtol=1e-5, atol=1e-5)
    assert lazy.stats["engine"] == "lazy"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["random", "clustered"]))
def test_pruning_changes_no_pick_on_embedding_like_data(seed, kind):
    X = make_data(kind, 3000, 48, seed)
    clusters = np.random.default_rng(seed).integers(0, 30, 3000) if seed % 2 else None
    plain = kcenter_greedy(X, 60, prune=False, device="cpu")
    pruned = kcenter_greedy(X, 60, prune=True, clusters=clusters, device="cpu")
    assert plain.indices.tolist() == pruned.indices.tolist()
    assert np.allclose(plain.radii, pruned.radii, rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.integers(0, 250), st.integers(0, 2**32 - 1))
def test_len_equals_budget_and_radius_is_coverage(n, budget, seed):
    X = make_data("clustered", n, 8, seed)
    res = kcenter_greedy(X, budget, device="cpu")
    assert len(res.indices) == min(budget, n)
    assert len(np.unique(res.indices)) == len(res.indices)
    if budget:
        d = np.sqrt(np.maximum(2 - 2 * X.astype(np.float64) @ X[res.indices].T.astype(np.float64), 0)).min(axis=1)
        assert res.radii[-1] == pytest.approx(d.max(), abs=1e-3)
        assert np.allclose(res.min_dist, d, atol=1e-3)


def test_golden_ranking():
    X = make_data("clustered", 60, 5, seed=42)
    res = kcenter_greedy(X, 8, device="cpu")
    assert res.indices.tolist() == [1, 40, 23, 16, 28, 32, 36, 59]
    assert res.radii[0] > res.radii[-1] > 0


def test_seeds_first_and_truncated_to_budget(caplog):
    X = make_data("random", 50, 6, seed=1)
    res = kcenter_greedy(X, 5, seeds=[10, 3, 10], device="cpu")
    assert res.indices[:2].tolist() == [10, 3] and res.n_seeds == 2 and len(res.indices) == 5
    with caplog.at_level(logging.WARNING):
        res = kcenter_greedy(X, 2, seeds=[4, 5, 6], device="cpu")
    assert res.indices.tolist() == [4, 5]
    assert "seeds" in caplog.text


def test_budget_larger_than_pool_takes_everything(caplog):
    X = make_data("random", 30, 4, seed=2)
    eligible = np.zeros(30, bool)
    eligible[:12] = True
    with caplog.at_level(logging.WARNING):
        res = kcenter_greedy(X, 100, eligible=eligible, device="cpu")
    assert sorted(res.indices.tolist()) == list(range(12))
    assert res.radii[-1] == 0.0
    assert "exceeds" in caplog.text


def test_full_group_still_covers():
    X = make_data("clustered", 80, 4, seed=3)
    groups = np.arange(80) % 2
    res = kcenter_greedy(X, 10, groups=groups, quotas=[2, 8], device="cpu")
    assert np.bincount(groups[res.indices]).tolist() == [2, 8]


def test_sklearn_style_class_and_registry():
    X = make_data("random", 40, 3, seed=4)
    sel = KCenterGreedy(6, device="cpu").fit(X)
    assert sel.ranking_.tolist() == kcenter_greedy(X, 6, device="cpu").indices.tolist()
    assert {"kcenter", "random", "typical_kcenter"} <= set(STRATEGIES)
    rnd = random_selection(X, 6, seed=0, device="cpu")
    assert rnd.indices.tolist() == random_selection(X, 6, seed=0, device="cpu").indices.tolist()
    assert len(set(rnd.indices.tolist())) == 6
    assert rnd.radii[-1] >= sel.radii_[-1] - 1e-6  # greedy covers at least as well as a random pick here


def test_bad_input_is_a_clear_error():
    X = make_data("random", 10, 3, seed=5)
    with pytest.raises(SelectorError, match="0 embeddings"):
        kcenter_greedy(np.zeros((0, 3), np.float32), 1)
    with pytest.raises(ConfigError, match="budget"):
        kcenter_greedy(X, -1)
    with pytest.raises(SelectorError, match="seeds"):
        kcenter_greedy(X, 2, seeds=[10])
    with pytest.raises(ConfigError, match="together"):
        kcenter_greedy(X, 2, groups=np.zeros(10, int))
    with pytest.raises(SelectorError, match="no quota"):
        kcenter_greedy(X, 2, groups=np.full(10, 3), quotas=[1, 1])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(SelectorError, match="NaN"):
        kcenter_greedy(bad, 2)


def test_random_selection_follows_the_same_rules():
    X = make_data("clustered", 200, 6, seed=6)
    eligible = np.arange(200) % 3 != 0
    groups = np.arange(200) % 4
    res = random_selection(X, 30, seeds=[0], eligible=eligible, groups=groups, quotas=[1, 5, 5, 50], seed=1)
    assert res.indices[0] == 0 and len(res.indices) == 30 and len(set(res.indices.tolist())) == 30
    assert eligible[res.indices[1:]].all()
    assert np.bincount(groups[res.indices], minlength=4)[:3].tolist() == [1, 5, 5]
    assert np.all(np.diff(res.radii) <= 1e-6)


@pytest.mark.parametrize("n", [50, 9000, 20000])
def test_random_picks_without_distances_are_the_same_draws(n):
    """The blocked picker of the no-distance baseline (large pools) draws exactly what the exact path draws."""
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 4)).astype(np.float32)
    eligible = rng.random(n) > 0.3
    groups = rng.integers(0, 5, n)
    quotas = [0, 3, 40, 7, 400]
    for kw in ({}, {"eligible": eligible}, {"eligible": eligible, "groups": groups, "quotas": quotas, "seeds": [1, 2]}):
        exact = random_selection(X, 120, seed=3, device="cpu", **kw)
        fast = random_selection(X, 120, seed=3, device="cpu", distances=False, **kw)
        assert fast.indices.tolist() == exact.indices.tolist()


def test_the_picks_only_engine_counts_a_row_closed_once_whatever_order_or_repeats_it_comes_in():
    from selector.selection._engines import PicksOnlyEngine

    engine = PicksOnlyEngine(10_000)
    engine.disable(np.array([9000, 5, 5, 4097]))  # repeated and unsorted
    engine.disable(np.array([1, 2, 3, 5]))  # ascending, one already closed
    engine.disable(np.arange(4096, 4200))  # ascending, one already closed
    assert int(engine.counts.sum()) == int(engine.open.sum()) == 10_000 - 3 - 3 - 103
    assert engine.counts.tolist() == [4096 - 4, 4096 - 104, 10_000 - 8192 - 1]
