"""The encoder's own overhead on the CPU, with a model that costs almost nothing (``bench_encode.py --overhead``).

A one-layer, 32-wide random BERT with the default encoder's tokenizer (built in a temp folder) encodes ``--n`` real
texts (100 P3 templates, Chinese Alpaca part 00, code Alpaca from ../shared/data, the GPU sample's mix) at max
length 256 with one torch thread, so what is timed is what surrounds the model: tokenisation, batching, padding,
copies, pooling. Each encoder runs in its own child process (two ``selector`` trees cannot share one), alternately
``--repeats`` times, best run kept; the fast tokenizer alone (``encode_batch`` on the same texts, the same threads)
is timed in the parent as the floor. ``--checkout REV`` (a commit, exported with ``git archive``, or a folder) is
the baseline; its vectors are compared with ours row for row.

    python benchmarks/encode_overhead.py --n 20000 --checkout 86ecdf1   # or: bench_encode.py --overhead ...

Results: ``benchmarks/results/encode_overhead.{md,json}``. The child's program puts its checkout first on
``sys.path`` on purpose: that is how the baseline tree, not this one, is the ``selector`` it imports.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import harness
import numpy as np

ROOT = harness.ROOT
MIX = ["alpaca_chinese_zh-data-part-00.json", "code_alpaca_2k.json"]
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"]

CHILD = """
import json, sys, time
sys.path.insert(0, {checkout!r})
import numpy as np, torch
torch.set_num_threads(1)
from selector.embedding.encoder import Encoder
texts = json.load(open({texts!r}, encoding="utf-8"))
enc = Encoder({model!r}, cache=False, num_threads=1, max_length=256, device="cpu")
if {proc!r}:
    enc.tokenize_in_process = True
enc.encode(texts[:64], progress=False)
t = time.perf_counter()
X = enc.encode(texts, progress=False)
dt = time.perf_counter() - t
np.save({out!r}, X)
print(json.dumps({{"seconds": dt, "batches": enc.stats_.batches}}))
"""


def mixed_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` rendered texts of the GPU sample's mix (100 P3 templates, Chinese Alpaca 00, code Alpaca), shuffled."""
    from selector.embedding.templates import render_all
    from selector.io import read_corpus

    p3 = sorted(harness.require_data("p3_templates").glob("*.jsonl"))[:100]
    paths = p3 + [harness.data_path(f) for f in MIX if harness.data_path(f).exists()]
    texts = render_all(read_corpus(paths).samples)
    random.Random(seed).shuffle(texts)
    return texts[:n]


def one_layer_bert(folder: Path, tokenizer_dir: Path | None = None) -> Path:
    """Write a one-layer, 32-wide random BERT (seed 0) with the default encoder's tokenizer into ``folder``."""
    import torch
    from transformers import BertConfig, BertModel

    from selector.embedding.models import default_model_path

    src = Path(tokenizer_dir or default_model_path())
    folder.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        if (src / name).exists():
            shutil.copy(src / name, folder / name)
    vocab = len((src / "vocab.txt").read_text(encoding="utf-8").splitlines())
    config = BertConfig(
        vocab_size=vocab,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(folder)
    return folder


def export(checkout: str, into: Path) -> Path:
    """A folder holding ``checkout``'s ``selector`` package: the folder itself, or a commit exported there."""
    if Path(checkout).is_dir():
        return Path(checkout)
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", checkout, "selector"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def child(checkout: Path, model: Path, texts: Path, out: Path, proc: bool = False) -> float:
    code = CHILD.format(checkout=str(checkout), model=str(model), texts=str(texts), out=str(out), proc=proc)
    return float(harness.child_json([sys.executable, "-c", code])["seconds"])


def run(n: int, checkout: str, repeats: int, seed: int = 0) -> None:
    """Print the overhead table: today's encoder (``checkout``), this tree's, and the tokenizer alone."""
    from selector.embedding.encoder import Encoder

    tmp = Path(tempfile.mkdtemp(prefix="bench_overhead_"))
    try:
        texts = mixed_texts(n, seed)
        (tmp / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        model = one_layer_bert(tmp / "model")
        base = export(checkout, tmp / "baseline")
        tok = Encoder(model, cache=False, max_length=256, device="cpu")._tok
        best = {"baseline": np.inf, "ours": np.inf, "process": np.inf, "tokenizer": np.inf}
        for _ in range(repeats):
            best["baseline"] = min(best["baseline"], child(base, model, tmp / "texts.json", tmp / "base.npy"))
            best["ours"] = min(best["ours"], child(ROOT, model, tmp / "texts.json", tmp / "ours.npy"))
            proc = child(ROOT, model, tmp / "texts.json", tmp / "proc.npy", proc=True)
            best["process"] = min(best["process"], proc)
            seconds, _ = harness.timed(lambda: tok.encode_batch(texts, add_special_tokens=True))
            best["tokenizer"] = min(best["tokenizer"], seconds)
        diff = float(np.abs(np.load(tmp / "base.npy") - np.load(tmp / "ours.npy")).max())
        same = np.array_equal(np.load(tmp / "ours.npy"), np.load(tmp / "proc.npy"))
        notes = [
            f"{len(texts):,} texts (P3 x100, Chinese Alpaca 00, code Alpaca), max_length 256, one torch thread, "
            f"one-layer 32-wide random BERT, default tokenizer; best of {repeats}; baseline {checkout}",
            f"largest |difference| between the baseline's and this tree's vectors: {diff:.1e}",
            f"thread and process tokenising give identical vectors: {same}",
        ]
        print("\n" + notes[0] + "\n")
        table = harness.Table(["encoder", "seconds", "records/s", "vs baseline"])
        rows = [(f"baseline ({checkout})", "baseline"), ("this tree", "ours")]
        rows += [("this tree, tokenising in a process (the CUDA path)", "process"), ("tokenizer alone", "tokenizer")]
        for label, key in rows:
            dt = best[key]
            table.add(label, round(dt, 2), round(len(texts) / dt), f"{best['baseline'] / dt:.2f}x")
        print("\n" + "\n".join(notes[1:]))
        harness.write_results("encode_overhead", {"encoder overhead": table}, notes=notes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="texts to embed")
    ap.add_argument("--checkout", default="86ecdf1", help="the baseline: a commit or a folder")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    run(args.n, args.checkout, args.repeats, args.seed)


if __name__ == "__main__":
    main()
