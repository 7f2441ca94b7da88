"""Resident memory of every stage of ``select()``, in one process: RSS at its start, its peak, RSS at its end.

Runs ``select()`` on a corpus and its precomputed embeddings made by ``bench_scale.py`` (``--data N/corpus`` and
``N/emb.npy``), with the stage timer wrapped so that a thread sampling ``/proc/self/statm`` every 50 ms reports
each stage's peak, for the baseline's tree (``--baseline REF``, default ``main``) and this checkout's, each in
a child process of its own. Where ``bench_scale.py`` gives the whole run's peak (``os.wait4``), this says which
stage makes it and what each stage keeps. Results: ``benchmarks/results/bench_memory_stages.{md,json}``.

    python benchmarks/bench_scale.py --sizes 1000000            # makes /tmp/selector_bench_scale/1000000
    python benchmarks/bench_memory_stages.py --size 1000000       # main's tree beside this checkout's
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import harness

ROOT = harness.ROOT
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> float:
    """Resident set size of this process in GB (file-backed pages included, as ``ru_maxrss`` counts them)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e9


class Sampler:
    """The largest RSS seen since the last :meth:`reset`, sampled by a daemon thread."""

    def __init__(self, every: float = 0.05) -> None:
        self.peak = rss()
        self.every = every
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss())
            time.sleep(self.every)

    def reset(self) -> float:
        self.peak = rss()
        return self.peak


def measure(size: int, data: Path, emb: str, budget: int) -> dict:
    """``select()`` in this process with each stage's RSS sampled: ``{"base": GB, "rows": [...]}``."""
    import selector.pipeline.manifest as manifest
    from selector.pipeline.run import select

    folder = data / str(size)
    if not (folder / emb).exists():
        raise SystemExit(f"{folder / emb} is missing: run benchmarks/bench_scale.py --sizes {size} first")
    sampler = Sampler()
    rows: list[list] = []
    stage_timer = manifest.StageTimer.__call__

    @contextmanager
    def measured(self: manifest.StageTimer, stage: str) -> Iterator[None]:
        start, t = sampler.reset(), time.perf_counter()
        with stage_timer(self, stage):
            yield
        peak = max(sampler.peak, rss())
        rows.append([stage, round(start, 2), round(peak, 2), round(rss(), 2), round(time.perf_counter() - t, 1)])

    manifest.StageTimer.__call__ = measured
    out = Path(tempfile.mkdtemp(prefix="bench_memory_")) / "out"
    base = rss()
    try:
        select([folder / "corpus"], embeddings=folder / emb, budget=budget, out=out, progress=False)
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    return {"base": round(base, 2), "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "selector_bench_scale")
    ap.add_argument("--emb", default="emb.npy", help="emb.npy (float32) or emb16.npy (float16)")
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--baseline", default="main", help="git ref whose selector/ is the baseline ('' for none)")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)  # a tree to measure, in-process
    args = ap.parse_args()
    if args.child is not None:
        sys.path.insert(0, str(args.child))
        print(json.dumps(measure(args.size, args.data, args.emb, args.budget)))
        return
    from bench_scale import export_tree

    trees = [("this checkout", ROOT)]
    if args.baseline:
        trees.insert(0, (f"baseline ({args.baseline})", export_tree(args.baseline)))
    table = harness.Table(["tree", "stage", "RSS at start GB", "peak GB", "RSS at end GB", "seconds"])
    notes = [f"select() on {args.size:,} records ({args.emb}), budget {args.budget:,}, one child process per tree"]
    for name, tree in trees:
        cmd = [sys.executable, __file__, "--child", str(tree), "--size", str(args.size), "--data", str(args.data)]
        got = harness.child_json([*cmd, "--emb", args.emb, "--budget", str(args.budget)])
        for row in got["rows"]:
            table.add(name, *row)
        peak = max(r[2] for r in got["rows"])
        notes.append(f"{name}: RSS before the run (Python, torch, faiss) {got['base']} GB, peak of the run {peak} GB")
    harness.write_results("bench_memory_stages", {"resident memory per stage of select()": table}, notes=notes)


if __name__ == "__main__":
    main()
