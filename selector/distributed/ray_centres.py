"""Task centres for the partitioned executor: :func:`selector.selection.centres.task_centres` with the one pass
over every vector (each task's best row against its distribution centre) run by Ray Data tasks, one partition of
the file each.

The driver finds each task's dominant cluster from the labels alone; each worker scores its partition's members of
every task against that cluster's centroid and returns its best row per task; the driver keeps the highest score
(ties: the lowest row, as ``numpy.argmax`` over every member would). The scores are the same float32 inner products
as in memory (each row's product with a direction does not depend on the rows beside it), so the centres are the
same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.distributed.failures import task_retries
from selector.distributed.ray_kmeans import partitions, quiet_data
from selector.distributed.vectors import VectorFile
from selector.selection.centres import TaskCentre

__all__ = ["centres_ray"]


def _best_per_task(
    batch: dict[str, np.ndarray], *, vectors: Any, codes: Any, directions: np.ndarray
) -> dict[str, np.ndarray]:
    """Ray Data task: for each task present in one partition, its member with the largest product with the task's
    direction (ties: the lowest row) and that product."""
    import ray

    vf: VectorFile = ray.get(vectors)
    lo, hi = int(batch["lo"][0]), int(batch["hi"][0])
    part_codes = ray.get(codes)[lo:hi]
    block = vf.part(lo, hi).read_all()
    found: dict[str, list[Any]] = {"task": [], "row": [], "score": []}
    for t in np.unique(part_codes[part_codes >= 0]).tolist():
        members = np.flatnonzero(part_codes == t)
        rows = block if len(members) == len(block) else block[members]
        scores = np.asarray(rows, dtype=np.float32) @ directions[t]
        j = int(np.argmax(scores))
        found["task"].append(t)
        found["row"].append(lo + int(members[j]))
        found["score"].append(float(scores[j]))
    return {
        "task": np.asarray(found["task"], dtype=np.int64),
        "row": np.asarray(found["row"], dtype=np.int64),
        "score": np.asarray(found["score"], dtype=np.float32),
    }


def centres_ray(
    ray: Any, vectors: VectorFile, labels: np.ndarray, centroids: np.ndarray, tasks: Sequence[Any]
) -> list[TaskCentre]:
    """Distribution centre and task centre of every labelled task, as ``task_centres(X, labels, centroids,
    tasks)`` returns them (tasks sorted by label as strings, the same statistics), without the vectors here."""
    tasks_arr = np.asarray(tasks, dtype=object)
    names = sorted({t for t in tasks_arr.tolist() if t is not None}, key=str)
    code_of = {name: i for i, name in enumerate(names)}
    codes = np.fromiter((code_of.get(t, -1) for t in tasks_arr.tolist()), dtype=np.int64, count=len(tasks_arr))
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    counts = np.zeros((len(names), k), dtype=np.int64)
    np.add.at(counts, (codes[codes >= 0], labels[codes >= 0]), 1)
    clusters = np.argmax(counts, axis=1) if len(names) else np.zeros(0, dtype=np.int64)
    directions = np.ascontiguousarray(centroids[clusters], dtype=np.float32)
    best = _best_rows(ray, vectors, codes, directions)
    out = []
    for t, name in enumerate(names):
        members = np.flatnonzero(codes == t)
        cluster = int(clusters[t])
        centre, cosine = best[t]
        stats = {
            "size": len(members),
            "cluster_share_of_task": round(float(counts[t, cluster] / len(members)), 4),
            "task_share_of_cluster": round(float(counts[t, cluster] / sizes[cluster]), 4),
            "centre_cosine": round(cosine, 6),
        }
        out.append(TaskCentre(name, cluster, centre, members, stats))
    return out


def _best_rows(
    ray: Any, vectors: VectorFile, codes: np.ndarray, directions: np.ndarray
) -> dict[int, tuple[int, float]]:
    """Task code -> ``(row, score)`` of its best member over every partition (ties: the lowest row)."""
    parts = partitions(len(vectors), int(ray.cluster_resources().get("CPU", 1)), vectors.half)
    items = [{"lo": lo, "hi": hi} for lo, hi in parts]
    best: dict[int, tuple[int, float]] = {}
    with quiet_data(ray):  # before the Dataset exists: it keeps the context it was made under
        data = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _best_per_task,
            batch_size=1,
            fn_kwargs={"vectors": ray.put(vectors), "codes": ray.put(codes), "directions": directions},
            **task_retries(),
        )
        for batch in data.iter_batches(batch_format="numpy", batch_size=None):
            found = zip(batch["task"].tolist(), batch["row"].tolist(), batch["score"].tolist(), strict=True)
            for t, row, score in found:
                if t not in best or score > best[t][1] or (score == best[t][1] and row < best[t][0]):
                    best[t] = (int(row), float(score))
    return best
