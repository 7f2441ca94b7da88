"""The run report's plots: why these samples and not others, in five PNGs.

Five PNG plots (matplotlib, Agg backend, fixed sizes and no timestamps, so the same run gives the same files):

- ``sources.png``: the share of each source in the pool (after filters) and in the selection;
- ``lengths.png``: response-length histogram (characters, log bins), pool vs selection, as shares of each;
- ``clusters.png``: K-Means cluster sizes with the number of picks in each cluster;
- ``coverage.png``: coverage radius (distance from the farthest candidate to its nearest pick) against the number
  of picks, for the KCenterGreedy ranking and for a seeded random selection of the same candidates;
- ``projection.png``: a 2-D PCA projection of the pool (a seeded subsample of at most 20,000 points) with the
  picks on top.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from selector.report.data import ReportData
from selector.report.projection import pool_projection

log = logging.getLogger(__name__)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "selector", "figure.dpi": 100})
    return plt


def _save(fig: Any, path: Path) -> None:
    # No metadata: the PNG bytes depend only on the data.
    fig.savefig(path, metadata={"Software": None}, bbox_inches="tight")


def plot_sources(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    pool = Counter(data.sources)
    chosen = Counter(data.sources[i] for i in data.picks)
    names = sorted(pool, key=lambda s: (-pool[s], s))[:30]
    n_pool, n_sel = max(sum(pool.values()), 1), max(sum(chosen.values()), 1)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(names) + 2), 4.2))
    ax.bar(x - 0.2, [100 * pool[s] / n_pool for s in names], width=0.4, label=f"pool (n={n_pool:,})")
    ax.bar(x + 0.2, [100 * chosen[s] / n_sel for s in names], width=0.4, label=f"selected (n={n_sel:,})")
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("share of samples (%)")
    ax.set_title("Source mix: pool after filters vs selection")
    ax.legend()
    _save(fig, path)
    plt.close(fig)


def plot_lengths(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    lengths = np.maximum(np.asarray(data.lengths, dtype=np.float64), 1.0)
    bins = np.logspace(0, np.log10(max(lengths.max(), 10.0)) + 0.05, 40)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    # Each bar is the share of samples in that length bin, so pool and selection compare at any size.
    share = np.full(len(lengths), 100.0 / max(len(lengths), 1))
    ax.hist(lengths, bins=bins, weights=share, alpha=0.5, label=f"pool (median {np.median(lengths):.0f})")
    if len(data.picks):
        sel = lengths[data.picks]
        ax.hist(
            sel, bins=bins, weights=np.full(len(sel), 100.0 / len(sel)), alpha=0.5,
            label=f"selected (median {np.median(sel):.0f})",
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("response length (characters, log scale)")
    ax.set_ylabel("share of samples (%)")
    ax.set_title("Response length: pool vs selection")
    ax.legend()
    _save(fig, path)
    plt.close(fig)


def plot_clusters(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    labels = np.asarray(data.labels)
    k = int(labels.max()) + 1 if labels.size else 0
    sizes = np.bincount(labels, minlength=k)
    picked = np.bincount(labels[data.picks], minlength=k) if len(data.picks) else np.zeros(k, dtype=int)
    order = np.argsort(-sizes, kind="stable")
    fig, ax1 = plt.subplots(figsize=(max(7.0, min(0.12 * k + 4, 16)), 4.2))
    x = np.arange(k)
    ax1.bar(x, sizes[order], color="tab:blue", alpha=0.6, label="cluster size")
    ax1.set_xlabel(f"cluster (sorted by size, k={k})")
    ax1.set_ylabel("samples in cluster", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(x, picked[order], "o", color="tab:red", markersize=3, label="picks in cluster")
    ax2.set_ylabel("picks in cluster", color="tab:red")
    ax2.set_ylim(bottom=0)
    ax1.set_xlim(-1, k)
    ax1.set_title(f"K-Means clusters and picks ({int((picked > 0).sum())} of {k} clusters picked from)")
    _save(fig, path)
    plt.close(fig)


def plot_coverage(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    m = np.arange(1, len(data.radii) + 1)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(m, data.radii, label="KCenterGreedy (ours)")
    ax.plot(np.arange(1, len(data.random_radii) + 1), data.random_radii, label="random (same candidates)")
    ax.set_xscale("log")
    ax.set_xlabel("number of picks (log scale)")
    ax.set_ylabel("coverage radius (max distance to nearest pick)")
    ax.set_title("Coverage curve: lower is better")
    ax.legend()
    _save(fig, path)
    plt.close(fig)


def plot_projection(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    # float32, or float16 kept half-size: only the sampled rows are widened; the same projection as report.html's
    proj = pool_projection(data.embeddings, data.picks, data.seed)
    fig, ax = plt.subplots(figsize=(6.5, 6))
    if proj is not None:
        pool_xy, pick_xy = proj.pool_xy, proj.pick_xy
        ax.scatter(
            pool_xy[:, 0], pool_xy[:, 1], s=3, alpha=0.25, color="tab:gray", label=f"pool ({len(proj.idx):,} shown)"
        )
        ax.scatter(pick_xy[:, 0], pick_xy[:, 1], s=12, color="tab:red", label=f"selected ({len(data.picks):,})")
        ax.legend(loc="best")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title("Pool and picks, 2-D PCA of the embeddings")
    _save(fig, path)
    plt.close(fig)


PLOTS = {
    "sources.png": plot_sources,
    "lengths.png": plot_lengths,
    "clusters.png": plot_clusters,
    "coverage.png": plot_coverage,
    "projection.png": plot_projection,
}


def write_plots(data: ReportData, out_dir: Path) -> list[str]:
    """Write every plot into ``out_dir``; returns the file names written."""
    names = []
    for name, plot in PLOTS.items():
        plot(data, out_dir / name)
        names.append(name)
    return names
