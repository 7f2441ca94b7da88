"""Which engine and device the greedy loops run on: a CUDA device when it has the memory, else the CPU, and lazy
evaluation on the CPU for large inputs (shared by :mod:`selector.selection.coreset` and the random baseline)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from selector.device import gpu_or_cpu, resolve_device
from selector.errors import ConfigError
from selector.selection._engines import DenseEngine

LAZY_MIN_N = 50_000
"""``lazy="auto"`` uses lazy evaluation on the CPU from this many rows: below it X is small enough that the dense
loop's full passes are cheaper than the bookkeeping (benchmarks/bench_lazy.py: 0.13 s dense vs 0.30 s lazy on 8.5k
real embeddings, 3.4 s vs 1.4 s on 100k clustered vectors)."""


def engine_device(
    device: str, X: np.ndarray, chunk: int, what: str, bytes_of: Callable[[int, int, int], int] = DenseEngine.cuda_bytes
) -> tuple[torch.device, str | None]:
    """The torch device an engine runs on for ``device`` (no MPS path: MPS runs on the CPU), and the reason when a
    CUDA device lacked the free memory for ``bytes_of(n, d, chunk)`` (the engine's ``cuda_bytes``;
    :func:`selector.device.gpu_or_cpu` then warned, and the engine runs on the CPU)."""
    name, moved = gpu_or_cpu(resolve_device(device, mps=False), bytes_of(*X.shape, chunk), what)
    return torch.device(name), moved


def use_lazy(lazy: bool | str, device: Any, n: int) -> bool:
    """Lazy evaluation is the CPU default for large inputs (it reads a small share of X per pick)."""
    if lazy == "auto":
        return device.type == "cpu" and n >= LAZY_MIN_N
    if not isinstance(lazy, bool):
        raise ConfigError(f"lazy must be 'auto', True or False, not {lazy!r}")
    if lazy and device.type != "cpu":
        raise ConfigError("lazy evaluation runs on the CPU; use device='cpu' or lazy=False on a GPU")
    return lazy
