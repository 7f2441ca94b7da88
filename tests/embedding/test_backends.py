"""Encoder backends: onnx (fp32, int8) and static against torch, their cached models, and the settings' checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.config.run import load_run_config
from selector.embedding.backends import check_backend
from selector.embedding.backends.store import artifact_dir, get_or_build, verify
from selector.embedding.encoder import Encoder
from selector.errors import ConfigError
from tests.tiny_model import build_tiny_bert, tiny_texts

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the module, so the default model is exported once."""
    return tmp_path_factory.mktemp("models-cache")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


# settings ------------------------------------------------------------------------------------------------


def test_backend_settings_are_checked_with_the_choices() -> None:
    assert check_backend("onnx", "int8") == ("onnx", "int8")
    assert check_backend("torch", "none") == ("torch", None)
    with pytest.raises(ConfigError, match=r"encoder.backend: unknown backend 'tensorrt'.*torch, onnx, static"):
        check_backend("tensorrt", None)
    with pytest.raises(ConfigError, match=r"encoder.quantize: int8 needs encoder.backend: onnx"):
        check_backend("torch", "int8")
    with pytest.raises(ConfigError, match=r"encoder.quantize: unknown value 'int4'"):
        check_backend("onnx", "int4")
    with pytest.raises(ConfigError, match=r"encoder.dtype: unknown dtype 'fp8'"):
        load_run_config(None, {"encoder": {"dtype": "fp8"}})
    cfg = load_run_config(None, {"encoder": {"backend": "onnx", "quantize": "int8", "dtype": "float32"}})
    assert (cfg.encoder.backend, cfg.encoder.quantize, cfg.encoder.dtype) == ("onnx", "int8", "float32")


