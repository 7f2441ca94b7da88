"""Embedding through Ray Data: ``map_batches`` over a pool of encoder actors that fill the usual cache.

Each actor holds one :class:`~selector.embedding.encoder.Encoder` (one per GPU, or CPU workers) and writes every
vector it computes to the content-addressed cache of :mod:`selector.embedding.cache`, on storage the workers and
the driver share. Two entry points:

- :func:`fill_cache_ray` (``selector embed --ray``, ``selector select --ray``, config ``encoder.ray: true``): the
  driver's own encoder decides every setting that changes a vector (model, max length, pooling, dtype, backend),
  only the texts missing from the cache go to the workers, and nothing but row counts comes back; the driver then
  reads the vectors from the cache through its normal local path, so they are the local run's vectors and a later
  local run encodes nothing.
- :func:`embed_ray` (Python API): the same workers, and the vectors returned in input order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from selector.distributed.failures import (
    BATCH_FAILED,
    RETRIES,
    BatchError,
    batch_error,
    died_error,
    first_failing,
    named_cause,
    retry_options,
)
from selector.distributed.session import ray_session, ray_target
from selector.embedding.cache import text_hashes
from selector.embedding.encoder import Encoder
from selector.errors import SelectorError

log = logging.getLogger(__name__)

CPU_THREADS_PER_WORKER = 4
"""Torch threads (and Ray CPUs) of a CPU encoder worker when the cluster has no GPU."""

BATCH_SIZE = 1024
"""Texts handed to an actor at a time (each batch becomes one cache chunk)."""


class EncoderActor:
    """A Ray Data callable class: one encoder, loaded once per actor, encoding ``{"row", "text"}`` batches into the
    cache; returns the vectors (``return_vectors``) or only the rows it stored.

    ``expected`` is the driver's cache fields (:meth:`Encoder.cache_fields`): an actor whose own encoder would key
    its vectors differently (other weights on this machine, another dtype) refuses to run rather than fill a cache
    the driver never reads.
    """

    def __init__(
        self,
        settings: dict[str, Any],
        template: str | None,
        expected: dict[str, Any] | None = None,
        return_vectors: bool = True,
    ) -> None:
        self.encoder = Encoder(**{**settings, "cache": False})
        self.template = template
        self.return_vectors = return_vectors
        fields = self.encoder.cache_fields(template)
        if expected is not None and fields != expected:
            differ = sorted(k for k in {*fields, *expected} if fields.get(k) != expected.get(k))
            raise SelectorError(
                "a Ray encoder worker would key its vectors differently from the driver "
                f"({', '.join(f'{k}: {fields.get(k)!r} here, {expected.get(k)!r} on the driver' for k in differ)}); "
                "install the same model and packages on every machine, or set dtype= explicitly"
            )
        self.cache = self.encoder.open_cache(template) if settings.get("cache", True) else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts, template=self.template, progress=False)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        try:
            vectors = self._encode(texts)
        except Exception as err:  # named, so that the driver's error says which record (Ray retries it first)
            rows = [int(r) for r in batch["row"]]
            raise batch_error(rows, texts, err, first_failing(texts, self._encode)) from err
        if self.cache is not None:
            self.cache.add(text_hashes(texts), vectors)
            self.cache.flush()
        if self.return_vectors:
            return {"row": batch["row"], "vector": vectors}
        truncated = np.zeros(len(texts), dtype=np.int64)  # the batch's count, on its first row (columns align)
        truncated[:1] = self.encoder.stats_.n_truncated
        return {"row": batch["row"], "truncated": truncated}


def worker_plan(resources: dict[str, float], workers: int | None) -> dict[str, Any]:
    """How many encoder actors and what each reserves, from ``ray.cluster_resources()``: one per GPU with one GPU
    each when the cluster has GPUs, else one per ``CPU_THREADS_PER_WORKER`` CPUs (at least one), each reserving
    (and running torch on) its share of the CPUs. ``workers`` overrides the count."""
    gpus = int(resources.get("GPU", 0))
    cpus = max(1, int(resources.get("CPU", 1)))
    if gpus:
        return {"workers": workers or gpus, "gpus_per_worker": 1, "cpus_per_worker": 1, "device": "cuda"}
    n = workers or max(1, cpus // CPU_THREADS_PER_WORKER)
    per = max(1, min(CPU_THREADS_PER_WORKER, cpus // n))
    return {"workers": n, "gpus_per_worker": 0, "cpus_per_worker": per, "device": "cpu"}


def _run(
    ray: Any,
    texts: Sequence[str],
    rows: Sequence[int],
    actor_kwargs: dict[str, Any],
    plan: dict[str, Any],
    batch_size: int,
    progress: bool,
) -> Iterator[dict[str, np.ndarray]]:
    """The ``{"row", ...}`` batches the encoder actors return, as they come. ``rows`` are the texts' positions
    that errors name. A batch is tried at most ``1 + RETRIES`` times (:mod:`selector.distributed.failures`); then
    the :class:`BatchError` naming it is raised here."""
    items = [{"row": int(r), "text": t} for r, t in zip(rows, texts, strict=True)]
    with _data_context(ray, progress):  # before the Dataset exists: it keeps the context it was made under
        data = ray.data.from_items(items).map_batches(
            EncoderActor,
            fn_constructor_kwargs=actor_kwargs,
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=plan["workers"]),
            num_gpus=plan["gpus_per_worker"],
            num_cpus=plan["cpus_per_worker"],
            batch_format="numpy",
            **retry_options(),
        )
        done: set[int] = set()
        try:
            for batch in data.iter_batches(batch_format="numpy", batch_size=None):
                done.update(batch["row"].tolist())
                yield batch
        except ray.exceptions.RayActorError:
            left = [(r, t) for r, t in zip(rows, texts, strict=True) if int(r) not in done]
            raise died_error(left) from None
        except Exception as err:
            named = named_cause(err)
            if named is None:
                raise
            raise BatchError(f"{named} ({1 + RETRIES} tries, every one failed)") from None


@contextmanager
def _data_context(ray: Any, progress: bool) -> Iterator[None]:
    """Ray Data's settings for one run, restored after: progress bars, and the encoder's :class:`BatchError`
    retried like a dead worker (a shared cache that failed a write may take it the next time)."""
    ctx = ray.data.DataContext.get_current()
    names = ("enable_progress_bars", "retried_map_errors", "max_map_retries")
    before = [getattr(ctx, k) for k in names]
    for k, v in zip(names, (progress, [BATCH_FAILED], RETRIES), strict=True):
        setattr(ctx, k, v)
    try:
        yield
    finally:
        for k, v in zip(names, before, strict=True):
            setattr(ctx, k, v)


def _worker_settings(
    encoder: Any, plan: dict[str, Any], model: str | Path | None, batch_tokens: int | None
) -> dict[str, Any]:
    """The :class:`~selector.embedding.encoder.Encoder` keywords of a worker: the driver's resolved settings (so its
    vectors land under the driver's cache key), the model as the user named it, and the worker plan's device and
    threads."""
    return {
        "model": str(model) if model is not None else None,
        "max_length": encoder.max_length,
        "device": plan["device"],
        "dtype": encoder.dtype,
        "batch_tokens": batch_tokens,
        "pooling": encoder.pooling,
        "cache_dir": str(encoder.cache_dir),
        "trust_remote_code": encoder.trust_remote_code,
        "backend": encoder.backend,
        "quantize": encoder.quantize,
        "num_threads": plan["cpus_per_worker"] if plan["device"] == "cpu" else None,
    }


def fill_cache_ray(
    encoder: Any,
    texts: Sequence[str],
    template: str | None,
    *,
    model: str | Path | None = None,
    batch_tokens: int | None = None,
    address: str | None = None,
    workers: int | None = None,
    batch_size: int = BATCH_SIZE,
    progress: bool = True,
) -> dict[str, Any]:
    """Encode the ``texts`` missing from ``encoder``'s cache on Ray workers, which write them to that cache.

    ``encoder`` is the driver's :class:`~selector.embedding.encoder.Encoder` (cache on); every setting that changes
    a vector is its resolved one, so the workers' vectors land under its cache key. ``model`` is the model as the
    user named it (a path or Hub id each worker resolves itself; ``None`` is the bundled default), ``batch_tokens``
    the configured budget (``None``: each worker's device default). Ray is joined at ``address`` (else
    ``$RAY_ADDRESS``) or started locally and stopped. Returns what the manifest records under ``ray``: address,
    workers and their resources, ``texts_sent``, ``n_truncated`` (of those, cut at the max length), ``seconds``.
    """
    if not encoder.cache_enabled:
        raise SelectorError("ray= fills the embedding cache that the run then reads: it cannot run with cache=False")
    start = time.perf_counter()
    hashes = text_hashes(texts)
    uniq, first = np.unique(hashes, return_index=True)
    found, _ = encoder.open_cache(template).get(uniq)
    missing_rows = np.sort(first[~found])
    missing = [texts[i] for i in missing_rows]
    info: dict[str, Any] = {
        "address": ray_target(address),
        "texts_sent": len(missing),
        "cache_dir": str(encoder.cache_dir),
    }
    if not missing:
        log.info("Ray: every text is already in the cache; no worker started")
        return {**info, "seconds": round(time.perf_counter() - start, 3)}
    with ray_session(address) as ray:
        plan = worker_plan(ray.cluster_resources(), workers)
        actor_kwargs = {
            "settings": _worker_settings(encoder, plan, model, batch_tokens),
            "template": template,
            "expected": encoder.cache_fields(template),
            "return_vectors": False,
        }
        log.info(
            "Ray: encoding %d texts on %d %s worker(s) into %s",
            len(missing),
            plan["workers"],
            plan["device"].upper(),
            encoder.cache_dir,
        )
        done = truncated = 0
        for batch in _run(ray, missing, missing_rows.tolist(), actor_kwargs, plan, batch_size, progress):
            done += len(batch["row"])
            truncated += int(batch["truncated"].sum())
    if done != len(missing):
        raise SelectorError(f"Ray workers returned {done} of {len(missing)} texts; run again to resume from the cache")
    return {**info, **plan, "n_truncated": truncated, "seconds": round(time.perf_counter() - start, 3)}


def embed_ray(
    texts: Sequence[str],
    *,
    model: str | Path | None = None,
    template: str | None = None,
    cache_dir: str | Path | None = None,
    workers: int = 1,
    gpus_per_worker: float = 0,
    batch_size: int = BATCH_SIZE,
    device: str = "auto",
    max_length: int | None = None,
    address: str | None = None,
) -> np.ndarray:
    """Embed ``texts`` with ``workers`` encoder actors under Ray Data; returns ``(n, dim)`` float32 unit rows.

    ``model``, ``template``, ``cache_dir``, ``device`` and ``max_length`` mean what they mean for
    :class:`~selector.embedding.encoder.Encoder`; every vector is also written to the cache (it is how they outlive
    the run). ``batch_size`` texts go to an actor at a time; ``gpus_per_worker`` is what Ray reserves for each
    actor (1 on a GPU node). Joins ``address`` (else ``$RAY_ADDRESS``) or starts a local Ray and stops it, unless
    Ray is already initialised. :func:`fill_cache_ray` is the pipeline's path: it leaves the vectors in the cache.
    """
    settings = {"model": model, "cache_dir": cache_dir, "device": device, "max_length": max_length}
    plan = {"workers": workers, "gpus_per_worker": gpus_per_worker, "cpus_per_worker": 1}
    kwargs = {"settings": settings, "template": template, "expected": None, "return_vectors": True}
    out: np.ndarray | None = None
    with ray_session(address) as ray:
        for batch in _run(ray, texts, range(len(texts)), kwargs, plan, batch_size, False):
            if out is None:
                out = np.zeros((len(texts), batch["vector"].shape[1]), dtype=np.float32)
            out[batch["row"]] = batch["vector"]
    log.info("embedded %d texts with %d Ray encoder workers", len(texts), workers)
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)
