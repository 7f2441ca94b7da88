"""The cluster-sharded coreset (``coreset.mode: sharded``): one shard is the global greedy, quotas, ties,
determinism across processes, and the pipeline wiring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from selector.config import load_run_config
from selector.errors import ConfigError
from selector.selection.clustering import kmeans
from selector.selection.coreset import kcenter_greedy
from selector.selection.sharded import pack_clusters, plan_shards, sharded_kcenter


def _data(n: int = 2400, d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((12, d)).astype(np.float32)
    X = centres[rng.integers(0, 12, n)] + 0.3 * rng.standard_normal((n, d)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = kmeans(X, 10, seed=0).labels
    groups = rng.integers(0, 3, n)
    return X, labels, groups


@pytest.mark.parametrize("with_groups", [False, True])
def test_one_shard_is_the_global_greedy(with_groups: bool) -> None:
    X, labels, groups = _data()
    rules = {"groups": groups, "quotas": np.array([5, 15, 20])} if with_groups else {}
    eligible = np.ones(len(X), dtype=bool)
    eligible[::7] = False
    glob = kcenter_greedy(X, 40, seeds=[3, 11], eligible=eligible, progress=False, **rules)
    one = sharded_kcenter(X, 40, clusters=labels, seeds=[3, 11], eligible=eligible, shards=1, **rules)
    np.testing.assert_array_equal(one.indices, glob.indices)
    np.testing.assert_array_equal(one.radii, glob.radii)
    np.testing.assert_array_equal(one.min_dist, glob.min_dist)
    assert one.n_seeds == glob.n_seeds == 2
    default = sharded_kcenter(X, 40, clusters=labels, seeds=[3, 11], eligible=eligible, **rules)
    np.testing.assert_array_equal(default.indices, glob.indices)  # shards: null is one per worker, here one


def test_group_quotas_are_kept_exactly_and_picks_are_unique() -> None:
    X, labels, groups = _data()
    quotas = np.array([7, 13, 30])
    res = sharded_kcenter(X, 50, clusters=labels, seeds=[0], groups=groups, quotas=quotas, shards=100)
    assert len(res.indices) == 50 == len(set(res.indices.tolist()))
    np.testing.assert_array_equal(np.bincount(groups[res.indices], minlength=3), quotas)
    assert res.indices[0] == 0  # the seed first
    assert res.stats["shards"] == len(np.unique(labels))


def test_shard_budgets_are_proportional_at_tau_1_and_flatter_above() -> None:
    labels = np.repeat(np.arange(3), [600, 300, 100])
    eligible = np.ones(1000, dtype=bool)
    prop = plan_shards(labels, 100, [], eligible, None, None, tau=1.0)
    assert [j.budget for j in prop] == [60, 30, 10]
    flat = plan_shards(labels, 100, [], eligible, None, None, tau=float("inf"))
    assert [j.budget for j in flat] == [34, 33, 33]
    # A seed counts toward its shard: the rest of the budget is split over the open rows.
    seeded = plan_shards(labels, 100, [650], eligible, None, None)
    assert sum(j.budget for j in seeded) == 100
    assert [len(j.seeds) for j in seeded] == [0, 1, 0]


def test_quota_split_never_exceeds_a_shard_and_sums_to_each_group_quota() -> None:
    labels = np.repeat(np.arange(4), [50, 5, 200, 45])
    groups = np.tile(np.arange(2), 150)
    jobs = plan_shards(labels, 80, [1], np.ones(300, dtype=bool), groups, np.array([30, 50]), tau=2.0)
    per_group = sum(j.quotas for j in jobs)
    np.testing.assert_array_equal(per_group, [30, 50])
    for j in jobs:
        assert j.budget == j.quotas.sum() <= len(j.rows)


def test_ties_go_to_the_lowest_index_and_runs_are_deterministic() -> None:
    X, labels, _ = _data(n=600)
    X = np.concatenate([X, X])  # every row twice: each pick ties with its copy
    labels = np.concatenate([labels, labels])
    a = sharded_kcenter(X, 30, clusters=labels, shards=3)
    b = sharded_kcenter(X, 30, clusters=labels, shards=3)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert (a.indices < 600).all()  # a copy (index + 600) never wins a tie


def test_worker_processes_give_the_same_picks() -> None:
    X, labels, groups = _data()
    kwargs = {"clusters": labels, "groups": groups, "quotas": np.array([10, 10, 10]), "shards": 4}
    here = sharded_kcenter(X, 30, **kwargs)
    spread = sharded_kcenter(X, 30, workers=2, **kwargs)
    np.testing.assert_array_equal(here.indices, spread.indices)
    np.testing.assert_array_equal(here.radii, spread.radii)


def test_ranking_merges_by_pick_distance_and_radius_bounds_the_exact_one() -> None:
    X, labels, _ = _data()
    res = sharded_kcenter(X, 40, clusters=labels, shards=4)
    finite = res.radii[np.isfinite(res.radii)]
    assert (np.diff(finite) <= 1e-6).all()  # non-increasing once every shard has a pick
    d2 = np.maximum(2.0 - 2.0 * X @ X[res.indices].T, 0.0)
    exact = float(np.sqrt(d2.min(axis=1)).max())
    assert exact <= res.radii[-1] + 1e-5
    assert (res.min_dist.astype(np.float64) ** 2 >= d2.min(axis=1) - 1e-5).all()  # squared: sqrt amplifies 0


def test_pack_clusters_balances_rows_deterministically() -> None:
    labels = np.repeat(np.arange(6), [50, 40, 30, 20, 10, 10])
    packed = pack_clusters(labels, 2)
    sizes = [int(np.isin(labels, p).sum()) for p in packed]
    assert sorted(sizes) == [80, 80]
    assert [p.tolist() for p in packed] == [p.tolist() for p in pack_clusters(labels, 2)]
    assert len(pack_clusters(labels, None)) == 6


def test_bad_shard_settings_are_config_errors() -> None:
    X, labels, _ = _data(n=200)
    with pytest.raises(ConfigError, match=r"coreset\.workers"):
        sharded_kcenter(X, 5, clusters=labels, workers=0)
    with pytest.raises(ConfigError, match=r"coreset\.shards"):
        load_run_config(None, {"coreset": {"mode": "sharded", "shards": 0}})
    with pytest.raises(ConfigError, match=r"coreset\.mode"):
        load_run_config(None, {"coreset": {"mode": "everywhere"}})


def test_select_runs_sharded_from_the_config(tmp_path: Path) -> None:
    from selector.pipeline import select

    rng = np.random.default_rng(1)
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    path = tmp_path / "pool.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(300):
            text = " ".join(rng.choice(words, 6)) + f" {i}"
            f.write(json.dumps({"instruction": text, "input": "", "output": f"answer {i}"}) + "\n")
    X = rng.standard_normal((300, 8)).astype(np.float32)
    np.save(tmp_path / "v.npy", X)
    cfg = load_run_config(None, {"coreset": {"mode": "sharded", "shards": 3}})
    res = select([path], budget=20, config=cfg, embeddings=tmp_path / "v.npy", progress=False)
    assert len(res.samples) == 20
    assert res.manifest["coreset"]["mode"] == "sharded"
    kcenter = load_run_config(None, {"coreset": {"strategy": "kcenter"}})  # the global greedy that one shard equals
    glob = select([path], budget=20, config=kcenter, embeddings=tmp_path / "v.npy", progress=False)
    one = select(
        [path],
        budget=20,
        config=load_run_config(None, {"coreset": {"mode": "sharded", "shards": 1}}),
        embeddings=tmp_path / "v.npy",
        progress=False,
    )
    assert [s.id for s in one.samples] == [s.id for s in glob.samples]


def test_float16_rows_give_what_their_float32_widening_gives() -> None:
    """K-Means (blocked assignment), the task centres and the sharded greedy on float16 X equal the same values
    widened to float32 up front (K-Means trains on every row here: no sample is drawn)."""
    from selector.selection.centres import task_centres

    X, _, groups = _data()
    X16 = X.astype(np.float16)
    W = X16.astype(np.float32)
    a, b = kmeans(X16, 10, seed=0), kmeans(W, 10, seed=0)
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.centroids, b.centroids)
    tasks = [f"t{g}" for g in groups]
    got, want = task_centres(X16, a.labels, a.centroids, tasks), task_centres(W, a.labels, a.centroids, tasks)
    assert [(c.task, c.cluster, c.centre, c.stats) for c in got] == [
        (c.task, c.cluster, c.centre, c.stats) for c in want
    ]
    quotas = [20, 15, 25]
    kw = {"clusters": a.labels, "groups": groups, "quotas": quotas, "shards": 3}
    r16, r32 = sharded_kcenter(X16, 60, **kw), sharded_kcenter(W, 60, **kw)
    assert r16.indices.tolist() == r32.indices.tolist()
    assert np.allclose(r16.radii, r32.radii)


def test_select_keeps_a_float16_embeddings_file_half_size_in_sharded_mode(tmp_path: Path) -> None:
    from selector.pipeline import select

    rng = np.random.default_rng(2)
    path = tmp_path / "pool.jsonl"
    path.write_text(
        "".join(
            json.dumps({"instruction": f"task {i}", "input": "", "output": f"answer {i}"}) + "\n" for i in range(400)
        ),
        encoding="utf-8",
    )
    np.save(tmp_path / "v16.npy", rng.standard_normal((400, 8)).astype(np.float16))
    cfg = load_run_config(None, {"coreset": {"mode": "sharded", "shards": 2}, "clustering": {"k": 6}})
    runs = [select([path], budget=30, config=cfg, embeddings=tmp_path / "v16.npy", progress=False) for _ in range(2)]
    assert runs[0].manifest["encoder"]["dtype_in_memory"] == "float16"
    assert [s.id for s in runs[0].samples] == [s.id for s in runs[1].samples] and len(runs[0].samples) == 30
    glob = select([path], budget=30, embeddings=tmp_path / "v16.npy", progress=False)
    assert glob.manifest["encoder"]["dtype_in_memory"] == "float32"  # the global greedy widens the file


def test_forked_shard_workers_get_their_share_of_the_cores_not_the_whole_machine() -> None:
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    import torch

    from selector.selection._threads import limit_threads, share_of_cores

    torch.set_num_threads(os.cpu_count() or 1)  # the parent's pool, sized for the machine, as after an encode
    assert share_of_cores(2) == max(1, (os.cpu_count() or 1) // 2) and share_of_cores(10_000) == 1
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=ctx, initializer=limit_threads, initargs=(1,)) as pool:
        assert pool.submit(torch.get_num_threads).result() == 1
