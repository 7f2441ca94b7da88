"""The ``encoder:`` section of a run config: :class:`EncoderConfig`, owned by the embedding package.

Each key is read where it is used: :func:`selector.embedding.step.load_encoder` passes every key that
:class:`~selector.embedding.encoder.Encoder` takes by name, so a new encoder option is a field here, its line in
``configs/default.yaml`` and its use in the encoder. ``selector.config`` composes this section into the run config
and loads it strictly (an unknown key is an error naming it).
"""

from __future__ import annotations

from dataclasses import dataclass

from selector.embedding.backends import check_backend, check_dtype
from selector.errors import ConfigError

__all__ = ["EncoderConfig"]


@dataclass
class EncoderConfig:
    """How samples are embedded (the ``encoder:`` section).

    Attributes:
        model: local path or Hub id of a ``transformers`` encoder; ``None`` is the bundled all-MiniLM-L6-v2.
        max_length: tokens per sample; ``None`` is the model's own limit (256 for the default model).
        template: how a sample is rendered before embedding (``default``: instruction, input, then the answer).
        device: the device of the whole run (embedding, K-Means, coreset): ``auto`` (cuda, mps, cpu, in that
            order), ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` (see ``selector.device``).
        batch_tokens: token budget per batch (padded length x rows); ``None`` lets the encoder choose.
        cache_dir: embedding cache folder; ``None`` is ``$SELECTOR_CACHE_DIR`` or the user's cache folder.
        trust_remote_code: allow a model's own Python code to run (off unless you trust the model).
        backend: ``torch`` (exact, default), ``onnx`` (ONNX Runtime on the CPU, ``pip install 'selector[onnx]'``)
            or ``static`` (a model2vec static model distilled from ``model``, ``pip install 'selector[static]'``).
        quantize: ``int8`` (dynamic int8 quantisation; ``backend: onnx`` only) or ``None`` for float32.
        dtype: compute dtype of the torch backend: ``auto`` (bf16 on CUDA from compute capability 8.0, fp16 below,
            float32 elsewhere), ``float32``, ``bfloat16`` or ``float16``.
        ray: embed on Ray workers (``pip install 'selector[ray]'``; ``selector.distributed.fill_cache_ray``): they
            write the vectors to the cache (on storage every worker shares), and the run reads them from there.
        ray_address: the Ray cluster to join (``ray://HOST:10001``, ``HOST:6379``, ``auto``); ``None`` is
            ``$RAY_ADDRESS``, else a local Ray started and stopped by the run.
        ray_workers: encoder workers; ``None`` is one per GPU of the cluster, else one per 4 CPUs.
    """

    model: str | None = None
    max_length: int | None = None
    template: str = "default"
    device: str = "auto"
    batch_tokens: int | None = None
    cache_dir: str | None = None
    trust_remote_code: bool = False
    backend: str = "torch"
    quantize: str | None = None
    dtype: str = "auto"
    ray: bool = False
    ray_address: str | None = None
    ray_workers: int | None = None

    def __post_init__(self) -> None:
        self.backend, self.quantize = check_backend(self.backend, self.quantize)
        self.dtype = check_dtype(self.dtype)
        if self.ray_workers is not None and self.ray_workers < 1:
            raise ConfigError(
                f"config key 'encoder.ray_workers' must be a positive integer or null (one per GPU), "
                f"got {self.ray_workers}"
            )
