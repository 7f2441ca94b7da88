"""The random baseline's picks on a large pool: the blocked picker against a scan of every row per pick.

Above 100k candidates ``versus_random`` draws a seeded random selection under the run's rules (seeds,
eligibility, group quotas) without tracking distances (``random_selection(distances=False)``). Each draw used to
be ``rng.choice(np.flatnonzero(pickable))``: a scan of all ``n`` rows per pick. ``PicksOnlyEngine.random_pick``
keeps a count of open rows per block of 4,096 and finds the same row with the same draw. This prints both, in one
process, on the same pools, and checks the picks are equal.

    python benchmarks/bench_random_baseline.py --sizes 1000000 10000000 --budget 10000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's selector, not an installed one

import numpy as np  # noqa: E402

from selector.selection._engines import PicksOnlyEngine  # noqa: E402
from selector.selection._greedy import greedy_loop  # noqa: E402


def scan_pick(rng: np.random.Generator, mask: np.ndarray) -> int:
    """The previous draw: every row scanned for every pick."""
    idx = np.flatnonzero(mask)
    return int(rng.choice(idx)) if idx.size else -1


def run(n: int, budget: int, blocked: bool, seed: int = 0) -> tuple[float, list[int]]:
    rules = np.random.default_rng(1)
    eligible = rules.random(n) > 0.05
    groups = rules.integers(0, 5, n)
    quotas = np.asarray([budget // 10, budget // 5, budget // 5, budget // 4, budget], dtype=np.int64)
    X = np.empty((n, 0), dtype=np.float32)  # the loop reads only the shape when every pick is drawn
    engine = PicksOnlyEngine(n, eligible)
    rng = np.random.default_rng(seed)
    choose = (lambda _: engine.random_pick(rng)) if blocked else (lambda p: scan_pick(rng, p))
    start = time.perf_counter()
    picks, _ = greedy_loop(X, budget, [], eligible, groups, quotas, engine, False, choose=choose)
    return time.perf_counter() - start, picks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--budget", type=int, default=5000)
    args = ap.parse_args()
    print("| rows | picks | scan every row (s) | blocked picker (s) | speed-up | same picks |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        t_scan, p_scan = run(n, args.budget, blocked=False)
        t_fast, p_fast = run(n, args.budget, blocked=True)
        same = p_scan == p_fast
        print(f"| {n:,} | {len(p_fast):,} | {t_scan:.2f} | {t_fast:.2f} | {t_scan / t_fast:.0f}x | {same} |")


if __name__ == "__main__":
    main()
