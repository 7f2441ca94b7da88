"""The ``onnx`` backend: the transformer exported once to ONNX and run by ONNX Runtime on the CPU.

The export traces the model (eager attention, ``torch.onnx.export`` with the TorchScript exporter, opset 17) with
dynamic batch and length axes, on an example batch that holds padding so the attention mask stays in the graph. The
graph outputs ``last_hidden_state``; pooling and normalisation are the torch backend's own
(:mod:`selector.embedding.pooling`), on the same length-sorted token-budget batches, so float32 vectors agree with
the torch backend to about 1e-6. ``quantize="int8"`` applies ONNX Runtime's dynamic quantisation (int8 weights per
output channel, activations quantised on the fly) to the exported graph's MatMuls following :data:`INT8_DEFAULT`;
its vectors are close to, not equal to, the float32 ones (the README gives the measured cosines).

Both graphs are cached under ``<cache dir>/models/`` keyed by the source weights' sha256
(:mod:`selector.embedding.backends.store`): the first run exports (seconds for MiniLM), later runs load.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from transformers import PretrainedConfig

from selector.embedding import models
from selector.embedding.backends import require
from selector.embedding.backends.store import get_or_build
from selector.errors import SelectorError

log = logging.getLogger(__name__)

OPSET = 17
GRAPH = "model.onnx"


def _export(ref: models.ModelRef, model_config: PretrainedConfig, folder: Path, *, trust_remote_code: bool) -> None:
    """Trace ``ref``'s encoder into ``folder/model.onnx`` (inputs ``input_ids``, ``attention_mask``; output
    ``last_hidden_state``, all with dynamic batch and length)."""
    import torch

    net = models.load_model(
        ref,
        model_config,
        dtype="float32",
        device="cpu",
        trust_remote_code=trust_remote_code,
        attn_implementation="eager",
    )

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.full((2, 8), 5, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0  # padding in the example keeps the mask's path in the traced graph
    axes = {0: "batch", 1: "length"}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                Hidden(net),
                (ids, mask),
                str(folder / GRAPH),
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                opset_version=OPSET,
                dynamo=False,
            )
        except Exception as exc:
            raise SelectorError(
                f"model {ref.name!r}: the ONNX export failed ({type(exc).__name__}: {exc}); "
                "use encoder.backend: torch for this model"
            ) from exc


@dataclass(frozen=True)
class Int8Recipe:
    """How ``quantize="int8"`` quantises the exported graph (ONNX Runtime ``quantize_dynamic``).

    Dynamic quantisation stores the chosen MatMuls' weights in int8 and quantises their inputs to 8 bits on the fly
    (one scale per tensor per call), so the error grows where a layer's inputs hold a few large outliers. Fields:

    - ``op_types``: operator types to quantise. ``("MatMul",)`` leaves the token-embedding ``Gather`` in float32;
      ``()`` means ONNX Runtime's own default list (which quantises that ``Gather`` too).
    - ``per_channel``: one weight scale per output column instead of one per matrix.
    - ``reduce_range``: 7-bit weights (for CPUs without VNNI that saturate the int16 accumulator).
    - ``weight_type``: ``QInt8`` or ``QUInt8``.
    - ``exclude``: a regular expression over node names whose matches stay float32 (``""``: none); for example
      ``r"layer\\.\\d+/output/dense/MatMul$"`` keeps every feed-forward down-projection (its GELU inputs carry the
      outliers). Only nodes of the quantised types are listed.
    - ``fuse``: first run ONNX Runtime's transformer optimiser (BERT fusions: one ``Attention`` node per layer,
      ``SkipLayerNormalization``, ``BiasGelu``), then quantise; with ``"Attention"`` in ``op_types`` the fused
      attention's Q/K/V projection is quantised too (``QAttention``). Part of the key only when on, so graphs of
      the recipes without it keep their key.

    :data:`INT8_DEFAULT` is the measured best trade-off (``benchmarks/bench_encode_int8.py``); every field is part
    of the cached graph's key, so a graph quantised with other settings is never reused for these.
    """

    op_types: tuple[str, ...] = ("MatMul",)
    per_channel: bool = True
    reduce_range: bool = False
    weight_type: str = "QInt8"
    exclude: str = ""
    fuse: bool = False

    def fields(self) -> dict[str, Any]:
        """The recipe as JSON-ready key fields (``fuse`` only when on)."""
        out = asdict(self)
        out["op_types"] = list(self.op_types)
        if not self.fuse:
            del out["fuse"]
        return out


INT8_DEFAULT = Int8Recipe(exclude=r"layer\.\d+/output/dense/MatMul$")
"""Every weight MatMul in int8 except the feed-forward down-projections (BERT-style names; a model whose nodes are
named otherwise gets every MatMul in int8). On MiniLM (``docs/benchmarks.md``, section 3.3): min cosine 0.977-0.990
and mean 0.994-0.996 to float32; 1.4-1.7x our torch path and 2.4-2.7x sentence-transformers on this project's
2-core AVX2 machine (no VNNI) when it is lightly loaded. Every MatMul in int8 is slightly faster and less exact."""


def quantize_graph(
    source: Path, target: Path, recipe: Int8Recipe = INT8_DEFAULT, *, heads: int = 0, width: int = 0
) -> list[str]:
    """Dynamic int8 quantisation of the ONNX graph ``source`` into ``target`` following ``recipe``; returns the
    names of the nodes left in float32 by ``recipe.exclude``. A ``fuse`` recipe needs the model's attention
    ``heads`` and hidden ``width`` (the optimiser cannot read them off this export's graph)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if recipe.weight_type not in ("QInt8", "QUInt8"):
        raise ValueError(f"weight_type must be QInt8 or QUInt8, got {recipe.weight_type!r}")
    excluded: list[str] = []
    extra: dict[str, Any] = {}
    if recipe.fuse:
        source = fused_graph(source, target.with_name(target.stem + ".fused.onnx"), heads=heads, width=width)
        extra = {"DefaultTensorType": onnx.TensorProto.FLOAT}  # the fused nodes' domain has no type inference
    if recipe.exclude:
        pattern = re.compile(recipe.exclude)
        graph = onnx.load(str(source), load_external_data=False).graph
        kinds = recipe.op_types or ("MatMul", "Gather")
        excluded = [n.name for n in graph.node if n.op_type in kinds and pattern.search(n.name)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(
            source,
            target,
            op_types_to_quantize=list(recipe.op_types) or None,
            per_channel=recipe.per_channel,
            reduce_range=recipe.reduce_range,
            weight_type=getattr(QuantType, recipe.weight_type),
            nodes_to_exclude=excluded,
            extra_options=extra,
        )
    if recipe.fuse:
        source.unlink()
    return excluded


def fused_graph(source: Path, target: Path, *, heads: int, width: int) -> Path:
    """Write ``source`` after ONNX Runtime's BERT fusions to ``target``, for a model of ``heads`` attention heads
    and hidden size ``width`` (without them the attention of this export is not fused)."""
    from onnxruntime.transformers.optimizer import optimize_model

    if heads <= 0 or width <= 0:
        raise ValueError(f"fusing needs the model's heads= and width= (got {heads} and {width})")
    model = optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=width, opt_level=1)
    model.save_model_to_file(str(target))
    return target


def graph_path(
    ref: models.ModelRef,
    sha256: str,
    model_config: PretrainedConfig,
    cache_dir: Path,
    quantize: str | None,
    *,
    trust_remote_code: bool = False,
) -> Path:
    """The cached ONNX graph of ``ref`` (float32, or int8 for ``quantize="int8"``), exported on first use."""
    import torch

    require("onnxruntime", "onnx")
    require("onnx", "onnx")
    fields = {"model_sha256": sha256, "opset": OPSET, "torch": torch.__version__.split("+")[0]}
    fp32, built = get_or_build(
        cache_dir, "onnx-fp32", fields, lambda d: _export(ref, model_config, d, trust_remote_code=trust_remote_code)
    )
    if built:
        log.info("exported %s to ONNX (%s)", ref.name, fp32)
    if quantize is None:
        return fp32 / GRAPH
    import onnxruntime

    q_fields = {**fields, "quantize": quantize, "onnxruntime": onnxruntime.__version__, **INT8_DEFAULT.fields()}
    folder, built = get_or_build(
        cache_dir,
        f"onnx-{quantize}",
        q_fields,
        lambda d: quantize_graph(fp32 / GRAPH, d / GRAPH, INT8_DEFAULT, **_shape(model_config)),
    )
    if built:
        log.info("quantised %s's ONNX graph to %s (%s)", ref.name, quantize, folder)
    return folder / GRAPH


def _shape(model_config: PretrainedConfig) -> dict[str, int]:
    """The attention heads and hidden width a ``fuse`` recipe needs (0 when the config has none)."""
    return {
        "heads": int(getattr(model_config, "num_attention_heads", 0) or 0),
        "width": int(getattr(model_config, "hidden_size", 0) or 0),
    }


def cpu_count() -> int:
    """CPU cores this process may use (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class OnnxRunner:
    """An ONNX Runtime session over a cached graph: ``runner(input_ids, mask) -> last_hidden_state``.

    ``input_ids`` and ``mask`` are (b, L) int64 arrays; the result is (b, L, d) float32. Graph optimisations are
    all on; ``num_threads`` intra-op threads (``None``: every core this process may use).
    """

    def __init__(self, graph: Path, *, num_threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = int(num_threads or cpu_count())
        options.inter_op_num_threads = 1
        self.graph = graph
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = self.session.run(["last_hidden_state"], {"input_ids": input_ids, "attention_mask": mask})
        return out[0]
