"""Per-shard seconds of the sharded coreset: in one process, in forked workers (threads inherited, the old way,
and limited to each worker's share of the cores, today's), and as Ray tasks, on the same shards in one run.

    python benchmarks/bench_sharded_workers.py [--n 200000] [--dim 64] [--shards 4] [--budget 400]
"""

from __future__ import annotations

import argparse

import harness
import numpy as np

from selector.distributed import run_ray
from selector.distributed.session import start_local_ray
from selector.selection import sharded
from selector.selection.clustering import kmeans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--budget", type=int, default=400)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = kmeans(X, 16, seed=0).labels
    ray = start_local_ray(num_cpus=2)  # started before the clock: only the shard work is timed
    limit = sharded.limit_threads
    runs = {
        "in-process (workers=1)": (1, None, limit),
        "forked, inherited threads (before)": (2, None, lambda n: None),
        "forked, threads limited (now)": (2, None, limit),
        "Ray tasks (workers=2)": (2, run_ray, limit),
    }
    table = harness.Table(["runner", "wall s", "per-shard s (mean)", "per-shard s (max)", "same picks"])
    first = None
    for name, (workers, runner, lim) in runs.items():
        sharded.limit_threads = lim
        t, res = harness.timed(
            lambda w=workers, r=runner: sharded.sharded_kcenter(
                X, args.budget, clusters=labels, shards=args.shards, workers=w, runner=r
            )
        )
        first = res.indices if first is None else first
        s = res.stats
        table.add(
            name,
            round(t, 3),
            round(s["shard_seconds_sum"] / s["shards"], 3),
            s["shard_seconds_max"],
            bool(np.array_equal(res.indices, first)),
        )
    sharded.limit_threads = limit
    ray.shutdown()
    harness.write_results(
        "bench_sharded_workers",
        {f"{args.n:,} x {args.dim} unit rows, {args.shards} shards, budget {args.budget}": table},
        notes=["Ray's start is outside the clock; the forked runs fork after X is in place (copy-on-write)."],
    )


if __name__ == "__main__":
    main()
