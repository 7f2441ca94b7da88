"""Issue 28, the cases fixed beside the one guard: seeds checked before work, Markdown from data kept inert."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.config.run import SEED_MAX, load_run_config
from selector.errors import ConfigError
from selector.report.markdown import md_escape

DEMO = Path(__file__).resolve().parents[1] / "examples" / "data" / "demo.jsonl"


@pytest.mark.parametrize("seed", [-1, SEED_MAX + 1, 2**64])
def test_a_seed_out_of_range_is_refused_before_any_work(tmp_path: Path, seed: int) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["select", str(DEMO), "--budget", "5", "--seed", str(seed), "--out", str(out)])
    assert result.exit_code == 2
    assert "seed" in result.output and f"{SEED_MAX:,}" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # nothing read, embedded or written


def test_a_seed_out_of_range_in_yaml_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("seed: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'seed'"):
        load_run_config(config)
    assert load_run_config(overrides={"seed": SEED_MAX}).seed == SEED_MAX


def test_markdown_images_and_links_from_data_are_not_rendered() -> None:
    text = md_escape("![x](http://example.invalid/a.png) [site](https://example.invalid)")
    assert "![" not in text and "://" not in text
    assert all(text[i - 1] == "\\" for i, c in enumerate(text) if c in "[]")  # every bracket escaped
