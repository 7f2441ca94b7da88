"""selector: pick the few instruction-tuning samples worth training on.

One package per pipeline stage: reading (``selector.io``, ``selector.formats``), filters and cleaning
(``selector.filters``), embedding (``selector.embedding``), selection: allocation, K-Means, centres and the
KCenterGreedy coreset (``selector.selection``), and the end-to-end run with its manifest, outputs and report
(``selector.pipeline``). ``selector.config`` holds the run config; ``selector.device`` the one device rule.
"""

from __future__ import annotations

__version__ = "0.1.0"

from selector._lazy import lazy_exports
from selector.filters import CleanConfig, FilterConfig, FilterResult, apply_filters, clean_samples

_LAZY = {
    "temperature_quotas": "selector.selection.allocation",
    "select": "selector.pipeline.run",
    "evaluate": "selector.evaluation",
    "dedup": "selector.pipeline.dedup",
    "SelectResult": "selector.pipeline.run",
    "SelectOptions": "selector.pipeline.options",
    "ReadOptions": "selector.io",
    "read_corpus": "selector.io",
    "write_records": "selector.io",
    "RunConfig": "selector.config",
    "load_run_config": "selector.config",
    "encode": "selector.embedding.encoder",
    "Encoder": "selector.embedding.encoder",
    "render": "selector.embedding.templates",
    "kmeans": "selector.selection.clustering",
    "KMeansResult": "selector.selection.clustering",
    "kcenter_greedy": "selector.selection.coreset",
    "KCenterGreedy": "selector.selection.coreset",
    "CoresetResult": "selector.selection.coreset",
    "random_selection": "selector.selection.coreset",
    "task_centres": "selector.selection.centres",
    "target_centre": "selector.selection.centres",
    "cluster_medoids": "selector.selection.centres",
}


__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "CleanConfig",
    "CoresetResult",
    "Encoder",
    "FilterConfig",
    "FilterResult",
    "KCenterGreedy",
    "KMeansResult",
    "ReadOptions",
    "RunConfig",
    "SelectResult",
    "__version__",
    "apply_filters",
    "clean_samples",
    "cluster_medoids",
    "dedup",
    "encode",
    "evaluate",
    "kcenter_greedy",
    "kmeans",
    "load_run_config",
    "random_selection",
    "read_corpus",
    "render",
    "select",
    "target_centre",
    "task_centres",
    "temperature_quotas",
    "write_records",
]
