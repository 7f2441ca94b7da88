"""Digest of what ``selector select`` writes on the demo corpus and the P3 sample, for before/after comparisons.

A refactoring must not change a selection: run this before and after, and compare the printed digests
(``python benchmarks/output_digest.py > before.txt``, change, ``... > after.txt``, ``diff before.txt after.txt``).
Every output file is hashed as written, except ``manifest.json``, whose run times (``seconds`` keys) are dropped
first, ``report.md``, whose rows of run times are dropped, and ``report.html``, whose block of run times is.
The P3 runs are skipped when the shared corpora are absent (:func:`harness.data_path`). ``--results`` also writes
the digests to ``benchmarks/results/output_digest.{md,json}``; stdout is the same either way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import harness

ROOT = harness.ROOT
P3 = harness.data_path("p3_t0_train_50k")

RUNS = {
    "demo": (["examples/data/demo.jsonl"], {"source_field": "source", "budget": 40}),
    "demo-lima": (
        ["examples/data/demo.jsonl"],
        {"source_field": "source", "budget": 25, "config": "lima"},
    ),
    "p3": ([str(P3)], {"task_field": "@file", "budget": 60}),
    "p3-task": ([str(P3)], {"task_field": "@file", "budget": 20, "task": "ag_news_classify_with_choices"}),
}


TIME_ROW = re.compile(rb"\| [0-9.]+ s \|")
SECONDS_BLOCK = re.compile(rb'<script type="application/json" id="report-seconds">.*?</script>', re.S)


def _without_times(value: object) -> object:
    """``value`` without any ``seconds`` key, at any depth (stage timings differ from run to run)."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def digest(folder: Path) -> dict[str, str]:
    """sha256 of each output file, with run times left out."""
    out = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.name == "manifest.json":
            data = json.dumps(_without_times(json.loads(data)), sort_keys=True).encode()
        elif path.name == "report.html":
            data = SECONDS_BLOCK.sub(b"", data)
        elif path.name == "report.md":
            data = b"\n".join(line for line in data.splitlines() if not TIME_ROW.search(line))
        out[path.name] = hashlib.sha256(data).hexdigest()[:16]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated subset of " + ", ".join(RUNS))
    parser.add_argument("--save", type=Path, help="also keep each run's output folder under this folder")
    parser.add_argument("--results", action="store_true", help="also write benchmarks/results/output_digest.*")
    args = parser.parse_args()
    import selector

    table = harness.Table(["run", "file", "sha256 (16 hex)"])

    for name in args.runs.split(","):
        inputs, kwargs = RUNS[name]
        if not (ROOT / inputs[0]).exists() and not Path(inputs[0]).exists():
            print(f"{name}: skipped ({inputs[0]} is absent)")
            table.add(name, "skipped", f"{inputs[0]} is absent", echo=False)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            selector.select([str(ROOT / p) for p in inputs], out=Path(tmp) / "out", progress=False, **kwargs)
            for file, sha in digest(Path(tmp) / "out").items():
                print(f"{name}\t{file}\t{sha}")
                table.add(name, file, sha, echo=False)
            if args.save:
                shutil.copytree(Path(tmp) / "out", args.save / name, dirs_exist_ok=True)
    if args.results:
        harness.write_results("output_digest", {"digests": table}, echo=False)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
