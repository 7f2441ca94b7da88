"""``--embeddings FILE.npy``: rows are checked against the samples through the sidecar ``selector embed`` writes.

Issue 10, item 2: vectors embedded from one file used to be accepted for a shuffled copy of it (same row count),
and a text file named ``.npy`` failed with numpy's ``allow_pickle`` hint.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.embedding.precomputed import load_embeddings
from selector.errors import SelectorError
from selector.io import read_corpus
from selector.pipeline import select
from tests.tiny_model import build_tiny_bert, tiny_texts

runner = CliRunner()
N = 30


def _records(seed: int = 0) -> list[dict[str, str]]:
    texts = tiny_texts(2 * N, seed=seed, max_words=8)
    return [{"instruction": texts[2 * i], "input": "", "output": texts[2 * i + 1]} for i in range(N)]


def _write(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def embedded(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``good.jsonl`` and ``v.npy`` (with its sidecar) written by ``selector embed``."""
    root = tmp_path_factory.mktemp("embedded")
    good = _write(root / "good.jsonl", _records())
    out = root / "v.npy"
    res = runner.invoke(app, ["embed", str(good), "--out", str(out), "--model", str(tiny), "--no-cache"])
    assert res.exit_code == 0, res.output
    return good, out


def test_sidecar_holds_a_text_hash_per_row(embedded: tuple[Path, Path]) -> None:
    meta = json.loads(embedded[1].with_suffix(".json").read_text())
    assert meta["command"] == "embed" and meta["template"] == "default" and len(meta["sha256"]) == 64
    assert len(meta["text_hashes"]) == len(meta["ids"]) == N
    assert len(set(meta["text_hashes"])) == N and all(len(h) == 32 for h in meta["text_hashes"])


