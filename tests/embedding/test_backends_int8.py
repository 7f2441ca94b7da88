"""The int8 recipe of the onnx backend: what it quantises, what it keeps in float32, and that it keys the caches."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.embedding.backends.onnx_runtime import INT8_DEFAULT, Int8Recipe, quantize_graph
from selector.embedding.backends.store import get_or_build
from selector.embedding.encoder import Encoder
from tests.tiny_model import tiny_texts

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def fp32_graph(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny BERT exported to ONNX once for the module."""
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    enc = Encoder(tiny, backend="onnx", cache=False, cache_dir=tmp_path_factory.mktemp("onnx-cache"))
    return enc._runner.graph


def op_counts(path: Path) -> dict[str, int]:
    import onnx

    counts: dict[str, int] = {}
    for node in onnx.load(str(path)).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def test_recipe_quantises_the_matmuls_and_keeps_the_excluded_ones(fp32_graph: Path, tmp_path: Path) -> None:
    import onnx

    source = op_counts(fp32_graph)
    layers = (source["LayerNormalization"] - 1) // 2  # two per layer and one after the embeddings
    weight_matmuls = 6 * layers  # per layer: query, key, value, attention out, FFN in, FFN out
    every = tmp_path / "every.onnx"
    assert quantize_graph(fp32_graph, every, Int8Recipe(op_types=("MatMul",))) == []
    assert op_counts(every).get("MatMulInteger", 0) == weight_matmuls  # the scores' MatMuls have no weights

    kept = tmp_path / "kept.onnx"
    excluded = quantize_graph(fp32_graph, kept, Int8Recipe(exclude=r"layer\.\d+/output/dense/MatMul$"))
    assert len(excluded) == layers and all(name.endswith("output/dense/MatMul") for name in excluded)
    graph = onnx.load(str(kept)).graph
    assert {n.name for n in graph.node if n.op_type == "MatMul"} >= set(excluded)  # still float32 MatMuls
    assert op_counts(kept)["MatMulInteger"] == weight_matmuls - layers

    # ONNX Runtime's own op list also stores the token embeddings in int8; "MatMul" keeps them float32
    gathers = tmp_path / "gathers.onnx"
    quantize_graph(fp32_graph, gathers, Int8Recipe(op_types=()))
    int8_tables = [t.name for t in onnx.load(str(gathers)).graph.initializer if "embeddings" in t.name]
    assert any(name.endswith("_quantized") for name in int8_tables)
    assert not any("embeddings" in t.name and t.name.endswith("_quantized") for t in graph.initializer)


def test_a_fused_recipe_quantises_the_fused_attention_and_leaves_no_intermediate_file(
    fp32_graph: Path, tmp_path: Path
) -> None:
    layers = (op_counts(fp32_graph)["LayerNormalization"] - 1) // 2
    target = tmp_path / "fused.onnx"
    recipe = Int8Recipe(op_types=("MatMul", "Attention"), exclude=r"layer\.\d+/output/dense/MatMul$", fuse=True)
    excluded = quantize_graph(fp32_graph, target, recipe, heads=2, width=32)  # tests/tiny_model.py
    counts = op_counts(target)
    assert counts.get("QAttention", 0) == layers  # one fused attention a layer, its Q/K/V projection in int8
    assert counts.get("MatMulInteger", 0) == 2 * layers  # attention out and FFN in, per layer
    assert len(excluded) == layers  # FFN out stays float32
    assert [p.name for p in tmp_path.iterdir()] == ["fused.onnx"]
    assert "fuse" not in INT8_DEFAULT.fields() and recipe.fields()["fuse"] is True  # old keys stay as they were


def test_int8_caches_are_keyed_by_the_recipe(tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    import onnxruntime
    import torch

    from selector.embedding.backends.onnx_runtime import OPSET
    from selector.embedding.models import weights_sha256

    # a graph cached under the key int8 exports had before recipes existed: it must not be picked up
    old_fields = {
        "model_sha256": weights_sha256(tiny),
        "opset": OPSET,
        "torch": torch.__version__.split("+")[0],
        "quantize": "int8",
        "onnxruntime": onnxruntime.__version__,
    }
    old, _ = get_or_build(tmp_path, "onnx-int8", old_fields, lambda d: (d / "model.onnx").write_bytes(b"old"))
    enc = Encoder(tiny, backend="onnx", quantize="int8", cache_dir=tmp_path)
    folder = enc._runner.graph.parent
    assert folder != old
    record = json.loads((folder / "artifact.json").read_text())
    assert {k: record[k] for k in INT8_DEFAULT.fields()} == INT8_DEFAULT.fields()
    assert enc.cache_fields("default")["int8_recipe"] == INT8_DEFAULT.fields() == enc.info()["int8_recipe"]
    assert "int8_recipe" not in Encoder(tiny, backend="onnx", cache_dir=tmp_path).cache_fields("default")
    assert enc.encode(tiny_texts(4), progress=False).shape == (4, enc.dim)


def test_cli_says_which_pip_install_when_onnxruntime_is_missing(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"instruction": "Say hi.", "output": "Hi."}) + "\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if the extra were not installed
    args = ["embed", str(data), "-o", str(tmp_path / "X.npy"), "-m", str(tiny), "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(app, [*args, "--backend", "onnx"])
    assert result.exit_code == 2, result.output
    assert "pip install 'selector[onnx]'" in result.output
    assert "Traceback" not in result.output
