"""Shared fixtures.

Real corpora live in ``../shared/data`` beside the repository; tests that need them use the ``shared_data``
fixture, which skips with a clear reason when the folder is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEMO = REPO / "examples" / "data" / "demo.jsonl"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data``; skips the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_DATA} (they sit beside the repository in ../shared/data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_vectors(tmp_path_factory) -> Path:
    """Seeded random unit vectors, one row per demo sample as read (a bare ``.npy``, as ``--embeddings`` takes)."""
    from selector.io import read_corpus

    n = len(read_corpus([DEMO]).samples)
    X = np.random.default_rng(7).standard_normal((n, 24)).astype(np.float32)
    path = tmp_path_factory.mktemp("vec") / "demo.npy"
    np.save(path, X / np.linalg.norm(X, axis=1, keepdims=True))
    return path


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> Path:
    """A tiny random-weight BERT folder (``tests/tiny_model.py``), built once per session; tests only read it."""
    from tests.tiny_model import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """The tiny model's matrices are too small to gain from threads; one thread is faster on a shared CI box."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[None]:
    """One local Ray of 2 CPUs (started as the tool starts it: loopback only) for a module's tests that need one,
    stopped after the module (other modules test a Ray the tool starts and stops itself)."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'selector[ray]')")
    from selector.distributed.session import start_local_ray

    start_local_ray(num_cpus=2)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> tuple[Path, Path]:
    """A non-editable wheel of this checkout (built once per session from a copy of its sources) and the folder it
    is unpacked in, away from any checkout: ``(wheel, site)``; put ``site`` on ``PYTHONPATH`` to import it."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(REPO / name, src / name)
    for folder in ("selector", "configs"):
        shutil.copytree(REPO / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = root / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), "."]
    subprocess.run(build, cwd=src, check=True, capture_output=True)
    (wheel,) = wheels.glob("selector-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(root / "site")
    return wheel, root / "site"