def test_same_inputs_are_accepted(embedded: tuple[Path, Path], tmp_path: Path) -> None:
    good, vectors = embedded
    res = runner.invoke(app, ["select", str(good), "--embeddings", str(vectors), "-n", "5", "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "cannot be checked" not in res.output


def test_shuffled_inputs_are_refused_naming_the_first_differing_row(
    embedded: tuple[Path, Path], tmp_path: Path
) -> None:
    _good, vectors = embedded
    records = _records()
    shuffled = _write(tmp_path / "good.jsonl", [records[1], records[0], *records[2:]])
    out = tmp_path / "o"
    res = runner.invoke(app, ["select", str(shuffled), "--embeddings", str(vectors), "-n", "5", "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "another order" in res.output
    assert "row 0 is 'good.jsonl#0' in v.npy" in res.output  # same name, so the ids alone would not tell
    assert not out.exists()


def test_other_inputs_and_row_counts_are_refused(embedded: tuple[Path, Path], tmp_path: Path) -> None:
    _good, vectors = embedded
    changed = _records()
    changed[4] = {**changed[4], "output": "a different answer"}
    other = _write(tmp_path / "other.jsonl", changed)
    samples = read_corpus([other]).samples
    with pytest.raises(SelectorError, match=r"1 of 30 rows hold other texts .*row 4 .*embedded from .*good\.jsonl"):
        load_embeddings(vectors, range(N), samples)
    short = _write(tmp_path / "short.jsonl", _records()[:-1])
    with pytest.raises(SelectorError, match=r"30 rows \(embedded from .*good\.jsonl\) but the inputs hold 29"):
        load_embeddings(vectors, range(N - 1), read_corpus([short]).samples)


def test_another_template_or_model_is_refused(embedded: tuple[Path, Path], tmp_path: Path) -> None:
    good, vectors = embedded
    samples = read_corpus([good]).samples
    with pytest.raises(SelectorError, match=r"template 'default' but this run's encoder.template is 'prompt'"):
        load_embeddings(vectors, range(N), samples, template="prompt")
    other_model = build_tiny_bert(tmp_path / "other-bert", seed=3)
    with pytest.raises(SelectorError, match=r"encoder.model is .*other-bert"):
        load_embeddings(vectors, range(N), samples, model=other_model)


def test_sidecar_from_another_array_is_refused(embedded: tuple[Path, Path], tmp_path: Path) -> None:
    good, vectors = embedded
    fake = tmp_path / "v.npy"
    np.save(fake, np.ones((N + 1, 8), dtype=np.float32))
    fake.with_suffix(".json").write_bytes(vectors.with_suffix(".json").read_bytes())
    with pytest.raises(SelectorError, match=r"31 rows but its sidecar v\.json lists 30"):
        load_embeddings(fake, range(N), read_corpus([good]).samples)


def test_bare_npy_needs_the_row_count_and_warns(
    embedded: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good, vectors = embedded
    bare = tmp_path / "bare.npy"
    bare.write_bytes(vectors.read_bytes())
    samples = read_corpus([good]).samples
    with caplog.at_level(logging.WARNING, logger="selector"):
        X = load_embeddings(bare, [3, 1], samples)
    np.testing.assert_allclose(X, np.load(vectors)[[3, 1]], atol=1e-6)
    assert any("cannot be checked" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    with pytest.raises(SelectorError, match=r"has 30 rows but the inputs hold 29 samples"):
        load_embeddings(bare, range(N - 1), samples[:-1])


def test_files_that_are_not_npy_arrays_are_named(tmp_path: Path, embedded: tuple[Path, Path]) -> None:
    samples = read_corpus([embedded[0]]).samples
    text = tmp_path / "vectors.npy"
    text.write_text("0.1 0.2 0.3\n0.4 0.5 0.6\n")
    for path, expected in [
        (text, r"not a \.npy array file: it looks like text"),
        (tmp_path / "missing.npy", "file not found"),
        (tmp_path, "is a folder"),
    ]:
        with pytest.raises(SelectorError, match=expected) as info:
            load_embeddings(path, range(N), samples)
        assert "allow_pickle" not in str(info.value)
    zipped = tmp_path / "z.npy"
    np.savez(zipped.with_suffix(".npz"), a=np.ones(3))
    zipped.write_bytes(zipped.with_suffix(".npz").read_bytes())
    with pytest.raises(SelectorError, match="zip archive"):
        load_embeddings(zipped, range(N), samples)


def test_cli_text_npy_exits_2_without_numpy_hint(embedded: tuple[Path, Path], tmp_path: Path) -> None:
    text = tmp_path / "v.npy"
    text.write_text("not numbers\n")
    args = ["select", str(embedded[0]), "--embeddings", str(text), "-n", "5", "-o", str(tmp_path / "o")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "not a .npy array file" in res.output
    assert "allow_pickle" not in res.output


def test_select_api_checks_alignment_too(embedded: tuple[Path, Path], tmp_path: Path) -> None:
    _good, vectors = embedded
    reversed_file = _write(tmp_path / "good.jsonl", _records()[::-1])
    with pytest.raises(SelectorError, match="another order"):
        select([reversed_file], budget=3, embeddings=vectors, progress=False)


def test_older_or_damaged_sidecars(
    embedded: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good, vectors = embedded
    meta = json.loads(vectors.with_suffix(".json").read_text())
    copy = tmp_path / "v.npy"
    copy.write_bytes(vectors.read_bytes())
    samples = read_corpus([good]).samples
    older = {k: v for k, v in meta.items() if k not in ("text_hashes", "row_hash")}  # before per-row hashes
    copy.with_suffix(".json").write_text(json.dumps(older))
    with caplog.at_level(logging.WARNING, logger="selector"):
        assert load_embeddings(copy, range(N), samples).shape == (N, 32)
    assert any("only the ids were checked" in r.getMessage() for r in caplog.records)
    copy.with_suffix(".json").write_text(json.dumps({**older, "ids": older["ids"][::-1]}))
    with pytest.raises(SelectorError, match=r"row 0 is 'good\.jsonl#29' but the inputs' sample 0 is 'good\.jsonl#0'"):
        load_embeddings(copy, range(N), samples)
    copy.with_suffix(".json").write_text(json.dumps({**meta, "text_hashes": meta["text_hashes"][:-1]}))
    with pytest.raises(SelectorError, match=r"sidecar v\.json is damaged"):
        load_embeddings(copy, range(N), samples)
    copy.with_suffix(".json").write_text("{not json")
    with pytest.raises(SelectorError, match=r"sidecar .*v\.json is unreadable"):
        load_embeddings(copy, range(N), samples)


@pytest.mark.parametrize("scale", [1e20, 1e-30])
def test_rows_near_the_float32_limits_normalise_like_ordinary_ones(tmp_path: Path, demo_vectors: Path, scale: float):
    from conftest import DEMO

    from selector.embedding.precomputed import unit_rows

    X = np.load(demo_vectors)
    scaled = (X.astype(np.float64) * scale).astype(np.float32)
    assert np.isfinite(scaled).all() and (np.abs(scaled).max(axis=1) > 0).all()
    np.testing.assert_allclose(unit_rows(tmp_path, scaled, np.arange(len(X))), X, atol=1e-6)
    path = tmp_path / "scaled.npy"
    np.save(path, scaled)
    base = select([DEMO], budget=10, embeddings=demo_vectors, progress=False)
    extreme = select([DEMO], budget=10, embeddings=path, progress=False)
    assert extreme.indices.tolist() == base.indices.tolist()


def test_a_zero_row_is_still_named(tmp_path: Path) -> None:
    from selector.embedding.precomputed import unit_rows

    X = np.ones((3, 4), dtype=np.float32)
    X[1] = 0
    with pytest.raises(SelectorError, match="row 1 is all zeros"):
        unit_rows(tmp_path, X, np.arange(3))
