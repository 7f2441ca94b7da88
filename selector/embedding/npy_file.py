"""The ``.npy`` file behind ``--embeddings`` and its ``selector embed`` sidecar, checked before any row is used:
the array opened as a memory map (with a clear error for what is not an ``.npy``), its row count against the
samples, and the sidecar's model against the run's."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from selector.errors import SelectorError

__all__ = ["NPY_MAGIC", "check_count", "check_model", "open_npy", "read_sidecar"]

log = logging.getLogger(__name__)

NPY_MAGIC = b"\x93NUMPY"


def check_count(path: Path, n_rows: int, n_samples: int, meta: dict[str, Any] | None = None) -> None:
    if n_rows == n_samples:
        return
    made_from = ""
    if meta is not None:
        names = [str(i.get("path")) for i in meta.get("inputs", []) if isinstance(i, dict)]
        made_from = f" (embedded from {', '.join(names)})" if names else ""
    raise SelectorError(
        f"embeddings={path} has {n_rows:,} rows{made_from} but the inputs hold {n_samples:,} samples; the rows "
        "must align with the samples as read (write them with `selector embed` on the same inputs)"
    )


def check_model(path: Path, meta: dict[str, Any], model: str | Path) -> None:
    from selector.embedding import models

    ref = models.resolve_model(model)
    sha = models.weights_sha256(ref.path)
    if meta.get("sha256") != sha:
        raise SelectorError(
            f"embeddings={path} was embedded with model {meta.get('model')!r} (weights sha256 "
            f"{str(meta.get('sha256'))[:12]}...) but this run's encoder.model is {str(model)!r} (sha256 "
            f"{sha[:12]}...); leave encoder.model unset with embeddings=, or embed again with model={model}"
        )


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The ``selector embed`` sidecar of ``path`` (``FILE.json``), or ``None`` when there is none."""
    from selector.io.guard import MARKER_KEY

    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        return None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SelectorError(
            f"embeddings={path}: its sidecar {sidecar} is unreadable ({exc}); restore it, or embed again"
        ) from None
    if not isinstance(meta, dict) or MARKER_KEY not in meta or meta.get("command") != "embed":
        log.warning("%s is not a `selector embed` sidecar; ignoring it", sidecar)
        return None
    return meta


def open_npy(path: Path) -> np.ndarray:
    """Memory-map ``path`` as a ``.npy`` array, refusing anything else (pickles included) with a clear reason."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except FileNotFoundError:
        raise SelectorError(f"embeddings={path}: file not found") from None
    except IsADirectoryError:
        raise SelectorError(f"embeddings={path} is a folder; pass the .npy file `selector embed` wrote") from None
    except OSError as exc:
        raise SelectorError(f"embeddings={path}: cannot read it ({exc.strerror or exc})") from None
    if not head.startswith(NPY_MAGIC):
        raise SelectorError(
            f"embeddings={path} is not a .npy array file: it {looks_like(head)}; write the vectors "
            "with `selector embed` or numpy.save (one float row per sample)"
        )
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise SelectorError(f"embeddings={path}: a damaged or unsupported .npy file ({exc}); write it again") from None


def looks_like(head: bytes) -> str:
    if not head:
        return "is empty"
    if head.startswith(b"PK"):
        return "is a zip archive (a .npz? save one array with numpy.save)"
    if head[:1] == b"\x80":
        return "looks like a Python pickle, which selector never loads"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "starts with bytes that are neither NumPy's header nor text"
    return f"looks like text ({text.strip()[:20]!r}...)" if text.strip() else "holds only white space"
