"""Does the selection beat random? ``selector.evaluation.evaluate`` on the shared P3 pool (issue 27).

Usage::

    python benchmarks/bench_quality.py                       # all 231 P3 templates (embedding: ~30 min on 2 cores)
    python benchmarks/bench_quality.py --pool p3-short       # the 14 P3 datasets of short records (111 templates)
    python benchmarks/bench_quality.py --pool mixed          # p3-short plus the Super-NaturalInstructions tasks
    python benchmarks/bench_quality.py --budgets 0.01,0.05 --seeds 5 --draws 200 --cache-dir /work/cache/p3
    python benchmarks/bench_quality.py --pool p3-short --bases default --seeds 3 --finetune   # + fine-tuned proxy

Split by example (group key ``@row``: the row index within the source dataset, so no held-out example is in the
pool under another template), every strategy with ``--seeds`` selection seeds, ``--draws`` random draws per
baseline. Three modes, as strategy-name suffixes: none (one merged file, no labels, uniform baseline),
``+sources`` (one file per template, count-matched baseline), ``+tasks`` (``--task-field @file``, count-matched).
Prints every row, the z table per (mode, budget) cell for transfer / coverage_mean / probe, the best strategy per
cell, and the goals of issue 27; ``--finetune`` adds the fine-tuned proxy (:mod:`selector.measures.finetune`: its
reduced CPU form unless ``--device cuda``, on its own first 20 (CPU) or 30 (CUDA) draws per baseline); writes
``benchmarks/results/<--suite>.{json,md}`` (default ``bench_quality``; :mod:`harness`). Skips with a message when
the shared data is absent.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import harness

from selector.config import RunConfig, load_run_config
from selector.evaluation import evaluate
from selector.evaluation.cells import split_name
from selector.evaluation.report import format_table
from selector.measures.proxies import DEFAULT_PROXIES

DATA = harness.DATA
SHORT = (
    "rotten_tomatoes", "ag_news", "amazon_polarity", "paws_labeled_final", "glue_mrpc", "quarel", "quartz",
    "commonsense_qa", "social_i_qa", "common_gen", "gigaword", "wiki_qa", "kilt_tasks_hotpotqa", "wiqa",
)  # fmt: skip
"""The ``p3-short`` pool: the P3 datasets whose records average under 600 characters (embedding fits 2 cores)."""
BASES = ("default", "medoids", "stratified")
CELL_PROXIES = ("transfer", "coverage_mean", "probe")
EXTRA_PROXIES = ("novelsum", "finetune")
"""Shown in the cell table beside :data:`CELL_PROXIES` when measured (not part of the goals' z >= +0.5 count)."""


POOLS = ("p3", "p3-short", "mixed")


def pool_files(pool: str) -> list[Path]:
    """The input files of a benchmark pool (empty when the shared data is absent): ``p3`` (every P3 template),
    ``p3-short`` (the datasets of :data:`SHORT`) or ``mixed`` (``p3-short`` plus the 7 Super-NaturalInstructions
    task files, one task and one example set per file: a pool where not every task is a template of another)."""
    files = sorted((DATA / "p3_templates").glob("*.jsonl"))
    if pool in ("p3-short", "mixed"):
        files = [f for f in files if any(f.stem.startswith(d + "_") for d in SHORT)]
    if pool == "mixed" and files:
        files += sorted((DATA / "natural_instructions").glob("task*.json"))
    return files


def cell_table(results: list[dict], budgets: list[float]) -> harness.Table:
    """Per strategy and budget: z [90% interval] and verdict for each proxy of :data:`CELL_PROXIES`, and the
    transfer value beside its random baseline's median."""
    rows = {(r["strategy"], r["budget"], r["proxy"]): r for r in results}
    shown = [*CELL_PROXIES, *(p for p in EXTRA_PROXIES if any(r["proxy"] == p for r in results))]
    table = harness.Table(["strategy", "mode", "budget", *shown, "transfer", "random median"])
    for name in dict.fromkeys(r["strategy"] for r in results):
        for b in budgets:
            cells = [_z(rows[(name, b, p)]) for p in shown]
            t = rows[(name, b, "transfer")]
            table.add(name, t["mode"], f"{b:g}", *cells, f"{t['value']:.4f}", f"{t['random_median']:.4f}", echo=False)
    return table


def best_table(results: list[dict], budgets: list[float]) -> harness.Table:
    """Per (mode, budget) cell: the strategy with the highest mean z over transfer and coverage, with its cells."""
    table = harness.Table(["mode", "budget", "best", "transfer", "coverage_mean", "probe"])
    rows = {(r["strategy"], r["budget"], r["proxy"]): r for r in results}
    for mode in dict.fromkeys(r["mode"] for r in results):
        names = [
            n
            for n in dict.fromkeys(r["strategy"] for r in results)
            if rows[(n, budgets[0], "transfer")]["mode"] == mode
        ]
        for b in budgets:
            best = max(names, key=lambda n: sum(rows[(n, b, p)]["z"] or -99 for p in ("transfer", "coverage_mean")))
            table.add(mode, f"{b:g}", best, *(_z(rows[(best, b, p)]) for p in CELL_PROXIES), echo=False)
    return table


def _z(r: dict) -> str:
    return "-" if r["z"] is None else f"{r['z']:+.2f} [{r['z_lo']:+.2f}, {r['z_hi']:+.2f}] {r['verdict']}"


def goals(results: list[dict], budgets: list[float], default: str = "default") -> list[str]:
    """Issue 27's goals for the default (and for every base, to show the best): cells with z >= +0.5 on transfer and
    coverage, and the cells below -0.5 on any proxy of :data:`CELL_PROXIES`."""
    rows = {(r["strategy"], r["budget"], r["proxy"]): r for r in results}
    out = []
    for base in dict.fromkeys(split_name(r["strategy"])[0] for r in results):
        names = [n for n in dict.fromkeys(r["strategy"] for r in results) if split_name(n)[0] == base]
        cells = [(n, b) for n in names for b in budgets]
        good = sum(all((rows[(n, b, p)]["z"] or -99) >= 0.5 for p in ("transfer", "coverage_mean")) for n, b in cells)
        bad = [f"{n}@{b:g}:{p}" for n, b in cells for p in CELL_PROXIES if (rows[(n, b, p)]["z"] or 0) < -0.5]
        loses = sum(rows[(n, b, p)]["verdict"] == "loses" for n, b in cells for p in CELL_PROXIES)
        mark = " (the default)" if base == default else ""
        out.append(
            f"{base}{mark}: z >= +0.5 on transfer and coverage in {good} of {len(cells)} cells (goal >= 9 of 12); "
            f"{len(bad)} cells below -0.5 (goal 0){': ' + ', '.join(bad) if bad else ''}; {loses} losing verdicts"
        )
        ft = [rows[(n, b, "finetune")] for n, b in cells if (n, b, "finetune") in rows]
        if ft:
            z = [r["z"] for r in ft if r["z"] is not None]
            verdicts = [r["verdict"] for r in ft]
            out.append(
                f"{base}{mark}: finetune mean z over {len(z)} cells {sum(z) / max(1, len(z)):+.2f} (goal >= 0); "
                f"{verdicts.count('beats')} beats / {verdicts.count('ties')} ties / {verdicts.count('loses')} loses; "
                "cells: " + ", ".join(f"{r['strategy']}@{r['budget']:g} {_z(r)}" for r in ft)
            )
    return out


def _config(device: str | None) -> RunConfig | None:
    """The default run config with ``device`` (``None``: no config, as before the option)."""
    if not device:
        return None
    cfg = load_run_config(None)
    cfg.encoder.device = device
    return cfg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", choices=POOLS, default="p3")
    parser.add_argument("--bases", default=",".join(BASES), help="strategies run in all three modes")
    parser.add_argument("--also", default="", help="more strategies, each with its mode suffix (medoids+tasks)")
    parser.add_argument("--budgets", default="0.005,0.01,0.02,0.05")
    parser.add_argument("--seeds", type=int, default=5, help="selection seeds per strategy")
    parser.add_argument("--draws", type=int, default=200, help="random draws per baseline")
    parser.add_argument("--coverage-sample", type=int, default=None, help="pool rows for coverage (default: all)")
    parser.add_argument("--cache-dir", default=None, help="embedding cache (default: the user's)")
    parser.add_argument("--finetune", action="store_true", help="add the fine-tuned proxy (minutes on a CPU)")
    parser.add_argument("--suite", default="bench_quality", help="results file name under benchmarks/results/")
    parser.add_argument("--device", default=None, help="device of the run and of the fine-tuned proxy (cuda: full)")
    args = parser.parse_args()
    files = pool_files(args.pool)
    if not files:
        print(f"skipped: no P3 files under {DATA} (the shared data sits beside the repository in ../shared/data)")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("faiss", "faiss.loader", "selector.selection.clustering"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    budgets = [float(b) for b in args.budgets.split(",")]
    bases = [b for b in args.bases.split(",") if b]
    strategies = [f"{b}{sfx}" for sfx in ("", "+sources", "+tasks") for b in bases]
    strategies += [s for s in args.also.split(",") if s and s not in strategies]
    start = time.perf_counter()
    res = evaluate(
        files, task_field="@file", budgets=budgets, strategies=strategies, seeds=args.seeds, draws=args.draws,
        coverage_sample=args.coverage_sample, cache_dir=args.cache_dir,
        proxies=[*DEFAULT_PROXIES, *(["finetune"] if args.finetune else [])],
        config=_config(args.device),
    )  # fmt: skip
    sp = res.split
    head = (
        f"{args.pool}: {len(files)} files; split by example (`{sp['group_field']}`, {sp['groups']:,} groups): "
        f"{sp['pool']:,} pool / {sp['test']:,} test records, {sp['tasks']} tasks; empty-answer tasks left out: "
        f"{', '.join(sp['empty_answer_tasks']) or 'none'}; {args.seeds} seeds, {args.draws} draws, coverage on "
        f"{args.coverage_sample or 'all'} pool rows; {time.perf_counter() - start:.0f} s"
    )
    if res.settings.get("finetune"):
        ft = res.settings["finetune"]
        head += (
            f"; finetune: {ft['tasks']} tasks, {ft['steps']} steps of {ft['batch_size']}, last {ft['max_length']} "
            f"tokens, top {ft['train_layers'] or 'all'} layers trained, {ft['draws']} draws, on {ft['device']}"
        )
    cells, best = cell_table(res.results, budgets), best_table(res.results, budgets)
    notes = [head, *goals(res.results, budgets)]
    print("\n".join([head, "", cells.markdown(), "", best.markdown(), "", *notes[1:], "", format_table(res.results)]))
    title = "z against random (90% interval, verdict); merged: uniform baseline, sources/tasks: count-matched"
    harness.write_results(args.suite, {title: cells, "best strategy per cell": best}, notes=notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
