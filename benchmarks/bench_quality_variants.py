"""The tuning runs behind issue 20's defaults: ``bench_quality``'s pools with extra strategy variants.

Usage::

    python benchmarks/bench_quality_variants.py --pool p3 --seeds 10 --strategies kcenter,typical_kcenter,typ1.0
    python benchmarks/bench_quality_variants.py --pool holdout --out benchmarks/results/quality_holdout

Besides the registry (``selector.selection.strategies.STRATEGIES``) it knows ``typ0.25`` and ``typ1.0``
(``typical_kcenter`` with that share of the budget as typical seeds; the registered one uses 0.5) and ``robust5``
(``kcenter_robust`` with 5% outliers instead of 1%), each also with ``+tasks``. Prints the goal counts, the best
strategy per cell and one row of percentiles per strategy; with ``--out`` keeps ``<out>.json`` (the evaluation)
and ``<out>.md`` (those tables). Skips with a message when ``../shared/data`` is absent.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import sys
import time
from pathlib import Path

from bench_quality import GOAL_PROXIES, P3_DATASETS, best_per_cell, goal_lines, percentile_table, pool_files

from selector.evaluation import evaluate
from selector.selection.robust import kcenter_robust
from selector.selection.strategies import STRATEGIES, ranked_strategy
from selector.selection.typical import typical_kcenter

VARIANTS = {
    "typ0.25": ranked_strategy("typ0.25", functools.partial(typical_kcenter, share=0.25)),
    "typ1.0": ranked_strategy("typ1.0", functools.partial(typical_kcenter, share=1.0)),
    "robust5": ranked_strategy("robust5", functools.partial(kcenter_robust, outliers=0.05)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", choices=("p3", "holdout", "mixed"), default="p3")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--strategies", default="kcenter,typical_kcenter,kcenter_robust,facility_location")
    parser.add_argument("--budgets", default="0.005,0.01,0.02,0.05")
    parser.add_argument("--out", type=Path, default=None, help="write <out>.json and <out>.md")
    args = parser.parse_args()
    files = pool_files(args.pool, False)
    if not files:
        print("skipped: the shared P3 data (../shared/data) is absent")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("faiss", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    STRATEGIES.update(VARIANTS)  # this process only: the variants are not part of the shipped registry
    budgets = [float(b) for b in args.budgets.split(",")]
    holdout = args.pool == "holdout"
    start = time.perf_counter()
    res = evaluate(
        files,
        task_field="@file",
        budgets=budgets,
        strategies=[s for s in args.strategies.split(",") if s],
        seeds=args.seeds,
        test_fraction=0.2,
        holdout_datasets=5 if holdout else 0,
        datasets=P3_DATASETS,
    )
    proxies = ("transfer", "coverage_mean") if holdout else GOAL_PROXIES
    sp = res.split
    lines = [
        f"pool {args.pool}: {sp['pool']:,} pool / {sp['test']:,} test records; {args.seeds} random seeds"
        + (f"; held-out datasets: {', '.join(sp['held_out_datasets'])}" if holdout else ""),
        "",
        *percentile_table(res.results, budgets, GOAL_PROXIES),
        "",
        *best_per_cell(res.results, budgets, proxies),
        "",
        *goal_lines(res.results, budgets, holdout),
    ]
    print("\n".join(lines) + f"\n{time.perf_counter() - start:.0f} s")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(res.to_json(), indent=1) + "\n", encoding="utf-8")
        args.out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
