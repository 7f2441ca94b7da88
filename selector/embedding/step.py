"""Embeddings for the pipeline: encode the pool (and a ``--target`` file), or load the user's own vectors.

``--embeddings FILE.npy`` brings precomputed vectors: one row per sample *as read* (the order ``selector embed``
writes, before any filter), so that the same file serves every filter setting. They are L2-normalised here in
float32 (the selection works on unit vectors), and a row of zeros or a non-finite value is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selector.errors import SelectorError
from selector.sample import Sample


def load_encoder(config: Any) -> Any:
    """The :class:`~selector.embedding.encoder.Encoder` described by the ``encoder:`` section of a run config."""
    from selector.embedding.encoder import Encoder

    return Encoder(
        config.model,
        max_length=config.max_length,
        device=config.device,
        batch_tokens=config.batch_tokens,
        cache_dir=config.cache_dir,
        trust_remote_code=config.trust_remote_code,
    )


def embed_samples(
    samples: Sequence[Sample], encoder: Any, template: str, *, progress: bool = True
) -> tuple[np.ndarray, dict[str, Any]]:
    """Render each sample as its training input and encode it; returns ``(X, manifest info)``.

    ``X`` is ``(n, d)`` float32 with unit rows, in the order of ``samples``; the info holds the model identity and
    what the call did (texts encoded, served from the cache, truncated at the model's limit).
    """
    from selector.embedding.templates import render

    texts = [render(s, template) for s in samples]
    X = encoder.encode(texts, template=template, progress=progress)
    return X, {**encoder.info(), "template": template, **encoder.stats_.to_dict()}


def load_embeddings(path: str | Path, rows: Sequence[int], n_total: int) -> np.ndarray:
    """Rows ``rows`` of the ``(n_total, d)`` array in ``path``, as unit float32 rows."""
    path = Path(path)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise SelectorError(f"--embeddings {path}: file not found") from None
    except ValueError as exc:
        raise SelectorError(f"--embeddings {path}: not a .npy array file ({exc})") from None
    if arr.ndim != 2:
        raise SelectorError(f"--embeddings {path}: expected a 2-D array (samples x dims), got shape {arr.shape}")
    if arr.shape[0] != n_total:
        raise SelectorError(
            f"--embeddings {path} has {arr.shape[0]:,} rows but the inputs hold {n_total:,} samples; the rows must "
            "align with the samples as read (write them with `selector embed` on the same inputs)"
        )
    X = np.ascontiguousarray(arr[np.asarray(rows, dtype=np.int64)], dtype=np.float32)
    if not np.isfinite(X).all():
        raise SelectorError(f"--embeddings {path}: contains NaN or infinite values")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    zero = np.flatnonzero(norms[:, 0] == 0)
    if zero.size:
        raise SelectorError(f"--embeddings {path}: row {rows[int(zero[0])]} is all zeros; it cannot be normalised")
    return X / norms


def embed_target(
    path: str | Path, encoder: Any, template: str, *, read_options: Any, progress: bool = True
) -> tuple[np.ndarray, dict[str, Any]]:
    """Read and embed the ``--target`` file with the pool's encoder; returns ``(X, manifest info)``."""
    from selector.io import read_corpus

    corpus = read_corpus([path], mapping=read_options.mapping, skip_invalid=read_options.skip_invalid)
    if not corpus.samples:
        raise SelectorError(f"--target {path}: no samples were read")
    X, _ = embed_samples(corpus.samples, encoder, template, progress=progress)
    info = {"path": str(path), "samples": len(corpus.samples)}
    info["sha256"] = corpus.files[0].sha256 if corpus.files else None
    return X, info
