"""The pool's part of the :class:`~selector.report.data.ReportModel` of a ``select``: :func:`add_pool` fills the
projection and the map's point store, the picks table, the coverage curves, the length histogram and the cluster
sizes, each once for both writers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from selector.report.data import (
    FULL_TEXT_BUDGET,
    LENGTH_EDGES,
    MAX_PICKS_SHOWN,
    ReportData,
    ReportModel,
    cap,
    snippet,
)
from selector.report.projection import Projection, pool_projection
from selector.sample import Sample


def add_pool(model: ReportModel, pool: ReportData, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fill ``model``'s pool part from ``pool`` and the first :data:`MAX_PICKS_SHOWN` ``selection.jsonl`` rows."""
    samples = pool.samples
    picks = np.asarray(pool.picks, dtype=np.int64)
    model.n_pool, model.n_picks = len(samples), len(picks)
    model.projection = pool_projection(pool.embeddings, picks, pool.seed)
    if model.projection is not None and len(samples) and len(samples) == len(pool.sources):
        _add_points(model, model.projection, picks, samples, np.asarray(pool.labels))
    for r, row in enumerate(rows[:MAX_PICKS_SHOWN]):
        prompt = snippet(samples[picks[r]].prompt) if samples else ""
        point = model.pick_points[r] if r < len(model.pick_points) else -1
        model.picks.append({**row, "prompt": prompt, "point": point})
    model.coverage = {
        "ours": np.asarray(pool.radii, dtype=np.float64),
        "random": np.asarray(pool.random_radii, dtype=np.float64),
    }
    model.lengths = length_histogram(np.asarray(pool.lengths), picks)
    model.clusters = _clusters(np.asarray(pool.labels, dtype=np.int64), picks)


def _add_points(
    model: ReportModel, proj: Projection, picks: np.ndarray, samples: Sequence[Sample], labels: np.ndarray
) -> None:
    """The map: the sampled pool and the first :data:`MAX_PICKS_SHOWN` picks, picks first (they get whole texts
    first), each sample once."""
    shown = picks[:MAX_PICKS_SHOWN]
    order = [*shown.tolist(), *(int(i) for i in proj.idx)]
    where = {i: k for k, i in enumerate(dict.fromkeys(order))}
    xy = np.zeros((len(where), 2))
    xy[[where[int(i)] for i in proj.idx]] = proj.pool_xy
    xy[[where[int(i)] for i in shown]] = proj.pick_xy[: len(shown)]
    rank = {int(i): r for r, i in enumerate(picks.tolist())}
    model.points = _point_store(list(where), xy, samples, labels, rank)
    model.pool_points = [where[int(i)] for i in proj.idx]
    model.pick_points = [where[int(i)] for i in shown]


def _point_store(
    pool_index: Sequence[int], xy: np.ndarray, samples: Sequence[Sample], labels: np.ndarray, rank: Mapping[int, int]
) -> dict[str, list[Any]]:
    store: dict[str, list[Any]] = {k: [] for k in ("id", "source", "task", "cluster", "rank", "snippet")}
    store["prompt"], store["response"] = [], []
    budget = FULL_TEXT_BUDGET
    for i in pool_index:
        s = samples[i]
        prompt, response = s.prompt, s.response
        store["id"].append(s.id)
        store["source"].append(s.source)
        store["task"].append(s.task)
        store["cluster"].append(int(labels[i]))
        store["rank"].append(rank.get(i, -1))
        store["snippet"].append(snippet(f"{prompt} {response}"))
        whole = (cap(prompt), cap(response))
        if budget >= len(whole[0]) + len(whole[1]):
            budget -= len(whole[0]) + len(whole[1])
            store["prompt"].append(whole[0])
            store["response"].append(whole[1])
        else:
            store["prompt"].append(None)
            store["response"].append(None)
    store["x"] = np.round(xy[:, 0], 4).tolist()
    store["y"] = np.round(xy[:, 1], 4).tolist()
    return store


def length_histogram(lengths: np.ndarray, picks: np.ndarray) -> dict[str, Any]:
    """Response lengths (characters, at least 1) of the pool and of the picks counted in :data:`LENGTH_EDGES`
    log-spaced edges from 1 to just past the longest; ``stats`` holds each set's size and median. Empty for an
    empty pool."""
    if lengths.size == 0:
        return {}
    lengths = np.maximum(lengths.astype(np.float64), 1.0)
    edges = np.logspace(0, np.log10(max(lengths.max(), 10.0)) + 0.05, LENGTH_EDGES)
    chosen = lengths[picks]
    return {
        "edges": edges,
        "pool": np.histogram(lengths, bins=edges)[0],
        "selected": np.histogram(chosen, bins=edges)[0],
        "stats": {
            "pool": {"n": len(lengths), "median": float(np.median(lengths))},
            "selected": {"n": len(chosen), "median": float(np.median(chosen)) if len(chosen) else None},
        },
    }


def _clusters(labels: np.ndarray, picks: np.ndarray) -> dict[str, list[int]]:
    """Cluster ids, sizes and picks per cluster, largest cluster first (ties by id)."""
    if not labels.size:
        return {}
    sizes = np.bincount(labels)
    picked = np.bincount(labels[picks], minlength=len(sizes)) if len(picks) else np.zeros_like(sizes)
    order = np.argsort(-sizes, kind="stable")
    return {"id": order.tolist(), "sizes": sizes[order].tolist(), "picks": picked[order].tolist()}
