"""``selector embed`` through Typer's CliRunner with the tiny BERT."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.embedding.encoder import Encoder

runner = CliRunner()

RECORDS = [
    {"instruction": "write a story", "input": "", "output": "the story of a model"},
    {"instruction": "list numbers", "input": "1 2 3", "output": "1, 2 and 3"},
    {"instruction": "explain the code", "input": "a = 1", "output": "it sets a to 1"},
    {"instruction": "write a story", "input": "", "output": "the story of a model"},
]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    return path


def _embed(*args: str) -> object:
    return runner.invoke(app, ["embed", *args])


def test_writes_rows_in_input_order_with_sidecar(tiny: Path, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "vecs" / "emb.npy"
    cache = tmp_path / "cache"
    res = _embed(str(data), "--out", str(out), "--model", str(tiny), "--cache-dir", str(cache))
    assert res.exit_code == 0, res.output
    X = np.load(out)
    assert X.shape == (4, 32) and X.dtype == np.float32
    texts = [f"{r['instruction']}\n\n{r['input']}\n\n{r['output']}".replace("\n\n\n\n", "\n\n") for r in RECORDS]
    np.testing.assert_allclose(X, Encoder(tiny, cache=False).encode(texts, progress=False), atol=1e-6)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["rows"] == 4 and meta["dim"] == 32 and meta["template"] == "default"
    assert meta["ids"] == ["alpaca.json#0", "alpaca.json#1", "alpaca.json#2", "alpaca.json#3"]
    assert meta["sha256"] and meta["max_length"] == 128
    assert meta["stats"]["n_encoded"] == 3  # the repeated record is encoded once

    again = _embed(str(data), "--out", str(tmp_path / "b.npy"), "--model", str(tiny), "--cache-dir", str(cache))
    assert again.exit_code == 0, again.output
    assert "3 from the cache" in again.output
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), X)


def test_template_changes_the_vectors(tiny: Path, data: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    assert _embed(str(data), "--out", str(a), "--model", str(tiny), "--no-cache").exit_code == 0
    res = _embed(str(data), "--out", str(b), "--model", str(tiny), "--no-cache", "--template", "prompt")
    assert res.exit_code == 0, res.output
    assert not np.allclose(np.load(a), np.load(b))


def test_user_errors_exit_2_with_one_line(tiny: Path, data: Path, tmp_path: Path) -> None:
    res = _embed(str(data), "--out", str(tmp_path / "x.npy"), "--model", str(tmp_path / "nope"))
    assert res.exit_code == 2 and "does not exist" in res.output
    res = _embed(str(data), "--out", str(tmp_path / "x.txt"), "--model", str(tiny))
    assert res.exit_code == 2 and ".npy" in res.output
    res = _embed(str(data), "--out", str(tmp_path / "x.npy"), "--model", str(tiny), "--template", "nah")
    assert res.exit_code == 2 and "roles" in res.output
    assert not (tmp_path / "x.npy").exists()
