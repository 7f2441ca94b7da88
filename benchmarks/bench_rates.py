"""Rates per worker and peak memory of every stage of ``selector select``, measured on this machine.

The figures ``docs/scale.md``'s 100M plan is computed from. One "worker" is one process with ``--threads`` cores
(2 here: the whole machine); each measurement runs in a child process of its own, so its imports, its peak RSS
(sampled every 50 ms by :class:`bench_memory_stages.Sampler`) and its threads are its own.

- read and filter (the default rules): the real shared corpora (code Alpaca, Chinese Alpaca part 00, new code
  Alpaca, P3), through ``ReadOptions().read`` and ``apply_filters``;
- embed: the bundled default encoder on ``--texts`` real texts (:func:`harness.encoder_texts`), the torch backend
  and, when onnxruntime is installed, the onnx backend with ``quantize="int8"``;
- K-Means, centres, pick, coverage: ``select()`` on ``bench_scale.py``'s synthetic corpus of ``--size`` records with
  its float32 embeddings, once with the global greedy (the lazy engine) and once sharded
  (``--shards`` shards in the run's process, ``coreset.workers: 1``), both with ``--budget`` picks.

    python benchmarks/bench_rates.py --texts 512           # 200k synthetic rows: about 10 minutes here

Results: ``benchmarks/results/bench_rates.{md,json}``. No GPU rate: run it on a GPU machine with ``--device cuda``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import harness
from bench_memory_stages import Sampler, rss

REAL = ["code_alpaca_2k.json", "alpaca_chinese_zh-data-part-00.json", "new_codealpaca.json", "p3_t0_train_50k"]


def child_read(threads: int) -> dict:
    """Read then filter the real corpora: records, seconds and peak RSS (GB) of each step."""
    from selector import FilterConfig, ReadOptions, apply_filters

    sampler = Sampler()
    paths = [str(harness.require_data(name)) for name in REAL]
    t, base = time.perf_counter(), sampler.reset()
    corpus = ReadOptions().read(paths)
    read_s, read_peak = time.perf_counter() - t, max(sampler.peak, rss())
    sampler.reset()
    t = time.perf_counter()
    result = apply_filters(corpus.samples, FilterConfig(), progress=False)
    filter_s, filter_peak = time.perf_counter() - t, max(sampler.peak, rss())
    n = len(corpus.samples)
    return {
        "base": base,
        "rows": [
            ["read", "real corpora (4 files)", n, read_s, read_peak],
            ["filter", f"default rules ({len(result.kept):,} kept)", n, filter_s, filter_peak],
        ],
    }


def child_embed(texts_file: Path, backend: str, threads: int, device: str) -> dict:
    """Encode the texts of ``texts_file`` with the default encoder on ``backend`` (``torch`` or ``onnx-int8``)."""
    import torch

    from selector import Encoder

    torch.set_num_threads(threads)
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    sampler = Sampler()
    base = sampler.reset()
    cache_dir = Path(tempfile.gettempdir()) / "selector_bench_rates_onnx"  # the int8 export is kept between runs
    kwargs = {"cache": False, "cache_dir": cache_dir, "num_threads": threads, "device": device}
    if backend == "onnx-int8":
        kwargs.update(backend="onnx", quantize="int8")
    encoder = Encoder(**kwargs)
    encoder.encode(texts[:16], progress=False)  # load, export or quantise, warm up: not timed
    sampler.reset()
    seconds, X = harness.timed(lambda: encoder.encode(texts, progress=False), harness.cuda_sync())
    peak = max(sampler.peak, rss())
    return {"base": base, "rows": [["embed", f"{backend}, {device}", len(X), seconds, peak]]}


def child_select(folder: Path, budget: int, sets: list[str]) -> dict:
    """``select()`` on a bench_scale folder with each stage's seconds and peak RSS (GB)."""
    from bench_scale import _yaml

    import selector.pipeline.manifest as manifest
    from selector.pipeline.run import select

    sampler, rows = Sampler(), []
    stage_timer = manifest.StageTimer.__call__

    @contextmanager
    def measured(self: manifest.StageTimer, stage: str) -> Iterator[None]:
        sampler.reset()
        t = time.perf_counter()
        with stage_timer(self, stage):
            yield
        rows.append([stage, time.perf_counter() - t, max(sampler.peak, rss())])

    manifest.StageTimer.__call__ = measured
    tmp = Path(tempfile.mkdtemp(prefix="bench_rates_"))
    config = tmp / "config.yaml"
    config.write_text(_yaml(sets) or "{}\n", encoding="utf-8")
    base = rss()
    try:
        select(
            [folder / "corpus"],
            embeddings=folder / "emb.npy",
            budget=budget,
            out=tmp / "out",
            config=config,
            progress=False,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"base": base, "rows": rows}


