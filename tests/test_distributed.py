"""The sharded coreset as Ray tasks, on a local Ray cluster this test starts and stops (no other address)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from selector.selection.clustering import kmeans
from selector.selection.sharded import sharded_kcenter

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'selector[ray]')")


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, address="local", log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_tasks_pick_what_the_local_sharded_run_picks(local_cluster: None) -> None:
    from selector.distributed import run_ray

    rng = np.random.default_rng(7)
    X = rng.standard_normal((3000, 32)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = kmeans(X, 12, seed=0).labels
    groups = rng.integers(0, 2, len(X))
    kwargs = {"clusters": labels, "seeds": [4], "groups": groups, "quotas": np.array([20, 25]), "shards": 5}
    local = sharded_kcenter(X, 45, **kwargs)
    remote = sharded_kcenter(X, 45, runner=run_ray, workers=2, **kwargs)
    np.testing.assert_array_equal(remote.indices, local.indices)
    np.testing.assert_array_equal(remote.radii, local.radii)
    np.testing.assert_array_equal(remote.min_dist, local.min_dist)
