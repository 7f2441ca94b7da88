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


def test_ray_data_embedding_equals_the_local_encoder_and_fills_its_cache(local_cluster: None, tmp_path) -> None:
    from tiny_model import build_tiny_bert, tiny_texts

    from selector.distributed import embed_ray
    from selector.embedding.encoder import Encoder

    model = build_tiny_bert(tmp_path / "tiny")
    texts = tiny_texts(60, seed=3, max_words=12)
    local = Encoder(model, device="cpu", cache=False).encode(texts, template="default", progress=False)
    cache = tmp_path / "cache"
    spread = embed_ray(texts, model=model, template="default", cache_dir=cache, workers=2, batch_size=16, device="cpu")
    assert spread.shape == local.shape
    assert np.abs(spread - local).max() < 1e-5
    again = Encoder(model, device="cpu", cache_dir=cache)
    reused = again.encode(texts, template="default", progress=False)
    assert again.stats_.n_cached == len(set(texts)) and again.stats_.n_encoded == 0
    np.testing.assert_array_equal(reused, spread)
