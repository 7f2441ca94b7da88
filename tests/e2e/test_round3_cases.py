"""Issue 28, one test per case that had none: embed's pair and reruns (9), stale locks (11), stray dataset file
names (12), 0-byte shards (13), huge JSON integers (16), long CSV fields (17), non-UTF-8 file names (18) and gzip
bombs (19). Each failed on the code before the round (commit 9eb9a86)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.errors import SelectorError
from selector.io import ReadOptions, read_corpus

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _rows(n: int, tag: str = "") -> list[dict[str, str]]:
    return [
        {"instruction": f"Explain point {i} of topic {tag or 'x'}, briefly.", "output": f"Answer {i}."}
        for i in range(n)
    ]


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SELECTOR_CACHE_DIR", str(tmp_path / "cache"))


# Item 9: embed's .npy and sidecar appear together, and nothing a failed run leaves blocks a rerun.
EMBED_CHILD = """
import errno, json, os, signal, sys
case, out = sys.argv[1], sys.argv[sys.argv.index("--out") + 1]
if case == "kill-between":  # SIGKILL right after the first of the output's two files is renamed into place
    real = os.replace
    def replace(src, dst):
        real(src, dst)
        if os.fspath(dst) in (out, out[: -len(".npy")] + ".json"):  # not the cache's own files
            os.kill(os.getpid(), signal.SIGKILL)
    os.replace = replace
else:  # the sidecar cannot be written (a full disk), after the vectors were
    real_dumps = json.dumps
    def dumps(obj, *a, **k):
        if isinstance(obj, dict) and "storage" in obj:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_dumps(obj, *a, **k)
    json.dumps = dumps
