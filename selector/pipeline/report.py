"""The run report: ``report.md`` with plots that show why these samples and not others.

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

import html
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selector.pipeline.evidence import render_evidence
from selector.sample import Sample

log = logging.getLogger(__name__)

PROJECTION_POINTS = 20_000


@dataclass
class ReportData:
    """What the report plots. Arrays are over the pool (the samples after filtering), picks index into it.

    Attributes:
        sources: ``(n,)`` source name of every pool sample.
        lengths: ``(n,)`` response length in characters of every pool sample.
        labels: ``(n,)`` K-Means cluster of every pool sample.
        picks: ``(m,)`` pool indices of the selection, in ranking order.
        radii: ``(m,)`` coverage radius after each pick (ours).
        random_radii: ``(m,)`` coverage radius after each pick of the random baseline.
        embeddings: ``(n, d)`` float32 unit rows (for the projection).
        seed: seed for the projection's subsample.
    """

    sources: Sequence[str]
    lengths: np.ndarray
    labels: np.ndarray
    picks: np.ndarray
    radii: np.ndarray
    random_radii: np.ndarray
    embeddings: np.ndarray
    seed: int = 0


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


def project_2d(X: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the rows ``idx`` of ``X`` onto their first two principal axes; returns the axes ``(d, 2)`` and the
    rows' mean.

    The axes are the top eigenvectors of the ``d x d`` scatter matrix, accumulated in float64 over blocks of rows
    (the right singular vectors of the centred rows, without the rows' ``n x d`` float64 copies an SVD needs).
    """
    d = X.shape[1]
    total = np.zeros(d)
    scatter = np.zeros((d, d))
    for s in range(0, len(idx), 4096):
        block = X[idx[s : s + 4096]].astype(np.float64)
        total += block.sum(axis=0)
        scatter += block.T @ block
    mean = total / len(idx)
    scatter -= len(idx) * np.outer(mean, mean)
    _, vectors = np.linalg.eigh(scatter)  # ascending eigenvalues
    axes = vectors[:, ::-1][:, :2].copy()
    # Fix the sign of each axis so the plot does not flip between runs or machines.
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), [0, 1]])
    return axes * np.where(signs == 0, 1.0, signs), mean


