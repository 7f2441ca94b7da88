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
    "Encoder",
    "FilterConfig",
    "FilterResult",
    "RunConfig",
    "SelectResult",
    "__version__",
    "apply_filters",
    "clean_samples",
    "encode",
    "load_run_config",
    "read_corpus",
    "render",
    "select",
    "temperature_quotas",
    "write_records",
]
