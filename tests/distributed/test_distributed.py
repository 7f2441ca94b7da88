"""Ray: the sharded coreset as Ray tasks (``coreset.backend: ray``), and embedding on Ray Data encoder actors (the
API and ``--ray``), on one local Ray of 2 CPUs this module starts (as the tool does: loopback only) and stops."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.selection.clustering import kmeans
from selector.selection.sharded import sharded_kcenter
from tests.pools import alpaca_jsonl

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'selector[ray]')")
runner = CliRunner()


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
    from selector.distributed import embed_ray
    from selector.embedding.encoder import Encoder
    from tests.tiny_model import build_tiny_bert, tiny_texts

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


def test_embed_with_ray_gives_the_local_vectors_and_leaves_them_in_the_cache(local_cluster, tiny, tmp_path) -> None:
    data = alpaca_jsonl(tmp_path / "pool.jsonl", 48, seed=11)
    base = ["embed", str(data), "--model", str(tiny), "--device", "cpu"]
    local = runner.invoke(app, [*base, "--out", str(tmp_path / "local.npy"), "--cache-dir", str(tmp_path / "c1")])
    assert local.exit_code == 0, local.output
    cache = tmp_path / "c2"
    spread = runner.invoke(app, [*base, "--out", str(tmp_path / "ray.npy"), "--cache-dir", str(cache), "--ray"])
    assert spread.exit_code == 0, spread.output
    assert "after 1 Ray cpu worker(s) encoded 48 texts into the cache" in spread.output
    assert np.abs(np.load(tmp_path / "ray.npy") - np.load(tmp_path / "local.npy")).max() < 1e-5
    meta = json.loads((tmp_path / "ray.json").read_text())
    assert meta["engine"] == "ray" and meta["ray"]["texts_sent"] == 48 and meta["ray"]["encoded_here"] == 0
    assert meta["ray"]["workers"] == 1 and meta["ray"]["device"] == "cpu"  # 2 CPUs: one worker of 2 threads
    assert meta["stats"]["n_encoded"] == 0 and meta["stats"]["n_cached"] == 48  # the driver only read the cache
    assert json.loads((tmp_path / "local.json").read_text())["engine"] == "local"
    # a later run without --ray encodes nothing
    again = runner.invoke(app, [*base, "--out", str(tmp_path / "again.npy"), "--cache-dir", str(cache)])
    assert again.exit_code == 0 and "0 encoded, 48 from the cache" in again.output
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), np.load(tmp_path / "ray.npy"))


def test_the_local_ray_listens_on_loopback_only(local_cluster: None) -> None:
    from tests.listening import listeners

    found = listeners()  # this process and every Ray process below it (GCS, raylet, workers)
    assert {"gcs_server", "raylet"} <= {s.name for s in found}, found
    exposed = [s for s in found if not s.loopback]
    assert not exposed, f"Ray listens beyond the loopback interface: {exposed}"
    assert ray.util.get_node_ip_address() == "127.0.0.1"


def test_select_with_the_ray_coreset_backend_picks_what_the_local_backend_picks(
    local_cluster: None, demo_vectors, tmp_path
) -> None:
    from conftest import DEMO

    outs = {}
    for backend in ("local", "ray"):
        config = tmp_path / f"{backend}.yaml"
        config.write_text(
            f"coreset:\n  strategy: kcenter\n  mode: sharded\n  shards: 4\n  workers: 2\n  backend: {backend}\n"
        )
        out = tmp_path / backend
        args = ["select", str(DEMO), "--embeddings", str(demo_vectors), "--budget", "30", "--quiet"]
        res = runner.invoke(app, [*args, "--config", str(config), "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs[backend] = out
    picked = [(outs[b] / "selected.jsonl").read_bytes() for b in ("local", "ray")]
    assert picked[0] == picked[1] and len(picked[0].splitlines()) == 30
    manifest = json.loads((outs["ray"] / "manifest.json").read_text())
    assert manifest["config"]["coreset"]["backend"] == "ray"
    assert manifest["coreset"]["shards"] == 4


def test_an_encoder_batch_that_always_fails_stops_after_bounded_tries_naming_its_row(
    local_cluster: None, tiny, tmp_path
) -> None:
    from selector.distributed import embed_ray
    from selector.distributed.failures import RETRIES, BatchError
    from tests.tiny_model import tiny_texts

    texts = tiny_texts(40, seed=3, max_words=12)
    texts[21] = "a lone surrogate \ud800 the tokenizer refuses"  # a real encoder failure, on every try
    with pytest.raises(BatchError) as caught:
        embed_ray(texts, model=tiny, cache_dir=tmp_path / "c", workers=1, batch_size=16, device="cpu")
    message = str(caught.value)
    assert "failed on the batch of rows 16-31 (16 texts); row 21 fails on its own: 'a lone surrogate" in message
    assert "TypeError" in message and f"({1 + RETRIES} tries, every one failed)" in message


def test_a_coreset_task_that_always_fails_names_its_shards(local_cluster: None) -> None:
    from selector.distributed import run_ray
    from selector.distributed.failures import BatchError
    from selector.selection.sharded import ShardJob

    X = np.eye(12, 8, dtype=np.float32)
    good = ShardJob(0, np.arange(6), 2, np.array([], dtype=np.int64), np.ones(6, bool), None, None)
    bad = ShardJob(1, np.arange(6, 12), 2, np.array([40]), np.ones(6, bool), None, None)  # a seed past its rows
    with pytest.raises(BatchError, match=r"coreset task of shards 1 \(6 rows, budget 2\) failed on each of 3 tries"):
        run_ray(X, [good, bad], workers=1)
