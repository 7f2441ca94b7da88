"""The end-to-end run: :func:`select` ties the stages together; one manifest builder, one output writer, the report.

- :mod:`~selector.pipeline.run`: ``select()`` and its :class:`SelectResult`;
- :mod:`~selector.pipeline.manifest`: the manifest of every command (:func:`run_header`) and of a selection
  (:class:`StageResults` -> :func:`select_manifest`);
- :mod:`~selector.pipeline.outputs`: the output folder (guarded, staged, whole or nothing) and the one shape of
  rejected rows;
- :mod:`~selector.pipeline.report`: ``report.md`` and its plots.
"""

from selector._lazy import lazy_exports

_NAMES = {
    "dedup": "selector.pipeline.dedup",
    "DedupResult": "selector.pipeline.dedup",
    "select": "selector.pipeline.run",
    "SelectResult": "selector.pipeline.run",
    "resolve_budget": "selector.pipeline.arguments",
    "StageResults": "selector.pipeline.manifest",
    "run_header": "selector.pipeline.manifest",
    "select_manifest": "selector.pipeline.manifest",
}
__getattr__ = lazy_exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
