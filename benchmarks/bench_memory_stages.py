"""Resident memory of every stage of ``select()``, in one process: RSS at its start, its peak, RSS at its end.

Runs ``select()`` on a corpus and its precomputed embeddings made by ``bench_scale.py`` (``--data N/corpus`` and
``N/emb.npy``), with the stage timer wrapped so that a thread sampling ``/proc/self/statm`` every 50 ms reports
each stage's peak. Where ``bench_scale.py`` gives the whole run's peak (``os.wait4``), this says which stage makes
it and what each stage keeps.

    python benchmarks/bench_scale.py --sizes 1000000            # makes /tmp/selector_bench_scale/1000000
    python benchmarks/bench_memory_stages.py --size 1000000
    python benchmarks/bench_memory_stages.py --size 1000000 --checkout /tmp/baseline   # an older tree, same table
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "selector_bench_scale")
    ap.add_argument("--emb", default="emb.npy", help="emb.npy (float32) or emb16.npy (float16)")
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--checkout", type=Path, default=ROOT, help="selector source tree to import")
    args = ap.parse_args()
    sys.path.insert(0, str(args.checkout))

    import selector.pipeline.manifest as manifest
    from selector.pipeline.run import select

    folder = args.data / str(args.size)
    if not (folder / args.emb).exists():
        raise SystemExit(f"{folder / args.emb} is missing: run benchmarks/bench_scale.py --sizes {args.size} first")
    sampler = Sampler()
    rows: list[tuple[str, float, float, float, float]] = []
    stage_timer = manifest.StageTimer.__call__

    @contextmanager
    def measured(self: manifest.StageTimer, stage: str) -> Iterator[None]:
        start, t = sampler.reset(), time.perf_counter()
        with stage_timer(self, stage):
            yield
        rows.append((stage, start, max(sampler.peak, rss()), rss(), time.perf_counter() - t))

    manifest.StageTimer.__call__ = measured
    out = Path(tempfile.mkdtemp(prefix="bench_memory_")) / "out"
    base = rss()
    try:
        select([folder / "corpus"], embeddings=folder / args.emb, budget=args.budget, out=out, progress=False)
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    print(f"select() on {args.size:,} records ({args.emb}), budget {args.budget:,}; {args.checkout}")
    print(f"RSS before the run (Python, torch, faiss): {base:.2f} GB\n")
    print("| stage | RSS at start | peak | RSS at end | seconds |")
    print("|---|---|---|---|---|")
    for stage, start, peak, end, sec in rows:
        print(f"| {stage} | {start:.2f} GB | {peak:.2f} GB | {end:.2f} GB | {sec:.1f} |")
    print(f"\npeak of the run: {max(r[2] for r in rows):.2f} GB")


if __name__ == "__main__":
    main()
