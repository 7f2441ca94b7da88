"""Issue 28, the cases fixed beside the one guard: seeds checked before work, Markdown from data kept inert."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.config.run import SEED_MAX, load_run_config
from selector.errors import ConfigError
from selector.report.markdown import md_escape

DEMO = Path(__file__).resolve().parents[2] / "examples" / "data" / "demo.jsonl"


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


LAUGHS = "seed:\n- &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"- &{k} [{','.join(['*' + p] * 9)}]\n" for p, k in zip("abcdef", "bcdefg", strict=True)
)


def test_a_billion_laughs_config_is_one_short_line_naming_the_file(tmp_path: Path) -> None:
    """Item 20: nested aliases (about 330 bytes) stood for 4.8e7 values; the error showing one was 50 MB."""
    config = tmp_path / "laughs.yaml"
    config.write_text(LAUGHS, encoding="utf-8")  # a wrong seed: the old error message showed the whole value
    assert len(config.read_bytes()) < 400
    result = CliRunner().invoke(app, ["select", str(DEMO), "-n", "3", "--out", str(tmp_path / "o"), "-c", str(config)])
    assert result.exit_code == 2, result.output[:300]
    assert len(result.output) < 400 and result.output.count("\n") == 1, result.output[:300]
    assert str(config) in result.output and "aliases" in result.output


def test_aliases_a_config_needs_still_load_and_a_self_reference_is_refused(tmp_path: Path) -> None:
    merged = tmp_path / "merged.yaml"
    merged.write_text("encoder: &e {max_length: 64}\nclustering:\n  k: &k 7\ncoreset: {}\nseed: *k\n", encoding="utf-8")
    assert load_run_config(merged).seed == 7
    endless = tmp_path / "endless.yaml"
    endless.write_text("seed: &s [*s]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"endless\.yaml.*aliases"):
        load_run_config(endless)


def test_a_long_wrong_value_is_shown_cut_in_the_error(tmp_path: Path) -> None:
    config = tmp_path / "long.yaml"
    config.write_text("seed: " + "x" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'seed'") as caught:
        load_run_config(config)
    assert len(str(caught.value)) < 300
