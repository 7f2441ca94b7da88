"""The reports of a run: ``report.md`` with its PNGs (:mod:`.markdown`, :mod:`.plots`) and ``report.html``, a
self-contained page to look through a run's picks, clusters, rejections and duplicates.

:func:`write_html_report` is the one call each command makes (``select``, ``filter``, ``dedup``) into its staging
folder; :func:`report_model` gathers what both reports show into one :class:`ReportModel`, which
:func:`~selector.report.plots.write_plots` draws as PNGs and :func:`render_html` as the page (the map is
``projection.png``'s projection). Limits and the page's parts: ``docs/report.md``.

Names are imported on first use, so that the rules of :mod:`selector.filters`, which register their reason texts
in :mod:`selector.report.reasons`, do not load the page's writers.
"""

from selector._lazy import lazy_exports

_NAMES = {
    "ReportData": "selector.report.data",
    "ReportModel": "selector.report.data",
    "report_model": "selector.report.build",
    "REPORT_FILE": "selector.report.html",
    "render_html": "selector.report.html",
    "write_html_report": "selector.report.html",
}
__getattr__ = lazy_exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
