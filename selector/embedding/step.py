"""Embeddings for the pipeline: encode the pool (and a ``--target`` file) with the configured encoder.

The user's own vectors (``--embeddings FILE.npy``) are loaded and checked against the samples by
:mod:`selector.embedding.precomputed`. With ``--ray`` (``encoder.ray: true``) Ray workers first encode what the
cache lacks into the cache (:func:`selector.distributed.fill_cache_ray`); the local encoder then reads every
vector from it, so the vectors are those of a local run and the manifest says ``engine: ray``.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.embedding.config import EncoderConfig
from selector.errors import SelectorError
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.embedding.encoder import Encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RayOptions:
    """Embedding on Ray workers (``--ray``; config ``encoder.ray``, ``ray_address``, ``ray_workers``).

    ``address``: the cluster to join (``None``: ``$RAY_ADDRESS``, else a local Ray started and stopped here);
    ``workers``: encoder actors (``None``: one per GPU, else one per 4 CPUs); ``model`` and ``batch_tokens``: the
    model as the user named it and the configured token budget, which each worker resolves on its own machine.
    """

    address: str | None = None
    workers: int | None = None
    model: str | Path | None = None
    batch_tokens: int | None = None


def ray_options(config: EncoderConfig) -> RayOptions | None:
    """The :class:`RayOptions` an ``encoder:`` config section asks for, or ``None`` when ``encoder.ray`` is off."""
    if not config.ray:
        return None
    return RayOptions(config.ray_address, config.ray_workers, config.model, config.batch_tokens)


CacheFiller = Callable[..., dict[str, Any]]
"""Encodes on other workers into an encoder's cache (:func:`selector.distributed.fill_cache_ray`): the layer above
passes it in, so that embedding never imports the distributed package."""


def encode_texts(
    encoder: Any,
    texts: Sequence[str],
    template: str,
    *,
    ray: RayOptions | None = None,
    progress: bool = True,
    fill_cache: CacheFiller | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Encode ``texts`` with ``encoder`` (``fill_cache`` filling its cache on Ray workers first when ``ray`` is
    given).

    Returns ``(X, info)``: ``(n, d)`` float32 unit rows in input order, and ``engine`` (``local`` or ``ray``) with,
    for Ray, what the workers did (``ray``: address, workers, texts sent, seconds). Texts the workers did not leave
    in the cache (a cache folder the driver does not share with them) are encoded here, with a warning.
    """
    info: dict[str, Any] = {"engine": "local"}
    if ray is not None:
        if fill_cache is None:
            raise SelectorError("encoder.ray is on but this caller gives no Ray cache filler")
        info = {"engine": "ray"}
        info["ray"] = fill_cache(
            encoder,
            texts,
            template,
            model=ray.model,
            batch_tokens=ray.batch_tokens,
            address=ray.address,
            workers=ray.workers,
            progress=progress,
        )
    X = encoder.encode(texts, template=template, progress=progress)
    if ray is not None:
        info["ray"]["encoded_here"] = encoder.stats_.n_encoded
        if encoder.stats_.n_encoded:
            log.warning(
                "%d of %d texts were not in the cache after the Ray workers ran and were encoded here: is %s on "
                "storage every worker shares?",
                encoder.stats_.n_encoded,
                encoder.stats_.n_unique,
                encoder.cache_dir,
            )
    return X, info


def load_encoder(config: EncoderConfig, *, cache: bool = True) -> Encoder:
    """The :class:`~selector.embedding.encoder.Encoder` described by the ``encoder:`` section of a run config
    (every place that builds an encoder from settings goes through here): each key the encoder takes is passed by
    its name, so a new key needs no line here. ``cache=False`` neither reads nor writes the embedding cache."""
    from selector.embedding.encoder import Encoder

    takes = inspect.signature(Encoder).parameters
    keys = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name in takes}
    return Encoder(**keys, cache=cache)


