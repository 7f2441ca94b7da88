"""``selector select --ray`` through the CLI with no Ray running: the tool starts a local Ray itself (loopback only,
:func:`selector.distributed.session.start_local_ray`), embeds on it, stops it, and picks what a local run picks."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from selector.cli import app
from tests.pools import alpaca_jsonl

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'selector[ray]')")
runner = CliRunner()


def test_select_with_ray_started_by_the_tool_writes_the_local_runs_selection(tiny, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)  # a local Ray, whatever the environment names
    assert not ray.is_initialized()
    data = alpaca_jsonl(tmp_path / "pool.jsonl", 60, seed=5)
    base = ["select", str(data), "--model", str(tiny), "--device", "cpu", "--budget", "9", "--quiet"]
    base += ["--source-field", "source"]
    local = runner.invoke(app, [*base, "--out", str(tmp_path / "a"), "--cache-dir", str(tmp_path / "c1")])
    assert local.exit_code == 0, local.output
    spread = runner.invoke(
        app, [*base, "--out", str(tmp_path / "b"), "--cache-dir", str(tmp_path / "c2"), "--ray", "--ray-workers", "2"]
    )
    assert spread.exit_code == 0, spread.output
    assert not ray.is_initialized()  # the Ray the tool started is stopped again
    picked = [(tmp_path / d / "selected.jsonl").read_bytes() for d in ("a", "b")]
    assert picked[0] == picked[1] and len(picked[0].splitlines()) == 9
    assert (tmp_path / "a" / "selection.jsonl").read_bytes() == (tmp_path / "b" / "selection.jsonl").read_bytes()
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    enc = manifest["encoder"]
    assert enc["engine"] == "ray" and enc["ray"]["address"] == "local" and enc["ray"]["workers"] == 2
    assert enc["ray"]["texts_sent"] > 0 and enc["n_encoded"] == 0  # the workers encoded, the driver read the cache
    assert manifest["config"]["encoder"]["ray"] is True
