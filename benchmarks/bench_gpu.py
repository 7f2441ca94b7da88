"""Every GPU measurement of issue 21 in one run, printed side by side (about 4-6 minutes on one H200).

1. encoder: records/s on the whole data sample for selector's encoder (MiniLM float32 and bfloat16, a 12-layer
   768-wide BERT-base shape in bfloat16), sentence-transformers on the same texts (a ``--st-n`` subset: it is the
   slow one), the fast tokenizer alone, and selector's forward passes alone (texts tokenised beforehand): the
   last two split a run into what the CPU and what the GPU bounds;
2. select: ``selector select --device cuda`` on the sample in a child process (fresh embedding cache): wall time,
   the manifest's stage seconds, and the embed stage's records/s against the encoder's own;
3. coreset: ``kcenter_greedy`` on CUDA (float16 rows) against the CPU engine, on clustered unit vectors made on
   the GPU: 1M x 384 (budget 5,000), 10M x 384 (budget 10,000, GPU only), the old float32 dense CUDA engine at
   1M, and the picks of both devices compared on ``--agree-n`` rows. The CPU engine at 1M runs ``--cpu-picks``
   picks only and is extrapolated linearly (said so in the table).

Each section runs in its own ``try``: a failure prints its traceback and the next section runs. ``--quick`` runs
one repeat, a smaller subset for sentence-transformers, and budget 2,000 at 10M.

On the GPU machine (``../shared/gpu/README.md``), from this tree's root:

    python benchmarks/bench_gpu.py --model /tmp/minilm --bertbase /tmp/bertbase \\
        --data '.gpu/data/p3/*.gz' '.gpu/data/mix/*.gz'

Results: ``benchmarks/results/bench_gpu.{md,json}``, one table per section. Without a CUDA device (and
``--device cuda``) it exits at once with a line saying so. Private names on purpose: ``forward_only`` times the
encoder's own forward passes (``Encoder._forward``, ``_batches``, ``_tok``) without its tokenising, and
``dense_fp32`` runs the engine this change replaced (``selection._engines.DenseEngine`` through
``selection._greedy``); neither has a public face, and neither should.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import harness
import numpy as np
import torch

from selector import Encoder, kcenter_greedy
from selector.embedding.templates import render_all
from selector.embedding.tokenizing import tokenize_flat
from selector.io import read_corpus

ROOT = harness.ROOT
ENCODER = harness.Table(["encoder", "texts", "seconds", "records/s", "note"])
SELECT = harness.Table(["stage", "seconds", "share of total"])
CORESET = harness.Table(["engine", "rows", "budget", "seconds", "note"])
NOTES: list[str] = []


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Smallest wall time of ``repeats`` calls (synchronised) and the last result."""
    return harness.best_of(fn, repeats, sync=harness.cuda_sync())


def free() -> None:
    import gc

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def files_of(patterns: list[str]) -> list[str]:
    found = sorted(f for p in patterns for f in glob.glob(p))
    if not found:
        raise SystemExit(f"no data files match {patterns}")
    return found


def row(label: str, n: int, seconds: float, note: str = "") -> None:
    ENCODER.add(label, n, round(seconds, 2), round(n / seconds), note)


# 1. encoder -----------------------------------------------------------------------------------------------------
def forward_only(enc: Encoder, texts: list[str]) -> float:
    """Seconds for selector's forward passes alone over ``texts`` (tokenised beforehand, not timed)."""
    tokens = tokenize_flat(enc._tok, texts)
    enc._budget = enc.batch_tokens
    seconds, _ = harness.timed(
        lambda: torch.cat([enc._forward(tokens, rows, width) for rows, width in enc._batches(tokens.lengths)]).cpu(),
        sync=harness.cuda_sync(),
    )
    return seconds