def load_encoder_soon(config: EncoderConfig) -> Future[Encoder]:
    """Start :func:`load_encoder` in a background thread and return its future: a run can read and filter while
    the model's imports, weights and CUDA context load (on an H200 the embed stage spent about 9 of its 12 s there
    before encoding began). Pass the future to :func:`pool_embeddings` as ``encoder``; errors surface there."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="selector-load-encoder")
    try:
        return pool.submit(load_encoder, config)
    finally:
        pool.shutdown(wait=False)


def embed_samples(
    samples: Sequence[Sample],
    encoder: Any,
    template: str,
    *,
    progress: bool = True,
    ray: RayOptions | None = None,
    fill_cache: CacheFiller | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Render each sample as its training input and encode it (:func:`encode_texts`); returns ``(X, manifest info)``.

    ``X`` is ``(n, d)`` float32 with unit rows, in the order of ``samples``; the info holds the model identity, the
    engine, and what the call did (texts encoded, served from the cache, truncated at the model's limit).
    """
    from selector.embedding.templates import render

    texts = [render(s, template) for s in samples]
    X, engine = encode_texts(encoder, texts, template, ray=ray, progress=progress, fill_cache=fill_cache)
    return X, {**encoder.info(), "template": template, **engine, **encoder.stats_.to_dict()}


def embed_target(
    path: str | Path, encoder: Any, template: str, *, read_options: Any, progress: bool = True
) -> tuple[np.ndarray, dict[str, Any]]:
    """Read and embed the ``--target`` file with the pool's encoder; returns ``(X, manifest info)``."""
    from selector.io import read_corpus

    corpus = read_corpus([path], mapping=read_options.mapping, skip_invalid=read_options.skip_invalid)
    if not corpus.samples:
        raise SelectorError(f"target={path}: no samples were read")
    X, _ = embed_samples(corpus.samples, encoder, template, progress=progress)
    info = {"path": str(path), "samples": len(corpus.samples)}
    info["sha256"] = corpus.files[0].sha256 if corpus.files else None
    return X, info


def pool_embeddings(
    pool: Sequence[Sample],
    corpus: Any,
    config: EncoderConfig,
    embeddings: str | Path | None = None,
    *,
    progress: bool = True,
    keep_float16: bool = False,
    fill_cache: CacheFiller | None = None,
    encoder: Future[Any] | None = None,
    rows: Sequence[int] | np.ndarray | None = None,
    digests: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any], Any]:
    """Unit ``(len(pool), d)`` float32 vectors of ``pool`` (samples of ``corpus``), the manifest's encoder info, and
    the encoder (``None`` when the vectors come from the ``--embeddings`` file, checked against its sidecar).

    ``config`` is the run config's ``encoder:`` section. ``keep_float16``: a float16 ``--embeddings`` file stays
    float16 in memory (:func:`selector.embedding.precomputed.load_embeddings`). ``encoder``: the future of
    :func:`load_encoder_soon` for this config, when the run started loading it early. ``rows``: where the pool's
    samples stand in ``corpus.samples`` (the rows of the ``--embeddings`` file; found by id when not given).
    ``digests``: every corpus sample's text hash under ``config.template``, when a pass already took them (the
    ``--embeddings`` sidecar check then renders nothing again).
    """
    if embeddings is not None:
        from selector.embedding.precomputed import load_embeddings

        if rows is None:
            position = {s.id: i for i, s in enumerate(corpus.samples)}
            rows = [position[s.id] for s in pool]
        X = load_embeddings(
            embeddings,
            rows,
            corpus.samples,
            template=config.template,
            model=config.model,
            keep_float16=keep_float16,
            digests=digests,
        )
        if config.ray:
            log.warning("encoder.ray is ignored: the vectors come from %s", embeddings)
        if encoder is not None:
            encoder.cancel()
        return X, {"model": f"precomputed: {embeddings}", "dim": int(X.shape[1])}, None
    loaded = encoder.result() if encoder is not None else load_encoder(config)
    X, info = embed_samples(
        pool, loaded, config.template, progress=progress, ray=ray_options(config), fill_cache=fill_cache
    )
    return X, info, loaded