def plot_projection(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    X = data.embeddings  # float32, or float16 kept half-size: only the sampled rows are widened
    n = X.shape[0]
    rng = np.random.default_rng(data.seed)
    idx = np.sort(rng.choice(n, size=min(n, PROJECTION_POINTS), replace=False)) if n else np.arange(0)
    fig, ax = plt.subplots(figsize=(6.5, 6))
    if n >= 3:
        axes, mean = project_2d(X, idx)
        pool_xy = (X[idx] - mean) @ axes
        pick_xy = (X[data.picks] - mean) @ axes
        ax.scatter(pool_xy[:, 0], pool_xy[:, 1], s=3, alpha=0.25, color="tab:gray", label=f"pool ({len(idx):,} shown)")
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


def md_escape(value: Any, code: bool = False) -> str:
    """``value`` as literal text in ``report.md`` (a table cell or a list item), whatever a source name, id or
    record holds: line breaks become spaces, raw HTML is escaped (``&lt;script&gt;``), and the backslash, pipe and
    backtick are backslash-escaped so that they neither split a table row nor open a code span. With ``code``, the
    value as a code span instead (shown verbatim, so only its backticks, which would end it, become ``'``)."""
    text = " ".join(str(value).splitlines())
    if code:
        return "`" + text.replace("`", "'") + "`"
    text = html.escape(text, quote=False)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


DEDUP_REASONS = ("duplicate", "near_duplicate", "semantic_duplicate")
#: Example pairs shown per dedup rule, and characters of each text.
DEDUP_EXAMPLES, SNIPPET = 3, 160


def _snippet(sample: Sample) -> str:
    text = " ".join(m.content for m in sample.messages).split()
    joined = " ".join(text)
    return joined if len(joined) <= SNIPPET else joined[: SNIPPET - 3] + "..."


def dedup_examples(
    rejected: Sequence[tuple[Sample, str]], details: Mapping[str, Mapping[str, Any]], samples: Sequence[Sample]
) -> dict[str, Any]:
    """Per dedup rule: how many were dropped, and the first :data:`DEDUP_EXAMPLES` pairs (dropped and kept id,
    similarity, text snippets) for the report's panel and the manifest."""
    by_id = {s.id: s for s in samples}
    out: dict[str, Any] = {}
    for reason in DEDUP_REASONS:
        rows = [(s, details.get(s.id, {})) for s, r in rejected if r == reason]
        if not rows:
            continue
        examples = []
        for s, d in rows:
            kept = by_id.get(d.get("duplicate_of", ""))
            if kept is None:
                continue
            examples.append(
                {
                    "id": s.id,
                    "duplicate_of": kept.id,
                    "similarity": d.get("similarity"),
                    "text": _snippet(s),
                    "kept_text": _snippet(kept),
                }
            )
            if len(examples) == DEDUP_EXAMPLES:
                break
        out[reason] = {"dropped": len(rows), "examples": examples}
    return out


def _dedup_panel(dedup: Mapping[str, Any]) -> list[str]:
    out = ["", "## Duplicates", ""]
    out.append(_table([(r, f"{v['dropped']:,}") for r, v in dedup.items()], ["rule", "dropped"]))
    for reason, v in dedup.items():
        for ex in v["examples"]:
            sim = "" if ex["similarity"] is None else f" (similarity {ex['similarity']})"
            ids = md_escape(ex["id"], code=True), md_escape(ex["duplicate_of"], code=True)
            out += ["", f"- `{reason}`: {ids[0]} duplicates {ids[1]}{sim}"]
            out += [f"  - dropped: {md_escape(ex['text'])}", f"  - kept: {md_escape(ex['kept_text'])}"]
    return out


def render_markdown(manifest: Mapping[str, Any], plots: Sequence[str]) -> str:
    """The readable report: what was asked, what each stage kept, how well the selection covers the pool."""
    counts = manifest["counts"]
    cov = manifest["coverage"]
    out = ["# selector report", ""]
    out.append(
        f"Selected **{counts['selected']:,}** of {counts['read']:,} samples read "
        f"({counts['after_filters']:,} after filters, {counts['candidates']:,} candidates), "
        f"seed {manifest['seed']}, encoder `{manifest['encoder'].get('model', '?')}`."
    )
    out += ["", "## Stages", ""]
    stage_rows = [(name, f"{n:,}") for name, n in counts.items()]
    out.append(_table(stage_rows, ["stage", "samples"]))
    rejected = {k: v for k, v in manifest.get("filters", {}).get("by_reason", {}).items() if v}
    if rejected:
        out += ["", "Dropped by rule:", ""]
        out.append(_table(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])), ["reason", "samples"]))
    if manifest.get("dedup"):
        out += _dedup_panel(manifest["dedup"])
    out += ["", "## Sources", ""]
    src = manifest["sources"]
    rows = [
        (
            s,
            f"{src['read'].get(s, 0):,}",
            f"{src['pool'].get(s, 0):,}",
            src["quota"].get(s, "-"),
            src["selected"].get(s, 0),
        )
        for s in sorted(src["read"])
    ]
    out.append(_table(rows, ["source", "read", "after filters", "quota", "selected"]))
    out += ["", "![source mix](sources.png)", "", "![response lengths](lengths.png)"]
    out += render_evidence(manifest.get("versus_random"))
    out += ["", "## Coverage", ""]
    out.append(
        "Coverage radius: the largest distance from a candidate to its nearest pick (Euclidean on unit vectors, "
        "`sqrt(2 - 2 cos)`); mean distance: the average over candidates. Lower is better."
    )
    out.append("")
    out.append(
        _table(
            [
                ("KCenterGreedy", f"{cov['selection']['radius']:.4f}", f"{cov['selection']['mean_distance']:.4f}"),
                ("random (seeded)", f"{cov['random']['radius']:.4f}", f"{cov['random']['mean_distance']:.4f}"),
            ],
            ["selection", "coverage radius", "mean distance to nearest pick"],
        )
    )
    out += ["", "![coverage curve](coverage.png)", ""]
    clusters = manifest["clusters"]
    out += ["## Clusters", ""]
    out.append(
        f"faiss K-Means, k = {clusters['k']}, trained on {clusters.get('train_points', '?'):,} points; "
        f"{clusters['clusters_picked']} clusters contain at least one pick."
    )
    out += ["", "![clusters](clusters.png)", "", "![projection](projection.png)", ""]
    out += ["## Time per stage", ""]
    out.append(_table([(k, f"{v:.2f} s") for k, v in manifest["seconds"].items()], ["stage", "time"]))
    missing = sorted(set(PLOTS) - set(plots))
    if missing:
        out += ["", f"Plots not drawn: {', '.join(missing)}"]
    return "\n".join(out) + "\n"