from selector.cli import app
app(sys.argv[2:], prog_name="selector")
"""


def _embed_child(case: str, data: Path, out: Path, tiny: Path) -> subprocess.CompletedProcess[str]:
    argv = ["embed", str(data), "--out", str(out), "--model", str(tiny), "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", EMBED_CHILD, case, *argv], capture_output=True, text=True, env=env)


def _pair_matches(out: Path, n: int) -> None:
    vectors = np.load(out)
    sidecar = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert vectors.shape[0] == sidecar["rows"] == n and sidecar["command"] == "embed"


def test_embed_killed_between_the_npy_and_its_sidecar_is_finished_by_the_rerun(tmp_path, tiny):
    data, out = _jsonl(tmp_path / "d.jsonl", _rows(6)), tmp_path / "v.npy"
    killed = _embed_child("kill-between", data, out, tiny)
    assert killed.returncode == -9, killed.stderr[-1500:]
    assert [out.exists(), out.with_suffix(".json").exists()].count(True) == 1  # killed between the two renames
    again = runner.invoke(app, ["embed", str(data), "--out", str(out), "--model", str(tiny), "--overwrite"])
    assert again.exit_code == 0, again.output
    _pair_matches(out, 6)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["d.jsonl", "v.json", "v.npy"]


def test_embed_failing_before_its_sidecar_leaves_no_orphan_npy_to_block_a_rerun(tmp_path, tiny):
    data, out = _jsonl(tmp_path / "d.jsonl", _rows(6)), tmp_path / "v.npy"
    failed = _embed_child("sidecar-fails", data, out, tiny)
    assert failed.returncode == 2 and "No space left" in failed.stderr, failed.stderr[-1500:]
    assert not out.exists() and not out.with_suffix(".json").exists()
    again = runner.invoke(app, ["embed", str(data), "--out", str(out), "--model", str(tiny)])  # no --overwrite
    assert again.exit_code == 0, again.output
    _pair_matches(out, 6)


# Item 11: a stale lock whose process id is ours, or whose process started after the lock was written.
def test_a_stale_lock_naming_our_own_pid_is_taken_over(tmp_path):
    data, out = _jsonl(tmp_path / "d.jsonl", _rows(4)), tmp_path / "kept"
    (tmp_path / ".kept.lock").write_text(f"{socket.gethostname()} {os.getpid()}\n")  # left by an earlier container
    res = runner.invoke(app, ["filter", str(data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "manifest.json").exists() and not (tmp_path / ".kept.lock").exists()


def test_a_lock_older_than_its_pids_process_is_taken_over(tmp_path):
    data, out = _jsonl(tmp_path / "d.jsonl", _rows(4)), tmp_path / "kept"
    other = subprocess.Popen([sys.executable, "-c", "import time; print(flush=True); time.sleep(60)"], stdout=-1)
    try:
        other.stdout.readline()
        lock = tmp_path / ".kept.lock"
        lock.write_text(f"{socket.gethostname()} {other.pid}\n")  # the id now belongs to an unrelated process
        hour_ago = time.time() - 3600
        os.utime(lock, (hour_ago, hour_ago))
        res = runner.invoke(app, ["filter", str(data), "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert (out / "manifest.json").exists()
    finally:
        other.kill()
        other.wait()


# Item 12: a data file named like a datasets metadata file, inside a folder, is read when it holds records.
@pytest.mark.parametrize("name", ["state.json", "dataset_info.json", "dataset_dict.json"])
def test_a_json_array_of_records_named_like_datasets_metadata_is_read(tmp_path, name):
    folder = tmp_path / "data"
    folder.mkdir()
    _jsonl(folder / "a.jsonl", _rows(3, "a"))
    (folder / name).write_text(json.dumps(_rows(4, "meta")), encoding="utf-8")
    corpus = read_corpus([folder])
    assert len(corpus.samples) == 7
    assert sorted(Path(f.path).name for f in corpus.files) == sorted(["a.jsonl", name])


# Item 13: a 0-byte shard in a folder is skipped with a warning; named alone it is an error.
def test_a_zero_byte_shard_in_a_folder_is_skipped_with_a_warning(tmp_path, caplog):
    folder = tmp_path / "shards"
    folder.mkdir()
    _jsonl(folder / "part-0.jsonl", _rows(3))
    (folder / "part-1.jsonl").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="selector"):
        corpus = read_corpus([folder])
    assert len(corpus.samples) == 3
    assert any("part-1.jsonl" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    with pytest.raises(SelectorError, match=r"part-1\.jsonl"):
        read_corpus([folder / "part-1.jsonl"])


# Item 16: an integer of more than 4,300 digits (Python's int-string limit) is an error naming its line.
def test_a_huge_integer_in_a_json_array_names_its_line(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('[\n{"instruction": "Say hi.", "output": "Hi."},\n{"n": ' + "9" * 5000 + "}\n]\n")
    with pytest.raises(SelectorError, match=r"big\.json:3: .*integer of more than"):
        read_corpus([path])
    res = runner.invoke(app, ["stats", str(path), "--no-tokens"])
    assert res.exit_code == 2 and "big.json:3" in res.output, res.output


# Item 17: a CSV field longer than csv's default limit of 131,072 characters reads whole.
def test_a_csv_field_longer_than_131072_characters_reads(tmp_path):
    path = tmp_path / "long.csv"
    long = "word " * 40_000  # 200,000 characters
    path.write_text(f"instruction,output\nSummarise this.,{long}\nSay hi.,Hi.\n", encoding="utf-8")
    corpus = read_corpus([path])
    assert len(corpus.samples) == 2 and corpus.samples[0].response == long


# Item 18: a file name that is not UTF-8 reads in select as in stats (its source shows the byte as \xe9).
def test_a_non_utf8_file_name_works_in_select(tmp_path, tiny):
    folder = tmp_path / "data"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.jsonl")
    _jsonl(folder / name, _rows(8))
    out = tmp_path / "picked"
    res = runner.invoke(app, ["select", str(folder), "-n", "3", "--out", str(out), "--model", str(tiny)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["sources"]["selected"]) == ["caf\\xe9"]
    picked = (out / "selected.jsonl").read_bytes().splitlines()
    assert len(picked) == 3 and set(picked) <= set((folder / name).read_bytes().splitlines())


# Item 19: a gzip bomb is refused with bounded memory; the bound can be raised.
def _bomb(path: Path, megabytes: int, line: bytes = b"\0" * 1024) -> Path:
    with gzip.open(path, "wb", compresslevel=9) as gz:
        block = line * (1024 * 1024 // len(line))
        for _ in range(megabytes):
            gz.write(block)
    return path


def test_a_gzip_bomb_is_refused_before_it_fills_memory(tmp_path):
    bomb = _bomb(tmp_path / "bomb.jsonl.gz", 320)  # about 0.3 MB that inflates to 320 MB
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(SelectorError, match="gzip bomb"):
            read_corpus([bomb])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 160 << 20, f"peak {peak:,} bytes while refusing a 320 MB inflation"


def test_the_gzip_bound_is_raised_by_an_option(tmp_path, monkeypatch):
    import selector.io.readers.gz as gz_reader

    monkeypatch.setattr(gz_reader, "MIN_INFLATED", 1 << 20, raising=False)  # a small floor keeps the file small
    line = (json.dumps({"instruction": "Say the same thing again, please.", "output": "Again."}) + "\n").encode()
    path = _bomb(tmp_path / "same.jsonl.gz", 2, line)  # 2 MB of one record repeated: a ratio far above 100
    with pytest.raises(SelectorError, match="SELECTOR_MAX_GZIP_RATIO"):
        read_corpus([path])
    corpus = ReadOptions(max_gzip_ratio=100_000).read([path])
    assert len(corpus.samples) == (2 << 20) // len(line)
    monkeypatch.setenv("SELECTOR_MAX_GZIP_RATIO", "100000")
    assert len(read_corpus([path]).samples) == len(corpus.samples)


# Item 23 (CSV; JSONL is in tests/io/test_records.py): Excel's "CSV UTF-8" BOM stays in the written records.
def test_a_csv_with_a_bom_is_written_back_with_it(tmp_path):
    from selector.io import write_records

    src = tmp_path / "excel.csv"
    src.write_bytes(b'\xef\xbb\xbfinstruction,output\r\nSay hi.,Hi.\r\nCount to two.,"1, 2"\r\n')
    corpus = read_corpus([src])
    assert corpus.samples[0].prompt.startswith("Say hi.")  # the BOM is not part of the first key
    written = write_records(corpus, corpus.samples, tmp_path / "out", "kept")
    assert written[0].read_bytes() == src.read_bytes()


# Item 10 (the second half): plan reads a selection written as a selected/ folder (one file per input container).
def test_plan_reads_a_selection_written_as_a_selected_folder(tmp_path, tiny):
    data = tmp_path / "data"
    data.mkdir()
    _jsonl(data / "a.jsonl", _rows(5, "a"))
    (data / "b.csv").write_text("instruction,output\n" + "".join(f"Name fruit {i}.,Apple {i}.\n" for i in range(5)))
    out = tmp_path / "picked"
    res = runner.invoke(app, ["select", str(data), "-n", "4", "--out", str(out), "--model", str(tiny)])
    assert res.exit_code == 0, res.output
    assert (out / "selected").is_dir()
    res = runner.invoke(app, ["plan", str(out), "--params", "7B", "--tokenizer", str(tiny)])
    assert res.exit_code == 0, res.output
    assert "(4 samples in " in res.output and "selected/a.jsonl" in res.output, res.output
