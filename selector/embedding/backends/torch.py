"""The ``torch`` backend (the default): the transformer in PyTorch, exact float32 on a CPU, bf16/fp16 on a GPU.

:class:`~selector.embedding.encoder.Encoder` orchestrates (cache, tokenising ahead, batches by token budget, the
out-of-memory split in :mod:`selector.embedding.batching`); this module holds what is PyTorch's own: loading the
network with its CUDA staging buffers (:func:`load_torch`), the forward pass under ``torch.inference_mode()``
with pooling and normalisation (:func:`torch_forward`), and the CPU thread setting of a call
(:func:`torch_threads`). The ``onnx`` and ``static`` backends have their own modules beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from selector.embedding import models
from selector.embedding.gpu import Staging
from selector.embedding.pooling import pool


def load_torch(
    ref: models.ModelRef, config: Any, *, dtype: str, device: str, batch_tokens: int, trust_remote_code: bool
) -> tuple[Any, Staging | None]:
    """The network in eval mode, in ``dtype`` on ``device`` (:func:`selector.embedding.models.load_model`), and on
    CUDA the pinned staging buffers of a batch of ``batch_tokens`` ids (:class:`~selector.embedding.gpu.Staging`;
    ``None`` elsewhere)."""
    model = models.load_model(ref, config, dtype=dtype, device=device, trust_remote_code=trust_remote_code)
    staging = Staging(device, batch_tokens) if device.startswith("cuda") else None
    return model, staging


def torch_forward(model: Any, ids: Any, mask: Any, pooling: str) -> Any:
    """Pooled, L2-normalised float32 vectors ``(rows, dim)`` of the ``(rows, width)`` int64 ``ids`` under their
    attention ``mask`` (tensors on the model's device); the result stays on that device."""
    import torch

    with torch.inference_mode():
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        return pool(hidden, mask, pooling)


@contextmanager
def torch_threads(num_threads: int | None) -> Iterator[None]:
    """Run the block with ``num_threads`` torch CPU threads (``None``: torch's own setting), then restore it."""
    import torch

    old = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        if num_threads:
            torch.set_num_threads(old)
