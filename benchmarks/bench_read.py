"""Read throughput (records/s) of ``read_corpus`` on the shared corpora, side by side with its baselines.

Baselines, in the same process on the same files:
- ``json only``: parsing the files with the standard library and nothing else (the floor: no samples, no spans);
- ``generic path``: ``read_corpus`` with flat formats going through the generic path-based ``Format.to_messages``
  (what the per-record fast path in ``FieldsFormat.to_messages`` replaces).

    python benchmarks/bench_read.py [--repeat 3] [--synthetic 200000]

The synthetic row repeats the shared Alpaca records into one temporary JSONL file of the given size, to show the
rate at the scale of the ``select`` command.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import harness

from selector.formats.base import Format
from selector.formats.flat import FieldsFormat
from selector.io import read_corpus

ALPACA = [
    "alpaca_chinese_zh-data-part-00.json",
    "alpaca_chinese_zh-data-part-01.json",
    "new_codealpaca.json",
    "code_alpaca_2k.json",
]


def json_only(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        if p.suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
            n += len(data) if isinstance(data, list) else 1
        else:
            n += sum(1 for line in p.read_text(encoding="utf-8").split("\n") if line.strip() and json.loads(line))
    return n


def corpus(paths: list[Path]) -> int:
    return len(read_corpus(paths).samples)


def generic(paths: list[Path]) -> int:
    fast = FieldsFormat.to_messages
    FieldsFormat.to_messages = Format.to_messages  # type: ignore[method-assign]
    try:
        return len(read_corpus(paths).samples)
    finally:
        FieldsFormat.to_messages = fast  # type: ignore[method-assign]


def best_rate(fn: Callable[[list[Path]], int], paths: list[Path], repeat: int) -> tuple[int, float]:
    best, n = harness.best_of(lambda: fn(paths), repeat)
    return n, n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=200_000, help="records in the synthetic JSONL (0: skip)")
    args = parser.parse_args()
    DATA = harness.require_data()
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "alpaca JSON arrays (4 files)": [DATA / n for n in ALPACA],
            "P3 JSONL (10 files)": sorted((DATA / "p3_t0_train_50k").glob("*.jsonl")),
            "self-instruct JSONL (nested)": sorted(DATA.glob("self_instruct_*.jsonl")),
        }
        if args.synthetic:
            records = [r for n in ALPACA for r in json.loads((DATA / n).read_text(encoding="utf-8"))]
            big = Path(tmp) / "synthetic.jsonl"
            with open(big, "w", encoding="utf-8") as f:
                for i in range(args.synthetic):
                    f.write(json.dumps(records[i % len(records)], ensure_ascii=False) + "\n")
            cases[f"synthetic Alpaca JSONL ({args.synthetic:,} records)"] = [big]
        table = harness.Table(["corpus", "records", "json only /s", "generic path /s", "read_corpus /s", "vs generic"])
        for name, paths in cases.items():
            n, floor = best_rate(json_only, paths, args.repeat)
            _, slow = best_rate(generic, paths, args.repeat)
            _, rate = best_rate(corpus, paths, args.repeat)
            table.add(name, n, round(floor), round(slow), round(rate), f"{rate / slow:.2f}x")
    harness.write_results("bench_read", {"read throughput": table})


if __name__ == "__main__":
    main()
