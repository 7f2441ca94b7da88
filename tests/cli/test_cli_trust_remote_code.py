"""``--trust-remote-code`` on every command that loads a model, plumbed into ``encoder.trust_remote_code``.

Issue 10 item 9: ``select`` had no such flag although the error hint named it, and turning the setting on in a
YAML ran a model's own code with no notice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.pipeline import select
from tests.tiny_model import build_tiny_bert, tiny_texts

runner = CliRunner()


@pytest.fixture(scope="module")
def model_with_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_tiny_bert(tmp_path_factory.mktemp("m") / "bert")
    (folder / "modeling_mine.py").write_text("# the model's own code\n")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = tiny_texts(40, seed=4, max_words=6)
    path = tmp_path_factory.mktemp("data") / "pool.jsonl"
    rows = [{"instruction": texts[i], "input": "", "output": texts[i + 20]} for i in range(20)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["select", "embed"])
def test_every_model_command_has_the_flag(command: str) -> None:
    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "--trust-remote-code" in res.output


def test_select_flag_sets_the_config_and_warns_naming_the_code(
    model_with_code: Path, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    args = ["select", str(corpus), "-n", "4", "-o", str(out), "--model", str(model_with_code)]
    res = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "c"), "--trust-remote-code", "-q"])
    assert res.exit_code == 0, res.output
    assert "WARNING: trust_remote_code is on" in res.output and "modeling_mine.py" in res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["encoder"]["trust_remote_code"] is True


def test_yaml_setting_warns_too_and_the_api_overrides_it(
    model_with_code: Path, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "trusting.yaml"
    config.write_text("encoder:\n  trust_remote_code: true\n")
    kwargs = {"budget": 3, "model": model_with_code, "cache_dir": tmp_path / "c", "progress": False}
    res = select([corpus], config=config, **kwargs)
    assert res.manifest["config"]["encoder"]["trust_remote_code"] is True
    assert any("modeling_mine.py" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    caplog.clear()
    res = select([corpus], config=config, trust_remote_code=False, **kwargs)
    assert res.manifest["config"]["encoder"]["trust_remote_code"] is False
    assert not any("trust_remote_code is on" in r.getMessage() for r in caplog.records)


def test_without_the_flag_nothing_is_trusted(
    model_with_code: Path, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    res = select([corpus], budget=3, model=model_with_code, cache_dir=tmp_path / "c", progress=False)
    assert res.manifest["config"]["encoder"]["trust_remote_code"] is False
    assert not any("trust_remote_code is on" in r.getMessage() for r in caplog.records)
