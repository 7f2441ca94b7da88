"""Selection quality by encoder backend: ``selector evaluate`` once per backend on the same pool, side by side.

Each backend's run is the library's :func:`selector.evaluation.evaluate` (same split, budgets, random seeds and
strategies), with the pool embedded by that backend. The proxies are measured in word 1-2 gram TF-IDF of the
prompts, fitted on the pool (``selector/evaluation/proxies.py``): a space neither encoder selects in, so neither is
favoured. The table shows each proxy's value and its percentile among the random selections of the same size
(higher is better for every percentile), the picks the backends share, and how long each took to embed the pool
(cache hits included: the throughput comparison is ``bench_encode.py``'s).

``evaluate`` embeds the pool with an :class:`selector.Encoder` built from the run config's ``encoder.backend`` /
``encoder.quantize``; this script wraps ``Encoder.encode`` only to time the pool's embedding (it wrapped
``selector.encode`` before, which ``evaluate`` no longer calls, so the timing row could not be filled).
Results: ``benchmarks/results/eval_encoders.{md,json}`` (``--suite`` names another file; ``--out`` also writes the
plain table as before).

    python benchmarks/eval_encoders.py ../shared/data/p3_templates --task-field @file --seeds 10 \\
        --backends static,torch --out benchmarks/results/eval_encoders_p3.md
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
from pathlib import Path

import harness
import numpy as np

import selector
from selector.evaluation import evaluate

BACKENDS = {"torch": {}, "onnx": {"backend": "onnx"}, "onnx-int8": {"backend": "onnx", "quantize": "int8"}}
BACKENDS["static"] = {"backend": "static"}


def run_one(name: str, args: argparse.Namespace) -> tuple[dict, dict]:
    """``evaluate`` with the pool embedded by backend ``name``; returns (rows by key, embedding stats)."""
    kwargs = BACKENDS[name]
    original = selector.Encoder.encode
    stats: dict = {}

    def encode(self, texts, *a, **kw):
        seconds, X = harness.timed(lambda: original(self, texts, *a, **kw))
        stats.update(n=len(texts), seconds=seconds)
        return X

    cfg = selector.load_run_config(None, {"encoder": dict(kwargs)})
    selector.Encoder.encode = functools.update_wrapper(encode, original)
    try:
        out = Path(args.work) / name
        result = evaluate(
            args.inputs, task_field=args.task_field, budgets=args.budgets, strategies=args.strategies.split(","),
            seeds=args.seeds, config=cfg, out=out, overwrite=True,
        )  # fmt: skip
    finally:
        selector.Encoder.encode = original
    picked = {f"{s}@{b}": idx.tolist() for (s, b), idx in result.selections.items()}
    (out / "selections.json").write_text(json.dumps({"stats": stats, "picks": picked}), encoding="utf-8")
    return load(out)


def load(out: Path) -> tuple[dict, dict]:
    """Rows and embedding stats of an evaluation written by :func:`run_one` into ``out``."""
    result = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    extra = json.loads((out / "selections.json").read_text(encoding="utf-8"))
    rows = {(r["strategy"], r["budget"], r["proxy"]): r for r in result["results"]}
    picks = {(k.split("@")[0], float(k.split("@")[1])): np.asarray(v) for k, v in extra["picks"].items()}
    return rows, {**extra["stats"], "selections": picks}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--task-field", default="@file")
    ap.add_argument("--budgets", default="0.005,0.01,0.02,0.05")
    ap.add_argument("--strategies", default="default")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--backends", default="static,torch")
    ap.add_argument("--work", default="/tmp/eval_encoders", help="each backend's evaluation folder goes here")
    ap.add_argument("--reuse", action="store_true", help="read a backend's finished evaluation from --work")
    ap.add_argument("--out", default=None, help="also write the table to this .md file")
    ap.add_argument("--suite", default="eval_encoders", help="results file name under benchmarks/results/")
    args = ap.parse_args()
    args.budgets = [float(b) for b in args.budgets.split(",")]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = args.backends.split(",")
    runs = {}
    for name in names:
        done = Path(args.work) / name / "selections.json"
        reuse = args.reuse and done.is_file()
        seconds, runs[name] = harness.timed(lambda n=name, r=reuse, d=done: load(d.parent) if r else run_one(n, args))
        print(f"{name}: evaluation took {seconds:.0f} s", flush=True)

    pool = (
        f"Pool: {' '.join(args.inputs)} (task field {args.task_field}), seeds {args.seeds}, strategies "
        f"{args.strategies}; proxies in prompt TF-IDF (word 1-2 grams, fitted on the pool)."
    )
    tables = {"pool embedding": harness.Table(["backend", "pool embedding (cache hits included)"])}
    for name, (_, st) in runs.items():
        tables["pool embedding"].add(name, f"{st['n']:,} records in {st['seconds']:.1f} s", echo=False)
    if len(names) > 1:
        shared = harness.Table(["strategy", "budget", f"picks of {names[0]} shared with " + " | ".join(names[1:])])
        for (strategy, budget), picked in runs[names[0]][1]["selections"].items():
            counts = [
                len(set(picked.tolist()) & set(runs[n][1]["selections"][(strategy, budget)].tolist()))
                for n in names[1:]
            ]
            shared.add(strategy, f"{budget:g}", " | ".join(f"{c:,} of {len(picked):,}" for c in counts), echo=False)
        tables["picks shared"] = shared
    proxies = harness.Table(["strategy", "budget", "size", "proxy", "random median", *(f"{n} (pctl)" for n in names)])
    for key, row in runs[names[0]][0].items():
        strategy, budget, proxy = key
        cells = [f"{runs[n][0][key]['value']:.4g} ({runs[n][0][key]['percentile']:.0f})" for n in names]
        proxies.add(strategy, f"{budget:g}", row["size"], proxy, f"{row['random_median']:.4g}", *cells, echo=False)
    tables["proxies"] = proxies
    text = "\n\n".join([pool, *(t.markdown() for t in tables.values())]) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    harness.write_results(args.suite, tables, notes=[pool])


if __name__ == "__main__":
    main()
