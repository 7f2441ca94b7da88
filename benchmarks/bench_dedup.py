"""Near-duplicate and semantic dedup: recall/precision of planted pairs, records/s and peak memory.

    python benchmarks/bench_dedup.py --n 100000                # synthetic corpus, selector vs datasketch loop
    python benchmarks/bench_dedup.py --n 100000 --skip-baseline --semantic 1000000
    python benchmarks/bench_dedup.py --shared                  # the corpora in ../shared/data

Each method runs in its own child process (one process, one thread of Python work each) so that its peak RSS
is its own. The synthetic corpus: records of 60-120 words drawn uniformly from 50,000 words; 5% of
records get a planted near copy with 0.5-3% of the words replaced (true Jaccard of 5-word shingles about 0.75-0.95;
the exact value of each planted pair is computed and only pairs at >= 0.8 count toward recall). Precision: dropped
records whose duplicate_of is their planted original (or a copy of it), over all dropped records.
Results: ``benchmarks/results/bench_dedup.{md,json}`` (``--shared``: ``bench_dedup_shared``).
"""

from __future__ import annotations

import argparse
import json
import sys

import harness
import numpy as np


def corpus(n: int, seed: int = 0) -> tuple[list[str], dict[int, int]]:
    """``n`` texts and the planted pairs ``{copy: original}``."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    n_copies = n // 20
    n_orig = n - n_copies
    texts = []
    for _ in range(n_orig):
        k = int(rng.integers(60, 121))
        texts.append(" ".join(vocab[rng.integers(0, 50_000, k)]))
    originals = rng.choice(n_orig, n_copies, replace=False)
    planted = {}
    for o in originals:
        words = texts[o].split()
        rate = rng.uniform(0.005, 0.03)
        for pos in rng.choice(len(words), max(1, round(rate * len(words))), replace=False):
            words[pos] = f"x{rng.integers(1_000_000)}"
        planted[len(texts)] = int(o)
        texts.append(" ".join(words))
    order = rng.permutation(len(texts))  # copies spread through the corpus, sometimes before their original
    where = np.empty_like(order)
    where[order] = np.arange(len(order))
    return [texts[i] for i in order], {int(where[c]): int(where[o]) for c, o in planted.items()}


def true_jaccard(a: str, b: str, size: int = 5) -> float:
    from selector.filters.dedup.near import shingles

    sa, sb = set(shingles(a, "word", size)), set(shingles(b, "word", size))
    return len(sa & sb) / len(sa | sb)


def score(texts: list[str], planted: dict[int, int], dup_of: dict[int, int]) -> dict[str, float]:
    pairs = {frozenset((c, o)) for c, o in planted.items() if true_jaccard(texts[c], texts[o]) >= 0.8}
    found = {frozenset((d, k)) for d, k in dup_of.items()}
    hit = len(pairs & found)
    return {"planted>=0.8": len(pairs), "recall": hit / max(len(pairs), 1), "precision": hit / max(len(found), 1)}


def run_selector(texts: list[str]) -> dict[int, int]:
    from selector.filters.dedup.near import NearDuplicateRule
    from selector.sample import Message, Sample

    samples = [Sample(str(i), "s", None, [Message("user", t)], None, "x", "f", i) for i, t in enumerate(texts)]
    index = {s.id: i for i, s in enumerate(samples)}
    return {int(i): index[d["duplicate_of"]] for i, _, d in NearDuplicateRule(0.8).find(samples)}


def run_datasketch(texts: list[str]) -> dict[int, int]:
    from datasketch import MinHash, MinHashLSH

    from selector.filters.dedup.near import shingles

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    dup_of = {}
    for i, t in enumerate(texts):
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s.encode() for s in shingles(t, "word", 5)])
        hits = lsh.query(m)
        if hits:
            dup_of[i] = min(hits)
        else:
            lsh.insert(i, m)
    return dup_of


def run_semantic(n: int, d: int = 384, k: int = 1000) -> dict[str, float]:
    from selector.filters.dedup.semantic import semantic_duplicates
    from selector.selection.clustering import kmeans

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).astype(np.float32)
    copies = n // 20
    X[n - copies :] = X[:copies] + 0.02 * rng.normal(size=(copies, d)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    t_km, km = harness.timed(lambda: kmeans(X, k, seed=0, niter=10, device="cpu"))
    t_sem, groups = harness.timed(lambda: semantic_duplicates(X, km.labels, 0.05))
    dropped = groups.dropped
    hit = int(((dropped >= n - copies) & (groups.duplicate_of[dropped] == dropped - (n - copies))).sum())
    return {
        "n": n,
        "kmeans_s": round(t_km, 1),
        "semdedup_s": round(t_sem, 1),
        "largest_cluster": groups.stats["largest_cluster"],
        "recall": hit / copies,
        "precision": hit / max(len(dropped), 1),
    }


def child(args: argparse.Namespace) -> None:
    if args.method == "semantic":
        out = run_semantic(args.n)
    else:
        texts, planted = corpus(args.n)
        secs, dup_of = harness.timed(lambda: (run_selector if args.method == "selector" else run_datasketch)(texts))
        out = {"n": args.n, "seconds": round(secs, 1), "records/s": round(args.n / secs), "dropped": len(dup_of)}
        out.update(score(texts, planted, dup_of))
    out["peak_rss_mb"] = round(harness.peak_rss_mb())
    print(json.dumps(out))


def shared() -> None:
    from selector.filters.dedup.near import NearDuplicateRule
    from selector.io import read_corpus

    data = harness.require_data()
    table = harness.Table(["corpus", "samples", "near duplicates", "seconds", "records/s"])
    for name in (
        "p3_t0_train_50k",
        "code_alpaca_2k.json",
        "new_codealpaca.json",
        "alpaca_chinese_zh-data-part-00.json",
    ):
        path = data / name
        if not path.exists():
            continue
        samples = read_corpus([str(path)]).samples
        kind, size = ("char", 5) if "chinese" in name else ("word", 5)
        rule = NearDuplicateRule(shingle=kind, shingle_size=size)
        secs, drops = harness.timed(lambda r=rule, s=samples: r.find(s))
        table.add(f"{name} ({kind} {size})", len(samples), len(drops), round(secs, 1), round(len(samples) / secs))
    harness.write_results("bench_dedup_shared", {"near duplicates in the shared corpora": table})


def row(method: str, r: dict) -> list:
    """One table row from a child's result (near: its own seconds; semantic: SemDeDup's, K-Means' in the note)."""
    if method == "semantic":
        note = f"after {r['kmeans_s']} s K-Means, largest cluster {r['largest_cluster']:,}"
        return [method, r["n"], r["semdedup_s"], "-", "-", r["recall"], r["precision"], r["peak_rss_mb"], note]
    note = f"planted pairs >= 0.8: {r['planted>=0.8']:,}"
    cells = [r["seconds"], r["records/s"], r["dropped"], r["recall"], r["precision"], r["peak_rss_mb"], note]
    return [method, r["n"], *cells]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--method", choices=["selector", "datasketch", "semantic"])
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--semantic", type=int, default=0, help="also SemDeDup on this many x 384 random embeddings")
    ap.add_argument("--shared", action="store_true")
    args = ap.parse_args()
    if args.method:
        return child(args)
    if args.shared:
        return shared()
    methods = [("selector", args.n)] + ([] if args.skip_baseline else [("datasketch", args.n)])
    methods += [("semantic", args.semantic)] if args.semantic else []
    table = harness.Table(
        ["method", "records", "seconds", "records/s", "dropped", "recall", "precision", "peak RSS MB", "note"]
    )
    for method, n in methods:
        result = harness.child_json([sys.executable, __file__, "--method", method, "--n", str(n)])
        table.add(*row(method, result))
    notes = ["one child process per method (its peak RSS is its own); datasketch MinHashLSH loop is the baseline"]
    harness.write_results("bench_dedup", {"near duplicates and SemDeDup": table}, notes=notes)


if __name__ == "__main__":
    main()
