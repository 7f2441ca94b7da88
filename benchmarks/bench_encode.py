"""selector.encode vs SentenceTransformer.encode: same model, texts, max length and thread count, one process.

Texts are real samples from ../shared/data (code, Chinese and P3 prompts: mixed lengths), rendered with the
default template, shuffled with a fixed seed. Both encoders are warmed up, then run alternately ``--repeats``
times; the table shows the best run of each (the least disturbed by other processes on a shared machine), the
ratio, and the largest absolute difference between the two arrays.

    python benchmarks/bench_encode.py                       # CPU, 2,000 texts, torch's thread count
    python benchmarks/bench_encode.py --threads 2 --repeats 3
    python benchmarks/bench_encode.py --device cuda         # GPU: selector in bf16 vs sentence-transformers fp32/bf16
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch

from selector.embedding.encoder import Encoder
from selector.embedding.models import default_model_path
from selector.embedding.templates import render_all
from selector.io import read_corpus

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FILES = ["code_alpaca_2k.json", "alpaca_chinese_zh-data-part-00.json", "new_codealpaca.json", "p3_t0_train_50k"]


def load_texts(n: int, seed: int) -> list[str]:
    corpus = read_corpus([DATA / f for f in FILES])
    texts = render_all(corpus.samples)
    random.Random(seed).shuffle(texts)
    return texts[:n]


def timed(fn) -> tuple[float, np.ndarray]:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="texts to embed")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads for both (default: torch's)")
    ap.add_argument("--batch-tokens", type=int, default=None, help="selector token budget (default: its own)")
    ap.add_argument("--st-batch-size", type=int, default=None, help="default 32 on CPU, 256 on CUDA")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    texts = load_texts(args.n, args.seed)
    path = str(default_model_path())
    cuda = args.device.startswith("cuda")
    st_bs = args.st_batch_size or (256 if cuda else 32)
    enc = Encoder(device=args.device, batch_tokens=args.batch_tokens, cache=False)
    st = SentenceTransformer(path, device=args.device)
    st.max_seq_length = enc.max_length
    runners = {"sentence-transformers fp32": st}
    if cuda:
        runners["sentence-transformers bf16"] = SentenceTransformer(
            path, device=args.device, model_kwargs={"torch_dtype": torch.bfloat16}
        )
        runners["sentence-transformers bf16"].max_seq_length = enc.max_length

    def run_st(model: SentenceTransformer) -> np.ndarray:
        return model.encode(texts, batch_size=st_bs, normalize_embeddings=True, convert_to_numpy=True)

    def run_ours() -> np.ndarray:
        return enc.encode(texts, progress=False)

    for model in runners.values():  # warm-up
        model.encode(texts[:64], batch_size=st_bs)
    enc.encode(texts[:64], progress=False)

    best: dict[str, float] = {}
    arrays: dict[str, np.ndarray] = {}
    ours = f"selector.encode {enc.dtype}"
    for _ in range(args.repeats):
        for name, model in runners.items():
            dt, arrays[name] = timed(lambda m=model: run_st(m))
            best[name] = min(best.get(name, float("inf")), dt)
        dt, arrays[ours] = timed(run_ours)
        best[ours] = min(best.get(ours, float("inf")), dt)

    s = enc.stats_
    base = "sentence-transformers fp32"
    print(f"model {enc.name}  max_length {enc.max_length}  device {enc.device}  threads {torch.get_num_threads()}")
    print(f"texts {len(texts)}  truncated {s.n_truncated}  selector batches {s.batches}  padding {s.padding:.1%}")
    print(f"selector batch_tokens {enc.batch_tokens}  sentence-transformers batch_size {st_bs}  repeats {args.repeats}")
    print()
    print(f"{'encoder':<30}{'seconds':>10}{'samples/s':>12}{'ratio':>8}{'max |diff| vs ST fp32':>24}")
    for name, dt in best.items():
        diff = float(np.abs(arrays[name] - arrays[base]).max())
        print(f"{name:<30}{dt:>10.2f}{len(texts) / dt:>12.1f}{best[base] / dt:>8.2f}{diff:>24.2e}")


if __name__ == "__main__":
    main()
