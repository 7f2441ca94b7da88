"""The read stage with forked partition readers against the one-process read, in one process, same corpus.

Runs ``selector.select`` over the corpus and the precomputed vectors that ``bench_scale.py`` generates
(``/tmp/selector_bench_scale/<size>``: run that first), once with ``read_workers=1`` (the one-process read) and
once with the default ``read_workers=None`` (one forked reader per CPU above 32 MB of input), alternating
``--repeats`` times; prints the manifest's read + filter seconds and the wall of each call. Outputs are the same
bytes either way (``tests/filters/test_filter_split.py``), so only the time is compared.

    python benchmarks/bench_scale.py --sizes 1000000          # makes the corpus once
    python benchmarks/bench_read_workers.py --size 1000000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import harness

import selector


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--suite", default="bench_read_workers")
    args = ap.parse_args()
    root = Path(tempfile.gettempdir()) / "selector_bench_scale" / str(args.size)
    files = sorted(str(p) for p in (root / "corpus").glob("*"))
    if not files:
        ap.error(f"no corpus at {root}: run python benchmarks/bench_scale.py --sizes {args.size} first")
    runs: dict[str, list[tuple[float, float, float]]] = {"one process (read_workers=1)": [], "default": []}
    for _ in range(args.repeats):
        for name, workers in (("one process (read_workers=1)", 1), ("default", None)):
            out = Path(tempfile.mkdtemp(prefix="bench-read-")) / "out"
            t0 = time.perf_counter()
            selector.select(
                files, embeddings=str(root / "emb.npy"), budget=args.budget, out=str(out), read_workers=workers
            )
            wall = time.perf_counter() - t0
            seconds = json.loads((out / "manifest.json").read_text())["seconds"]
            runs[name].append((seconds.get("read", 0) + seconds.get("filter", 0), wall, os.getloadavg()[0]))
            print(name, f"read+filter {runs[name][-1][0]:.1f} s, wall {wall:.1f} s", flush=True)
    table = harness.Table(["read", "read + filter s (best)", "select wall s (best)", "load at end"])
    for name, rows in runs.items():
        best = min(rows)
        table.add(name, f"{best[0]:.1f}", f"{min(r[1] for r in rows):.1f}", f"{best[2]:.2f}")
    notes = [
        f"{args.size:,} records in {len(files)} JSONL files, --embeddings, budget {args.budget}, {os.cpu_count()} CPUs"
    ]
    harness.write_results(args.suite, {"read workers": table}, notes=notes)


if __name__ == "__main__":
    main()
