"""The one report model: :class:`ReportModel`, gathered by :func:`~selector.report.build.report_model` from what a
command already holds and rendered by both writers, the PNGs of ``report.md`` (:mod:`selector.report.plots`,
matplotlib) and ``report.html`` (:mod:`selector.report.figures` and :mod:`selector.report.html`, Plotly).

The model holds each chart's numbers once, at the resolution of the finer writer (the coverage curves after every
pick, the length histogram in :data:`LENGTH_EDGES` log bins); a writer that shows less thins them out itself
(``report.html``'s coverage curve keeps :data:`CURVE_POINTS` pick counts). Sizes are bounded whatever the pool
(``docs/report.md`` states the limits):

- the map holds the seeded sample of at most :data:`~selector.report.projection.PROJECTION_POINTS` pool rows that
  ``projection.png`` draws, plus the first :data:`MAX_PICKS_SHOWN` picks;
- each map point carries its first :data:`SNIPPET` characters; whole prompts and responses (each cut at
  :data:`TEXT_CAP` characters) are kept for the picks shown first, then for the other map points, until
  :data:`FULL_TEXT_BUDGET` characters are spent; the rest open as their first :data:`SNIPPET` characters;
- :data:`EXAMPLES_PER_REASON` examples per drop reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.report.projection import Projection
from selector.sample import Sample

SNIPPET = 200
TEXT_CAP = 4_000
FULL_TEXT_BUDGET = 1_000_000
MAX_PICKS_SHOWN = 1_000
EXAMPLES_PER_REASON = 3
CURVE_POINTS = 400
LENGTH_EDGES = 40


@dataclass
class ReportData:
    """What a ``select`` hands the report: the pool (the samples after filtering) as arrays, picks indexing it.
    :func:`~selector.report.build.report_model` turns it into the :class:`ReportModel` the writers render.

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
class ReportModel:
    """Everything the reports draw, in the order ``report.html`` shows it; the pool's part only for ``select``.

    Attributes:
        command: ``select``, ``filter`` or ``dedup``.
        summary: the one-line outcome.
        funnel: ``(stage, samples left)`` from the samples read to the selection.
        reasons: drop reasons with their counts and examples, in rule order.
        duplicates: the manifest's ``dedup`` section (per rule: dropped, example pairs with the kept record).
        mix: ``{"source": rows, "task": rows}``, each row a dict of counts (read, pool, quota, selected).
        versus_random: the manifest's ``versus_random`` section (proxies with the random band), or ``None``.
        strategy: the name of the strategy that picked (the coverage curve's label), ``""`` when none did.
        projection: the map's sampled PCA of the pool with every pick (``projection.png`` draws it whole).
        points: the map's point store, columnar: ``x``, ``y``, ``id``, ``source``, ``task``, ``cluster``,
            ``rank`` (-1 for pool points that were not picked), ``snippet``, ``prompt``, ``response`` (``None``
            where the whole text is not kept).
        pool_points, pick_points: indices into ``points`` of the drawn pool sample and of the picks shown.
        picks: the picks table, one dict per pick shown (rank order), with ``point`` indexing ``points``.
        n_pool, n_picks: the sizes the sample and the table are drawn from.
        coverage: ``{"ours": (m,), "random": (m,)}`` float64 coverage radius after each pick, every pick.
        lengths: ``{"edges": (LENGTH_EDGES,), "pool": counts, "selected": counts}`` per log bin of response
            length (characters), with ``n`` and ``median`` of each set in ``lengths["stats"]``.
        clusters: ``{"id": [...], "sizes": [...], "picks": [...]}`` per K-Means cluster, largest first.
        seconds: wall-clock seconds per stage (the only part that differs between identical runs).
    """

    command: str
    summary: str
    funnel: list[tuple[str, int]]
    reasons: list[ReasonGroup]
    duplicates: dict[str, Any] = field(default_factory=dict)
    mix: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    versus_random: dict[str, Any] | None = None
    strategy: str = ""
    projection: Projection | None = None
    points: dict[str, list[Any]] = field(default_factory=dict)
    pool_points: list[int] = field(default_factory=list)
    pick_points: list[int] = field(default_factory=list)
    picks: list[dict[str, Any]] = field(default_factory=list)
    n_pool: int = 0
    n_picks: int = 0
    coverage: dict[str, np.ndarray] = field(default_factory=dict)
    lengths: dict[str, Any] = field(default_factory=dict)
    clusters: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def selection_label(model: ReportModel) -> str:
    """The selection's name in chart legends: the strategy that picked it (``kcenter``, ``stratified``, ...)."""
    return f"{model.strategy} (this selection)" if model.strategy else "this selection"


def cap(text: str, limit: int = TEXT_CAP) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def snippet(text: str) -> str:
    """The first :data:`SNIPPET` characters of ``text`` with white space collapsed (hover texts, table cells)."""
    return cap(" ".join(text.split()), SNIPPET)
