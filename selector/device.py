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
            raise ConfigError(f"device {device!r} requested but CUDA is not available; use --device cpu or auto")
        index = device.partition(":")[2]
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            raise ConfigError(
                f"device {device!r}: torch sees {torch.cuda.device_count()} CUDA device(s) (cuda:0 to "
                f"cuda:{torch.cuda.device_count() - 1}); pick one of them or use --device auto"
            )
    if device.startswith("mps"):
        backend = getattr(torch.backends, "mps", None)
        if backend is None or not backend.is_available():
            raise ConfigError(f"device {device!r} requested but MPS is not available; use --device cpu or auto")
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
