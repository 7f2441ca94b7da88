"""How close are two template renderings of one example? The threshold of ``medoids_distinct`` (issue 27).

Usage::

    python benchmarks/bench_quality_duplicates.py --pool p3-short --cache-dir /work/cache/p3

On ``bench_quality``'s pool (the encoder's unit embeddings, the split's example key ``@row``), for every pool row
it measures the cosine to its nearest sibling (the same example under another template of the same dataset) and to
its nearest row of another task that is not its example (what the label-free rule must not mistake for a
repeat). It prints both distributions by quantile and, for each candidate threshold, the share of rows with a
sibling at or above it (repeats the rule catches) and with a non-sibling of another task at or above it (rows it
would skip wrongly). Writes ``benchmarks/results/<--suite>.{md,json}``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import harness
import numpy as np
from bench_quality import POOLS, pool_files

from selector.evaluation.groups import ROW, group_keys
from selector.evaluation.prepare import SplitRules, prepare, run_config

QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
THRESHOLDS = (0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98)


def nearest_split(X: np.ndarray, tasks: np.ndarray, examples: np.ndarray, block: int = 2048) -> tuple[np.ndarray, ...]:
    """Per row: the largest cosine to a sibling (same example, other task; NaN without one) and to a row of
    another task and another example."""
    n = X.shape[0]
    sib = np.full(n, np.nan, dtype=np.float32)
    other = np.full(n, -1.0, dtype=np.float32)
    for s in range(0, n, block):
        sims = X[s : s + block] @ X.T
        same_task = tasks[s : s + block, None] == tasks[None, :]
        same_ex = examples[s : s + block, None] == examples[None, :]
        sib_sims = np.where(same_ex & ~same_task, sims, -np.inf).max(axis=1)
        sib[s : s + block] = np.where(np.isfinite(sib_sims), sib_sims, np.nan)
        other[s : s + block] = np.where(~same_ex & ~same_task, sims, -np.inf).max(axis=1)
    return sib, other


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", choices=POOLS, default="p3-short")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--suite", default="bench_quality_duplicates")
    args = parser.parse_args()
    files = pool_files(args.pool)
    if not files:
        print(f"skipped: no P3 files under {harness.DATA}")
        return 0
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    cfg = run_config(None, None, args.cache_dir)
    prep = prepare(files, cfg, SplitRules("@file"), out=None, overwrite=False, progress=False)
    X = np.ascontiguousarray(prep.X, dtype=np.float32)
    tasks = np.unique([str(s.task) for s in prep.pool], return_inverse=True)[1]
    examples = np.unique(group_keys(prep.pool, ROW), return_inverse=True)[1]
    sib, other = nearest_split(X, tasks, examples)
    has = ~np.isnan(sib)
    quant = harness.Table(["cosine to", "rows", *(f"q{q:g}" for q in QUANTILES)])
    quant.add("nearest sibling (same example, other template)", f"{int(has.sum()):,}",
              *(f"{v:.3f}" for v in np.quantile(sib[has], QUANTILES)))  # fmt: skip
    quant.add("nearest other example of another task", f"{len(other):,}",
              *(f"{v:.3f}" for v in np.quantile(other, QUANTILES)))  # fmt: skip
    cut = harness.Table(["threshold", "siblings caught", "non-siblings skipped"])
    for t in THRESHOLDS:
        cut.add(f"{t:g}", f"{(sib[has] >= t).mean():.3f}", f"{(other >= t).mean():.3f}")
    head = (f"{args.pool}: {len(X):,} pool rows, {len(np.unique(tasks))} tasks, {len(np.unique(examples)):,} "
            f"examples; {time.perf_counter() - start:.0f} s")  # fmt: skip
    print(head)
    print(quant.markdown())
    print(cut.markdown())
    harness.write_results(args.suite, {"nearest cosine": quant, "thresholds": cut}, notes=[head])
    return 0


if __name__ == "__main__":
    sys.exit(main())