def st_rate(path: str, texts: list[str], dtype: str, batch: int, device: str) -> tuple[float, np.ndarray]:
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(path, device=device)
    st.max_seq_length = 256
    if dtype == "bfloat16":
        st = st.to(torch.bfloat16)
    st.encode(texts[:256], batch_size=batch)
    dt, X = best_of(lambda: st.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True), 1)
    st = None
    free()
    return dt, np.asarray(X, dtype=np.float32)


def section_encoder(args: argparse.Namespace, texts: list[str]) -> None:
    n, st_texts = len(texts), texts[: args.st_n]
    print(f"\n## 1. encoder: {n:,} texts, max_length 256, device {args.device}\n")
    ref = None
    for label, model, dtype, extra in [
        ("selector MiniLM float32", args.model, "float32", {}),
        ("selector MiniLM bfloat16", args.model, "bfloat16", {}),
        ("selector MiniLM bfloat16, batch_tokens 262144", args.model, "bfloat16", {"batch_tokens": 262144}),
        ("selector BERT-base bfloat16", args.bertbase, "bfloat16", {}),
    ]:
        try:
            load, enc = harness.timed(
                lambda m=model, d=dtype, x=extra: Encoder(
                    m, cache=False, device=args.device, dtype=d, max_length=256, **x
                )
            )
            enc.encode(texts[:2048], progress=False)  # warm-up: kernels, allocator
            dt, X = best_of(lambda e=enc: e.encode(texts, progress=False), args.repeats)
            note = f"load {load:.1f} s; {enc.stats_.batches} batches, padding {enc.stats_.padding:.1%}"
            if ref is not None and "MiniLM" in label:
                note += f", min cosine to fp32 {float((X * ref).sum(axis=1).min()):.5f}"
            if label == "selector MiniLM float32":
                ref = X
            row(label, n, dt, note)
            if "262144" not in label:
                row("  same, forward passes alone (texts tokenised before)", n, forward_only(enc, texts))
            del enc
            free()
        except Exception:
            ENCODER.add(label, "failed", "", "", "see traceback below")
            traceback.print_exc()
    try:
        tok = Encoder(args.model, cache=False, device="cpu", max_length=256)._tok
        dt, _ = best_of(lambda: tok.encode_batch(texts, add_special_tokens=True), args.repeats)
        row(f"fast tokenizer alone ({os.cpu_count()} CPUs)", n, dt, "encode_batch, all texts")
        enc = Encoder(args.model, cache=False, device="cpu", max_length=256)
        dt, _ = best_of(lambda: tokenize_flat(enc._tok, texts, cut=enc._cut), args.repeats)
        row("selector's tokenising (prefix cut, encode_batch_fast, flat ids)", n, dt, "one process")
    except Exception:
        traceback.print_exc()
    for label, model, dtype, batch in [
        ("sentence-transformers MiniLM float32", args.model, "float32", 256),
        ("sentence-transformers MiniLM bfloat16", args.model, "bfloat16", 1024),
        ("sentence-transformers BERT-base bfloat16", args.bertbase, "bfloat16", 1024),
    ]:
        try:
            dt, _ = st_rate(model, st_texts, dtype, batch, args.device)
            row(label, len(st_texts), dt, f"batch {batch}, first {len(st_texts):,} texts")
        except Exception:
            ENCODER.add(label, "failed", "", "", "see traceback below")
            traceback.print_exc()


# 2. select ------------------------------------------------------------------------------------------------------
def find_encoder_stats(node: object) -> dict | None:
    if isinstance(node, dict):
        if "n_encoded" in node and "seconds" in node:
            return node
        for v in node.values():
            hit = find_encoder_stats(v)
            if hit is not None:
                return hit
    return None


