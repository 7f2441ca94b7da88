"""Sweep of int8 quantisation settings for the ``onnx`` backend: speed against fidelity, in one process.

Every recipe (:class:`selector.embedding.backends.onnx_runtime.Int8Recipe`) quantises the same exported float32
graph with ONNX Runtime's ``quantize_dynamic`` and runs through the same encoder (token-budget batches, mean
pooling, normalisation). Columns: records/s on the first ``--time-n`` texts (best of ``--repeats``, all engines
alternating), the ratio to sentence-transformers' torch ``encode`` and to our torch backend, the smallest and mean
cosine of each row to the torch float32 vectors of all ``--n`` texts, and how many KCenterGreedy picks at each
``--budgets`` value it shares with the picks on the torch vectors (same seed point). Random sets of b out of n share
about b*b/n picks, printed under the table for scale.

    python benchmarks/bench_encode_int8.py --n 4000 --time-n 500 --budgets 100,1000 --threads 2
    python benchmarks/bench_encode_int8.py --n 2000 --skip "MatMul, per-tensor|MatMul, QUInt8 weights"

Results: ``benchmarks/results/bench_encode_int8.{md,json}``. Private names on purpose: each recipe's graph is
swapped into an encoder's ``_runner`` (the one way to run one exported graph under several recipes through the
same encoder), and the float32 export is read from ``_runner.graph``.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import harness
import numpy as np
import torch

from selector import Encoder, kcenter_greedy
from selector.embedding.backends.onnx_runtime import (
    INT8_DEFAULT,
    Int8Recipe,
    OnnxRunner,
    fused_graph,
    quantize_graph,
)
from selector.embedding.models import default_model_path

FFN_OUT = r"layer\.\d+/output/dense/MatMul$"  # the feed-forward down-projection of every layer
# name -> recipe. "old" is what quantize="int8" did before this sweep (ONNX Runtime's default op list).
RECIPES: dict[str, Int8Recipe | None] = {  # None: the fused float32 graph
    "old (all ops, per-channel)": Int8Recipe(op_types=()),
    "MatMul": Int8Recipe(),
    "MatMul, per-tensor": Int8Recipe(per_channel=False),
    "MatMul, reduce_range": Int8Recipe(reduce_range=True),
    "MatMul, QUInt8 weights": Int8Recipe(weight_type="QUInt8"),
    "MatMul, attention Q/K/V fp32": Int8Recipe(exclude=r"attention/self/(query|key|value)/"),
    "MatMul, FFN in fp32": Int8Recipe(exclude=r"intermediate/dense"),
    "MatMul, FFN out fp32": Int8Recipe(exclude=FFN_OUT),
    "MatMul, FFN out of layers 0-2 fp32": Int8Recipe(exclude=r"layer\.[012]/output/dense/MatMul$"),
    "MatMul, FFN out of layers 3-5 fp32": Int8Recipe(exclude=r"layer\.[345]/output/dense/MatMul$"),
    "MatMul, layer 0 fp32": Int8Recipe(exclude=r"layer\.0/"),
    "MatMul, FFN out and layer 0 fp32": Int8Recipe(exclude=r"layer\.0/|" + FFN_OUT),
    "fused, fp32 (no quantisation)": None,
    "fused, MatMul, FFN out fp32": Int8Recipe(exclude=FFN_OUT, fuse=True),
    "fused, MatMul + Attention, FFN out fp32": Int8Recipe(op_types=("MatMul", "Attention"), exclude=FFN_OUT, fuse=True),
}
ST = "sentence-transformers torch"
OURS = "ours torch fp32"


def picks(X: np.ndarray, budget: int) -> set[int]:
    result = kcenter_greedy(X, budget, seeds=[0], device="cpu", progress=False)
    return set(np.asarray(result.indices).tolist())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=4000, help="texts for fidelity and picks")
    ap.add_argument("--time-n", type=int, default=500, help="texts for the timing (the first of the --n)")
    ap.add_argument("--budgets", default="100,1000")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip", default=None, help="'|'-separated recipe names to leave out")
    ap.add_argument("--suite", default="bench_encode_int8", help="results file name under benchmarks/results/")
    ap.add_argument("--cache-dir", default=None, help="where the float32 export is kept (default: a temp folder)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts, source = harness.encoder_texts(args.n, args.seed)
    timing = texts[: args.time_n]
    budgets = [int(b) for b in args.budgets.split(",") if b]
    recipes = RECIPES
    if args.skip:
        unknown = set(args.skip.split("|")) - set(RECIPES)
        if unknown:
            ap.error(f"--skip: unknown recipe(s) {sorted(unknown)}; choose from {list(RECIPES)}")
        recipes = {n: r for n, r in RECIPES.items() if n not in args.skip.split("|")}

    tmp = Path(tempfile.mkdtemp(prefix="bench-int8-"))
    cache_dir = Path(args.cache_dir) if args.cache_dir else tmp
    common = {"cache": False, "cache_dir": cache_dir, "num_threads": args.threads}
    ours = Encoder(**common, device="cpu")
    fp32 = Encoder(**common, backend="onnx", device="cpu")  # exports the float32 graph once
    source_graph = fp32._runner.graph
    config = json.loads((default_model_path() / "config.json").read_text())
    shape = {"heads": config["num_attention_heads"], "width": config["hidden_size"]}  # what fusing needs
    encoders: dict[str, Encoder] = {}
    for name, recipe in recipes.items():
        enc = Encoder(**common, backend="onnx", device="cpu")
        graph = tmp / f"int8-{len(encoders)}.onnx"
        if recipe is None:
            (seconds, _), excluded = harness.timed(lambda g=graph: fused_graph(source_graph, g, **shape)), []
        else:
            seconds, excluded = harness.timed(lambda r=recipe, g=graph: quantize_graph(source_graph, g, r, **shape))
        enc._runner = OnnxRunner(graph, num_threads=args.threads)  # same encoder, this recipe's graph
        enc.quantize = "int8"
        encoders[name] = enc
        print(f"quantised {name!r} in {seconds:.1f}s ({len(excluded)} nodes kept in float32)")
    st = SentenceTransformer(str(default_model_path()), device="cpu")
    st.max_seq_length = ours.max_length

    print(f"embedding {len(texts)} texts with each engine (fidelity and picks) ...", flush=True)
    ref = ours.encode(texts, progress=False)
    vectors = {name: enc.encode(texts, progress=False) for name, enc in encoders.items()}
    ref_picks = {b: picks(ref, b) for b in budgets}

    print(f"timing on {len(timing)} texts, best of {args.repeats} ...", flush=True)
    fns: dict[str, Callable[[], np.ndarray]] = {
        ST: lambda: st.encode(timing, batch_size=32, normalize_embeddings=True, convert_to_numpy=True),
        OURS: lambda: ours.encode(timing, progress=False),
    }
    for name, enc in encoders.items():
        fns[name] = lambda e=enc: e.encode(timing, progress=False)
    st.encode(timing[:64], batch_size=32)  # warm-up
    for enc in [ours, *encoders.values()]:
        enc.encode(timing[:64], progress=False)
    best, _ = harness.alternating(fns, args.repeats)

    notes = [
        f"texts {len(texts)} ({source}), timing on {len(timing)}, threads {args.threads}, best of {args.repeats}",
        f"default recipe: {INT8_DEFAULT}",
        "random sets share about " + ", ".join(f"{b * b / len(texts):.0f} of {b:,}" for b in budgets) + " picks",
    ]
    print("\n" + "\n".join(notes[:2]) + "\n")
    columns = ["recipe", "records/s", "vs ST torch", "vs ours torch", "min cos", "mean cos", "p1 cos"]
    table = harness.Table(columns + [f"picks at {b:,}" for b in budgets])
    for name, dt in best.items():
        cells = [f"{len(timing) / dt:,.1f}", f"{best[ST] / dt:.2f}", f"{best[OURS] / dt:.2f}"]
        if name in vectors:
            cos = (vectors[name] * ref).sum(axis=1)
            cells += [f"{cos.min():.4f}", f"{cos.mean():.4f}", f"{np.percentile(cos, 1):.4f}"]
            cells += [len(picks(vectors[name], b) & ref_picks[b]) for b in budgets]
        else:
            cells += ["-"] * (3 + len(budgets))
        table.add(name, *cells)
    print("\n" + notes[2])
    harness.write_results(args.suite, {"int8 recipes": table}, notes=notes)


if __name__ == "__main__":
    main()
