"""The shipped configs: found by bare name only, kept in the top-level ``configs/``, and carried by the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from selector.config import load_run_config
from selector.config.run import config_path, presets, presets_dir
from selector.errors import ConfigError
from tests.conftest import REPO


def test_the_shipped_configs_are_the_top_level_configs_folder():
    assert presets_dir() == REPO / "configs"
    assert set(presets()) == {"default", "lima", "task"}
    assert config_path("lima") == config_path("lima.yaml") == REPO / "configs" / "lima.yaml"


def test_a_missing_path_in_a_configs_folder_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "configs" / "lima.yaml"  # the old code loaded the shipped lima here
    with pytest.raises(ConfigError, match=rf"config '{missing}': no such file"):
        load_run_config(missing)
    with pytest.raises(ConfigError, match=r"config 'configs/limaa.yaml': no such file"):
        load_run_config("configs/limaa.yaml")
    with pytest.raises(ConfigError, match=r"no such file"):
        config_path(tmp_path / "lima")


def test_an_existing_file_wins_over_a_shipped_name(tmp_path, monkeypatch):
    (tmp_path / "lima").write_text("budget: 7\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_run_config("lima").budget == 7


def test_the_wheel_carries_the_configs_and_finds_them_outside_the_repository(built_wheel, tmp_path):
    """A non-editable build: the wheel holds ``selector/configs/*.yaml`` and, unpacked away from any checkout,
    ``load_run_config("lima")`` reads its copy."""
    wheel, site = built_wheel
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n for n in zf.namelist() if n.startswith("selector/configs/")}
        assert shipped == {f"selector/configs/{p.name}" for p in (REPO / "configs").glob("*.yaml")}
    probe = (
        "import selector, selector.config as c; from selector.config.run import presets_dir; "
        "print(selector.__file__); print(presets_dir()); print(c.load_run_config('lima').filters.min_chars)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    assert out[0].startswith(str(site))
    assert out[1] == str(site / "selector" / "configs") and out[2] == "1200"