def section_select(args: argparse.Namespace, files: list[str], n: int) -> None:
    print(f"\n## 2. selector select --device {args.device}: {n:,} records, budget {args.budget:,}\n")
    tmp = Path(tempfile.mkdtemp(prefix="bench_gpu_select_"))
    cmd = [sys.executable, "-m", "selector", "select", *files, "--model", args.model, "--device", args.device]
    cmd += ["--budget", str(args.budget), "--out", str(tmp / "out"), "--cache-dir", str(tmp / "cache")]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    wall, proc = harness.timed(lambda: subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT))
    if proc.returncode != 0:
        print(f"select failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return
    manifest = json.loads((tmp / "out" / "manifest.json").read_text(encoding="utf-8"))
    seconds = manifest.get("seconds", {})
    total = float(seconds.get("total", wall))
    NOTES.append(f"select: wall {wall:.1f} s (process, imports and model load included); manifest total {total:.1f} s")
    print(NOTES[-1] + "\n")
    for stage, s in seconds.items():
        if stage != "total" and isinstance(s, (int, float)):
            SELECT.add(stage, round(s, 2), f"{s / total:.0%}")
    enc = find_encoder_stats(manifest)
    if enc is not None and "embed" in seconds:
        done = enc["n_encoded"]
        NOTES.append(
            f"select: embed stage {done / seconds['embed']:,.0f} records/s; encoder alone inside it "
            f"{done / enc['seconds']:,.0f} records/s ({enc['seconds']:.2f} s of {seconds['embed']:.2f} s)"
        )
        print("\n" + NOTES[-1])


# 3. coreset -----------------------------------------------------------------------------------------------------
def clustered(n: int, d: int, seed: int, device: str) -> np.ndarray:
    """``n`` unit rows (float16) around 2,000 centres, made on ``device`` in blocks, returned on the host."""
    g = torch.Generator(device=device).manual_seed(seed)
    centres = torch.randn(2000, d, generator=g, device=device)
    out = np.empty((n, d), dtype=np.float16)
    for s in range(0, n, 1 << 20):
        m = min(n, s + (1 << 20)) - s
        idx = torch.randint(0, 2000, (m,), generator=g, device=device)
        x = centres[idx] + 0.6 * torch.randn(m, d, generator=g, device=device)
        out[s : s + m] = torch.nn.functional.normalize(x, dim=1).half().cpu().numpy()
    return out


def dense_fp32(X: np.ndarray, budget: int, device: str) -> float:
    """Seconds of the float32 dense CUDA engine (the engine before this change) for ``budget`` picks."""
    from selector.selection._engines import DenseEngine
    from selector.selection._greedy import check_inputs, greedy_loop

    X32 = X.astype(np.float32)
    X32, b, seeds, elig, groups, quotas = check_inputs(X32, budget, None, None, None, None)

    def run() -> None:
        sqn = np.einsum("ij,ij->i", X32, X32, dtype=np.float32)
        engine = DenseEngine(X32, sqn, elig, 16384, torch.device(device))
        greedy_loop(X32, b, seeds, elig, groups, quotas, engine, False)

    seconds, _ = harness.timed(run, sync=harness.cuda_sync())
    return seconds


def coreset_row(label: str, n: int, budget: int, seconds: float, note: str = "") -> None:
    CORESET.add(label, n, budget, round(seconds, 2), note)


def gpu_coreset(X: np.ndarray, budget: int, device: str) -> None:
    """One ``kcenter_greedy`` on ``device`` and its table row (engine seconds; wall with the input checks)."""
    wall, res = harness.timed(lambda: kcenter_greedy(X, budget, device=device, progress=False))
    note = f"wall {wall:.2f} s with input checks; setup {res.stats['setup_seconds']:.2f} s; {res.stats['engine']}"
    coreset_row("CUDA float16 rows (this change)", len(X), budget, res.stats["seconds"], note)
    free()


def section_coreset(args: argparse.Namespace) -> None:
    d = 384
    print(f"\n## 3. coreset (KCenterGreedy), {d}-d clustered unit vectors\n")
    try:
        X = clustered(args.agree_n, d, 1, args.device)
        gpu = kcenter_greedy(X, args.agree_budget, device=args.device, progress=False)
        cpu = kcenter_greedy(X, args.agree_budget, device="cpu", progress=False)
        a, b = gpu.indices, cpu.indices
        same = len(set(a.tolist()) & set(b.tolist()))
        first = int(np.argmax(a != b)) if (a != b).any() else len(a)
        gap = float(np.abs(gpu.radii - cpu.radii).max())
        note = f"picks shared with the CPU engine {same:,} of {len(b):,}; same order up to pick {first:,}; "
        note += f"max radius gap {gap:.1e}"
        coreset_row("CUDA float16 vs CPU lazy", len(X), len(b), gpu.stats["seconds"], note)
    except Exception:
        traceback.print_exc()
    try:
        X = clustered(args.mid_n, d, 2, args.device)
        gpu_coreset(X, args.mid_budget, args.device)
        dt = dense_fp32(X, args.mid_budget, args.device)
        coreset_row("CUDA float32 dense (before)", len(X), args.mid_budget, dt, "setup included")
        free()
        dt, res = harness.timed(lambda X=X: kcenter_greedy(X, args.cpu_picks, device="cpu", progress=False))
        est = dt * args.mid_budget / args.cpu_picks
        note = f"{args.cpu_picks} picks in {dt:.1f} s, extrapolated linearly; {torch.get_num_threads()} threads"
        coreset_row(f"CPU {res.stats['engine']} (estimate)", len(X), args.mid_budget, est, note)
        del X
        free()
    except Exception:
        traceback.print_exc()
    try:
        gpu_coreset(clustered(args.big_n, d, 3, args.device), args.big_budget, args.device)
    except Exception:
        traceback.print_exc()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="/tmp/minilm")
    ap.add_argument("--bertbase", default="/tmp/bertbase")
    ap.add_argument("--data", nargs="+", default=[".gpu/data/p3/*.gz", ".gpu/data/mix/*.gz"], help="globs")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--only", default="encoder,select,coreset")
    ap.add_argument("--quick", action="store_true", help="one repeat, fewer texts for ST, budget 2,000 at 10M")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--st-n", type=int, default=8192, help="texts for sentence-transformers")
    ap.add_argument("--budget", type=int, default=1000, help="select's budget")
    ap.add_argument("--agree-n", type=int, default=200_000)
    ap.add_argument("--agree-budget", type=int, default=2000)
    ap.add_argument("--mid-n", type=int, default=1_000_000)
    ap.add_argument("--mid-budget", type=int, default=5000)
    ap.add_argument("--big-n", type=int, default=10_000_000)
    ap.add_argument("--big-budget", type=int, default=10_000)
    ap.add_argument("--cpu-picks", type=int, default=200)
    args = ap.parse_args()
    if args.quick:
        args.repeats, args.st_n, args.big_budget, args.cpu_picks = 1, 4096, 2000, 100
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"skipped: --device {args.device} but torch {torch.__version__} sees no CUDA device")
    import transformers

    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device"
    print(f"# bench_gpu.py, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {gpu}")
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {os.cpu_count()} CPUs")
    start = time.perf_counter()
    only = set(args.only.split(","))
    files = files_of(args.data) if only & {"encoder", "select"} else []
    texts = render_all(read_corpus(files).samples) if files else []
    for name, fn in [
        ("encoder", lambda: section_encoder(args, texts)),
        ("select", lambda: section_select(args, files, len(texts))),
        ("coreset", lambda: section_coreset(args)),
    ]:
        if name in only:
            t = time.perf_counter()
            try:
                fn()
            except Exception:
                traceback.print_exc()
            free()
            print(f"\n({name}: {time.perf_counter() - t:.0f} s)", flush=True)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    tables = {"1. encoder": ENCODER, "2. select": SELECT, "3. coreset (KCenterGreedy)": CORESET}
    notes = [f"GPU: {gpu}", *NOTES]
    harness.write_results("bench_gpu", {k: t for k, t in tables.items() if t.rows}, notes=notes)


if __name__ == "__main__":
    main()
