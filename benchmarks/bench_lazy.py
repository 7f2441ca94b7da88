"""Lazy vs dense KCenterGreedy on the CPU: where exact lazy evaluation pays, side by side in one process.

Data sets: clustered 384-d unit vectors (100k), near-uniform random unit vectors (50k, the case where bounds help
least), and optionally real embeddings from ``selector embed`` (``--real FILE.npy``). Both engines must give the
same picks; the table shows seconds, the speed-up and the lazy engine's work as a share of the dense loop's.
Results: ``benchmarks/results/bench_lazy.{md,json}``.

    python benchmarks/bench_lazy.py
    selector embed ../shared/data/code_alpaca_2k.json ../shared/data/p3_t0_train_50k --out /tmp/real.npy
    python benchmarks/bench_lazy.py --real /tmp/real.npy
"""

from __future__ import annotations

import argparse

import harness
import numpy as np

from selector.selection.coreset import kcenter_greedy

WORK = "lazy work: distances the lazy engine computed, per pick, over n (refreshes are small matrix products)."


def clustered(n: int, d: int = 384, k: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)).astype(np.float32)
    X = centres[rng.integers(0, k, n)] + 0.6 * rng.standard_normal((n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def uniform(n: int, d: int = 384, seed: int = 1) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", help="a .npy of real embeddings to add to the table")
    args = ap.parse_args()
    sets = [("clustered 100k x 384", clustered(100_000), 500), ("uniform 50k x 384", uniform(50_000), 300)]
    if args.real:
        X = np.load(args.real).astype(np.float32)
        sets.append((f"real {X.shape[0]:,} x {X.shape[1]}", X, 500))
    table = harness.Table(["data", "budget", "dense s (baseline)", "lazy s", "speed-up", "lazy work", "same picks"])
    for name, X, budget in sets:
        t_dense, dense = harness.timed(
            lambda X=X, budget=budget: kcenter_greedy(X, budget, lazy=False, progress=False, device="cpu")
        )
        t_lazy, lazy = harness.timed(
            lambda X=X, budget=budget: kcenter_greedy(X, budget, lazy=True, progress=False, device="cpu")
        )
        same = dense.indices.tolist() == lazy.indices.tolist()
        work = lazy.stats["share_of_dense"]
        table.add(name, budget, round(t_dense, 2), round(t_lazy, 2), f"{t_dense / t_lazy:.2f}x", f"{work:.2f}x", same)
    print(f"\n{WORK}")
    harness.write_results("bench_lazy", {"lazy vs dense KCenterGreedy": table}, notes=[WORK])


if __name__ == "__main__":
    main()
