"""selector: pick the few instruction-tuning samples worth training on.

The pipeline, one module per stage: reading (``selector.io``, ``selector.formats``), filters and cleaning
(``selector.filters``), temperature allocation (``selector.allocation``), encoding (``selector.encoder``),
clustering and task centres (``selector.clustering``), the KCenterGreedy coreset (``selector.coreset``), and
the end-to-end run (``selector.pipeline``).
"""

from __future__ import annotations

__version__ = "0.1.0"

# Public API (names are added here as stages land).
from selector.allocation import temperature_quotas
from selector.filters import CleanConfig, FilterConfig, FilterResult, apply_filters, clean_samples

_LAZY = {
    "select": "selector.pipeline",
    "SelectResult": "selector.pipeline",
    "read_corpus": "selector.io",
    "write_records": "selector.io",
    "RunConfig": "selector.settings",
    "load_run_config": "selector.settings",
    "encode": "selector.encoder",
    "Encoder": "selector.encoder",
    "render": "selector.render",
    "kmeans": "selector.clustering",
    "KMeansResult": "selector.clustering",
    "kcenter_greedy": "selector.coreset",
    "KCenterGreedy": "selector.coreset",
    "CoresetResult": "selector.coreset",
    "random_selection": "selector.coreset",
    "task_centres": "selector.centres",
    "target_centre": "selector.centres",
    "cluster_medoids": "selector.centres",
}


def __getattr__(name: str):
    """Import the heavy stages (torch, faiss) only when their names are first used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'selector' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CleanConfig",
    "CoresetResult",
    "Encoder",
    "FilterConfig",
    "FilterResult",
    "KCenterGreedy",
    "KMeansResult",
    "RunConfig",
    "SelectResult",
    "__version__",
    "apply_filters",
    "clean_samples",
    "cluster_medoids",
    "encode",
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
