"""The reports of a run: ``report.md`` with its PNGs (:mod:`.markdown`, :mod:`.plots`) and ``report.html``, a
self-contained page to look through a run's picks, clusters, rejections and duplicates.

:func:`write_html_report` is the one call each command makes (``select``, ``filter``, ``dedup``) into its staging
folder; :func:`html_report_data` gathers what the page shows into a :class:`HtmlReportData`, and
:func:`render_html` turns that into the page. The map shares its projection with ``projection.png``
(:mod:`selector.report.projection`). Limits and the page's parts: ``docs/report.md``.
"""

from selector.report.data import HtmlReportData, ReportData, html_report_data
from selector.report.html import REPORT_FILE, render_html, write_html_report

__all__ = ["REPORT_FILE", "HtmlReportData", "ReportData", "html_report_data", "render_html", "write_html_report"]
