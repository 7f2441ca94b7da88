"""Device-side choices of the torch encoder: the compute dtype by the chosen device's capability, which errors
mean the device ran out of memory (CUDA's ``OutOfMemoryError``; MPS raises a plain ``RuntimeError``), and the
pinned staging that feeds a CUDA device without waiting on it (:class:`Staging`)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from selector.embedding.backends import check_dtype
from selector.embedding.tokenizing import Tokens, pad
from selector.errors import ConfigError

log = logging.getLogger(__name__)


def cuda_dtype(capability: tuple[int, int]) -> str:
    """The automatic dtype on a CUDA device of compute ``capability`` (major, minor): bf16 in hardware from
    Ampere (8.0) on, else fp16 (``torch.cuda.is_bf16_supported()`` also counts emulated bf16, slow on T4/V100)."""
    return "bfloat16" if capability[0] >= 8 else "float16"


def pick_dtype(dtype: str, device: str, backend: str = "torch") -> str:
    """The compute dtype for ``dtype`` (``auto`` or a name in :data:`DTYPES`) on ``device``; ``auto`` reads the
    compute capability of the chosen CUDA device itself (``cuda:1`` included), not the current one."""
    import torch

    check_dtype(dtype)
    if backend != "torch":
        if dtype not in ("auto", "float32"):
            raise ConfigError(
                f"encoder.dtype: {dtype} needs encoder.backend: torch; the {backend} backend computes in float32"
            )
        return "float32"
    if not device.startswith("cuda"):
        return "float32" if dtype == "auto" else dtype
    capability = torch.cuda.get_device_capability(torch.device(device))
    if dtype == "auto":
        return cuda_dtype(capability)
    if dtype == "bfloat16" and cuda_dtype(capability) != "bfloat16":
        log.warning("%s (compute capability %d.%d) emulates bfloat16 slowly; float16 is faster", device, *capability)
    return dtype


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a device out-of-memory error: CUDA's ``OutOfMemoryError``, or the plain
    ``RuntimeError`` that MPS (and older CUDA builds) raise with "out of memory" in the message."""
    import torch

    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


WIDTH_MULTIPLE = 32
"""On CUDA, padded widths are rounded up to a multiple of this (never past ``max_length``): a 31,852-text run then
meets at most ``max_length / 32`` distinct shapes, which keeps cuBLAS/attention kernel choice and the caching
allocator's blocks reused; padded positions are masked, so the vectors do not change beyond float rounding."""


class Staging:
    """Pinned host buffers that carry each batch's ids and lengths to a CUDA device with non-blocking copies.

    Two buffers alternate; before one is refilled, the event recorded after its last copy is waited on, which has
    almost always passed already (the copy was queued two batches earlier), so the host never waits on the model.
    A buffer grows (re-pinned) when a batch needs more room than it has.
    """

    def __init__(self, device: str, capacity: int) -> None:
        self.device = device
        self.buffers: list[Any] = [None, None]
        self.events: list[Any] = [None, None]
        self.capacity = capacity
        self.turn = 0

    def send(self, tokens: Tokens, rows: np.ndarray, width: int, pad_id: int) -> tuple[Any, Any]:
        """Rows ``rows`` of ``tokens`` (:class:`~selector.embedding.tokenizing.Tokens`) padded to ``width``, as
        int64 ``(b, width)`` ids and ``(b,)`` lengths on the device (copies queued, not awaited)."""
        import torch

        b = len(rows)
        need = b * width + b
        k = self.turn
        self.turn = 1 - k
        if self.events[k] is not None:
            self.events[k].synchronize()
        if self.buffers[k] is None or self.buffers[k].numel() < need:
            self.capacity = max(self.capacity, need)
            self.buffers[k] = torch.empty(self.capacity, dtype=torch.int64).pin_memory()
        host = self.buffers[k]
        view = host.numpy()
        pad(tokens, rows, width, pad_id, view)
        view[b * width : need] = tokens.lengths[rows]
        moved = host[:need].to(self.device, non_blocking=True)
        event = torch.cuda.Event()
        event.record()
        self.events[k] = event
        return moved[: b * width].view(b, width), moved[b * width :]
