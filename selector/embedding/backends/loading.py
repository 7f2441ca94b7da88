"""Loading the engine an :class:`~selector.embedding.encoder.Encoder` runs on, as its ``backend`` says: the
torch network (:mod:`.torch`), the ONNX Runtime graph (:mod:`.onnx_runtime`) or the distilled static model
(:mod:`.static`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from selector.embedding import models
from selector.embedding.backends.torch import load_torch

if TYPE_CHECKING:
    from transformers import PretrainedConfig

    from selector.embedding.encoder import Encoder
    from selector.embedding.gpu import Staging

__all__ = ["load_backend"]


def load_backend(
    encoder: Encoder, ref: models.ModelRef, model_config: PretrainedConfig
) -> tuple[Any, Staging | None, Any, Any]:
    """``(model, staging, onnx_runner, static_runner)`` for ``encoder``'s settings (backend, dtype, device, token
    budget, cache folder, threads); the entries of the other backends are ``None``."""
    trust = encoder.trust_remote_code
    if encoder.backend == "torch":
        model, staging = load_torch(
            ref,
            model_config,
            dtype=encoder.dtype,
            device=encoder.device,
            batch_tokens=encoder.batch_tokens,
            trust_remote_code=trust,
        )
        return model, staging, None, None
    if encoder.backend == "onnx":
        from selector.embedding.backends.onnx_runtime import OnnxRunner, graph_path

        graph = graph_path(
            ref, encoder.sha256, model_config, encoder.cache_dir, encoder.quantize, trust_remote_code=trust
        )
        return None, None, OnnxRunner(graph, num_threads=encoder.num_threads), None
    from selector.embedding.backends.static import StaticRunner

    static = StaticRunner(
        ref,
        encoder.sha256,
        encoder.dim,
        encoder.cache_dir,
        max_length=encoder.max_length,
        device=encoder.device,
        trust_remote_code=trust,
    )
    return None, None, None, static
