"""The reports of a run: ``report.md`` with its PNGs (:mod:`.markdown`, :mod:`.plots`) and ``report.html``, a
self-contained page to look through a run's picks, clusters, rejections and duplicates.

:func:`write_html_report` is the one call each command makes (``select``, ``filter``, ``dedup``) into its staging
folder; :func:`html_report_data` gathers what the page shows into a :class:`HtmlReportData`, and
:func:`render_html` turns that into the page. The map shares its projection with ``projection.png``
(:mod:`selector.report.projection`). Limits and the page's parts: ``docs/report.md``.

Names are imported on first use, so that the rules of :mod:`selector.filters`, which register their reason texts
in :mod:`selector.report.reasons`, do not load the page's writers.
"""

from selector._lazy import lazy_exports

_NAMES = {
    "HtmlReportData": "selector.report.data",
    "ReportData": "selector.report.data",
    "html_report_data": "selector.report.data",
    "REPORT_FILE": "selector.report.html",
    "render_html": "selector.report.html",
    "write_html_report": "selector.report.html",
}
__getattr__ = lazy_exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
