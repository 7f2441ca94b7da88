"""report.html's assets travel with the package: a non-editable wheel carries the vendored plotly.js basic bundle
with its licence, and the page built from that wheel, away from any checkout, packs that very file."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASSETS = "selector/report/assets/"


def test_the_wheel_carries_the_plotly_bundle_and_its_licence_and_the_page_packs_it(built_wheel, tmp_path):
    wheel, site = built_wheel
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n[len(ASSETS) :] for n in zf.namelist() if n.startswith(ASSETS)}
        assert {"plotly-basic.min.js", "plotly-basic.LICENSE", "report.js", "report.css"} <= shipped
        assert "MIT License" in zf.read(ASSETS + "plotly-basic.LICENSE").decode()
    probe = (
        "from selector.report import render_html, report_model; from selector.report.bundle import packed_block; "
        "page = render_html(report_model({'command': 'filter'})); print(len(packed_block(page, 'plotly-gzip')))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = [sys.executable, "-c", probe]
    out = subprocess.run(run, cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    assert int(out.stdout) == len((REPO / ASSETS / "plotly-basic.min.js").read_text(encoding="utf-8"))


def test_the_vendored_bundle_is_the_plotly_js_that_plotly_py_writes_figures_for():
    # report.html's figures are specs from plotly.py; an upgrade of plotly.py without the bundle drifts apart
    from plotly.offline import get_plotlyjs_version

    head = (REPO / ASSETS / "plotly-basic.min.js").read_text(encoding="utf-8")[:200]
    assert f"v{get_plotlyjs_version()}" in head, "re-vendor plotly.js-basic-dist-min at plotly.py's plotly.js version"
