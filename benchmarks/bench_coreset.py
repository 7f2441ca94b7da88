"""KCenterGreedy: ours vs the google/active-learning reference style and a plain torch loop; faiss vs sklearn K-Means.

All in one process, side by side, on synthetic clustered unit vectors (a mixture of topics and sub-topics,
cosine to the sub-topic centre about 0.7, like sentence embeddings). For each size it prints:

- the memory bandwidth of a plain array read (``X.sum(axis=0)``) and of a plain matrix-vector product;
- ``reference``: google/active-learning's ``kcenter_greedy.py`` style, one ``sklearn.metrics.pairwise_distances``
  of the new pick against all points per pick, then ``np.minimum``; started from our first pick;
- ``torch loop``: a plain torch loop, one full ``X @ c`` per pick, ``torch.minimum``, ``argmax``;
- ``ours``: ``kcenter_greedy`` (default, no pruning), always the full budget; at the first size also
  ``prune=True`` (cluster bounds, its K-Means included);
- seconds, seconds per pick, ratio to the reference, peak extra RSS, bytes of X read per second, and whether the
  picks equal ours. Float32 and sklearn's float64-upcast distances round differently, so two candidates whose
  distances agree to a few float32 ulps can swap; then the column says up to which pick the lists are equal and
  shows that tie (both distances in float64, their gap in float32 ulps); after it the runs go separate, equally
  valid ways. A gap of more than 64 ulps fails the run. Baseline runs marked ``~`` were timed on the first
  ``--prefix`` picks and extrapolated per pick; their picks are compared on that prefix.

Usage: ``python benchmarks/bench_coreset.py`` (100k x 384 budget 500, then 1M x 384 budget 5,000; about 30 min
on 2 shared cores), ``--quick`` (100k budget 200 and 300k budget 600; about 8 minutes).
"""

from __future__ import annotations

import argparse
import gc
import os
import threading
import time

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances

from selector.selection.clustering import default_k, kmeans
from selector.selection.coreset import kcenter_greedy


