"""The partitioned executor (``select`` with ``embeddings=``, ``coreset.mode: sharded`` and Ray): the vectors stay
in their file, Ray Data workers assign K-Means labels and find the centres, the coreset's Ray tasks read their
shards' rows, and the outputs are the in-memory sharded run's, byte for byte. One local Ray of 2 CPUs (loopback
only, as the tool starts it) for the module."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import selector
from selector.distributed.ray_kmeans import partitions
from selector.distributed.vectors import GAP_BYTES, WINDOW, FileRows, VectorFile
from selector.embedding.precomputed import unit_rows
from selector.errors import SelectorError
from selector.pipeline.context import RunContext
from selector.pipeline.options import merged
from selector.pipeline.partitioned import VectorsStage, partitioned_gap, select_stages
from selector.pipeline.request import build_request
from selector.pipeline.run import SELECT_STAGES
from selector.pipeline.stages import run_stages
from selector.selection.centres import task_centres
from selector.selection.clustering import kmeans
from tests.pools import alpaca_jsonl

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'selector[ray]')")


def _corpus(folder: Path, n: int, d: int, dtype: str = "float32") -> tuple[Path, Path]:
    """``n`` Alpaca records and, after them, 40 exact duplicates (the filters drop them, so pool row i is not file
    row i); the vectors (not unit length) one row per record as read."""
    data = alpaca_jsonl(folder / "pool.jsonl", n, seed=3)
    lines = data.read_text().splitlines(keepends=True)
    data.write_text("".join(lines) + "".join(lines[:40]))
    vectors = folder / "pool.npy"
    np.save(vectors, (3 * np.random.default_rng(5).standard_normal((n + 40, d))).astype(dtype))
    return data, vectors


def _config(folder: Path, backend: str) -> Path:
    path = folder / f"{backend}.yaml"
    path.write_text(
        "clustering:\n  max_points_per_centroid: 16\n"
        f"coreset:\n  strategy: kcenter\n  mode: sharded\n  shards: 4\n  workers: 2\n  backend: {backend}\n"
    )
    return path


def test_partitions_start_at_faiss_query_blocks_and_leave_no_tiny_tail() -> None:
    assert partitions(9000, 2) == [(0, 4096), (4096, 8192), (8192, 9000)]
    assert partitions(8200, 2) == [(0, 4096), (4096, 8200)]  # 8 rows alone would skip faiss's BLAS path
    assert partitions(65546, 16)[-1] == (61440, 65546)
    assert partitions(65546, 16, half=True)[-1] == (65536, 65546)  # as the float16 path's own last block
    assert partitions(3 * 65536, 1) == [(0, 65536), (65536, 131072), (131072, 196608)]
    assert partitions(0, 2) == []


def test_a_vector_file_reads_rows_and_refuses_to_become_one_array(tmp_path) -> None:
    X = np.random.default_rng(0).standard_normal((50, 8)).astype(np.float32)
    np.save(tmp_path / "v.npy", X)
    rows = np.arange(50)[::-2]
    vf = VectorFile(str(tmp_path / "v.npy"), rows, 8)
    np.testing.assert_array_equal(vf[[0, 3]], unit_rows(tmp_path / "v.npy", X, rows[[0, 3]]))
    np.testing.assert_array_equal(vf.take(np.array([3, 0])).read_all(), vf[[3, 0]])
    assert vf.shape == (25, 8) and len(vf.part(5, 9)) == 4
    with pytest.raises(SelectorError, match="stay in their file"):
        np.asarray(vf)
    H = np.random.default_rng(1).standard_normal((30000, 8)).astype(np.float16)  # windows of 8,192 rows read
    np.save(tmp_path / "h.npy", H)
    scattered = np.random.default_rng(2).choice(30000, 5000)  # any order, repeats
    half = VectorFile(str(tmp_path / "h.npy"), np.arange(30000)[::-1].copy(), 8, half=True)
    expected = unit_rows(tmp_path / "h.npy", H, (29999 - scattered), dtype=np.float16)
    assert half[scattered].dtype == np.float16 and half[scattered].tobytes() == expected.tobytes()


def test_a_sparse_sample_reads_its_rows_not_the_windows_around_them(tmp_path) -> None:
    X = np.random.default_rng(0).standard_normal((40000, 128)).astype(np.float32)  # 512 B a row
    np.save(tmp_path / "v.npy", X)
    fr = FileRows(tmp_path / "v.npy")
    sample = np.sort(np.random.default_rng(1).choice(40000, 1600, replace=False))  # one row in 25, as K-Means's
    spans = fr.spans(sample)
    assert sum(hi - lo for *_, lo, hi in spans) < 1600 * (1 + GAP_BYTES // 512)  # not the 40,000 rows
    assert fr[sample[::-1]].tobytes() == X[sample[::-1]].tobytes()
    dense = fr.spans(np.arange(40000))  # a partition: spans of at most WINDOW rows
    assert [hi - lo for *_, lo, hi in dense] == [WINDOW] * 4 + [40000 - 4 * WINDOW]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_kmeans_on_the_workers_equals_kmeans_in_memory(local_cluster, tmp_path, dtype) -> None:
    from selector.distributed.ray_kmeans import kmeans_partitioned
    from selector.selection.config import ClusteringConfig

    X = np.random.default_rng(1).standard_normal((9100, 24)).astype(dtype)
    np.save(tmp_path / "v.npy", X)
    rows = np.flatnonzero(np.arange(9100) % 23 != 5)  # a filtered pool
    vf = VectorFile(str(tmp_path / "v.npy"), rows, 24, half=dtype == "float16")
    here = kmeans(unit_rows(tmp_path / "v.npy", X, rows, dtype=vf.dtype), 40, seed=3, max_points_per_centroid=32)
    cfg = ClusteringConfig(k=40, max_points_per_centroid=32)
    there = kmeans_partitioned(ray, vf, cfg, seed=3, device="cpu")
    assert there.centroids.tobytes() == here.centroids.tobytes()
    np.testing.assert_array_equal(there.labels, here.labels)
    drop = ("seconds", "mean_cosine")  # cosines are BLAS's, rounded by the block sizes: equal to ~1e-7
    assert there.stats["mean_cosine"] == pytest.approx(here.stats["mean_cosine"], rel=1e-6)
    assert {k: v for k, v in there.stats.items() if k not in drop} == {
        k: v for k, v in here.stats.items() if k not in drop
    }


def test_task_centres_on_the_workers_equal_those_in_memory(local_cluster, tmp_path) -> None:
    from selector.distributed.ray_centres import centres_ray

    rng = np.random.default_rng(2)
    X = rng.standard_normal((9000, 16)).astype(np.float32)
    np.save(tmp_path / "v.npy", X)
    vf = VectorFile(str(tmp_path / "v.npy"), np.arange(9000), 16)
    U = unit_rows(tmp_path / "v.npy", X, np.arange(9000))
    km = kmeans(U, 12, seed=0)
    tasks = [None if i % 7 == 0 else f"t{i % 5}" for i in range(9000)]
    for labelled in (tasks, ["pool"] * 9000):
        here = task_centres(U, km.labels, km.centroids, labelled)
        there = centres_ray(ray, vf, km.labels, km.centroids, labelled)
        assert [(c.task, c.cluster, c.centre, c.stats) for c in there] == [
            (c.task, c.cluster, c.centre, c.stats) for c in here
        ]
        assert all(np.array_equal(a.members, b.members) for a, b in zip(there, here, strict=True))


def test_partitioned_select_writes_the_bytes_of_the_local_sharded_run(local_cluster, tmp_path) -> None:
    data, vectors = _corpus(tmp_path, 5000, 32)
    outs = {}
    for backend in ("local", "ray"):
        outs[backend] = tmp_path / backend
        selector.select(
            [data], embeddings=vectors, budget=60, config=_config(tmp_path, backend), out=outs[backend], progress=False
        )
    for name in ("selected.jsonl", "selection.jsonl"):
        assert (outs["ray"] / name).read_bytes() == (outs["local"] / name).read_bytes()
    local, remote = (json.loads((outs[b] / "manifest.json").read_text()) for b in ("local", "ray"))
    assert remote["executor"]["name"] == "partitioned" and "executor" not in local
    assert remote["counts"] == local["counts"] and local["counts"]["after_filters"] == 5000
    for key in ("clusters", "centres", "coverage", "encoder", "allocation"):
        assert remote[key] == local[key], key


def test_from_embed_to_pick_the_driver_holds_no_array_of_the_vectors(local_cluster, tmp_path) -> None:
    data, vectors = _corpus(tmp_path, 20000, 128)
    config = _config(tmp_path, "ray")
    request = build_request([data], merged(None, {"embeddings": vectors, "budget": 50, "config": config}))
    stages = select_stages(SELECT_STAGES, request)
    at = next(i for i, s in enumerate(stages) if isinstance(s, VectorsStage))
    pick = next(i for i, s in enumerate(stages) if s.name == "pick")
    ctx = run_stages(stages[: at + 1], RunContext(request, request.config))
    vf = ctx.pool.X
    assert isinstance(vf, VectorFile) and vf.nbytes == 20000 * 128 * 4
    # once unmeasured: the first pass imports Ray Data's modules and builds its caches, which are not vectors
    ctx = run_stages(stages[at + 1 : pick + 1], ctx)
    tracemalloc.start()
    try:
        ctx = run_stages(stages[at + 1 : pick + 1], ctx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ctx.picked.indices) == 50 and ctx.pool.X is vf
    assert peak < vf.nbytes / 4, f"the driver's peak {peak:,} B against {vf.nbytes:,} B of vectors"


def test_runs_the_executor_does_not_cover_keep_the_in_memory_stages(tmp_path) -> None:
    data, vectors = _corpus(tmp_path, 30, 8)
    config = _config(tmp_path, "ray")
    tokens = build_request([data], merged(None, {"embeddings": vectors, "tokens": "2k", "config": config}))
    assert partitioned_gap(tokens) == "a token budget is not partitioned yet"
    assert select_stages(SELECT_STAGES, tokens) == SELECT_STAGES
    encoded = build_request([data], merged(None, {"budget": 5, "config": config}))
    assert "embeddings=" in (partitioned_gap(encoded) or "")
    local = build_request(
        [data], merged(None, {"embeddings": vectors, "budget": 5, "config": _config(tmp_path, "local")})
    )
    assert partitioned_gap(local) is None and select_stages(SELECT_STAGES, local) == SELECT_STAGES  # Ray not asked
