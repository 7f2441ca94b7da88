"""The static charts of ``report.html`` as Plotly figures: funnel, mix, versus random, coverage, lengths,
clusters, time per stage.

Each is a :class:`plotly.graph_objects.Figure` of the trace types plotly.js's basic bundle draws (scatter, bar;
:mod:`selector.report.bundle`) built from :class:`~selector.report.data.ReportModel` and
returned as plain JSON data (``{"data": [...], "layout": {...}}``) without a template: the page applies one shared
layout, so the figures cost only their numbers. The map is drawn in the page from the point store
(``assets/report.js``), so its texts are written once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from selector.measures.evidence import z_text
from selector.report.data import CURVE_POINTS, ReportModel, selection_label

POOL, PICKED, RANDOM = "#9aa5b1", "#d62728", "#7f7f7f"
OURS = "#1f77b4"


def _spec(fig: go.Figure, height: int = 360) -> dict[str, Any]:
    fig.update_layout(height=height, margin={"l": 60, "r": 20, "t": 40, "b": 50})
    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)
    return {"data": spec["data"], "layout": spec["layout"]}


def funnel(data: ReportModel) -> dict[str, Any]:
    """Samples left after each stage, from read to selected: horizontal bars labelled with the count and its share
    of the first stage (the basic Plotly bundle has no funnel trace)."""
    names = [name for name, _ in data.funnel]
    counts = [n for _, n in data.funnel]
    first = max(counts[0], 1) if counts else 1
    labels = [f"{n:,} ({100 * n / first:.3g}%)" for n in counts]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=counts,
            orientation="h",
            text=labels,
            textposition="auto",
            marker_color=OURS,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(title="Samples left after each stage", yaxis={"autorange": "reversed"})
    spec = _spec(fig, 70 + 32 * len(names))
    spec["layout"]["margin"]["l"] = 130  # room for the stage names
    return spec


def mix(data: ReportModel, kind: str) -> dict[str, Any] | None:
    """Share of each source (or task) in the pool and in the selection (``filter``/``dedup``: input and kept)."""
    rows = data.mix.get(kind)
    if not rows:
        return None
    columns = ("pool", "selected") if data.command == "select" else ("input", "kept")
    rows = sorted(rows, key=lambda r: (-r[columns[0]], r["name"]))[:40]
    fig = go.Figure()
    for col, colour in zip(columns, (POOL, PICKED), strict=True):
        total = max(sum(r[col] for r in data.mix[kind]), 1)
        fig.add_bar(
            x=[r["name"] for r in rows],
            y=[round(100 * r[col] / total, 3) for r in rows],
            name=f"{col} (n={total:,})",
            marker_color=colour,
            customdata=[r[col] for r in rows],
            hovertemplate="%{x}: %{y:.1f}% (%{customdata:,})<extra>" + col + "</extra>",
        )
    fig.update_layout(title=f"{kind.capitalize()} mix", barmode="group", yaxis_title="share of samples (%)")
    return _spec(fig)


def versus_random(data: ReportModel) -> dict[str, Any] | None:
    """Each label-free proxy for the selection against the band (p10-p90, median) of seeded random selections."""
    section = data.versus_random
    if not section or "skipped" in section:  # nothing picked, or the evidence could not be measured
        return None
    proxies = section["proxies"]
    titles = [f"{name}<br>({'higher' if p['higher_is_better'] else 'lower'} is better)" for name, p in proxies.items()]
    fig = make_subplots(rows=1, cols=len(proxies), subplot_titles=titles)
    for k, p in enumerate(proxies.values(), start=1):
        fig.add_trace(
            go.Scatter(
                x=["random"],
                y=[p["random_median"]],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [p["random_p90"] - p["random_median"]],
                    "arrayminus": [p["random_median"] - p["random_p10"]],
                    "thickness": 6,
                    "width": 0,
                    "color": "rgba(127,127,127,0.45)",
                },
                mode="markers",
                marker={"color": RANDOM, "size": 9, "symbol": "line-ew-open"},
                name=f"random: median, p10-p90 of {section['random_draws']}",
                showlegend=k == 1,
                hovertemplate="median %{y:.4g}<extra>random</extra>",
            ),
            row=1,
            col=k,
        )
        fig.add_trace(
            go.Scatter(
                x=["selection"],
                y=[p["value"]],
                mode="markers",
                marker={"color": PICKED, "size": 11},
                name="this selection",
                showlegend=k == 1,
                hovertemplate=f"%{{y:.4g}}, z {z_text(p)}<extra>selection</extra>",
            ),
            row=1,
            col=k,
        )
    fig.update_annotations(font_size=11)
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _spec(fig, 340)


def curve_points(ours: np.ndarray, random: np.ndarray) -> dict[str, list[float]]:
    """The coverage curves at most :data:`~selector.report.data.CURVE_POINTS` pick counts, spaced evenly on a log
    scale (``m`` counts picks from 1), radii rounded to 5 decimals; empty when either curve is."""
    m = min(len(ours), len(random))
    if m == 0:
        return {}
    at = np.unique(np.geomspace(1, m, num=min(m, CURVE_POINTS)).round().astype(np.int64))
    return {
        "m": at.tolist(),
        "ours": np.round(ours[at - 1], 5).tolist(),
        "random": np.round(random[at - 1], 5).tolist(),
    }


def coverage(data: ReportModel) -> dict[str, Any] | None:
    """Coverage radius after each pick, ours against a seeded random selection of the same candidates."""
    c = curve_points(data.coverage.get("ours", np.zeros(0)), data.coverage.get("random", np.zeros(0)))
    if not c:
        return None
    fig = go.Figure()
    fig.add_scatter(x=c["m"], y=c["ours"], name=selection_label(data), line_color=OURS)
    fig.add_scatter(x=c["m"], y=c["random"], name="random (same candidates)", line_color=RANDOM)
    fig.update_layout(
        title="Coverage curve: lower is better",
        xaxis={"type": "log", "title": "number of picks (log scale)"},
        yaxis_title="coverage radius",
    )
    return _spec(fig)


def lengths(data: ReportModel) -> dict[str, Any] | None:
    """Response-length shares (%) per log bin, pool against selection."""
    h = data.lengths
    if not h:
        return None
    fig = go.Figure()
    for key, colour in (("pool", POOL), ("selected", PICKED)):
        share = np.round(100.0 * h[key] / max(h["stats"][key]["n"], 1), 3).tolist()
        fig.add_scatter(
            x=np.round(h["edges"], 1).tolist(),
            y=[*share, share[-1]],
            name=key,
            line={"shape": "hv", "color": colour},
            fill="tozeroy",
        )
    fig.update_layout(
        title="Response length: pool vs selection",
        xaxis={"type": "log", "title": "response length (characters, log scale)"},
        yaxis_title="share of samples (%)",
    )
    return _spec(fig)


def clusters(data: ReportModel) -> dict[str, Any] | None:
    """K-Means cluster sizes (largest first) with the picks in each."""
    c = data.clusters
    if not c:
        return None
    x = list(range(len(c["sizes"])))
    labels = [f"cluster {i}" for i in c["id"]]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=x, y=c["sizes"], name="cluster size", marker_color=POOL, hovertext=labels, secondary_y=False)
    fig.add_scatter(
        x=x, y=c["picks"], mode="markers", name="picks", marker_color=PICKED, hovertext=labels, secondary_y=True
    )
    picked = sum(1 for n in c["picks"] if n)
    fig.update_layout(title=f"K-Means clusters and picks ({picked} of {len(x)} clusters picked from)")
    fig.update_xaxes(title="cluster (sorted by size)")
    fig.update_yaxes(title="samples", secondary_y=False)
    fig.update_yaxes(title="picks", rangemode="tozero", tickformat=",d", secondary_y=True)
    return _spec(fig)


def seconds(data: ReportModel) -> dict[str, Any] | None:
    """Wall-clock seconds per stage."""
    stages = {k: v for k, v in data.seconds.items() if k != "total"}
    if not stages:
        return None
    fig = go.Figure(go.Bar(x=list(stages.values()), y=list(stages), orientation="h", marker_color=OURS))
    fig.update_layout(title="Time per stage (s)", yaxis={"autorange": "reversed"})
    return _spec(fig, 80 + 28 * len(stages))


def figures(data: ReportModel) -> dict[str, dict[str, Any]]:
    """Every chart the data holds but the time per stage (:func:`seconds`, kept apart as the one part that differs
    between identical runs), by the id of the element it is drawn into."""
    out = {
        "fig-funnel": funnel(data),
        "fig-sources": mix(data, "source"),
        "fig-tasks": mix(data, "task"),
        "fig-evidence": versus_random(data),
        "fig-coverage": coverage(data),
        "fig-lengths": lengths(data),
        "fig-clusters": clusters(data),
    }
    return {k: v for k, v in out.items() if v is not None}
