"""The one report model: report.md's PNGs (matplotlib) and report.html's figures (Plotly) draw the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from selector.report import figures as html_figures
from selector.report import plots, report_model
from selector.report.data import CURVE_POINTS, LENGTH_EDGES, ReportData
from selector.sample import Message, Sample


def _pool(n: int = 600, m: int = 50, k: int = 12) -> tuple[ReportData, dict, list[dict]]:
    rng = np.random.default_rng(3)
    sources = [f"s{i % 4}" for i in range(n)]
    samples = [
        Sample(
            f"r{i}",
            sources[i],
            None,
            [Message("user", f"q{i}"), Message("assistant", "a" * (5 + i))],
            None,
            "x",
            "f",
            i,
        )
        for i in range(n)
    ]
    X = rng.standard_normal((n, 8)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    picks = rng.choice(n, m, replace=False)
    pool = ReportData(
        sources=sources,
        lengths=np.asarray([len(s.response) for s in samples]),
        labels=rng.integers(0, k, n),
        picks=picks,
        radii=np.linspace(2.0, 1.0, m),
        random_radii=np.linspace(2.0, 1.3, m),
        embeddings=X,
        seed=0,
        samples=samples,
    )
    count = lambda idx: {s: sum(1 for i in idx if sources[i] == s) for s in sorted(set(sources))}  # noqa: E731
    manifest = {
        "command": "select",
        "counts": {"read": n, "selected": m},
        "sources": {"pool": count(range(n)), "selected": count(picks)},
        "strategy": {"name": "kcenter"},
    }
    rows = [
        {"rank": r, "id": f"r{i}", "source": sources[i], "cluster": 0, "distance": 1.0} for r, i in enumerate(picks)
    ]
    return pool, manifest, rows


@pytest.fixture(scope="module")
def model():
    pool, manifest, rows = _pool()
    return report_model(manifest, pool=pool, rows=rows)


def test_clusters_png_and_html_draw_the_models_sizes_and_picks(model):
    fig = plots.draw_clusters(model)
    bars = [int(p.get_height()) for p in fig.axes[0].patches]
    png_picks = fig.axes[1].lines[0].get_ydata().tolist()
    spec = html_figures.clusters(model)
    assert bars == spec["data"][0]["y"] == model.clusters["sizes"] and sum(bars) == model.n_pool
    assert png_picks == spec["data"][1]["y"] == model.clusters["picks"] and sum(png_picks) == model.n_picks
    assert bars == sorted(bars, reverse=True)  # largest first in both


def test_lengths_png_and_html_draw_the_same_shares_per_bin(model):
    h = model.lengths
    assert len(h["edges"]) == LENGTH_EDGES and h["pool"].sum() == model.n_pool and h["selected"].sum() == model.n_picks
    fig = plots.draw_lengths(model)
    heights = np.array([p.get_height() for p in fig.axes[0].patches]).reshape(2, LENGTH_EDGES - 1)
    spec = html_figures.lengths(model)
    for row, trace in zip(heights, spec["data"], strict=True):
        assert np.allclose(row, trace["y"][:-1], atol=5e-4)  # the page rounds shares to 3 decimals
        assert row.sum() == pytest.approx(100.0)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == f"pool (median {h['stats']['pool']['median']:.0f})"


def test_the_map_and_projection_png_share_the_models_projection(model):
    proj = model.projection
    fig = plots.draw_projection(model)
    pool_dots, pick_dots = (c.get_offsets() for c in fig.axes[0].collections)
    assert np.array_equal(pool_dots, proj.pool_xy) and np.array_equal(pick_dots, proj.pick_xy)
    xs = [model.points["x"][i] for i in model.pick_points]
    assert xs == np.round(proj.pick_xy[: len(model.pick_points), 0], 4).tolist()


def test_coverage_keeps_every_pick_for_the_png_and_the_page_thins_it():
    pool, manifest, rows = _pool(n=3000, m=1500)
    model = report_model(manifest, pool=pool, rows=rows)
    line = plots.draw_coverage(model).axes[0].lines[0]
    assert len(line.get_xdata()) == len(model.coverage["ours"]) == 1500
    x = html_figures.coverage(model)["data"][0]["x"]
    assert len(x) <= CURVE_POINTS and x[0] == 1 and x[-1] == 1500


def test_sources_png_reads_the_models_mix(model):
    fig = plots.draw_sources(model)
    names = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert names == [r["name"] for r in sorted(model.mix["source"], key=lambda r: (-r["pool"], r["name"]))]
    shares = [p.get_height() for p in fig.axes[0].patches[: len(names)]]
    assert sum(shares) == pytest.approx(100.0)


def test_a_filter_run_has_no_pool_part():
    model = report_model({"command": "filter", "counts": {"input": 3, "kept": 3, "rejected": 0}})
    assert model.projection is None and not model.points and not model.coverage and not model.clusters
    assert set(html_figures.figures(model)) == {"fig-funnel"}


@pytest.mark.parametrize("strategy", ["stratified", "medoids"])
def test_the_coverage_curve_is_labelled_with_the_runs_strategy_in_both_reports(strategy):
    pool, manifest, rows = _pool()
    model = report_model({**manifest, "strategy": {"name": strategy}}, pool=pool, rows=rows)
    legend = [t.get_text() for t in plots.draw_coverage(model).axes[0].get_legend().get_texts()]
    assert legend == [f"{strategy} (this selection)", "random (same candidates)"]
    assert html_figures.coverage(model)["data"][0]["name"] == f"{strategy} (this selection)"
    assert "KCenterGreedy" not in " ".join(legend)
