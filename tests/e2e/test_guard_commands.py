"""The same output-guard cases against every command that writes (issue 28 items 1-8, 10).

Each command is described once (:data:`COMMANDS`: how to call it and what kind of output it writes); each guard
case runs against all of them, so a command that bypasses :mod:`selector.io.guard` fails here by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app

runner = CliRunner()
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"]


@dataclass(frozen=True)
class Command:
    name: str
    kind: str  # "folder" or "file" (the suffix of the file it writes)
    args: Callable[[list[str], str, Path], list[str]]  # (inputs, out, tiny model) -> argv
    cache: bool = True  # uses the embedding cache, so the cache may not sit inside its output

    def out(self, base: Path) -> Path:
        return base if self.kind == "folder" else base.with_name(base.name + self.kind)


COMMANDS = [
    Command("select", "folder", lambda i, o, m: ["select", *i, "--budget", "2", "--out", o, "--model", str(m)]),
    Command("filter", "folder", lambda i, o, m: ["filter", *i, "--out", o], cache=False),
    Command("dedup", "folder", lambda i, o, m: ["dedup", *i, "--out", o, "--model", str(m)]),
    Command("embed", ".npy", lambda i, o, m: ["embed", *i, "--out", o, "--model", str(m)]),
    Command(
        "evaluate",
        "folder",
        lambda i, o, m: (
            [
                *["evaluate", *i, "--task-field", "@file", "--out", o, "--model", str(m)],
                "--budgets",
                "2",
                "--strategies",
                "random",
                "--seeds",
                "1",
            ]
        ),
    ),
    Command(
        "plan",
        ".json",
        lambda i, o, m: ["plan", *i, "--params", "7B", "--tokenizer", str(m), "--out", o],
        cache=False,
    ),
]
IDS = [c.name for c in COMMANDS]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Every command's default cache in this test's folder (never the user's)."""
    monkeypatch.setenv("SELECTOR_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture()
def data(tmp_path) -> Path:
    """A folder of two small task files (plan and evaluate take one input; the others take the folder too)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for t in range(2):
        rows = [
            {
                "instruction": f"Task {t}: explain {WORDS[i % 12]} {WORDS[(i * 5) % 12]} case {i}.",
                "output": "An answer.",
            }
            for i in range(12)
        ]
        (folder / f"task{t}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def _run(cmd: Command, inputs: list[Path], out: Path, tiny: Path):
    return runner.invoke(app, cmd.args([str(p) for p in inputs], str(out), tiny))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_an_out_that_is_an_input_folder_is_refused_even_with_overwrite(cmd, data, tiny):
    (data / "evaluation.json").write_text("{}")  # item 1: evaluate's old check took this for its own output
    (data / "manifest.json").write_text(json.dumps({"selector_version": "0", "command": cmd.name, "outputs": []}))
    rows = json.loads("[" + ",".join((data / "task0.jsonl").read_text().splitlines()) + "]")
    (data / "in.json").write_text(json.dumps(rows))  # for embed: the sidecar of in.npy; for plan: its JSON
    before = _tree(data)
    out = data if cmd.kind == "folder" else data / ("in" + cmd.kind)
    inputs = [data] if cmd.kind == "folder" else [data / "in.json"]
    res = runner.invoke(app, [*cmd.args([str(p) for p in inputs], str(out), tiny), "--overwrite"])
    assert res.exit_code == 2 and "would replace the input" in res.output, res.output
    assert _tree(data) == before


FOLDERS = [c for c in COMMANDS if c.kind == "folder"]


@pytest.mark.parametrize("cmd", FOLDERS, ids=[c.name for c in FOLDERS])
def test_an_out_that_holds_an_input_is_refused(cmd, data, tiny, tmp_path):
    res = _run(cmd, [data / "task0.jsonl"], tmp_path, tiny)
    assert res.exit_code == 2 and "would replace the input" in res.output, res.output


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_an_out_inside_an_input_folder_is_refused(cmd, data, tiny):
    res = _run(cmd, [data], cmd.out(data / "picked"), tiny)
    assert res.exit_code == 2 and "inside the input folder" in res.output, res.output
    assert sorted(p.name for p in data.iterdir()) == ["task0.jsonl", "task1.jsonl"]


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_symlink_sitting_in_an_input_folder_is_refused(cmd, data, tiny, tmp_path):
    elsewhere = tmp_path / "bigdisk"
    elsewhere.mkdir()
    link = data / ("link" if cmd.kind == "folder" else "link" + cmd.kind)
    os.symlink(elsewhere if cmd.kind == "folder" else elsewhere / ("v" + cmd.kind), link)
    res = _run(cmd, [data], link, tiny)
    assert res.exit_code == 2 and "inside the input folder" in res.output, res.output
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_foreign_output_is_never_replaced(cmd, data, tiny, tmp_path):
    out = cmd.out(tmp_path / "o")
    if cmd.kind == "folder":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    else:
        out.write_bytes(b"mine")
    res = runner.invoke(app, [*cmd.args([str(data / "task0.jsonl")], str(out), tiny), "--overwrite"])
    assert res.exit_code == 2 and "not an earlier selector run" in res.output, res.output
    assert (out / "notes.txt" if cmd.kind == "folder" else out).read_bytes() == b"mine"


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_live_runs_lock_is_respected_before_reading(cmd, tmp_path, tiny):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")  # reading it would fail: the lock must be found first
    out = cmd.out(tmp_path / "o")
    holder = subprocess.Popen([sys.executable, "-c", "import time; print(flush=True); time.sleep(60)"], stdout=-1)
    try:
        holder.stdout.readline()
        out.with_name(f".{out.name}.lock").write_text(f"{os.uname().nodename} {holder.pid}\n")
        res = _run(cmd, [bad], out, tiny)
        assert res.exit_code == 2 and f"process {holder.pid}" in res.output, res.output
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.cache], ids=[c.name for c in COMMANDS if c.cache])
def test_the_default_cache_inside_out_is_refused_before_work(cmd, data, tiny, tmp_path, monkeypatch):
    out = cmd.out(tmp_path / "o")
    monkeypatch.setenv("SELECTOR_CACHE_DIR", str(out / "cache") if cmd.kind == "folder" else str(tmp_path))
    res = _run(cmd, [data / "task0.jsonl"], out, tiny)
    assert res.exit_code == 2 and "Give them separate folders" in res.output, res.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_overwrite_replaces_its_own_run_but_never_a_file_it_did_not_write(cmd, data, tiny, tmp_path):
    out = cmd.out(tmp_path / "o")
    inputs = [data / "task0.jsonl"] if cmd.name == "plan" else [data]
    assert _run(cmd, inputs, out, tiny).exit_code == 0
    res = runner.invoke(app, [*cmd.args([str(p) for p in inputs], str(out), tiny), "--overwrite"])
    assert res.exit_code == 0, res.output  # item 10: plan refused its own earlier output
    if cmd.kind != "folder":
        return
    inner = next((p for p in sorted(out.iterdir()) if p.is_dir()), out)  # item 6: a file added in selected/
    (inner / "added.txt").write_text("mine")
    res = runner.invoke(app, [*cmd.args([str(p) for p in inputs], str(out), tiny), "--overwrite"])
    assert res.exit_code == 2 and "added.txt" in res.output, res.output
    assert (inner / "added.txt").read_text() == "mine"


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
@pytest.mark.parametrize("holds", [False, True], ids=["empty", "holding-files"])
def test_out_dot_exits_2_before_work_and_changes_nothing(cmd, holds, data, tiny, tmp_path, monkeypatch):
    """Item 14: ``--out .`` (the current folder, empty or not) was an internal error. A folder output cannot be
    the current folder (it is renamed into place whole); a file output cannot be a folder."""
    here = tmp_path / "here"
    here.mkdir()
    if holds:
        (here / "notes.txt").write_text("mine")
    monkeypatch.chdir(here)
    before = sorted(os.listdir(tmp_path))
    for extra in ([], ["--overwrite"]):
        res = runner.invoke(app, [*cmd.args([str(data / "task0.jsonl")], ".", tiny), *extra])
        assert res.exit_code == 2, res.output
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --out ."), res.output
        why = "current folder" if cmd.kind == "folder" else "give a file path" if cmd.name == "plan" else ".npy"
        assert why in lines[0], res.output
    assert sorted(os.listdir(here)) == (["notes.txt"] if holds else [])
    assert sorted(os.listdir(tmp_path)) == before  # no lock or temporary name left beside it


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_an_out_symlink_writes_where_it_points_and_the_link_stays(cmd, data, tiny, tmp_path):
    """Item 7: an ``--out`` symlink to a place elsewhere (a bigger disk) gets the output there; the link stays."""
    elsewhere = tmp_path / "bigdisk"
    elsewhere.mkdir()
    target = elsewhere / ("picked" if cmd.kind == "folder" else "v" + cmd.kind)
    if cmd.kind == "folder":
        target.mkdir()
    link = tmp_path / ("link" if cmd.kind == "folder" else "link" + cmd.kind)
    os.symlink(target, link)
    res = _run(cmd, [data / "task0.jsonl"], link, tiny)
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    marker = target / "manifest.json" if cmd.kind == "folder" else target.with_suffix(".json")
    assert json.loads(marker.read_text())["command"] == cmd.name
    assert target.exists() and sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("link")) == [link.name]
