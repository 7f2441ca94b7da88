"""What ``report.html`` shows, gathered from objects a command already holds: :func:`html_report_data`.

Sizes are bounded whatever the pool (``docs/report.md`` states the limits):

- the map holds the seeded sample of at most :data:`~selector.report.projection.PROJECTION_POINTS` pool rows that
  ``projection.png`` draws, plus the first :data:`MAX_PICKS_SHOWN` picks;
- each map point carries its first :data:`SNIPPET` characters; whole prompts and responses (each cut at
  :data:`TEXT_CAP` characters) are kept for the picks shown first, then for the other map points, until
  :data:`FULL_TEXT_BUDGET` characters are spent; the rest open as their first :data:`SNIPPET` characters;
- :data:`EXAMPLES_PER_REASON` examples per drop reason; curves and histograms are binned before they are written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.report.projection import pool_projection
from selector.report.reasons import explain, reason_order
from selector.sample import Sample

SNIPPET = 200
TEXT_CAP = 4_000
FULL_TEXT_BUDGET = 1_000_000
MAX_PICKS_SHOWN = 1_000
EXAMPLES_PER_REASON = 3
CURVE_POINTS = 400
LENGTH_BINS = 40


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
        samples: ``(n,)`` the pool samples themselves (ids and texts for ``report.html``'s map and tables).
    """

    sources: Sequence[str]
    lengths: np.ndarray
    labels: np.ndarray
    picks: np.ndarray
    radii: np.ndarray
    random_radii: np.ndarray
    embeddings: np.ndarray
    seed: int = 0
    samples: Sequence[Sample] = ()


@dataclass
class Example:
    """One dropped record shown under its reason (texts cut at :data:`TEXT_CAP`)."""

    id: str
    source: str
    prompt: str
    response: str
    note: str = ""


@dataclass
class ReasonGroup:
    """A drop reason: how many it dropped, its one-line explanation, and the first few records it dropped."""

    reason: str
    dropped: int
    explanation: str
    examples: list[Example]


@dataclass
class HtmlReportData:
    """Everything ``report.html`` draws; plain lists and dicts, in the order they are shown.

    Attributes:
        command: ``select``, ``filter`` or ``dedup``.
        summary: the one-line outcome.
        funnel: ``(stage, samples left)`` from the samples read to the selection.
        reasons: drop reasons with their counts and examples, in rule order.
        duplicates: the manifest's ``dedup`` section (per rule: dropped, example pairs with the kept record).
        mix: ``{"source": rows, "task": rows}``, each row a dict of counts (read, pool, quota, selected).
        versus_random: the manifest's ``versus_random`` section (proxies with the random band), or ``None``.
        points: the map's point store, columnar: ``x``, ``y``, ``id``, ``source``, ``task``, ``cluster``,
            ``rank`` (-1 for pool points that were not picked), ``snippet``, ``prompt``, ``response`` (``None``
            where the whole text is not kept).
        pool_points, pick_points: indices into ``points`` of the drawn pool sample and of the picks shown.
        picks: the picks table, one dict per pick shown (rank order), with ``point`` indexing ``points``.
        n_pool, n_picks: the sizes the sample and the table are drawn from.
        coverage: ``{"m": [...], "ours": [...], "random": [...]}`` coverage radius after m picks.
        lengths: ``{"edges": [...], "pool": [...], "selected": [...]}`` response-length shares per log bin.
        clusters: ``{"sizes": [...], "picks": [...]}`` per cluster, largest first.
        seconds: wall-clock seconds per stage (the only part that differs between identical runs).
    """

    command: str
    summary: str
    funnel: list[tuple[str, int]]
    reasons: list[ReasonGroup]
    duplicates: dict[str, Any] = field(default_factory=dict)
    mix: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    versus_random: dict[str, Any] | None = None
    points: dict[str, list[Any]] = field(default_factory=dict)
    pool_points: list[int] = field(default_factory=list)
    pick_points: list[int] = field(default_factory=list)
    picks: list[dict[str, Any]] = field(default_factory=list)
    n_pool: int = 0
    n_picks: int = 0
    coverage: dict[str, list[float]] = field(default_factory=dict)
    lengths: dict[str, list[float]] = field(default_factory=dict)
    clusters: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def cap(text: str, limit: int = TEXT_CAP) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def snippet(text: str) -> str:
    """The first :data:`SNIPPET` characters of ``text`` with white space collapsed (hover texts, table cells)."""
    return cap(" ".join(text.split()), SNIPPET)