def test_onnx_refuses_a_gpu_dtype(tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    with pytest.raises(ConfigError, match=r"encoder.dtype: bfloat16 needs encoder.backend: torch"):
        Encoder(tiny, backend="onnx", dtype="bfloat16", cache_dir=tmp_path)


# onnx ----------------------------------------------------------------------------------------------------


def test_onnx_fp32_matches_torch_on_the_tiny_model_and_int8_is_close(tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    texts = tiny_texts(60)
    ref = Encoder(tiny, cache=False, batch_tokens=256).encode(texts, progress=False)
    fp32 = Encoder(tiny, backend="onnx", cache=False, cache_dir=tmp_path, batch_tokens=256)
    X = fp32.encode(texts, progress=False)
    assert X.dtype == np.float32 and X.shape == ref.shape
    assert np.abs(X - ref).max() < 1e-4
    q = Encoder(tiny, backend="onnx", quantize="int8", cache=False, cache_dir=tmp_path, batch_tokens=256)
    Q = q.encode(texts, progress=False)
    assert np.allclose(np.linalg.norm(Q, axis=1), 1, atol=1e-5)
    assert cosines(Q, X).min() > 0.9  # random weights quantise worse than trained ones (0.989 on MiniLM)
    assert (fp32.info()["backend"], q.info()["quantize"]) == ("onnx", "int8")


def test_onnx_fp32_matches_torch_on_the_default_model(models_dir: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    texts = ["Write a Python function that reverses a list.", "什么是机器学习？", "A short one", "x " * 300]
    ref = Encoder(cache=False).encode(texts, progress=False)
    X = Encoder(backend="onnx", cache=False, cache_dir=models_dir).encode(texts, progress=False)
    assert np.abs(X - ref).max() < 1e-4
    Q = Encoder(backend="onnx", quantize="int8", cache=False, cache_dir=models_dir).encode(texts, progress=False)
    assert cosines(Q, X).min() > 0.95


def test_export_is_cached_reused_and_rebuilt_when_corrupt(tiny: Path, tmp_path: Path, caplog) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    texts = tiny_texts(10)
    first = Encoder(tiny, backend="onnx", cache=False, cache_dir=tmp_path)
    folder = first._runner.graph.parent
    assert verify(folder)
    stamp = (folder / "model.onnx").stat().st_mtime_ns
    again = Encoder(tiny, backend="onnx", cache=False, cache_dir=tmp_path)
    assert again._runner.graph == first._runner.graph
    assert (folder / "model.onnx").stat().st_mtime_ns == stamp  # not exported a second time
    expected = first.encode(texts, progress=False)

    with (folder / "model.onnx").open("r+b") as f:  # flip bytes in the middle of the weights
        f.seek(2000)
        f.write(b"\x00\x01\x02\x03" * 8)
    assert not verify(folder)
    with caplog.at_level("WARNING"):
        rebuilt = Encoder(tiny, backend="onnx", cache=False, cache_dir=tmp_path)
    assert "corrupt" in caplog.text
    assert verify(folder)
    np.testing.assert_allclose(rebuilt.encode(texts, progress=False), expected, atol=1e-6)


def test_store_builds_once_and_leaves_no_partial_folder(tmp_path: Path) -> None:
    calls = []

    def build(folder: Path) -> None:
        calls.append(folder)
        (folder / "w.bin").write_bytes(b"abc")

    first, built = get_or_build(tmp_path, "demo", {"model_sha256": "x"}, build)
    again, built_again = get_or_build(tmp_path, "demo", {"model_sha256": "x"}, build)
    assert (built, built_again, first == again, len(calls)) == (True, False, True, 1)
    assert json.loads((first / "artifact.json").read_text())["model_sha256"] == "x"
    assert first == artifact_dir(tmp_path, "demo", {"model_sha256": "x"})

    def broken(folder: Path) -> None:
        (folder / "half.bin").write_bytes(b"a")
        raise RuntimeError("killed mid-build")

    with pytest.raises(RuntimeError):
        get_or_build(tmp_path, "demo", {"model_sha256": "y"}, broken)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [first.name]


def test_every_backend_keys_its_own_cache_entries(tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    texts = tiny_texts(12)
    dirs = set()
    for kwargs in ({}, {"backend": "onnx"}, {"backend": "onnx", "quantize": "int8"}):
        enc = Encoder(tiny, cache_dir=tmp_path, **kwargs)
        enc.encode(texts, progress=False)
        assert enc.stats_.n_cached == 0, kwargs  # nothing served from another backend's vectors
        dirs.add(enc.open_cache("default").dir)
        enc.encode(texts, progress=False)
        assert enc.stats_.n_cached == len(texts), kwargs
    assert len(dirs) == 3
    assert "backend" not in Encoder(tiny, cache_dir=tmp_path).cache_fields(None)  # torch keeps its old key


def test_missing_extra_names_the_pip_install(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'selector\[onnx\]'"):
        Encoder(tiny, backend="onnx", cache_dir=tmp_path)
    monkeypatch.setitem(sys.modules, "model2vec", None)
    with pytest.raises(ConfigError, match=r"pip install 'selector\[static\]'"):
        Encoder(tiny, backend="static", cache_dir=tmp_path)


def test_cli_embed_with_the_onnx_backend_records_it(tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    data = tmp_path / "d.jsonl"
    data.write_text(
        "\n".join(json.dumps({"instruction": t, "output": "an answer"}) for t in tiny_texts(8)), encoding="utf-8"
    )
    out = tmp_path / "X.npy"
    args = ["embed", str(data), "-o", str(out), "-m", str(tiny), "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(app, [*args, "--backend", "onnx", "--quantize", "int8"])
    assert result.exit_code == 0, result.output
    meta = json.loads(out.with_suffix(".json").read_text())
    assert (meta["backend"], meta["quantize"], meta["dtype"]) == ("onnx", "int8", "float32")
    bad = CliRunner().invoke(app, [*args, "--overwrite", "--quantize", "int8"])
    assert bad.exit_code != 0 and "needs encoder.backend: onnx" in bad.output


# static --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny BERT with a tokenizer that knows its vocabulary (``BertTokenizerFast(vocab_file=...)`` keeps only
    the special tokens under transformers 5, so the shared fixture maps every word to [UNK])."""
    from transformers import BertTokenizerFast

    from tests.tiny_model import tiny_vocab

    path = build_tiny_bert(tmp_path_factory.mktemp("tiny-words"))
    vocab = {token: i for i, token in enumerate(tiny_vocab())}
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    tokenizer.model_max_length = 128
    tokenizer.save_pretrained(path)
    return path


def test_static_backend_distils_once_and_gives_unit_rows(tiny_words: Path, tmp_path: Path) -> None:
    pytest.importorskip("model2vec", reason="the static backend needs model2vec (pip install 'selector[static]')")
    pytest.importorskip("skeletoken", reason="model2vec's distillation needs skeletoken (selector[static])")
    tiny = tiny_words
    texts = tiny_texts(30)
    enc = Encoder(tiny, backend="static", cache=False, cache_dir=tmp_path)
    folder = enc._static.folder
    assert verify(folder)
    X = enc.encode(texts, progress=False)
    assert X.shape == (30, enc.dim) and X.dtype == np.float32
    norms = np.linalg.norm(X, axis=1)  # unit rows; zero rows for texts with no token the static model knows
    assert np.all(np.isclose(norms, 1, atol=1e-5) | (norms == 0)) and norms.max() > 0
    stamp = (folder / "artifact.json").stat().st_mtime_ns
    again = Encoder(tiny, backend="static", cache=False, cache_dir=tmp_path)
    assert (folder / "artifact.json").stat().st_mtime_ns == stamp  # reused, not distilled again
    np.testing.assert_array_equal(again.encode(texts, progress=False), X)
    assert "backend" in again.cache_fields(None) and again.info()["backend"] == "static"
