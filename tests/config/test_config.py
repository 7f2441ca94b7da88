from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from selector.config import from_mapping, load_yaml
from selector.errors import ConfigError


@dataclass
class Inner:
    min_chars: int | None = 10
    words: list[str] = field(default_factory=list)


@dataclass
class Outer:
    tau: float = 3.0
    inner: Inner = field(default_factory=Inner)


def test_nested_values_and_defaults():
    cfg = from_mapping(Outer, {"tau": 1, "inner": {"min_chars": None, "words": ["a"]}})
    assert cfg.tau == 1.0 and cfg.inner.min_chars is None and cfg.inner.words == ["a"]
    assert from_mapping(Outer, {}).inner.min_chars == 10


def test_unknown_key_is_named_with_its_path():
    with pytest.raises(ConfigError, match=r"inner\.min_char'"):
        from_mapping(Outer, {"inner": {"min_char": 3}})


def test_wrong_type_is_named():
    with pytest.raises(ConfigError, match=r"inner\.min_chars' must be an integer"):
        from_mapping(Outer, {"inner": {"min_chars": "ten"}})


def test_load_yaml_rejects_non_mapping(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_yaml(p)
    with pytest.raises(ConfigError, match="not found"):
        load_yaml(tmp_path / "missing.yaml")


def test_a_key_given_twice_is_named_with_its_file_and_line(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("seed: 1\nfilters:\n  min_response_chars: 5\n  min_response_chars: 50\n")
    with pytest.raises(ConfigError, match=rf"{p}:4: .*'min_response_chars' is given twice"):
        load_yaml(p)
    p.write_text("base: &b {seed: 1}\nrun:\n  <<: *b\n  seed: 2\n")  # a merge key may be overridden
    assert load_yaml(p)["run"] == {"seed": 2}


def test_a_refused_yaml_tag_is_one_line(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("seed: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError) as err:
        load_yaml(p)
    assert (
        "\n" not in str(err.value)
        and f"{p}:1:" in str(err.value)
        and "tags that build Python objects" in str(err.value)
    )
