"""Embedding through Ray Data: ``map_batches`` over a pool of encoder actors that fill the usual cache.

Each actor holds one :class:`~selector.embedding.encoder.Encoder` (one per GPU with ``gpus_per_worker=1``, or CPU
workers) and encodes its batches with the cache on, so every vector also lands in the content-addressed cache of
:mod:`selector.embedding.cache` (on storage the workers share): a later local run, ``selector embed`` or
``selector select``, reads them from there and encodes nothing. Rows come back in input order, whatever the order
the batches finished in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selector.distributed.ray_coreset import import_ray

log = logging.getLogger(__name__)


class EncoderActor:
    """A Ray Data callable class: one encoder, loaded once per actor, encoding ``{"row", "text"}`` batches."""

    def __init__(self, settings: dict[str, Any], template: str | None) -> None:
        from selector.embedding.encoder import Encoder

        self.encoder = Encoder(**settings)
        self.template = template

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode(list(batch["text"]), template=self.template, progress=False)
        return {"row": batch["row"], "vector": vectors}


def embed_ray(
    texts: Sequence[str],
    *,
    model: str | Path | None = None,
    template: str | None = None,
    cache_dir: str | Path | None = None,
    workers: int = 1,
    gpus_per_worker: float = 0,
    batch_size: int = 1024,
    device: str = "auto",
    max_length: int | None = None,
) -> np.ndarray:
    """Embed ``texts`` with ``workers`` encoder actors under Ray Data; returns ``(n, dim)`` float32 unit rows.

    ``model``, ``template``, ``cache_dir``, ``device`` and ``max_length`` mean what they mean for
    :class:`~selector.embedding.encoder.Encoder` (the cache is always on: it is how the vectors outlive the run).
    ``batch_size`` texts go to an actor at a time; ``gpus_per_worker`` is what Ray reserves for each actor (1 on a
    GPU node). Joins the cluster ``RAY_ADDRESS`` names, or starts a local one, when Ray is not initialised.
    """
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    settings = {"model": model, "cache": True, "cache_dir": cache_dir, "device": device, "max_length": max_length}
    items = [{"row": i, "text": t} for i, t in enumerate(texts)]
    ds = ray.data.from_items(items).map_batches(
        EncoderActor,
        fn_constructor_kwargs={"settings": settings, "template": template},
        batch_size=batch_size,
        concurrency=workers,
        num_gpus=gpus_per_worker,
        batch_format="numpy",
    )
    out: np.ndarray | None = None
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        if out is None:
            out = np.zeros((len(items), batch["vector"].shape[1]), dtype=np.float32)
        out[batch["row"]] = batch["vector"]
    log.info("embedded %d texts with %d Ray encoder workers", len(items), workers)
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)
