"""Encoding throughput and fidelity of every backend against SentenceTransformer.encode, in one process.

Texts are real samples from ../shared/data (code, Chinese and P3 prompts: mixed lengths; the demo corpus when the
shared data are missing), rendered with the default template, shuffled with a fixed seed. Every encoder is warmed
up, then all run alternately ``--repeats`` times; the table shows each one's best run (the least disturbed by
other processes on a shared machine), its ratio to sentence-transformers' torch, and how far its vectors are
from sentence-transformers' float32 vectors (largest absolute difference, smallest and mean cosine). The static
model lives in another space (another width), so its vectors cannot be compared row for row; ``--picks B`` adds a
selection proxy instead: how many of the KCenterGreedy picks at budget B each backend shares with torch fp32.
sentence-transformers' own ONNX backend (``backend="onnx"``, exported by ``optimum``) gets a row when ``optimum``
imports; otherwise its row says "skipped" and why.

    python benchmarks/bench_encode.py --n 1000 --threads 2 --repeats 2
    python benchmarks/bench_encode.py --n 5000 --picks 1000 --only torch,onnx-int8,static
    python benchmarks/bench_encode.py --device cuda         # GPU: the torch backends only (bf16 on Ampere+)
    python benchmarks/bench_encode.py --overhead --n 20000 --checkout 86ecdf1   # the encoder's own overhead

Results: ``benchmarks/results/bench_encode.{md,json}`` (``--suite`` names another file); ``--overhead`` runs
``encode_overhead.py`` as a child process (its own suite, ``encode_overhead``).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from collections.abc import Callable

import harness
import numpy as np
import torch

from selector import Encoder
from selector.embedding.models import default_model_path

log = logging.getLogger("bench_encode")
ST = "sentence-transformers torch"
ST_ONNX = "sentence-transformers onnx"
PINNED = ("torch", "transformers", "tokenizers", "huggingface-hub")


def st_onnx(path: str, device: str, max_length: int):
    """sentence-transformers' own ONNX backend (it exports with ``optimum``), or ``(None, reason)`` when it cannot
    load. On this project's pins (transformers 5) ``pip install "optimum[onnxruntime]"`` would downgrade
    transformers, tokenizers and huggingface-hub, so the row is usually skipped; the reason says why."""
    from sentence_transformers import SentenceTransformer

    try:
        import optimum.onnxruntime  # noqa: F401
    except Exception as exc:  # ImportError, or an optimum built for transformers 4
        return None, (
            f"optimum.onnxruntime does not import ({type(exc).__name__}); "
            f'pip install "optimum[onnxruntime]" would change {", ".join(PINNED[1:])} on this set-up'
        )
    try:
        model = SentenceTransformer(path, device=device, backend="onnx")
    except Exception as exc:
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    model.max_seq_length = max_length
    return model, None


def shared_picks(X: np.ndarray, Y: np.ndarray, budget: int) -> int:
    """How many of the KCenterGreedy picks at ``budget`` on ``X`` are also picked on ``Y`` (same seed point)."""
    from selector.selection.coreset import kcenter_greedy

    a = kcenter_greedy(X, budget, seeds=[0], device="cpu", progress=False).indices
    b = kcenter_greedy(Y, budget, seeds=[0], device="cpu", progress=False).indices
    return len(set(np.asarray(a).tolist()) & set(np.asarray(b).tolist()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="texts to embed")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for every engine (default: torch's)")
    ap.add_argument("--batch-tokens", type=int, default=None, help="selector token budget (default: its own)")
    ap.add_argument("--st-batch-size", type=int, default=None, help="default 32 on CPU, 256 on CUDA")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--picks", type=int, default=0, help="also compare KCenterGreedy picks at this budget")
    ap.add_argument("--only", default=None, help="comma-separated subset of: torch,onnx,onnx-int8,static")
    ap.add_argument("--cache-dir", default=None, help="where exported/distilled models are kept")
    ap.add_argument("--overhead", action="store_true", help="time the encoder around a 1-layer model")
    ap.add_argument("--checkout", default="86ecdf1", help="--overhead baseline: a commit or a folder")
    ap.add_argument("--suite", default="bench_encode", help="results file name under benchmarks/results/")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.overhead:
        script = harness.ROOT / "benchmarks" / "encode_overhead.py"
        cmd = [sys.executable, str(script), "--n", str(args.n), "--checkout", args.checkout]
        subprocess.run([*cmd, "--repeats", str(args.repeats), "--seed", str(args.seed)], check=True)
        return

    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    texts, source = harness.encoder_texts(args.n, args.seed)
    cuda = args.device.startswith("cuda")
    st_bs = args.st_batch_size or (256 if cuda else 32)
    common = {"batch_tokens": args.batch_tokens, "cache": False, "cache_dir": args.cache_dir, "num_threads": threads}
    wanted = {
        "torch": ("ours torch", {"device": args.device}),
        "onnx": ("ours onnx fp32", {"backend": "onnx", "device": "cpu"}),
        "onnx-int8": ("ours onnx int8", {"backend": "onnx", "quantize": "int8", "device": "cpu"}),
        "static": ("static (model2vec)", {"backend": "static", "device": "cpu"}),
    }
    keys = args.only.split(",") if args.only else list(wanted) if not cuda else ["torch"]
    encoders: dict[str, Encoder] = {}
    for key in keys:
        label, kwargs = wanted[key]
        seconds, encoders[label] = harness.timed(lambda kw=kwargs: Encoder(**common, **kw))
        print(f"loaded {label} in {seconds:.1f}s (first use exports/distils and caches)")
    max_length = next(iter(encoders.values())).max_length
    st = SentenceTransformer(str(default_model_path()), device=args.device)
    st.max_seq_length = max_length
    st_ort, skipped = st_onnx(str(default_model_path()), args.device, max_length) if not cuda else (None, "CPU only")

    runners: dict[str, Callable[[], np.ndarray]] = {
        ST: lambda: st.encode(texts, batch_size=st_bs, normalize_embeddings=True, convert_to_numpy=True)
    }
    if st_ort is not None:
        runners[ST_ONNX] = lambda: st_ort.encode(texts, batch_size=st_bs, normalize_embeddings=True)
        st_ort.encode(texts[:64], batch_size=st_bs)  # warm-up
    for label, enc in encoders.items():
        runners[label] = lambda e=enc: e.encode(texts, progress=False)

    st.encode(texts[:64], batch_size=st_bs)  # warm-up
    for enc in encoders.values():
        enc.encode(texts[:64], progress=False)
    best, arrays = harness.alternating(runners, args.repeats, sync=harness.cuda_sync())

    ref = arrays[ST]
    notes = [
        f"texts {len(texts)} ({source}), max_length {max_length}, device {args.device}, threads {threads}",
        f"sentence-transformers batch_size {st_bs}, repeats {args.repeats} (best shown, engines alternating)",
    ]
    print("\n" + "\n".join(notes) + "\n")
    columns = ["encoder", "records/s", "ratio to ST torch", "max abs diff", "min cosine", "mean cosine"]
    table = harness.Table(columns + ([f"picks shared at {args.picks}"] if args.picks else []))
    for label, dt in best.items():
        X = arrays[label]
        if X.shape == ref.shape:
            cos = (X * ref).sum(axis=1)
            cols = [f"{float(np.abs(X - ref).max()):.1e}", f"{float(cos.min()):.4f}", f"{float(cos.mean()):.4f}"]
        else:
            cols = [f"n/a ({X.shape[1]}-d)", "n/a", "n/a"]
        picked = [f"{shared_picks(ref, X, args.picks):,} of {args.picks:,}"] if args.picks else []
        table.add(label, f"{len(texts) / dt:,.1f}", f"{best[ST] / dt:.2f}", *cols, *picked)
        if label == ST and skipped:
            table.add(ST_ONNX, f"skipped: {skipped}", *[""] * (len(table.columns) - 2))
    harness.write_results(args.suite, {"encoders": table}, notes=notes)


if __name__ == "__main__":
    main()
