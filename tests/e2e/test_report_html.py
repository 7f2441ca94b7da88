"""report.html: written whole by select, filter and dedup, escaped, deterministic, bounded, and working in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.filters import REASONS
from selector.report import html as report_html
from selector.report import render_html, report_model
from selector.report.bundle import packed_block, plotly_js
from selector.report.data import MAX_PICKS_SHOWN, ReportData
from selector.report.projection import PROJECTION_POINTS
from selector.report.reasons import REASON_TEXT
from selector.sample import Message, Sample
from tests.conftest import DEMO

runner = CliRunner()
SCRIPT = "<script>alert(1)</script>"
SECONDS_BLOCK = re.compile(r'<script type="application/json" id="report-seconds">.*?</script>', re.S)


def _demo_with_script(tmp_path):
    """The demo corpus plus a record whose prompt holds a script tag and whose answer is empty (dropped: empty)
    and one kept in the pool with the tag in its answer."""
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    lines.append(json.dumps({"instruction": f"Show {SCRIPT} please", "input": "", "output": "", "source": "xss"}))
    lines.append(
        json.dumps({"instruction": "Quote a tag.", "input": "", "output": f"It reads {SCRIPT}.", "source": "xss"})
    )
    path = tmp_path / "demo.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _select(tmp_path, data, tiny, name):
    out = tmp_path / name
    args = ["select", str(data), "--budget", "40", "--source-field", "source", "--out", str(out), "--quiet"]
    result = runner.invoke(app, [*args, "--model", str(tiny), "--cache-dir", str(tmp_path / f"cache-{name}")])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, tiny):
    tmp = tmp_path_factory.mktemp("html")
    return _select(tmp, _demo_with_script(tmp), tiny, "run")


def test_select_writes_report_html_listed_in_the_manifest_with_texts_escaped(demo_run):
    page = (demo_run / "report.html").read_text(encoding="utf-8")
    assert "report.html" in json.loads((demo_run / "manifest.json").read_text())["outputs"]
    assert "alert(1)</script>" not in page  # neither in the page's markup nor in the data for the scripts
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the dropped record, shown as text under `empty`
    assert "<script src" not in page and "<link" not in page  # offline: no CDN, nothing fetched
    data = json.loads(packed_block(page, "report-data"))
    assert len(data["pick_points"]) == 40 and SCRIPT in " ".join(r or "" for r in data["points"]["response"])


def test_same_run_gives_the_same_report_html_but_for_the_stage_times(tmp_path, tiny):
    data = _demo_with_script(tmp_path)
    a, b = (_select(tmp_path, data, tiny, name) for name in ("a", "b"))
    pages = [(out / "report.html").read_bytes() for out in (a, b)]
    assert len(SECONDS_BLOCK.findall(pages[0].decode())) == 1
    # Seconds are wall-clock, as in manifest.json; everything else (ids, data, order) is byte for byte the same.
    assert SECONDS_BLOCK.sub("", pages[0].decode()) == SECONDS_BLOCK.sub("", pages[1].decode())


def test_filter_and_dedup_write_a_smaller_report(tmp_path):
    data = _demo_with_script(tmp_path)
    for command, extra in (("filter", []), ("dedup", ["--no-semantic"])):
        out = tmp_path / command
        result = runner.invoke(app, [command, str(data), "--source-field", "source", "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "report.html" in json.loads((out / "manifest.json").read_text())["outputs"]
        assert 'id="rejections"' in page and 'id="map"' not in page and "alert(1)</script>" not in page
        dropped = "duplicate" if command == "filter" else "near_duplicate"
        assert f"<code>{dropped}</code>" in page and REASON_TEXT[dropped] in page


def test_every_reason_code_has_its_explanation_in_rule_order():
    assert list(REASON_TEXT) == list(REASONS)


def test_a_large_pool_gives_a_bounded_report():
    n, m, text = 60_000, 5_000, "word " * 800  # 4,000-character answers
    rng = np.random.default_rng(0)
    samples = [
        Sample(
            f"r{i}",
            f"s{i % 50}",
            None,
            [Message("user", f"q{i} {text}"), Message("assistant", text)],
            None,
            "x",
            "f",
            i,
        )
        for i in range(n)
    ]
    X = rng.standard_normal((n, 16)).astype(np.float32)
    picks = rng.choice(n, m, replace=False)
    pool = ReportData(
        sources=[s.source for s in samples],
        lengths=np.full(n, len(text)),
        labels=rng.integers(0, 300, n),
        picks=picks,
        radii=np.linspace(2, 1, m),
        random_radii=np.linspace(2, 1.2, m),
        embeddings=X,
        seed=0,
        samples=samples,
    )
    rows = [
        {"rank": r, "id": f"r{i}", "source": "s", "task": None, "cluster": 0, "distance": 1.0}
        for r, i in enumerate(picks)
    ]
    data = report_model({"command": "select", "counts": {"read": n, "selected": m}}, pool=pool, rows=rows)
    page = render_html(data)
    assert len(data.pool_points) == PROJECTION_POINTS and len(data.pick_points) == len(data.picks) == MAX_PICKS_SHOWN
    assert len(data.points["id"]) <= PROJECTION_POINTS + MAX_PICKS_SHOWN
    assert len(page.encode()) < 16_000_000, len(page.encode())  # docs/report.md states the limit


def _chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip("no chromium and chromedriver found (.ci/run installs Debian's chromium and chromium-driver)")
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    from selenium import webdriver  # optional: the browser test's driver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1300,1800",
    ):
        options.add_argument(arg)
    options.binary_location = browser
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def test_report_renders_in_chromium_with_the_picks_the_table_filter_and_escaped_text(demo_run, tmp_path):
    from selenium.webdriver.common.by import By  # optional: the browser test's driver
    from selenium.webdriver.support.ui import WebDriverWait

    browser = _chromium()
    try:
        browser.get((demo_run / "report.html").resolve().as_uri())
        # The page unpacks its gzip-packed Plotly bundle after load, then draws and marks <html data-report>.
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return document.documentElement.dataset.report"))
        assert browser.execute_script("return document.documentElement.dataset.report") == "ready"
        picked = browser.execute_script(
            "const g = document.getElementById('map');"
            "return g && g.data ? g.data.find(t => t.name === 'selected').x.length : -1;"
        )
        assert picked == 40
        assert browser.execute_script("return document.querySelectorAll('#fig-funnel .plot-container').length") == 1
        search = browser.find_element(By.ID, "picks-search")
        rows = browser.find_elements(By.CSS_SELECTOR, "#picks-table tbody tr")
        first_id = rows[0].find_elements(By.TAG_NAME, "td")[1].text
        search.send_keys(first_id)
        time.sleep(0.2)
        visible = [r for r in rows if r.is_displayed()]
        assert len(rows) == 40 and 1 <= len(visible) < 40 and all(first_id in r.text for r in visible)
        browser.execute_script("document.querySelectorAll('#rejections details').forEach(d => d.open = true)")
        assert SCRIPT in browser.find_element(By.ID, "rejections").text  # shown as text, not run
        assert browser.execute_script("return document.querySelectorAll('main script').length") == 0
        assert not _alert_open(browser)
        browser.save_screenshot(str(tmp_path / "report.png"))
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        browser.quit()


def _alert_open(browser) -> bool:
    from selenium.common.exceptions import NoAlertPresentException  # optional: the browser test's driver

    try:
        browser.switch_to.alert  # noqa: B018 - raises when no alert is open
    except NoAlertPresentException:
        return False
    return True


def test_the_page_carries_plotlys_basic_bundle_packed_with_its_licence_and_uses_only_its_trace_types(demo_run):
    page = (demo_run / "report.html").read_text(encoding="utf-8")
    bundle = packed_block(page, "plotly-gzip")
    assert bundle == plotly_js() and bundle.startswith("/**\n* plotly.js (basic - minified) v")
    assert "Licensed under the MIT license" in bundle[:300] and bundle[:2000] not in page
    data = json.loads(packed_block(page, "report-data"))
    traces = {t.get("type", "scatter") for spec in data["figures"].values() for t in spec["data"]}
    assert {"bar", "scatter"} <= traces <= {"scatter", "bar", "pie"}  # what the basic bundle draws
    assert "scattergl" not in Path(report_html.__file__).with_name("assets").joinpath("report.js").read_text()
    assert len(page.encode()) < 1_000_000  # issue 29: the demo's report at most 1 MB
