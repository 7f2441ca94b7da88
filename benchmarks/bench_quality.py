"""Does the selection beat random? ``selector.evaluation.evaluate`` on the shared P3 pool (issue 11).

Usage::

    python benchmarks/bench_quality.py                 # 231 templates, 4 budgets, 20 random seeds, all strategies
    python benchmarks/bench_quality.py --quick         # the 10-file P3 folder, 2 budgets, 5 seeds
    python benchmarks/bench_quality.py --out DIR --strategies default,kcenter,random

Prints one row per strategy, budget and proxy: value, random median, random p10-p90 band, and the strategy's
percentile among the random selections (higher is better for every proxy), then the goal of the issue for the
``default`` modes: at or above the random median on transfer and coverage at every budget, and at or above the
random 90th percentile on transfer at 3 of the 4 budgets. The first run embeds the pool (about 12 minutes on a
shared CPU; cached afterwards). Skips with a message when ``../shared/data`` is absent.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from selector.evaluation import STRATEGIES, evaluate
from selector.evaluation.report import format_table

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ALL = ["default", "default+tasks", *STRATEGIES, *(f"{s}+tasks" for s in STRATEGIES)]


def goal_lines(results: list[dict], budgets: list[float]) -> list[str]:
    """The issue's goal, checked for every strategy whose name starts with ``default``."""
    lines = []
    for name in sorted({r["strategy"] for r in results if r["strategy"].startswith("default")}):
        rows = {(r["budget"], r["proxy"]): r for r in results if r["strategy"] == name}
        median_ok = all(rows[(b, p)]["percentile"] >= 50 for b in budgets for p in ("transfer", "coverage_mean"))
        p90 = sum(rows[(b, "transfer")]["value"] >= rows[(b, "transfer")]["random_p90"] for b in budgets)
        need = min(3, len(budgets))
        verdict = "MET" if median_ok and p90 >= need else "NOT MET"
        lines.append(
            f"{name}: >= random median on transfer and coverage at every budget: {median_ok}; "
            f">= random p90 on transfer at {p90} of {len(budgets)} budgets (need {need}): goal {verdict}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 P3 files, budgets 0.01,0.05, 5 seeds")
    parser.add_argument("--strategies", default=",".join(s for s in ALL if s not in ("deita", "deita+tasks")))
    parser.add_argument("--budgets", default=None, help="default: 0.005,0.01,0.02,0.05 (quick: 0.01,0.05)")
    parser.add_argument("--seeds", type=int, default=None, help="random selections per budget (default 20; quick 5)")
    parser.add_argument("--coverage-sample", type=int, default=None, help="pool rows for coverage (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="keep evaluation.json/.md/.png here")
    args = parser.parse_args()
    folder = DATA / ("p3_t0_train_50k" if args.quick else "p3_templates")
    if not folder.is_dir():
        print(f"skipped: {folder} not found (the shared data sits beside the repository in ../shared/data)")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("faiss", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    budgets = [float(b) for b in (args.budgets or ("0.01,0.05" if args.quick else "0.005,0.01,0.02,0.05")).split(",")]
    seeds = args.seeds or (5 if args.quick else 20)
    strategies = [s for s in args.strategies.split(",") if s]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "evaluation"
        res = evaluate(
            sorted(folder.glob("*.jsonl")),
            task_field="@file",
            budgets=budgets,
            strategies=strategies,
            seeds=seeds,
            test_fraction=0.2,
            out=out,
            overwrite=True,
            coverage_sample=args.coverage_sample,
        )
    sp = res.split
    print(
        f"\n{folder.name}: {sp['pool']:,} pool / {sp['test']:,} test records, {sp['tasks']} tasks; "
        f"{sp['dropped_exact'] + sp['dropped_normalised']} leaked test prompts dropped; {seeds} random seeds; "
        f"{time.perf_counter() - start:.0f} s\n"
    )
    print(format_table(res.results))
    print("\n".join(goal_lines(res.results, budgets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
