"""K-Means for the partitioned executor: trained on the driver on a seeded sample, assigned on Ray Data workers.

The driver reads only the training rows from the :class:`~selector.distributed.vectors.VectorFile` (at most
``k x max_points_per_centroid`` of them, the sample faiss would have drawn itself), trains the same faiss
``Kmeans`` as :func:`selector.selection.clustering.kmeans`, and sends the ``(k, d)`` centroids to the workers;
each worker reads its partition of rows from the file, assigns them, and returns one label and one cosine per row.
The centroids are those of the in-memory run bit for bit, because the training sample is: faiss's own
(``rand_perm`` of the pool with the run's seed, the first ``k x max_points_per_centroid`` rows in that order) for
float32 vectors, and the seeded sorted sample of ``clustering._training_rows`` for float16 ones. The labels are
the in-memory run's up to float32 rounding: BLAS rounds a row's inner products differently with the number of rows
in the product and of threads (measured: the cosines differ in the last bit for about half the rows between one
search and searches by partition, as they do between two thread counts in memory), so a row whose two nearest
centroids are within about ``1e-7`` of each other may take the other one. Partitions are a power of two rows long
(4,096 to 65,536: the blocks the float16 path widens) and a last partition below 20 rows joins the one before.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import faiss
import numpy as np

from selector.device import faiss_uses_gpu
from selector.distributed.failures import task_retries
from selector.distributed.vectors import VectorFile
from selector.selection.clustering import KMeansResult, checked_k, kmeans_result, train_centroids
from selector.selection.config import ClusteringConfig

log = logging.getLogger(__name__)

QUERY_BLOCK = 4096
"""faiss's ``distance_compute_blas_query_bs``: rows searched per matrix product."""

BLAS_MIN = 20
"""faiss's ``distance_compute_blas_threshold``: fewer query rows than this are searched without BLAS."""

HALF_BLOCK = 65_536
"""Rows widened (and searched) at a time by the float16 path of ``clustering._assign``."""

PARTS_PER_CPU = 4
"""Partitions per CPU of the cluster: several per worker even out the load."""


def partitions(n: int, cpus: int, half: bool = False) -> list[tuple[int, int]]:
    """``(lo, hi)`` pool-row ranges covering ``range(n)``: about ``PARTS_PER_CPU x cpus`` of them, each of a
    power of two rows from :data:`QUERY_BLOCK` to :data:`HALF_BLOCK` (see the module docstring for why)."""
    if n == 0:
        return []
    want = math.ceil(n / max(1, PARTS_PER_CPU * cpus))
    size = min(HALF_BLOCK, max(QUERY_BLOCK, 1 << math.ceil(math.log2(want))))  # a power of two: it divides 65,536
    parts = list(itertools.pairwise([*range(0, n, size), n]))
    lo, hi = parts[-1]
    grid = HALF_BLOCK if half else n  # the block each row is searched in by the in-memory run
    if len(parts) > 1 and hi - lo < BLAS_MIN and lo % grid:
        parts[-2:] = [(parts[-2][0], hi)]
    return parts


@contextmanager
def quiet_data(ray: Any) -> Iterator[None]:
    """Ray Data without its progress bars and per-run log lines for the block (a stage's passes are short and
    many); the settings are restored after."""
    ctx = ray.data.DataContext.get_current()
    names = ("enable_progress_bars", "print_on_execution_start", "enable_auto_log_stats")
    before = [getattr(ctx, k) for k in names]
    data_log = logging.getLogger("ray.data")
    level = data_log.level
    for k in names:
        setattr(ctx, k, False)
    data_log.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():  # max_retries has no named Ray Data parameter yet (Ray 2.60)
            warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
            yield
    finally:
        data_log.setLevel(level)
        for k, v in zip(names, before, strict=True):
            setattr(ctx, k, v)


