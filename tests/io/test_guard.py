"""The one output guard: every command refuses inputs, foreign folders, other commands' outputs and concurrent runs."""

from __future__ import annotations

import errno
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


def test_an_out_inside_an_input_folder_is_refused(tmp_path, good):
    res = runner.invoke(app, ["select", str(tmp_path), "--budget", "2", "--out", str(tmp_path / "picked")])
    assert res.exit_code == 2 and "inside the input folder" in res.output, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.jsonl"]  # no lock or folder left in the input


def test_a_cache_dir_that_overlaps_out_is_refused(tmp_path, good):
    for cache in (tmp_path / "o", tmp_path / "o" / "cache"):
        res = runner.invoke(
            app, ["select", str(good), "-n", "2", "--out", str(tmp_path / "o"), "--cache-dir", str(cache)]
        )
        assert res.exit_code == 2 and "Give them separate folders" in res.output, res.output


def _live_process() -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; print(flush=True); time.sleep(60)"], stdout=subprocess.PIPE
    )
    holder.stdout.readline()
    return holder


def test_a_second_run_fails_on_the_lock_before_reading(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")  # reading it would fail: the lock must be found first
    holder = _live_process()
    try:
        (tmp_path / ".o.lock").write_text(f"{os.uname().nodename} {holder.pid}\n")
        for command in (["select", "-n", "2"], ["filter"]):
            res = runner.invoke(app, [*command, str(bad), "--out", str(tmp_path / "o")])
            assert res.exit_code == 2 and f"process {holder.pid}" in res.output, res.output
    finally:
        holder.kill()
        holder.wait()


def test_an_empty_lock_left_by_a_full_disk_is_taken_over(tmp_path, caplog):
    (tmp_path / ".o.lock").write_text("")
    with output_guard(tmp_path / "o", "select", []).locked():
        assert (tmp_path / ".o.lock").read_text().split()[1] == str(os.getpid())
    assert "taking over the empty lock" in caplog.text and not (tmp_path / ".o.lock").exists()


def test_a_lock_of_another_host_says_which_file_to_remove(tmp_path):
    (tmp_path / ".o.lock").write_text("elsewhere 123\n")
    guard = output_guard(tmp_path / "o", "select", [])
    with pytest.raises(SelectorError, match=r"process 123 on elsewhere.*remove .*\.o\.lock"), guard.locked():
        pass


def test_a_full_disk_while_taking_the_lock_leaves_no_lock(tmp_path, monkeypatch):
    guard = output_guard(tmp_path / "o", "select", [])

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)  # the OS boundary: every write fails as on a full disk
    with pytest.raises(SelectorError, match="no space left on the device"), guard.locked():
        pass
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_sigterm_while_writing_removes_the_lock_and_the_temporary_output(tmp_path):
    script = (
        "import os, signal, sys, time\n"
        "from selector.io import output_guard\n"
        "from selector.pipeline.outputs import staged_output\n"
        f"guard = output_guard({str(tmp_path / 'o')!r}, 'select', [])\n"
        "try:\n"
        "    with staged_output(guard, [], False) as tmp:\n"
        "        (tmp / 'part').write_text('half')\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        time.sleep(30)\n"
        "except KeyboardInterrupt as exc:\n"
        "    sys.exit(type(exc).__name__ == 'Terminated' and 3)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))), timeout=60
    )
    assert proc.returncode == 3 and list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_dir_fails_before_any_work(tmp_path, good, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(
        app, ["select", str(good), "-n", "2", "--out", str(tmp_path / "o"), "--cache-dir", str(blocker / "c")]
    )
    assert res.exit_code == 2 and "--cache-dir" in res.output and "is a file" in res.output, res.output
    monkeypatch.delenv("SELECTOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-cache")  # a read-only home cache, even for root
    res = runner.invoke(app, ["select", str(good), "-n", "2", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "cannot write into /proc" in res.output and "SELECTOR_CACHE_DIR" in res.output
    assert not (tmp_path / "o").exists()


def test_a_full_cache_disk_is_found_before_any_work(tmp_path, good, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(cache)):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    res = runner.invoke(app, ["select", str(good), "-n", "2", "--out", str(tmp_path / "o"), "--cache-dir", str(cache)])
    assert res.exit_code == 2 and "no space left on the device" in res.output, res.output