def run_child(*args: str) -> dict:
    """This script as a child process with ``--child ARGS``: its JSON answer."""
    return harness.child_json([sys.executable, __file__, "--child", *args])


def add_rows(table: harness.Table, got: dict, threads: int, n: int | None = None, label: str = "") -> None:
    """Rows ``[stage, what, records, seconds, records/s per worker, peak GB, peak above start GB]``."""
    for row in got["rows"]:
        if n is None:
            stage, what, records, seconds, peak = row
        else:
            (stage, seconds, peak), what, records = row, label, n
        rate = records / seconds if seconds > 0 else float("inf")
        table.add(stage, what, records, round(seconds, 2), round(rate), round(peak, 2), round(peak - got["base"], 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=200_000, help="synthetic records for K-Means, pick, coverage")
    ap.add_argument("--budget", type=int, default=2000)
    ap.add_argument("--shards", type=int, default=2, help="sharded run: shards (budget/shards picks a shard)")
    ap.add_argument("--texts", type=int, default=256, help="real texts to encode per backend")
    ap.add_argument("--threads", type=int, default=2, help="cores of one worker")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "selector_bench_scale")
    ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, rest = args.child[0], args.child[1:]
        if kind == "read":
            got = child_read(int(rest[0]))
        elif kind == "embed":
            got = child_embed(Path(rest[0]), rest[1], int(rest[2]), rest[3])
        else:
            got = child_select(Path(rest[0]), int(rest[1]), rest[2:])
        print(json.dumps(got))
        return
    measure(args)


def measure(args: argparse.Namespace) -> None:
    """Every child in turn, one table, the results files."""
    from bench_scale import prepare

    cols = ["stage", "what", "records", "seconds", "records/s per worker", "peak RSS GB", "above start GB"]
    table = harness.Table(cols)
    add_rows(table, run_child("read", str(args.threads)), args.threads)
    texts, source = harness.encoder_texts(args.texts)
    texts_file = Path(tempfile.mkdtemp(prefix="bench_rates_texts_")) / "texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    backends = ["torch"]
    try:
        import onnxruntime  # noqa: F401

        backends.append("onnx-int8")
    except ImportError:
        print("onnxruntime is not installed: the onnx int8 row is left out")
    for backend in backends:
        add_rows(table, run_child("embed", str(texts_file), backend, str(args.threads), args.device), args.threads)
    folder = prepare(args.data, args.size)
    sharded = ["coreset.mode=sharded", f"coreset.shards={args.shards}", "coreset.workers=1"]
    runs = {  # label -> (config overrides, the stages kept in the table: every stage of the global run)
        "select(), global (lazy engine)": ([], None),
        f"select(), sharded, {args.shards} shards in 1 process": (sharded, {"cluster", "plan", "pick"}),
    }
    for label, (sets, stages) in runs.items():
        got = run_child("select", str(folder), str(args.budget), *sets)
        got["rows"] = [r for r in got["rows"] if stages is None or r[0] in stages]
        add_rows(table, got, args.threads, args.size, f"{label}, {args.budget:,} picks")
    notes = [
        f"one worker = one process of {args.threads} threads; each row's process is a fresh child",
        f"embed: {len(texts)} texts from the {source}, default template, bundled default encoder, warm (load and"
        " export not timed)",
        "the select() rows' embed stage loads the precomputed .npy (no encoding); pick is the coreset",
        f"select() rows: on bench_scale.py's {args.size:,} synthetic 384-d float32 rows",
        "peak RSS includes Python, torch and faiss (about 0.3 GB); 'above start' is the stage's own growth",
        "coverage measures a seeded 20k-candidate sample above 100k candidates: its cost does not grow with rows",
        "no GPU rate: no GPU on this machine",
    ]
    harness.write_results("bench_rates", {"rates per stage": table}, notes=notes)


if __name__ == "__main__":
    main()
