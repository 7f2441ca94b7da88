"""The end-to-end run: :func:`select` ties the stages together; one manifest builder, one output writer, the report.

- :mod:`~selector.pipeline.options`: ``select``'s options, declared once (:class:`SelectOptions` and its parts);
- :mod:`~selector.pipeline.request`: what a user asked for (:class:`SelectRequest`, the budget), built once;
- :mod:`~selector.pipeline.context`: what a run carries between stages (:class:`RunContext`) and the manifest
  builder;
- :mod:`~selector.pipeline.stages`: one file per stage; ``select`` and ``dedup`` are lists of them;
- :mod:`~selector.pipeline.run`: ``select()``, ``select_pool()`` and :class:`SelectResult`;
- :mod:`~selector.pipeline.stats`: ``stats()``, what ``selector stats`` reports on a corpus;
- :mod:`~selector.pipeline.manifest`: the header of every command's manifest (:func:`run_header`), the timer;
- :mod:`~selector.pipeline.outputs`: the output folder (guarded, staged, whole or nothing) and the one shape of
  rejected rows;
- the reports (``report.md``, its plots, ``report.html``) are written by :mod:`selector.report`.
"""

from selector._lazy import lazy_exports

_NAMES = {
    "dedup": "selector.pipeline.dedup",
    "DedupResult": "selector.pipeline.dedup",
    "select": "selector.pipeline.run",
    "SelectResult": "selector.pipeline.run",
    "resolve_budget": "selector.pipeline.arguments",
    "run_header": "selector.pipeline.manifest",
    "select_pool": "selector.pipeline.run",
    "SelectRequest": "selector.pipeline.request",
    "build_request": "selector.pipeline.request",
    "SelectOptions": "selector.pipeline.options",
    "BudgetOptions": "selector.pipeline.options",
    "OutputOptions": "selector.pipeline.options",
    "EncoderOptions": "selector.pipeline.options",
    "stats": "selector.pipeline.stats",
}
__getattr__ = lazy_exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
