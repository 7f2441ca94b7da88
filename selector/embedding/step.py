"""Embeddings for the pipeline: encode the pool (and a ``--target`` file) with the configured encoder.

The user's own vectors (``--embeddings FILE.npy``) are loaded and checked against the samples by
:mod:`selector.embedding.precomputed`.
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
        backend=config.backend,
        quantize=config.quantize,
        dtype=config.dtype,
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


def pool_embeddings(
    pool: Sequence[Sample],
    corpus: Any,
    config: Any,
    embeddings: str | Path | None = None,
    *,
    progress: bool = True,
) -> tuple[np.ndarray, dict[str, Any], Any]:
    """Unit ``(len(pool), d)`` float32 vectors of ``pool`` (samples of ``corpus``), the manifest's encoder info, and
    the encoder (``None`` when the vectors come from the ``--embeddings`` file, checked against its sidecar).

    ``config`` is the run config's ``encoder:`` section.
    """
    if embeddings is not None:
        from selector.embedding.precomputed import load_embeddings

        position = {s.id: i for i, s in enumerate(corpus.samples)}
        rows = [position[s.id] for s in pool]
        X = load_embeddings(embeddings, rows, corpus.samples, template=config.template, model=config.model)
        return X, {"model": f"precomputed: {embeddings}", "dim": int(X.shape[1])}, None
    encoder = load_encoder(config)
    X, info = embed_samples(pool, encoder, config.template, progress=progress)
    return X, info, encoder
