"""The run report's plots: why these samples and not others, in five PNGs drawn from the
:class:`~selector.report.data.ReportModel` that ``report.html`` is drawn from too.

Five PNG plots (matplotlib, Agg backend, fixed sizes and no timestamps, so the same run gives the same files);
each ``draw_*`` function returns its figure and :func:`write_plots` saves them:

- ``sources.png``: the share of each source in the pool (after filters) and in the selection;
- ``lengths.png``: response-length histogram (characters, log bins), pool vs selection, as shares of each;
- ``clusters.png``: K-Means cluster sizes with the number of picks in each cluster;
- ``coverage.png``: coverage radius (distance from the farthest candidate to its nearest pick) against the number
  of picks, for the run's strategy (its legend names it) and for a seeded random selection of the same candidates;
- ``projection.png``: a 2-D PCA projection of the pool (a seeded subsample of at most 20,000 points) with the
  picks on top.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.report.data import ReportModel, selection_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "selector", "figure.dpi": 100})
    return plt


def _save(fig: Any, path: Path) -> None:
    # No metadata: the PNG bytes depend only on the data.
    fig.savefig(path, metadata={"Software": None}, bbox_inches="tight")


def draw_sources(data: ReportModel) -> Figure:
    plt = _pyplot()
    rows = data.mix.get("source", [])
    pool = {r["name"]: r.get("pool", 0) for r in rows}
    chosen = {r["name"]: r.get("selected", 0) for r in rows}
    names = sorted((s for s in pool if pool[s]), key=lambda s: (-pool[s], s))[:30]
    n_pool, n_sel = max(sum(pool.values()), 1), max(sum(chosen.values()), 1)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(names) + 2), 4.2))
    ax.bar(x - 0.2, [100 * pool[s] / n_pool for s in names], width=0.4, label=f"pool (n={n_pool:,})")
    ax.bar(x + 0.2, [100 * chosen[s] / n_sel for s in names], width=0.4, label=f"selected (n={n_sel:,})")
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("share of samples (%)")
    ax.set_title("Source mix: pool after filters vs selection")
    ax.legend()
    return fig


def draw_lengths(data: ReportModel) -> Figure:
    plt = _pyplot()
    h = data.lengths
    fig, ax = plt.subplots(figsize=(7, 4.2))
    # Each bar is the share of samples in that length bin, so pool and selection compare at any size.
    for key in ("pool", "selected") if h else ():
        stats = h["stats"][key]
        if not stats["n"]:
            continue
        edges = h["edges"]
        share = h[key] * (100.0 / stats["n"])
        ax.hist(edges[:-1], bins=edges, weights=share, alpha=0.5, label=f"{key} (median {stats['median']:.0f})")
    ax.set_xscale("log")
    ax.set_xlabel("response length (characters, log scale)")
    ax.set_ylabel("share of samples (%)")
    ax.set_title("Response length: pool vs selection")
    ax.legend()
    return fig


def draw_clusters(data: ReportModel) -> Figure:
    plt = _pyplot()
    sizes = np.asarray(data.clusters.get("sizes", []), dtype=np.int64)  # largest first
    picked = np.asarray(data.clusters.get("picks", []), dtype=np.int64)
    k = len(sizes)
    fig, ax1 = plt.subplots(figsize=(max(7.0, min(0.12 * k + 4, 16)), 4.2))
    x = np.arange(k)
    ax1.bar(x, sizes, color="tab:blue", alpha=0.6, label="cluster size")
    ax1.set_xlabel(f"cluster (sorted by size, k={k})")
    ax1.set_ylabel("samples in cluster", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(x, picked, "o", color="tab:red", markersize=3, label="picks in cluster")
    ax2.set_ylabel("picks in cluster", color="tab:red")
    ax2.set_ylim(bottom=0)
    ax1.set_xlim(-1, k)
    ax1.set_title(f"K-Means clusters and picks ({int((picked > 0).sum())} of {k} clusters picked from)")
    return fig


def draw_coverage(data: ReportModel) -> Figure:
    plt = _pyplot()
    ours, random = data.coverage.get("ours", np.zeros(0)), data.coverage.get("random", np.zeros(0))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(np.arange(1, len(ours) + 1), ours, label=selection_label(data))
    ax.plot(np.arange(1, len(random) + 1), random, label="random (same candidates)")
    ax.set_xscale("log")
    ax.set_xlabel("number of picks (log scale)")
    ax.set_ylabel("coverage radius (max distance to nearest pick)")
    ax.set_title("Coverage curve: lower is better")
    ax.legend()
    return fig


def draw_projection(data: ReportModel) -> Figure:
    plt = _pyplot()
    proj = data.projection  # the same sampled PCA as report.html's map, with every pick
    fig, ax = plt.subplots(figsize=(6.5, 6))
    if proj is not None:
        pool_xy, pick_xy = proj.pool_xy, proj.pick_xy
        ax.scatter(
            pool_xy[:, 0], pool_xy[:, 1], s=3, alpha=0.25, color="tab:gray", label=f"pool ({len(proj.idx):,} shown)"
        )
        ax.scatter(pick_xy[:, 0], pick_xy[:, 1], s=12, color="tab:red", label=f"selected ({data.n_picks:,})")
        ax.legend(loc="best")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title("Pool and picks, 2-D PCA of the embeddings")
    return fig


PLOTS = {
    "sources.png": draw_sources,
    "lengths.png": draw_lengths,
    "clusters.png": draw_clusters,
    "coverage.png": draw_coverage,
    "projection.png": draw_projection,
}


def write_plots(data: ReportModel, out_dir: Path) -> list[str]:
    """Write every plot of the model into ``out_dir``; returns the file names written."""
    plt = _pyplot()
    names = []
    for name, draw in PLOTS.items():
        fig = draw(data)
        _save(fig, out_dir / name)
        plt.close(fig)
        names.append(name)
    return names
