"""Device-side choices of the torch encoder: the compute dtype by the chosen device's capability, and which errors
mean the device ran out of memory (CUDA's ``OutOfMemoryError``; MPS raises a plain ``RuntimeError``)."""

from __future__ import annotations

import logging

from selector.embedding.backends import check_dtype
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
