"""The one output guard: every command refuses inputs, foreign folders, other commands' outputs and concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.errors import SelectorError
from selector.io import output_guard

runner = CliRunner()
RECORDS = [{"instruction": f"Explain topic {i} in detail.", "output": "A thorough answer. " * 20} for i in range(6)]


@pytest.fixture()
def good(tmp_path):
    path = tmp_path / "good.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def test_filter_refuses_a_users_folder_and_select_does_not_delete_it(tmp_path, good):
    user = tmp_path / "u"
    user.mkdir()
    (user / "train.jsonl").write_bytes(good.read_bytes())
    (user / "notes.txt").write_text("n")
    res = runner.invoke(app, ["filter", str(good), "--out", str(user)])
    assert res.exit_code == 2 and "already exists" in res.output
    assert not (user / "manifest.json").exists()
    res = runner.invoke(app, ["filter", str(good), "--out", str(user), "--overwrite"])
    assert res.exit_code == 2 and "not an earlier selector run" in res.output
    assert sorted(p.name for p in user.iterdir()) == ["notes.txt", "train.jsonl"]


def test_a_marker_from_another_command_or_unlisted_files_are_refused(tmp_path, good):
    out = tmp_path / "f"
    assert runner.invoke(app, ["filter", str(good), "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, ["filter", str(good), "--out", str(out), "--overwrite"]).exit_code == 0
    with pytest.raises(SelectorError, match="selector filter"):
        output_guard(out, "select", [str(good)], overwrite=True)
    (out / "mine.txt").write_text("keep")
    res = runner.invoke(app, ["filter", str(good), "--out", str(out), "--overwrite"])
    assert res.exit_code == 2 and "mine.txt" in res.output
    assert (out / "mine.txt").read_text() == "keep"


def test_filter_refuses_a_symlinked_out_that_holds_an_input(tmp_path, good):
    link = tmp_path / "link"
    os.symlink(tmp_path, link)
    res = runner.invoke(app, ["filter", str(good), "--out", str(link)])
    assert res.exit_code == 2 and "would replace the input" in res.output


def test_unwritable_out_fails_before_any_work(tmp_path, good):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for command in (["filter"], ["select", "--budget", "2"]):
        res = runner.invoke(app, [*command, str(good), "--out", str(blocker / "sub")])
        assert res.exit_code == 2 and "is a file" in res.output, res.output
    res = runner.invoke(app, ["embed", str(good), "--out", "/proc/x.npy"])
    assert res.exit_code == 2 and "cannot write" in res.output, res.output


def test_embed_never_replaces_a_foreign_file(tmp_path, good):
    npy = tmp_path / "v.npy"
    npy.write_bytes(b"mine")
    (tmp_path / "v.json").write_text("{}")
    res = runner.invoke(app, ["embed", str(good), "--out", str(npy), "--overwrite"])
    assert res.exit_code == 2 and "not an earlier selector run" in res.output
    assert npy.read_bytes() == b"mine"


def test_a_second_run_on_the_same_out_fails_naming_the_first(tmp_path):
    out = tmp_path / "o"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; print(flush=True); time.sleep(60)"], stdout=subprocess.PIPE
    )
    try:
        holder.stdout.readline()
        (tmp_path / ".o.lock").write_text(f"{os.uname().nodename} {holder.pid}\n")
        guard = output_guard(out, "select", [])
        with pytest.raises(SelectorError, match=f"process {holder.pid}"), guard.locked():
            pass
    finally:
        holder.kill()
        holder.wait()
    with guard.locked():  # the holder is gone: its stale lock is taken over
        assert (tmp_path / ".o.lock").exists()
    assert not (tmp_path / ".o.lock").exists()
