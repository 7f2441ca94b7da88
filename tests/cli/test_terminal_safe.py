"""Issue 28 item 21: what the CLI prints from the data (source names, keys, file names, values) cannot act on the
terminal: control characters come out as visible escapes, through :mod:`selector.cli.console`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import terminal_safe

runner = CliRunner()
RED = "\x1b[31mred"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")  # what a terminal acts on (newline and tab aside)


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    rows = [
        {
            "instruction": f"Explain topic number {i} of the course in a few words.",
            "output": f"An answer that is long enough, number {i}.",
            "source": RED if i % 2 else "plain\x9b2J\r",
        }
        for i in range(12)
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_escapes_are_shown_not_acted_on() -> None:
    assert terminal_safe(RED) == "\\x1b[31mred"
    assert terminal_safe("a\rb\x07c\x9bd\u202ee\x7f") == "a\\rb\\x07c\\x9bd\\u202ee\\x7f"
    assert terminal_safe("caf\udce9") == "caf\\xe9"  # a file name's byte that is not UTF-8, as that byte
    assert terminal_safe("lines\n\tkept") == "lines\n\tkept"
    assert terminal_safe("one\nline\t", one_line=True) == "one\\nline\\t"
    assert terminal_safe("plain text, ünïcode: 中文") == "plain text, ünïcode: 中文"


def test_stats_prints_source_names_escaped_and_its_json_still_parses(data: Path) -> None:
    res = runner.invoke(app, ["stats", str(data), "--source-field", "source", "--no-tokens"])
    assert res.exit_code == 0, res.output
    assert "\\x1b[31mred" in res.output and "plain\\x9b2J\\r" in res.output
    assert not RAW.search(res.output), repr(res.output)
    res = runner.invoke(app, ["stats", str(data), "--source-field", "source", "--no-tokens", "--json"])
    assert res.exit_code == 0 and not RAW.search(res.output), repr(res.output)
    assert set(json.loads(res.output)["sources"]) == {RED, "plain\x9b2J\r"}  # the same strings, read back


def test_select_prints_source_names_escaped(data: Path, tiny: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SELECTOR_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "picked"
    args = ["select", str(data), "--source-field", "source", "-n", "4", "--out", str(out), "--model", str(tiny)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "per source:" in res.output and "\\x1b[31mred" in res.output
    assert not RAW.search(res.output), repr(res.output)
    assert RED in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sources"]["selected"]  # kept


def test_warnings_and_errors_name_files_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps({"instruction": "Say hello to me.", "output": "Hello."}) + "\n")
    (folder / "\x1b[2Jnothing.jsonl").write_text("")  # skipped with a warning that names it
    res = runner.invoke(app, ["stats", str(folder), "--no-tokens"])
    assert res.exit_code == 0, res.output
    assert "\\x1b[2Jnothing.jsonl" in res.output and not RAW.search(res.output), repr(res.output)
    bad = tmp_path / "\x1b]0;title\x07bad.jsonl"
    bad.write_text("{not json\n")
    res = runner.invoke(app, ["stats", str(bad), "--no-tokens"])
    assert res.exit_code == 2 and res.output.startswith("error: "), res.output
    assert "\\x1b]0;title\\x07bad.jsonl" in res.output and not RAW.search(res.output), repr(res.output)
    assert res.output.count("\n") == 1
