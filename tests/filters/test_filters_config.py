from __future__ import annotations

import math

import pytest

from selector.config import RunConfig, load_run_config, load_yaml, run_config_to_dict
from selector.errors import ConfigError
from tests.conftest import REPO

CONFIGS = REPO / "configs"


def test_defaults_equal_configs_default_yaml():
    """An installed package without configs/ must behave like --config configs/default.yaml."""
    assert load_run_config(CONFIGS / "default.yaml") == RunConfig() == load_run_config(None)
    # every key the file sets is spelled out, so the file documents the defaults
    data = load_yaml(CONFIGS / "default.yaml")
    defaults = run_config_to_dict(RunConfig())
    for section, values in data.items():
        if not isinstance(values, dict):  # a top-level scalar such as seed
            assert defaults[section] == values, section
            continue
        for key, value in values.items():
            assert defaults[section][key] == value, f"{section}.{key}"


def test_lima_yaml_holds_limas_rules():
    cfg = load_run_config(CONFIGS / "lima.yaml")
    f = cfg.filters
    assert (f.min_chars, f.max_chars, f.min_score) == (1200, 4096, 10.0)
    assert f.first_person and f.refers_to_other_answers and f.empty and f.duplicate
    assert f.score_field == "score"  # issue 12: on; records without a score are kept and counted
    assert cfg.dedup.near_duplicate and cfg.dedup.semantic_duplicate and f.languages is None
    assert cfg.cleaning.enabled and cfg.cleaning.wikihow_intro
    assert cfg.allocation.tau == 3.0


def test_unknown_keys_are_named(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("filters:\n  min_char: 3\n")
    with pytest.raises(ConfigError, match=r"'filters\.min_char'"):
        load_run_config(p)
    p.write_text("filterz: {}\n")
    with pytest.raises(ConfigError, match=r"'filterz'.*allocation, .*cleaning, .*filters"):
        load_run_config(p)
    p.write_text("cleaning:\n  roles: [bot]\n")
    with pytest.raises(ConfigError, match=r"cleaning\.roles\[0\]"):
        load_run_config(p)


def test_overrides_and_infinite_tau(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("allocation:\n  tau: .inf\nfilters:\n  min_chars: 5\n")
    cfg = load_run_config(p, overrides={"filters": {"max_chars": 10}})
    assert math.isinf(cfg.allocation.tau) and (cfg.filters.min_chars, cfg.filters.max_chars) == (5, 10)