def html_report_data(
    manifest: Mapping[str, Any],
    *,
    report: ReportData | None = None,
    rows: Sequence[Mapping[str, Any]] = (),
    rejected: Sequence[tuple[Sample, str]] = (),
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> HtmlReportData:
    """Gather the HTML report of a ``select`` (``report`` and the ``selection.jsonl`` ``rows`` given), ``filter`` or
    ``dedup`` run (manifest and the ``(sample, reason)`` pairs of ``rejected.jsonl`` only)."""
    command = str(manifest.get("command", "select"))
    counts = manifest.get("counts", {})
    data = HtmlReportData(
        command=command,
        summary=_summary(command, counts),
        funnel=_funnel(command, manifest, rejected),
        reasons=_reasons(rejected, details or {}),
        duplicates={k: v for k, v in (manifest.get("dedup") or {}).items() if v.get("dropped")},
        mix=_mix(command, manifest),
        versus_random=manifest.get("versus_random"),
        seconds={k: float(v) for k, v in (manifest.get("seconds") or {}).items()},
    )
    if report is not None:
        _add_pool(data, report, rows)
    return data


def _summary(command: str, counts: Mapping[str, Any]) -> str:
    if command == "select":
        return (
            f"Selected {counts.get('selected', 0):,} of {counts.get('read', 0):,} samples read "
            f"({counts.get('after_filters', 0):,} after filters, {counts.get('candidates', 0):,} candidates)."
        )
    kept, total, dropped = counts.get("kept", 0), counts.get("input", 0), counts.get("rejected", 0)
    return f"Kept {kept:,} of {total:,} samples; dropped {dropped:,}."


def _funnel(command: str, manifest: Mapping[str, Any], rejected: Sequence[tuple[Sample, str]]) -> list[tuple[str, int]]:
    counts = manifest.get("counts", {})
    start = "read" if command == "select" else "input"
    left = int(counts.get(start, 0))
    stages = [(start, left)]
    dropped = Counter(reason for _, reason in rejected)
    for reason, n in sorted(dropped.items(), key=lambda kv: reason_order(kv[0])):  # the order the rules run in
        left -= n
        stages.append((f"after {reason}", left))
    if command != "select":
        return [*stages, ("kept", int(counts.get("kept", left)))]
    for key in ("pool", "candidates", "selected"):
        if key in counts:
            stages.append((key, int(counts[key])))
    return stages


def _reasons(rejected: Sequence[tuple[Sample, str]], details: Mapping[str, Mapping[str, Any]]) -> list[ReasonGroup]:
    groups: dict[str, ReasonGroup] = {}
    for sample, reason in sorted(rejected, key=lambda pair: reason_order(pair[1])):  # stable: reading order within
        group = groups.setdefault(reason, ReasonGroup(reason, 0, explain(reason), []))
        group.dropped += 1
        if len(group.examples) < EXAMPLES_PER_REASON:
            extra = details.get(sample.id) or {}
            note = ", ".join(f"{k} {v}" for k, v in extra.items())
            group.examples.append(Example(sample.id, sample.source, cap(sample.prompt), cap(sample.response), note))
    return list(groups.values())


def _mix(command: str, manifest: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    if command == "select":
        out = {}
        for kind, section in (("source", manifest.get("sources")), ("task", manifest.get("tasks"))):
            if section and section.get("pool"):
                names = sorted(set().union(*(section.get(k, {}) for k in ("read", "pool", "selected"))))
                cols = [k for k in ("read", "pool", "quota", "selected") if k in section]
                out[kind] = [{"name": s, **{c: section[c].get(s, 0) for c in cols}} for s in names]
        return out
    by_source = (manifest.get("filters") or {}).get("by_source") or {}
    return {"source": [{"name": s, "input": v["input"], "kept": v["kept"]} for s, v in sorted(by_source.items())]}


def _add_pool(data: HtmlReportData, report: ReportData, rows: Sequence[Mapping[str, Any]]) -> None:
    """The map, the picks table, and the pool's curves and histograms."""
    samples = report.samples
    picks = np.asarray(report.picks, dtype=np.int64)
    shown = picks[:MAX_PICKS_SHOWN]
    data.n_pool, data.n_picks = len(samples), len(picks)
    proj = pool_projection(report.embeddings, shown, report.seed) if len(samples) else None
    if proj is not None and len(samples) == len(report.sources):
        order = [*shown.tolist(), *(int(i) for i in proj.idx)]  # picks first: they get whole texts first
        where = {i: k for k, i in enumerate(dict.fromkeys(order))}
        xy = np.zeros((len(where), 2))
        xy[[where[int(i)] for i in proj.idx]] = proj.pool_xy
        xy[[where[int(i)] for i in shown]] = proj.pick_xy
        rank = {int(i): r for r, i in enumerate(picks.tolist())}
        data.points = _point_store(list(where), xy, samples, report.labels, rank)
        data.pool_points = [where[int(i)] for i in proj.idx]
        data.pick_points = [where[int(i)] for i in shown]
    for r, row in enumerate(rows[:MAX_PICKS_SHOWN]):
        prompt = snippet(samples[picks[r]].prompt) if samples else ""
        data.picks.append({**row, "prompt": prompt, "point": _point_of(data, r)})
    data.coverage = _curve(report.radii, report.random_radii)
    data.lengths = _length_shares(np.asarray(report.lengths), picks)
    labels = np.asarray(report.labels, dtype=np.int64)
    if labels.size:
        sizes = np.bincount(labels)
        picked = np.bincount(labels[picks], minlength=len(sizes)) if len(picks) else np.zeros_like(sizes)
        order = np.argsort(-sizes, kind="stable")
        data.clusters = {"id": order.tolist(), "sizes": sizes[order].tolist(), "picks": picked[order].tolist()}


def _point_of(data: HtmlReportData, rank: int) -> int:
    return data.pick_points[rank] if rank < len(data.pick_points) else -1


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


def _curve(ours: np.ndarray, random: np.ndarray) -> dict[str, list[float]]:
    """The coverage curves at most :data:`CURVE_POINTS` pick counts, spaced evenly on a log scale."""
    m = min(len(ours), len(random))
    if m == 0:
        return {}
    at = np.unique(np.geomspace(1, m, num=min(m, CURVE_POINTS)).round().astype(np.int64))
    return {
        "m": at.tolist(),
        "ours": np.round(np.asarray(ours, dtype=np.float64)[at - 1], 5).tolist(),
        "random": np.round(np.asarray(random, dtype=np.float64)[at - 1], 5).tolist(),
    }


def _length_shares(lengths: np.ndarray, picks: np.ndarray) -> dict[str, list[float]]:
    """Response-length shares (%) of the pool and of the selection per log-spaced bin."""
    if lengths.size == 0:
        return {}
    lengths = np.maximum(lengths.astype(np.float64), 1.0)
    edges = np.logspace(0, np.log10(max(lengths.max(), 10.0)) + 0.05, LENGTH_BINS + 1)

    def shares(values: np.ndarray) -> list[float]:
        hist = np.histogram(values, bins=edges)[0]
        return np.round(100.0 * hist / max(len(values), 1), 3).tolist()

    return {"edges": np.round(edges, 1).tolist(), "pool": shares(lengths), "selected": shares(lengths[picks])}
