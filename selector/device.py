"""Where the heavy stages run: one answer for the encoder, K-Means and the coreset.

``--device`` (config ``encoder.device``) names the device of the whole run, not only of the encoder: with
``cpu`` no stage touches a GPU. ``auto`` is CUDA when torch sees one, then Apple's MPS, then the CPU.
"""

from __future__ import annotations

import logging

from selector.errors import ConfigError

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(device: str = "auto", *, mps: bool = True) -> str:
    """The torch device name a stage should use for ``device`` (``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``).

    ``mps=False`` is for stages without an MPS path (the coreset): ``auto`` then skips MPS, and an explicit
    ``mps`` runs them on the CPU. Raises :class:`~selector.errors.ConfigError` for an unknown name or a CUDA device
    that torch cannot see.
    """
    import torch

    if not isinstance(device, str) or (device not in DEVICES and not device.startswith(("cuda:", "mps:"))):
        raise ConfigError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)} (or cuda:N)")
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        backend = getattr(torch.backends, "mps", None)
        return "mps" if mps and backend is not None and backend.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f'device {device!r} requested but CUDA is not available; use device="cpu" or device="auto"'
            )
        index = device.partition(":")[2]
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            raise ConfigError(
                f"device {device!r}: torch sees {torch.cuda.device_count()} CUDA device(s) (cuda:0 to "
                f'cuda:{torch.cuda.device_count() - 1}); pick one of them or use device="auto"'
            )
    if device.startswith("mps"):
        backend = getattr(torch.backends, "mps", None)
        if backend is None or not backend.is_available():
            raise ConfigError(
                f'device {device!r} requested but MPS is not available; use device="cpu" or device="auto"'
            )
        if not mps:
            return "cpu"
    return device


def faiss_uses_gpu(device: str = "auto") -> bool:
    """Whether faiss should run on a GPU for ``device``: only for a CUDA device, and only when faiss has GPUs.

    faiss-cpu (the default dependency) has none; a CUDA run then clusters on the CPU and says so once.
    """
    import faiss

    if not resolve_device(device).startswith("cuda"):
        return False
    if faiss.get_num_gpus() > 0:
        return True
    log.info("faiss has no GPU support installed (faiss-cpu): K-Means runs on the CPU")
    return False


GPU_HEADROOM = 1.25
"""Factor on an estimate of GPU bytes: the caching allocator rounds blocks up and fragments, so an estimate that
barely fits fails in practice."""

GPU_RESERVE_BYTES = 512 << 20
"""Bytes left free on the GPU beyond the estimate: kernels' workspaces, the caching allocator's slack, and other
processes that allocate between the check and the copy."""


def fits_on_gpu(needed: int, free: int, *, headroom: float = GPU_HEADROOM, reserve: int = GPU_RESERVE_BYTES) -> bool:
    """Whether ``needed`` bytes (an estimate) fit in ``free`` bytes of GPU memory with the safety margin:
    ``needed x headroom + reserve <= free``."""
    return needed * headroom + reserve <= free


def gpu_or_cpu(device: str, needed: int, what: str) -> tuple[str, str | None]:
    """The device a stage that would copy ``needed`` bytes (an estimate) to ``device`` should use, and why it moved.

    ``device`` is a resolved name (:func:`resolve_device`). Anything but CUDA is returned as is. On CUDA the free
    memory of that device (``torch.cuda.mem_get_info``, which sees other processes too) is compared with the
    estimate through :func:`fits_on_gpu`; when it does not fit, a WARNING names ``what``, the bytes needed and
    free, and the stage runs on the CPU: the answer is ``("cpu", reason)``, and the reason belongs in the manifest.
    """
    if not device.startswith("cuda"):
        return device, None
    import torch

    free, total = torch.cuda.mem_get_info(torch.device(device))
    if fits_on_gpu(needed, free):
        return device, None
    reason = (
        f"{what} needs about {needed / 2**30:.2f} GiB on {device} (x{GPU_HEADROOM} + {GPU_RESERVE_BYTES >> 20} MiB "
        f"margin) but {free / 2**30:.2f} of {total / 2**30:.2f} GiB are free"
    )
    log.warning("%s: running it on the CPU", reason)
    return "cpu", reason
