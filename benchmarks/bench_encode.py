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
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's selector, not an installed one

import numpy as np  # noqa: E402
import torch  # noqa: E402

from selector.embedding.encoder import Encoder  # noqa: E402
from selector.embedding.models import default_model_path  # noqa: E402
from selector.embedding.templates import render_all  # noqa: E402
from selector.io import read_corpus  # noqa: E402

log = logging.getLogger("bench_encode")
DATA = ROOT.parent / "shared" / "data"
FILES = ["code_alpaca_2k.json", "alpaca_chinese_zh-data-part-00.json", "new_codealpaca.json", "p3_t0_train_50k"]
DEMO = ROOT / "examples" / "data"
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


def load_texts(n: int, seed: int) -> tuple[list[str], str]:
    """``n`` shuffled texts from the shared corpora (or the demo corpus) and a word saying which."""
    paths = [DATA / f for f in FILES if (DATA / f).exists()]
    source = "shared data" if paths else "demo corpus"
    corpus = read_corpus(paths or [DEMO])
    texts = render_all(corpus.samples)
    random.Random(seed).shuffle(texts)
    return texts[:n], source


def timed(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t, out


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
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.overhead:
        from encode_overhead import run

        run(args.n, args.checkout, args.repeats, args.seed)
        return

    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    texts, source = load_texts(args.n, args.seed)
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
        t = time.perf_counter()
        encoders[label] = Encoder(**common, **kwargs)
        print(f"loaded {label} in {time.perf_counter() - t:.1f}s (first use exports/distils and caches)")
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
    best: dict[str, float] = {}
    arrays: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for label, fn in runners.items():
            dt, arrays[label] = timed(fn)
            best[label] = min(best.get(label, float("inf")), dt)

    ref = arrays[ST]
    print()
    print(f"texts {len(texts)} ({source})  max_length {max_length}  device {args.device}  threads {threads}")
    print(f"sentence-transformers batch_size {st_bs}  repeats {args.repeats} (best shown)")
    print()
    head = "| encoder | records/s | ratio to ST torch | max abs diff | min cosine | mean cosine |"
    if args.picks:
        head += f" picks shared at {args.picks} |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for label, dt in best.items():
        X = arrays[label]
        if X.shape == ref.shape:
            cos = (X * ref).sum(axis=1)
            diff = f"{float(np.abs(X - ref).max()):.1e}"
            cols = f"{diff} | {float(cos.min()):.4f} | {float(cos.mean()):.4f}"
        else:
            cols = f"n/a ({X.shape[1]}-d) | n/a | n/a"
        row = f"| {label} | {len(texts) / dt:,.1f} | {best[ST] / dt:.2f} | {cols} |"
        if args.picks:
            row += f" {shared_picks(ref, X, args.picks):,} of {args.picks:,} |"
        print(row)
        if label == ST and skipped:
            print(f"| {ST_ONNX} | skipped: {skipped} |" + " |" * (head.count("|") - 3))


if __name__ == "__main__":
    main()
