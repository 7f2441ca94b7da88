"""Cases from an adversarial run (issue 22) that cross modules: each fails with one clear line, or recovers."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from selector.cli import app

runner = CliRunner()


class _RunsCode:
    """Unpickling this calls ``print``: a pickle that would run code when loaded."""

    def __reduce__(self):
        return (print, ("pickle ran",))


def test_pickled_weights_that_would_run_code_give_one_line(tmp_path, tiny):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    model = tmp_path / "model"
    shutil.copytree(tiny, model)
    weights = load_file(model / "model.safetensors")
    (model / "model.safetensors").unlink()
    torch.save({**weights, "extra": _RunsCode()}, model / "pytorch_model.bin")
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"instruction": "Say hi.", "output": "Hi."}) + "\n")
    res = runner.invoke(app, ["embed", str(data), "--model", str(model), "--out", str(tmp_path / "e.npy"),
                              "--cache-dir", str(tmp_path / "c")])  # fmt: skip
    assert res.exit_code == 2, res.output
    error = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "never runs" in error[0] and "model.safetensors" in error[0]
    assert "pickle ran" not in res.output and len(res.output.strip().splitlines()) <= 2


def test_a_disk_that_fills_while_writing_is_exit_2_and_leaves_nothing(tmp_path, demo_vectors, monkeypatch):
    import builtins
    import errno

    from conftest import DEMO

    real_open = builtins.open

    def full_disk_open(file, mode="r", *args, **kwargs):
        if "w" in mode and ".o.tmp-" in str(file):  # the OS boundary: writes into the staged output fail
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full_disk_open)
    args = ["select", str(DEMO), "-n", "5", "--embeddings", str(demo_vectors), "--out", str(tmp_path / "o")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "No space left on device; free space there" in res.output, res.output
    assert list(tmp_path.iterdir()) == []  # no output, no lock, no temporary folder


def test_hostile_source_names_stay_text_in_the_report_and_exact_duplicates_name_their_original(tmp_path):
    import numpy as np

    from selector.pipeline import select

    names = ["<script>alert(1)</script>", "a|b", "line\nbreak", "plain"]
    records = [
        {"instruction": f"Explain item {i} of the list in detail.", "output": f"Item {i} is explained here " * 3,
         "src": names[i % 4]}
        for i in range(40)
    ]  # fmt: skip
    records.append({**records[5], "output": records[5]["output"].upper()})  # an exact duplicate (case folded)
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    vectors = tmp_path / "v.npy"
    np.save(vectors, np.random.default_rng(0).standard_normal((len(records), 8)).astype(np.float32))
    select([data], budget=6, source_field="src", embeddings=vectors, out=tmp_path / "o", progress=False)
    report = (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    source_rows = [line for line in report.splitlines() if "alert(1)" in line or "a\\|b" in line or "break" in line]
    assert len(source_rows) == 3 and all(row.replace("\\|", "").count("|") == 6 for row in source_rows)
    assert "| line break |" in report
    rejected = [json.loads(line) for line in (tmp_path / "o" / "rejected.jsonl").read_text().splitlines()]
    dup = [r for r in rejected if r["reason"] == "duplicate"]
    assert len(dup) == 1 and dup[0]["duplicate_of"] == "d.jsonl#5" and dup[0]["similarity"] == 1.0