def make_embeddings(n: int, d: int, seed: int = 0) -> np.ndarray:
    """``(n, d)`` float32 unit rows: 64 topics x 32 sub-topics, noise giving cosine ~0.7 to the sub-topic."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((64, d)).astype(np.float32)
    subs = np.repeat(topics, 32, axis=0) + 0.8 * rng.standard_normal((64 * 32, d)).astype(np.float32)
    subs /= np.linalg.norm(subs, axis=1, keepdims=True)
    X = np.empty((n, d), dtype=np.float32)
    for s in range(0, n, 65536):
        e = min(n, s + 65536)
        rows = subs[rng.integers(0, len(subs), e - s)]
        X[s:e] = rows + rng.standard_normal((e - s, d), dtype=np.float32) * np.float32(1.0 / np.sqrt(d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X


class PeakRSS:
    """Peak resident memory above the level at entry, sampled every 5 ms from /proc/self/statm."""

    def __enter__(self) -> PeakRSS:
        gc.collect()
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def extra_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def reference_google(X: np.ndarray, first: int, picks: int) -> list[int]:
    """google/active-learning kcenter_greedy.py style: pairwise_distances per pick, np.minimum, argmax."""
    min_distances = pairwise_distances(X, X[[first]], metric="euclidean").ravel()
    out = [first]
    while len(out) < picks:
        ind = int(np.argmax(min_distances))
        out.append(ind)
        dist = pairwise_distances(X, X[[ind]], metric="euclidean").ravel()
        min_distances = np.minimum(min_distances, dist)
    return out


def torch_loop(X: np.ndarray, first: int, picks: int) -> list[int]:
    """Plain torch: one full matrix-vector product per pick over unit rows (d2 = 2 - 2 x.c)."""
    Xt = torch.from_numpy(X)
    mind = (2 - 2 * (Xt @ Xt[first])).clamp_(min=0)
    out = [first]
    while len(out) < picks:
        ind = int(torch.argmax(mind))
        out.append(ind)
        torch.minimum(mind, (2 - 2 * (Xt @ Xt[ind])).clamp_(min=0), out=mind)
    return out


def first_difference(X: np.ndarray, ours: list[int], other: list[int]) -> str:
    """'yes' when equal; else where they part and whether it is a tie at float32 precision: the float64 distance
    of both candidates to the shared prefix of picks, and their gap in float32 ulps."""
    t = next((i for i, (a, b) in enumerate(zip(ours, other, strict=False)) if a != b), None)
    if t is None:
        return "yes"
    prefix = X[ours[:t]].astype(np.float64)
    d = [
        np.sqrt(np.maximum(((X[i].astype(np.float64) - prefix) ** 2).sum(axis=1), 0)).min() for i in (ours[t], other[t])
    ]
    ulps = abs(d[0] - d[1]) / np.spacing(np.float32(max(d)))
    return f"to #{t}: tie {d[0]:.8f}/{d[1]:.8f}, {ulps:.1f} ulp" if ulps <= 64 else f"NO (#{t}: {d[0]:.7f}/{d[1]:.7f})"


def timed(fn, *args, **kwargs):
    with PeakRSS() as mem:
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
    return out, seconds, mem.extra_mb


def bandwidth(X: np.ndarray) -> tuple[float, float]:
    """GB/s of a plain read (X.sum(axis=0)) and of a plain matvec, best of 3."""
    c = X[0].copy()
    sums, mvs = [], []
    for _ in range(3):
        t = time.perf_counter()
        X.sum(axis=0)
        sums.append(time.perf_counter() - t)
        t = time.perf_counter()
        X @ c
        mvs.append(time.perf_counter() - t)
    return X.nbytes / min(sums) / 1e9, X.nbytes / min(mvs) / 1e9


def bench_size(n: int, d: int, budget: int, prefix: int, full_reference: bool, with_pruned: bool, seed: int) -> None:
    X = make_embeddings(n, d, seed)
    gb = X.nbytes / 1e9
    read_bw, mv_bw = bandwidth(X)
    print(f"\n## {n:,} x {d} float32 ({gb:.2f} GB), budget {budget:,}")
    print(f"plain read X.sum(axis=0): {read_bw:.1f} GB/s; plain matvec X @ c: {mv_bw:.1f} GB/s")
    rows = []

    dense, t_dense, mem_dense = timed(kcenter_greedy, X, budget, prune=False, device="cpu", progress=False)
    ours = dense.indices.tolist()
    rows.append(("ours (kcenter_greedy)", t_dense, budget, mem_dense, gb, ours))

    pruned = None
    if with_pruned:
        k_p = int(min(4096, round(np.sqrt(n))))
        km, t_km, _ = timed(kmeans, X, k_p, seed=0, niter=10, max_points_per_centroid=64)
        pruned, t_pruned, mem_pruned = timed(kcenter_greedy, X, budget, clusters=km.labels, prune=True, progress=False)
        frac = pruned.stats["rows_computed_fraction"]
        rows.append(("ours, prune=True (+k-means)", t_pruned + t_km, budget, mem_pruned, gb * frac, pruned.indices))

    picks = budget if full_reference else prefix
    tl, t_tl, mem_tl = timed(torch_loop, X, ours[0], picks)
    rows.append(("torch loop" + ("" if full_reference else " ~"), t_tl, picks, mem_tl, gb, tl))
    ref, t_ref, mem_ref = timed(reference_google, X, ours[0], picks)
    rows.append(("reference (sklearn)" + ("" if full_reference else " ~"), t_ref, picks, mem_ref, gb, ref))

    ref_per_pick = t_ref / picks
    print(
        f"\n{'implementation':26s} {'picks':>6s} {'seconds':>9s} {'ms/pick':>8s} {'est. total s':>12s} "
        f"{'x ref':>7s} {'peak MB':>8s} {'GB/s of X':>9s}  same picks as ours"
    )
    for name, sec, npk, mem, gb_per_pick, pk in rows:
        per_pick = sec / npk
        total = per_pick * budget
        same = first_difference(X, ours[:npk], list(pk[:npk]))
        print(
            f"{name:26s} {npk:6d} {sec:9.1f} {per_pick * 1e3:8.1f} {total:12.1f} {ref_per_pick / per_pick:7.1f} "
            f"{mem:8.0f} {gb_per_pick / per_pick:9.1f}  {same}"
        )
    print(f"final coverage radius {dense.radii[-1]:.4f}; '~' = timed on the first {picks} picks, total extrapolated")
    if pruned is not None:
        print(
            f"prune=True: k-means {t_km:.1f}s for {km.stats['k']} clusters included; it computed {frac:.1%} of the "
            "rows (its GB/s counts the rows it read)"
        )

    k = default_k(n)
    sub = X[: min(n, 100_000)]
    f, t_f, _ = timed(kmeans, sub, k, seed=0, niter=20)
    s, t_s, _ = timed(KMeans(k, init="random", n_init=1, max_iter=20, tol=0.0, random_state=0).fit, sub)
    unit_centres = s.cluster_centers_ / np.linalg.norm(s.cluster_centers_, axis=1, keepdims=True)
    cos_s = float(np.mean(np.sum(sub * unit_centres[s.labels_], axis=1)))
    print(
        f"\nK-Means on {len(sub):,} x {d}, k={k}, 20 iterations: faiss {t_f:.1f}s "
        f"(trained on {f.stats['train_size']:,}, "
        f"mean cosine {f.stats['mean_cosine']:.4f}) vs scikit-learn {t_s:.1f}s (all points, mean cosine {cos_s:.4f}): "
        f"{t_s / t_f:.1f}x"
    )
    for name, other in (("reference", ref), ("torch loop", tl)):
        verdict = first_difference(X, ours[:picks], other[:picks])
        assert not verdict.startswith("NO"), f"{name}: picks differ beyond float32 rounding: {verdict}"
    assert pruned is None or pruned.indices.tolist() == ours, "pruning changed a pick"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--prefix", type=int, default=100, help="picks timed for extrapolated runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs")
    if args.quick:
        bench_size(100_000, 384, 200, args.prefix, True, True, args.seed)
        bench_size(300_000, 384, 600, args.prefix, False, False, args.seed)
    else:
        bench_size(100_000, 384, 500, args.prefix, True, True, args.seed)
        bench_size(1_000_000, 384, 5_000, args.prefix, False, False, args.seed)


if __name__ == "__main__":
    main()
