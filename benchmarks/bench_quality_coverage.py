"""Why do task-aware selections lose coverage to count-matched random? (issue 27 item 4, a diagnosis).

Usage::

    python benchmarks/bench_quality_coverage.py --pool p3-short --budgets 0.02,0.05 --seeds 3 --draws 50 \
        --coverage-sample 4000 --cache-dir /work/cache/p3

On ``bench_quality``'s pool and split, in tasks mode (``--task-field @file``: the pipeline's plan, task centres
as first picks and temperature quotas per task), it runs variants that each change one thing and scores them
against random draws with each variant's own per-task counts (as ``bench_quality``'s matched baseline):

- ``medoids`` / ``kcenter`` / ``stratified``: the registry strategies after the task centres (what ``evaluate`` runs);
- ``centres+random``: the task centres, then random within each task's quota (isolates the centres);
- ``medoids-nocentres``: ``medoids`` under the same quotas without the centres;
- ``medoids_distinct@0.9`` / ``@0.85``: ``medoids`` skipping near-duplicates of other tasks' picks at that cosine;
  ``medoids_distinct+examples``: at its default cosine, and never a second rendering of a held example;
- each other registry strategy named by ``--extra``.

Beside z for transfer and coverage it prints what explains coverage: the share of coverage rows whose nearest pick
lies in their own task, the mean distance to the nearest pick of the own task (within) and the picks' mean TF-IDF
similarity to their own task's other pool rows (typicality in the proxy's space). Writes
``benchmarks/results/<--suite>.{md,json}``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from functools import partial

import harness
import numpy as np
from bench_quality import POOLS, pool_files

from selector.evaluation.groups import ROW, group_keys
from selector.evaluation.measure import cluster_labels, mode_rules
from selector.evaluation.prepare import SplitRules, prepare, run_config
from selector.evaluation.run import budget_size
from selector.measures.effect import effect
from selector.measures.evidence import random_draws
from selector.measures.proxies import ProxyData, nearest
from selector.selection._order import fill_in_order
from selector.selection.strategies import STRATEGIES


def cluster_random(X, size, rules, seed):
    """Within each task's quota: a K-Means of that task's rows with ``k`` = its quota left after the centres, and
    one member drawn at random from each cluster (the candidate fix: the task's own clusters, random within)."""
    from selector.selection.clustering import kmeans

    groups, quotas = rules["groups"], np.asarray(rules["quotas"], dtype=np.int64)
    left = quotas.copy()
    for s in rules["seeds"]:
        left[groups[s]] -= 1
    rng = np.random.default_rng(seed)
    order = []
    for g in np.flatnonzero(left > 0).tolist():
        rows = np.flatnonzero(groups == g)
        k = int(min(left[g], len(rows)))
        lab = kmeans(X[rows], k, seed=seed, device="cpu").labels
        for c in np.unique(lab).tolist():
            order.append(int(rng.choice(rows[lab == c])))
    return fill_in_order(np.asarray(order), size, seeds=rules["seeds"], groups=groups, quotas=quotas)


def variants(X, size, rules, labels, seed, extra, only, examples):
    """Variant name -> picks at one selection seed (see the module docstring); ``only``: the names to run (all when
    empty); ``examples``: the split's example id per pool row (for ``medoids_distinct+examples``)."""
    groups, quotas = rules["groups"], rules["quotas"]
    perm = np.random.default_rng(1000 + seed).permutation(X.shape[0])
    base = {"seed": seed, "clusters": labels, **rules}
    runs = {
        "medoids": lambda: STRATEGIES["medoids"](X, size, **base).indices,
        "kcenter": lambda: STRATEGIES["kcenter"](X, size, **base).indices,
        "stratified": lambda: STRATEGIES["stratified"](X, size, **base).indices,
        "centres+random": lambda: fill_in_order(perm, size, seeds=rules["seeds"], groups=groups, quotas=quotas),
        "medoids-nocentres": lambda: STRATEGIES["medoids"](X, size, seed=seed, groups=groups, quotas=quotas).indices,
        "centres+cluster_random": lambda: cluster_random(X, size, rules, seed),
        "cluster_random-nocentres": lambda: cluster_random(X, size, {**rules, "seeds": []}, seed),
        "medoids_distinct@0.9": lambda: STRATEGIES["medoids_distinct"](X, size, duplicate_cosine=0.9, **base).indices,
        "medoids_distinct@0.85": lambda: STRATEGIES["medoids_distinct"](X, size, duplicate_cosine=0.85, **base).indices,
        "medoids_distinct+examples": lambda: STRATEGIES["medoids_distinct"](X, size, examples=examples, **base).indices,
    }
    for name in extra:
        runs[name] = partial(lambda n: STRATEGIES[n](X, size, **base).indices, name)
    return {k: np.asarray(fn(), dtype=np.int64) for k, fn in runs.items() if not only or k in only}


def explain(data: ProxyData, picks: np.ndarray, examples: np.ndarray) -> dict[str, float]:
    """Coverage split by where the nearest pick lies, the picks' typicality in the TF-IDF space and the share of
    picks that are distinct examples (``examples``: the split's example id per pool row)."""
    rows = data.coverage_rows
    cover_X, tasks = data.pool_X[rows], data.pool_tasks[rows]
    _, arg = nearest(cover_X, data.pool_X[picks])
    own = data.pool_tasks[picks][arg] == tasks
    within = []
    for t in np.unique(tasks):
        mine = picks[data.pool_tasks[picks] == t]
        if len(mine):
            b, _ = nearest(cover_X[tasks == t], data.pool_X[mine])
            within.append(1.0 - np.clip(b, 0, 1))
    typ = []
    for p in picks.tolist():
        same = np.flatnonzero(data.pool_tasks == data.pool_tasks[p])
        typ.append(float((data.pool_X[same] @ data.pool_X[p].T).toarray().mean()))
    return {
        "own_task": float(own.mean()),
        "within": float(np.concatenate(within).mean()) if within else float("nan"),
        "typicality": float(np.mean(typ)),
        "nnz": float(np.diff(data.pool_X[picks].indptr).mean()),
        "distinct": len(np.unique(examples[picks])) / max(1, len(picks)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", choices=POOLS, default="p3-short")
    parser.add_argument("--budgets", default="0.02,0.05")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--draws", type=int, default=50)
    parser.add_argument("--coverage-sample", type=int, default=4000)
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--extra", default="", help="more registry strategies run after the task centres")
    parser.add_argument("--only", default="", help="comma-separated variants to run (default: all)")
    parser.add_argument("--suite", default="bench_quality_coverage")
    args = parser.parse_args()
    files = pool_files(args.pool)
    if not files:
        print(f"skipped: no P3 files under {harness.DATA}")
        return 0
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    cfg = run_config(None, None, args.cache_dir)
    prep = prepare(files, cfg, SplitRules("@file"), out=None, overwrite=False, progress=False)
    pool, X = prep.pool, prep.X
    data = ProxyData.build(
        [s.prompt for s in pool], [s.response for s in pool], [str(s.task) for s in pool],
        [s.prompt for s in prep.test], [s.response for s in prep.test], [str(s.task) for s in prep.test],
        coverage_sample=args.coverage_sample, seed=0, proxies=("transfer", "coverage"),
    )  # fmt: skip
    labels = cluster_labels(X, cfg, args.seeds)
    examples = np.unique(group_keys(pool, ROW), return_inverse=True)[1]
    extra = [e for e in args.extra.split(",") if e]
    only = {e for e in args.only.split(",") if e}
    table = harness.Table(["budget", "variant", "transfer z", "coverage z", "own task", "within", "typicality",
                           "nnz", "distinct", "random within", "random typicality", "random distinct"])  # fmt: skip
    for budget in [float(b) for b in args.budgets.split(",")]:
        size = budget_size(budget, len(pool))
        per: dict[str, list[tuple[dict, dict, dict]]] = {}
        for i in range(args.seeds):
            rules = mode_rules(pool, X, size, cfg, "+tasks", cfg.seed + i)
            for name, picks in variants(X, size, rules, labels[i], cfg.seed + i, extra, only, examples).items():
                counts = np.bincount(data.pool_tasks[picks], minlength=int(data.pool_tasks.max()) + 1)
                draws = random_draws(np.ones(len(pool), bool), data.pool_tasks, counts.tolist(), len(picks), 0,
                                     args.draws)  # fmt: skip
                rand = [data.measure(d) for d in draws]
                rexp = explain(data, draws[0], examples)
                per.setdefault(name, []).append(
                    (data.measure(picks), explain(data, picks, examples), {"rand": rand, **rexp})
                )
        for name, runs in per.items():
            z = {}
            for proxy, higher in (("transfer", True), ("coverage_mean", False)):
                zs = [effect([m[proxy]], [r[proxy] for r in b["rand"]], higher, seed=0)["z"] for m, _, b in runs]
                z[proxy] = float(np.mean(zs))
            ex = {k: float(np.mean([e[k] for _, e, _ in runs])) for k in runs[0][1]}
            rb = {k: float(np.mean([b[k] for _, _, b in runs])) for k in ("within", "typicality", "distinct")}
            table.add(f"{budget:g}", name, f"{z['transfer']:+.2f}", f"{z['coverage_mean']:+.2f}",
                      f"{ex['own_task']:.3f}", f"{ex['within']:.4f}", f"{ex['typicality']:.4f}", f"{ex['nnz']:.0f}",
                      f"{ex['distinct']:.3f}", f"{rb['within']:.4f}", f"{rb['typicality']:.4f}",
                      f"{rb['distinct']:.3f}")  # fmt: skip
    head = (f"{args.pool}: {len(pool):,} pool rows, tasks mode, {args.seeds} seeds, {args.draws} draws per variant "
            f"and seed (matched to that variant's per-task counts), coverage on {args.coverage_sample} rows; "
            f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    print(head)
    print(table.markdown())
    harness.write_results(args.suite, {"tasks mode: one change at a time": table}, notes=[head])
    return 0


if __name__ == "__main__":
    sys.exit(main())
