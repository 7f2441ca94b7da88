"""Selection quality by encoder backend: ``selector evaluate`` once per backend on the same pool, side by side.

Each backend's run is the library's :func:`selector.evaluation.evaluate` (same split, budgets, random seeds and
strategies), with the pool embedded by that backend. The proxies are measured in word 1-2 gram TF-IDF of the
prompts, fitted on the pool (``selector/evaluation/proxies.py``): a space neither encoder selects in, so neither is
favoured. The table shows each proxy's value and its percentile among the random selections of the same size
(higher is better for every percentile), the picks the backends share, and how long each took to embed the pool
(cache hits included: the throughput comparison is ``bench_encode.py``'s).

``evaluate`` embeds with ``selector.encode`` and the run config's ``encoder.backend`` / ``encoder.quantize``;
this script wraps ``selector.encode`` only to time the pool's embedding.

    python benchmarks/eval_encoders.py ../shared/data/p3_templates --task-field @file --seeds 10 \\
        --backends static,torch --out benchmarks/results/eval_encoders_p3.md
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's selector, not an installed one

import numpy as np  # noqa: E402

import selector  # noqa: E402
from selector.evaluation import run as evaluation  # noqa: E402

BACKENDS = {"torch": {}, "onnx": {"backend": "onnx"}, "onnx-int8": {"backend": "onnx", "quantize": "int8"}}
BACKENDS["static"] = {"backend": "static"}


def run_one(name: str, args: argparse.Namespace) -> tuple[dict, dict]:
    """``evaluate`` with the pool embedded by backend ``name``; returns (rows by key, embedding stats)."""
    kwargs = BACKENDS[name]
    original = selector.encode
    stats: dict = {}

    def encode(texts, *a, **kw):
        t = time.perf_counter()
        X = original(texts, *a, **{**kw, "progress": kw.get("progress", False)})
        stats.update(n=len(texts), seconds=time.perf_counter() - t)
        return X

    cfg = selector.load_run_config(None, {"encoder": dict(kwargs)})
    selector.encode = functools.update_wrapper(encode, original)
    try:
        out = Path(args.work) / name
        result = evaluation.evaluate(
            args.inputs, task_field=args.task_field, budgets=args.budgets, strategies=args.strategies.split(","),
            seeds=args.seeds, config=cfg, out=out, overwrite=True,
        )  # fmt: skip
    finally:
        selector.encode = original
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
    args = ap.parse_args()
    args.budgets = [float(b) for b in args.budgets.split(",")]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = args.backends.split(",")
    runs = {}
    for name in names:
        t = time.perf_counter()
        done = Path(args.work) / name / "selections.json"
        runs[name] = load(done.parent) if args.reuse and done.is_file() else run_one(name, args)
        print(f"{name}: evaluation took {time.perf_counter() - t:.0f} s", flush=True)

    lines = [f"Pool: {' '.join(args.inputs)} (task field {args.task_field}), seeds {args.seeds}, strategies "
             f"{args.strategies}; proxies in prompt TF-IDF (word 1-2 grams, fitted on the pool).", ""]  # fmt: skip
    lines.append("| backend | pool embedding (cache hits included) |")
    lines.append("|---|---|")
    for name, (_, st) in runs.items():
        lines.append(f"| {name} | {st['n']:,} records in {st['seconds']:.1f} s |")
    if len(names) > 1:
        lines += ["", f"| strategy | budget | picks of {names[0]} shared with " + " | ".join(names[1:]) + " |"]
        lines.append("|---|---|" + "---|" * (len(names) - 1))
        for (strategy, budget), picked in runs[names[0]][1]["selections"].items():
            shared = [
                len(set(picked.tolist()) & set(runs[n][1]["selections"][(strategy, budget)].tolist()))
                for n in names[1:]
            ]
            lines.append(
                f"| {strategy} | {budget:g} | " + " | ".join(f"{s:,} of {len(picked):,}" for s in shared) + " |"
            )
    lines.append("")
    head = "| strategy | budget | size | proxy | random median |" + "".join(f" {n} (pctl) |" for n in names)
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    first = runs[names[0]][0]
    for key, row in first.items():
        strategy, budget, proxy = key
        cells = "".join(f" {runs[n][0][key]['value']:.4g} ({runs[n][0][key]['percentile']:.0f}) |" for n in names)
        lines.append(f"| {strategy} | {budget:g} | {row['size']:,} | {proxy} | {row['random_median']:.4g} |{cells}")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
