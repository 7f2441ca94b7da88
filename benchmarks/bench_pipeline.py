"""End-to-end timing of `selector select` per stage: a first run (empty embedding cache) and a re-run (warm cache).

Runs both in one process on the shared corpora (about 30k records: the Alpaca Chinese and code sets,
self-instruct, P3 and natural-instructions files), with the bundled default encoder on the CPU, and prints one
table with the seconds per stage side by side. The re-run reuses the cache, so its embed stage shows what a user
pays to change a filter or the budget after a first run.

    python benchmarks/bench_pipeline.py                 # whole corpora, budget 1000
    python benchmarks/bench_pipeline.py --limit 3000    # a quick look: the first 3,000 samples only

Results: ``benchmarks/results/bench_pipeline.{md,json}`` (a ``--limit`` run says so in the notes).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import harness
import torch

from selector.pipeline import select

INPUTS = [
    "alpaca_chinese_zh-data-part-00.json",
    "alpaca_chinese_zh-data-part-01.json",
    "code_alpaca_2k.json",
    "new_codealpaca.json",
    "self_instruct_seed_tasks.jsonl",
    "self_instruct_user_oriented_instructions.jsonl",
    "p3_t0_train_50k",
    "natural_instructions",
]


def _limited_inputs(limit: int, folder: Path) -> list[str]:
    """The first ``limit`` records of the first input, written as JSONL (for a quick run)."""
    records = json.loads(harness.data_path(INPUTS[0]).read_text(encoding="utf-8"))[:limit]
    path = folder / "limited.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return [str(path)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=None, help="use only this many records (quick check)")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    shared = harness.require_data()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        inputs = _limited_inputs(args.limit, tmp_path) if args.limit else [str(shared / name) for name in INPUTS]
        runs = {}
        for label in ("first run", "re-run (warm cache)"):
            out = tmp_path / label.split()[0]
            res = select(
                inputs,
                budget=args.budget,
                cache_dir=tmp_path / "cache",
                device=args.device,
                out=out,
                skip_invalid=True,
                progress=False,
            )
            runs[label] = res.manifest
        first, second = runs.values()
        stages = list(dict.fromkeys([*first["seconds"], *second["seconds"]]))
        stages.remove("total")
        c = first["counts"]
        same = (tmp_path / "first" / "selection.jsonl").read_bytes() == (
            tmp_path / "re-run" / "selection.jsonl"
        ).read_bytes()
        notes = [
            f"torch threads {torch.get_num_threads()}, device {first['encoder'].get('device', '?')}, "
            f"model {first['encoder'].get('model', '?')}",
            f"records read {c['read']:,}, after filters {c['after_filters']:,}, selected {c['selected']:,}, "
            f"k = {first['clusters']['k']}",
            f"selection identical across the two runs: {same}",
        ]
        if args.limit:
            notes.append(f"reduced run: the first {args.limit:,} records of {INPUTS[0]} only")
        print("\n".join(notes) + "\n")
        table = harness.Table(["stage", "first run (s)", "re-run, warm cache (s)"])
        for stage in [*stages, "total"]:
            table.add(stage, round(first["seconds"].get(stage, 0.0), 2), round(second["seconds"].get(stage, 0.0), 2))
    harness.write_results("bench_pipeline", {"seconds per stage": table}, notes=notes)


if __name__ == "__main__":
    main()
