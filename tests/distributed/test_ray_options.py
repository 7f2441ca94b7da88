"""``--ray`` without Ray, the encoder-worker plan, and the ``encoder.ray*`` config keys: no Ray cluster needed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.config.run import load_run_config
from selector.distributed.ray_embed import worker_plan
from selector.errors import ConfigError

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "examples" / "data" / "demo.jsonl"


@pytest.mark.parametrize("command", ["embed", "select"])
def test_a_missing_ray_names_the_extra_to_install(command: str, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as it does where Ray is not installed
    out = tmp_path / ("v.npy" if command == "embed" else "picked")
    args = [command, str(DEMO), "--out", str(out), "--ray"] + (["--budget", "5"] if command == "select" else [])
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert "--ray needs Ray, which is not installed: pip install 'selector[ray]'" in res.output
    assert not out.exists()  # refused before reading anything


def test_workers_follow_the_gpus_else_the_cpus() -> None:
    assert worker_plan({"CPU": 64.0, "GPU": 8.0}, None) == {
        "workers": 8,
        "gpus_per_worker": 1,
        "cpus_per_worker": 1,
        "device": "cuda",
    }
    assert worker_plan({"CPU": 2.0}, None) == {
        "workers": 1,
        "gpus_per_worker": 0,
        "cpus_per_worker": 2,
        "device": "cpu",
    }
    assert worker_plan({"CPU": 32.0}, None)["workers"] == 8
    assert worker_plan({"CPU": 32.0}, 3)["cpus_per_worker"] == 4
    assert worker_plan({"CPU": 2.0}, 2)["cpus_per_worker"] == 1


def test_ray_config_keys() -> None:
    cfg = load_run_config(None, {"encoder": {"ray": True, "ray_address": "ray://head:10001", "ray_workers": 4}})
    assert (cfg.encoder.ray, cfg.encoder.ray_address, cfg.encoder.ray_workers) == (True, "ray://head:10001", 4)
    assert load_run_config(None).encoder.ray is False
    with pytest.raises(ConfigError, match=r"encoder\.ray_workers"):
        load_run_config(None, {"encoder": {"ray_workers": 0}})