def training_rows(vectors: VectorFile, size: int, seed: int) -> np.ndarray:
    """The float32 rows faiss trains on, as the in-memory :func:`~selector.selection.clustering.kmeans` gives them:
    every row when there are at most ``size``; else faiss's own sample (``rand_perm`` seeded ``seed``, first
    ``size``, in that order) for float32 vectors, or the sorted seeded sample of the float16 path."""
    n = len(vectors)
    if n <= size:
        return np.ascontiguousarray(vectors[:], dtype=np.float32)
    if vectors.half:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    else:
        perm = np.empty(n, dtype=np.int32)
        faiss.rand_perm(faiss.swig_ptr(perm), n, seed)
        rows = perm[:size]
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def _assign_part(batch: dict[str, np.ndarray], *, vectors: Any, centroids: np.ndarray) -> dict[str, np.ndarray]:
    """Ray Data task: the nearest centroid (label, cosine) of every row of one partition, read from the file."""
    import ray

    vf: VectorFile = ray.get(vectors)
    lo, hi = int(batch["lo"][0]), int(batch["hi"][0])
    block = np.ascontiguousarray(vf.part(lo, hi).read_all(), dtype=np.float32)
    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(centroids)
    sims, labels = index.search(block, 1)
    return {"row": np.arange(lo, hi, dtype=np.int64), "label": labels[:, 0].astype(np.int64), "sim": sims[:, 0]}


def assign_ray(ray: Any, vectors: VectorFile, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """``(labels, cosines, partitions)``: each pool row's nearest of ``centroids`` (``(k, d)`` unit float32),
    computed by Ray Data tasks that each read one partition of ``vectors`` from the file."""
    n = len(vectors)
    parts = partitions(n, int(ray.cluster_resources().get("CPU", 1)), vectors.half)
    ref = ray.put(vectors)
    items = [{"lo": lo, "hi": hi} for lo, hi in parts]
    labels = np.full(n, -1, dtype=np.int64)
    sims = np.zeros(n, dtype=np.float32)
    with quiet_data(ray):  # before the Dataset exists: it keeps the context it was made under
        data = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _assign_part,
            batch_size=1,
            fn_kwargs={"vectors": ref, "centroids": np.ascontiguousarray(centroids, dtype=np.float32)},
            **task_retries(),
        )
        for batch in data.iter_batches(batch_format="numpy", batch_size=None):
            labels[batch["row"]] = batch["label"]
            sims[batch["row"]] = batch["sim"]
    if (labels < 0).any():
        raise RuntimeError(f"the Ray K-Means assignment returned {int((labels >= 0).sum())} of {n} rows")
    return labels, sims, len(parts)


def kmeans_partitioned(
    ray: Any, vectors: VectorFile, clustering: ClusteringConfig, *, seed: int, device: str
) -> KMeansResult:
    """:func:`~selector.selection.clustering.kmeans_for_run` over the rows of ``vectors`` without holding them:
    trained here on :func:`training_rows`, assigned by :func:`assign_ray`. Same centroids, labels and statistics."""
    k = checked_k(vectors, clustering.k, clustering.niter)
    use_gpu = faiss_uses_gpu(device)
    start = time.perf_counter()
    mpc = clustering.max_points_per_centroid
    centroids, objective = train_centroids(
        training_rows(vectors, k * mpc, seed), k, niter=clustering.niter, seed=seed, max_points_per_centroid=mpc,
        gpu=use_gpu,
    )  # fmt: skip
    labels, sims, parts = assign_ray(ray, vectors, centroids)
    result = kmeans_result(
        centroids, labels, sims, objective=objective, niter=clustering.niter, seed=seed, mpc=mpc, gpu=use_gpu,
        start=start,
    )  # fmt: skip
    log.info(
        "k-means: %d points, k=%d, trained on %d here, assigned in %d Ray partitions",
        len(labels), k, result.stats["train_size"], parts,
    )  # fmt: skip
    return result
