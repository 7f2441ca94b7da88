"""``medoids`` with task labels (what ``auto`` runs for a pool with a task field) at 200k to 1M candidates.

For each size, a fresh child process loads the first N rows of ``bench_scale.py``'s vectors (``--data
N/emb.npy``, made by ``python benchmarks/bench_scale.py --sizes 1000000``), gives them ``--tasks`` equal tasks
(row ``i`` in task ``i % tasks``) with quotas splitting ``--budget`` evenly, and times the ``medoids`` strategy
(one K-Means per task with ``k`` = its quota, then each cluster's medoid) beside ``kcenter`` under the same
quotas (the baseline: what ``auto`` runs above ``MEDOIDS_MAX_CANDIDATES``), with each child's peak RSS
(``os.wait4``, vectors included). The table is what ``MEDOIDS_MAX_CANDIDATES`` (``selection/strategies/auto.py``)
is set by. Results: ``benchmarks/results/bench_medoids.{md,json}``.

    python benchmarks/bench_medoids.py --sizes 200000 500000 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
import numpy as np

ROOT = harness.ROOT


def child(emb: Path, n: int, strategy: str, tasks: int, budget: int) -> None:
    """In the child: time ``strategy`` on the first ``n`` rows under ``tasks`` even quotas; print one JSON line."""
    sys.path.insert(0, str(ROOT))
    from selector.selection.strategies import REGISTRY

    X = np.ascontiguousarray(np.load(emb, mmap_mode="r")[:n], dtype=np.float32)
    groups = np.arange(n, dtype=np.int64) % tasks
    quotas = [budget // tasks + (1 if t < budget % tasks else 0) for t in range(tasks)]
    start = time.perf_counter()
    res = REGISTRY[strategy].fn(X, budget, groups=groups, quotas=quotas, seed=0, progress=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": round(seconds, 2), "selected": len(res.indices)}))


def run(emb: Path, n: int, strategy: str, tasks: int, budget: int) -> dict:
    """One child's result with its peak RSS in GB."""
    cmd = [sys.executable, __file__, "--child", strategy, "--emb", str(emb), "--sizes", str(n)]
    cmd += ["--tasks", str(tasks), "--budget", str(budget)]
    out = tempfile.TemporaryFile()  # noqa: SIM115 (read back after the child exits)
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=False)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"child {strategy} at {n:,} failed:\n{err[-3000:]}")
    out.seek(0)
    res = json.loads(out.read().decode().strip().splitlines()[-1])
    res["peak_gb"] = round(usage.ru_maxrss / 1024**2, 2)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000, 500_000, 1_000_000])
    ap.add_argument("--emb", type=Path, default=Path(tempfile.gettempdir()) / "selector_bench_scale/1000000/emb.npy")
    ap.add_argument("--tasks", type=int, default=20, help="equal tasks the rows are split into")
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.emb, args.sizes[0], args.child, args.tasks, args.budget)
        return
    if not args.emb.exists():
        raise SystemExit(f"{args.emb} missing: run `python benchmarks/bench_scale.py --sizes 1000000` first")
    cols = ["candidates", "tasks", "budget", "kcenter s (baseline)", "kcenter peak GB", "medoids s", "medoids peak GB"]
    table = harness.Table(cols)
    for n in args.sizes:
        base = run(args.emb, n, "kcenter", args.tasks, args.budget)
        med = run(args.emb, n, "medoids", args.tasks, args.budget)
        table.add(f"{n:,}", args.tasks, args.budget, base["seconds"], base["peak_gb"], med["seconds"], med["peak_gb"])
    notes = [
        "each cell: one child process (its peak RSS includes the float32 vectors, 1.5 GB at 1M x 384)",
        "quotas: the budget split evenly over the tasks; row i in task i % tasks",
    ]
    harness.write_results("bench_medoids", {"medoids with task quotas against kcenter": table}, notes=notes)


if __name__ == "__main__":
    main()
