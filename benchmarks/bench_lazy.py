"""Lazy vs dense KCenterGreedy on the CPU: where exact lazy evaluation pays, side by side in one process.

Data sets: clustered 384-d unit vectors (100k), near-uniform random unit vectors (50k, the case where bounds help
least), and optionally real embeddings from ``selector embed`` (``--real FILE.npy``). Both engines must give the
same picks; the table shows seconds, the speed-up and the lazy engine's work as a share of the dense loop's.
Results: ``benchmarks/results/bench_lazy.{md,json}``.

    python benchmarks/bench_lazy.py
    selector embed ../shared/data/code_alpaca_2k.json ../shared/data/p3_t0_train_50k --out /tmp/real.npy
    python benchmarks/bench_lazy.py --real /tmp/real.npy
    python benchmarks/bench_lazy.py --only half --n 1000000   # float16 rows vs float32 rows, lazy engine only

The second table (``half``) runs the lazy engine on float16 rows (kept float16, widened as read) beside the same
rows widened to a float32 array (the baseline): seconds, the rows' bytes the engine holds, and whether the picks
are identical (they must be: the same float32 arithmetic on the same values).
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


def half_table(n: int, budget: int) -> harness.Table:
    """Lazy engine on float16 rows against the float32 copy of the same rows, one process, float32 first."""
    H = clustered(n).astype(np.float16)
    cols = ["data", "budget", "float32 rows s (baseline)", "float16 rows s", "rows GB f32 / f16", "same picks"]
    table = harness.Table(cols)
    t32, r32 = harness.timed(
        lambda: kcenter_greedy(H.astype(np.float32), budget, lazy=True, progress=False, device="cpu")
    )
    t16, r16 = harness.timed(lambda: kcenter_greedy(H, budget, lazy=True, progress=False, device="cpu"))
    same = r32.indices.tolist() == r16.indices.tolist()
    gb = f"{4 * H.size / 1e9:.2f} / {2 * H.size / 1e9:.2f}"
    table.add(f"clustered {n:,} x {H.shape[1]}", budget, round(t32, 2), round(t16, 2), gb, same)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", help="a .npy of real embeddings to add to the table")
    ap.add_argument("--only", choices=["lazy", "half"], help="one table only")
    ap.add_argument("--n", type=int, default=200_000, help="rows of the float16 case")
    ap.add_argument("--budget", type=int, default=1000, help="picks of the float16 case")
    args = ap.parse_args()
    tables = {}
    if args.only != "lazy":
        tables["lazy KCenterGreedy on float16 rows vs float32 rows"] = half_table(args.n, args.budget)
    if args.only == "half":
        harness.write_results("bench_lazy_half", tables)
        return
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
    harness.write_results("bench_lazy", {"lazy vs dense KCenterGreedy": table, **tables}, notes=[WORK])


if __name__ == "__main__":
    main()
