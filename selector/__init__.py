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

__all__ = [
    "CleanConfig",
    "FilterConfig",
    "FilterResult",
    "__version__",
    "apply_filters",
    "clean_samples",
    "temperature_quotas",
]
