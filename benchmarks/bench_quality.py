"""Does the selection beat random? ``selector.evaluation.evaluate`` on the shared P3 pool (issue 11).

Usage::

    python benchmarks/bench_quality.py                 # 231 templates, 4 budgets, 20 random seeds, all strategies
    python benchmarks/bench_quality.py --quick         # the 10-file P3 folder, 2 budgets, 5 seeds
    python benchmarks/bench_quality.py --out DIR --strategies default,kcenter,random
    python benchmarks/bench_quality.py --pool holdout   # leave 5 of the 26 P3 source datasets out (issue 20)
    python benchmarks/bench_quality.py --pool mixed     # P3 plus natural_instructions

Prints one row per strategy, budget and proxy: value, random median, random p10-p90 band, and the strategy's
percentile among the random selections (higher is better for every proxy), then the goals of issue 20 for every
strategy (cells of budget x {transfer, coverage_mean, probe} at or above the random 75th percentile; with
``--pool holdout``, cells of budget x {transfer, coverage_mean} at or above the median) and the best strategy of
every cell, label-free and ``+tasks`` apart. The first run embeds the pool (about 30 minutes on a shared 2-core
CPU; cached afterwards). Skips with a message when ``../shared/data`` is absent.

Pools: ``p3`` (231 P3 templates, every template split 80/20), ``holdout`` (the same split, then 5 whole source
datasets of the 26 out of the pool and the only ones tested: transfer to unseen task families), ``mixed`` (P3 plus
the Super-NaturalInstructions task files, one task per file). fewglue is not in the mixed pool: its SuperGLUE
records carry task-specific fields (premise, choice1, word...) with no prompt, so each task would need a template.
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
GOAL_PROXIES = ("transfer", "coverage_mean", "probe")
P3_DATASETS = (
    "adversarial_qa", "ag_news", "amazon_polarity", "cnn_dailymail", "common_gen", "commonsense_qa", "cosmos_qa",
    "dream", "duorc", "gigaword", "glue_mrpc", "kilt_tasks_hotpotqa", "multi_news", "paws_labeled_final", "quarel",
    "quartz", "quoref", "ropes", "rotten_tomatoes", "samsum", "social_i_qa", "wiki_bio", "wiki_hop_original",
    "wiki_qa", "wiqa", "xsum",
)  # fmt: skip
"""The 26 source datasets of ``p3_templates/`` (each file is ``<dataset>_<template>.jsonl``)."""


def goal_lines(results: list[dict], budgets: list[float], holdout: bool = False) -> list[str]:
    """Issue 20's goal per strategy: cells at or above the random p75 (``holdout``: the median)."""
    proxies = ("transfer", "coverage_mean") if holdout else GOAL_PROXIES
    need = 50.0 if holdout else 75.0
    lines = []
    for name in dict.fromkeys(r["strategy"] for r in results):
        rows = {(r["budget"], r["proxy"]): r for r in results if r["strategy"] == name}
        cells = [rows[(b, p)]["percentile"] for b in budgets for p in proxies if (b, p) in rows]
        ok = sum(c >= need for c in cells)
        lines.append(f"{name}: {ok} of {len(cells)} cells at or above the random p{need:.0f}")
    return lines


def best_per_cell(results: list[dict], budgets: list[float], proxies: tuple[str, ...]) -> list[str]:
    """Per budget and proxy, the label-free and the ``+tasks`` strategy with the highest percentile (ties: first)."""
    lines = ["| budget | proxy | best label-free (percentile) | best +tasks (percentile) |", "|---|---|---|---|"]
    for b in budgets:
        for p in proxies:
            rows = [r for r in results if r["budget"] == b and r["proxy"] == p and r["strategy"] != "random"]
            best = []
            for tasks in (False, True):
                side = [
                    r for r in rows if r["strategy"].endswith("+tasks") == tasks and r["percentile"] == r["percentile"]
                ]
                top = max(side, key=lambda r: r["percentile"], default=None)
                best.append(f"{top['strategy']} ({top['percentile']:.0f})" if top else "-")
            lines.append(f"| {b:g} | {p} | {best[0]} | {best[1]} |")
    return lines


def percentile_table(results: list[dict], budgets: list[float], proxies: tuple[str, ...]) -> list[str]:
    """One markdown row per strategy: its percentile among the random selections in every (budget, proxy) cell,
    with the value in brackets (``*``: at or above the random p75)."""
    head = [f"{b:g} {p}" for b in budgets for p in proxies]
    lines = ["| strategy | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for name in dict.fromkeys(r["strategy"] for r in results):
        rows = {(r["budget"], r["proxy"]): r for r in results if r["strategy"] == name}
        cells = []
        for b in budgets:
            for p in proxies:
                r = rows.get((b, p))
                star = "*" if r and r["percentile"] >= 75 else ""
                cells.append(f"{r['percentile']:.0f}{star} ({r['value']:.3f})" if r else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def pool_files(pool: str, quick: bool) -> list[Path]:
    """The input files of a benchmark pool (empty when the shared data is absent)."""
    folder = DATA / ("p3_t0_train_50k" if quick else "p3_templates")
    files = sorted(folder.glob("*.jsonl"))
    if pool == "mixed" and files:
        files += sorted((DATA / "natural_instructions").glob("task*.json"))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 P3 files, budgets 0.01,0.05, 5 seeds")
    parser.add_argument("--strategies", default=",".join(s for s in ALL if s not in ("deita", "deita+tasks")))
    parser.add_argument("--budgets", default=None, help="default: 0.005,0.01,0.02,0.05 (quick: 0.01,0.05)")
    parser.add_argument("--seeds", type=int, default=None, help="random selections per budget (default 20; quick 5)")
    parser.add_argument("--coverage-sample", type=int, default=None, help="pool rows for coverage (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="keep evaluation.json/.md/.png here")
    parser.add_argument("--pool", choices=("p3", "holdout", "mixed"), default="p3", help="see the module docstring")
    parser.add_argument("--config", default=None, help="run config (YAML or preset) for the default strategies")
    parser.add_argument("--holdout-datasets", type=int, default=5, help="datasets left out with --pool holdout")
    args = parser.parse_args()
    files = pool_files(args.pool, args.quick)
    if not files:
        print(f"skipped: no P3 files under {DATA} (the shared data sits beside the repository in ../shared/data)")
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
            files,
            task_field="@file",
            budgets=budgets,
            strategies=strategies,
            seeds=seeds,
            test_fraction=0.2,
            out=out,
            overwrite=True,
            coverage_sample=args.coverage_sample,
            holdout_datasets=args.holdout_datasets if args.pool == "holdout" else 0,
            config=args.config,
            datasets=P3_DATASETS,
        )
    sp = res.split
    print(
        f"\n{args.pool}: {sp['pool']:,} pool / {sp['test']:,} test records, {sp['tasks']} tasks; "
        f"{sp['dropped_exact'] + sp['dropped_normalised']} leaked test prompts dropped; {seeds} random seeds; "
        f"{time.perf_counter() - start:.0f} s\n"
    )
    print(format_table(res.results))
    print("\n".join(percentile_table(res.results, budgets, GOAL_PROXIES)))
    holdout = args.pool == "holdout"
    if holdout:
        print(f"held-out datasets: {', '.join(sp['held_out_datasets'])}")
    print("\n".join(goal_lines(res.results, budgets, holdout)))
    print("\n".join(best_per_cell(res.results, budgets, ("transfer", "coverage_mean") if holdout else GOAL_PROXIES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
