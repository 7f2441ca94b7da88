"""How many KCenterGreedy picks survive a small change of the vectors: the yardstick for "picks shared".

Takes the torch float32 vectors of a pool (from the embedding cache when present) and compares the KCenterGreedy
picks at each budget (same seed point) with the picks on slightly changed copies: rounded to float16 and bfloat16,
and with random noise scaled to a target mean cosine (renormalised rows). With ``--backend onnx --quantize int8``
(or any backend) it also embeds the pool with that backend and compares its picks: the row that matters, read
against the rounding rows, which change the vectors far less than any quantisation does.

    python benchmarks/bench_encode_picks.py ../shared/data/p3_templates --budgets 100,1000
    python benchmarks/bench_encode_picks.py ../shared/data/p3_templates --backend onnx --quantize int8 --limit 10000

Results: ``benchmarks/results/bench_encode_picks.{md,json}`` (``--suite`` names another file).
"""

from __future__ import annotations

import argparse

import harness
import numpy as np
import torch

import selector


def picks(X: np.ndarray, budget: int) -> set[int]:
    result = selector.kcenter_greedy(np.ascontiguousarray(X), budget, seeds=[0], device="cpu", progress=False)
    return set(np.asarray(result.indices).tolist())


def unit(X: np.ndarray) -> np.ndarray:
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def noisy(X: np.ndarray, mean_cos: float, rng: np.random.Generator) -> np.ndarray:
    """``X`` plus Gaussian noise sized so the rows keep about ``mean_cos`` cosine to the originals."""
    d = X.shape[1]
    sigma = np.sqrt((1 / mean_cos**2 - 1) / d)
    return unit(X + rng.normal(0, sigma, X.shape).astype(np.float32))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--budgets", default="100,1000")
    ap.add_argument("--backend", default=None, help="also embed with this backend (onnx, static)")
    ap.add_argument("--quantize", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="a seeded random subset of this many records")
    ap.add_argument("--suite", default="bench_encode_picks", help="results file name under benchmarks/results/")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    budgets = [int(b) for b in args.budgets.split(",")]
    corpus = selector.read_corpus(args.inputs)
    cfg = selector.load_run_config(None)  # the defaults `selector select` uses: filters, template
    kept = selector.apply_filters(corpus.samples, cfg.filters, progress=False).kept
    texts = [selector.render(s, cfg.encoder.template) for s in kept]
    if args.limit:
        keep = np.sort(np.random.default_rng(0).permutation(len(texts))[: args.limit])
        texts = [texts[i] for i in keep]
    seconds, ref = harness.timed(lambda: selector.encode(texts, template=cfg.encoder.template, progress=False))
    notes = [f"{len(texts):,} texts; torch fp32 vectors in {seconds:.0f} s (cached rows are read back)"]
    print(notes[-1])
    rng = np.random.default_rng(0)
    variants = {
        "float16 rounding": unit(ref.astype(np.float16).astype(np.float32)),
        "bfloat16 rounding": unit(torch.from_numpy(ref).to(torch.bfloat16).float().numpy()),
        "noise, mean cos 0.9999": noisy(ref, 0.9999, rng),
        "noise, mean cos 0.999": noisy(ref, 0.999, rng),
        "noise, mean cos 0.99": noisy(ref, 0.99, rng),
    }
    if args.backend:
        seconds, X = harness.timed(
            lambda: selector.encode(
                texts, template=cfg.encoder.template, backend=args.backend, quantize=args.quantize, progress=False
            )
        )
        name = f"{args.backend} {args.quantize or 'fp32'}"
        notes.append(f"{name}: {len(texts) / seconds:.1f} records/s (cache hits count too)")
        print(notes[-1])
        variants[name] = X
    base = {b: picks(ref, b) for b in budgets}
    table = harness.Table(["vectors", "min cos", "mean cos", *(f"picks shared at {b:,}" for b in budgets)])
    table.add("torch fp32 (the reference)", 1.0, 1.0, *(f"{b:,} of {b:,}" for b in budgets))
    for name, X in variants.items():
        cos = (X * ref).sum(axis=1)
        shares = [f"{len(picks(X, b) & base[b]):,} of {b:,}" for b in budgets]
        table.add(name, f"{cos.min():.5f}", f"{cos.mean():.5f}", *shares)
    n = len(texts)
    notes.append("random sets of b share about " + ", ".join(f"{b * b / n:.1f} of {b:,}" for b in budgets))
    print(notes[-1])
    harness.write_results(args.suite, {"picks shared with the torch fp32 picks": table}, notes=notes)


if __name__ == "__main__":
    main()
