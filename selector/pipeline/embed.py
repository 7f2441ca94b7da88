"""``selector embed`` as a Python API: every sample as read, one unit vector per row in input order, in a ``.npy``.

Beside ``FILE.npy``, :func:`embed_corpus` writes ``FILE.json``: the model (name, path, weights sha256), dims, max
length, pooling, template, backend, quantisation, dtype and device, the ids and the hash of each row's text in row
order, and what the run did (encoded, from the cache, truncated). The array is what ``selector select
--embeddings FILE.npy`` reads for the same inputs; the hashes let it refuse other inputs or another order
(:mod:`selector.embedding.precomputed`). Both files are written through the one output guard, whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import EncoderConfig
from selector.distributed import fill_cache_ray
from selector.embedding.cache import default_cache_dir
from selector.embedding.precomputed import STORAGE, sidecar_rows
from selector.embedding.step import encode_texts, load_encoder, ray_options
from selector.embedding.templates import check_template, render_all
from selector.errors import SelectorError
from selector.io import Corpus, ReadOptions, output_guard
from selector.io.atomic import atomic_files
from selector.io.guard import holds_output_lock
from selector.pipeline.manifest import run_header
from selector.pipeline.outputs import write_json


@dataclass
class EmbedRun:
    """The outcome of :func:`embed_corpus`: ``X`` (``(n, d)`` float32 unit rows, as computed), the sidecar
    ``meta`` (what ``FILE.json`` holds), the corpus, the encoder that ran, and the two files written."""

    X: np.ndarray
    meta: dict[str, Any]
    corpus: Corpus
    encoder: Any
    out: Path
    sidecar: Path


@holds_output_lock("embed")  # held from before reading
def embed_corpus(
    inputs: Sequence[str | Path],
    *,
    out: str | Path,
    encoder: EncoderConfig | None = None,
    storage: str = "float32",
    cache: bool = True,
    read: ReadOptions | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> EmbedRun:
    """Embed every sample of ``inputs`` (rendered with ``encoder.template``) into ``out`` (a ``.npy`` path) and
    its sidecar. ``encoder``: the ``encoder:`` settings (``None``: the defaults; ``ray: true`` lets Ray workers
    fill the cache first, then every vector is read from it); ``storage``: ``float32`` or ``float16`` (half the
    disk; every computation stays float32); ``cache=False`` neither reads nor writes the embedding cache."""
    enc = encoder if encoder is not None else EncoderConfig()
    out = Path(out)
    check_template(enc.template)
    ray = ray_options(enc)
    if ray is not None and not cache:
        raise SelectorError("ray= fills the embedding cache that this command then reads: drop cache=False")
    if storage not in STORAGE:
        raise SelectorError(f"storage={storage}: choose float32 or float16")
    if out.suffix != ".npy":
        raise SelectorError(f"out={out}: the output must be a .npy file")
    used_cache = (enc.cache_dir or default_cache_dir()) if cache else None  # checked against out before work
    guard = output_guard(out, "embed", inputs, overwrite=overwrite, kind="file", cache_dir=used_cache)
    corpus = (read or ReadOptions()).read(inputs)
    guard.check([f.path for f in corpus.files], overwrite, used_cache)  # inputs found inside folders too
    if not corpus.samples:
        raise SelectorError("the inputs hold no samples to embed")
    model = load_encoder(enc, cache=cache)
    texts = render_all(corpus.samples, enc.template)
    X, engine = encode_texts(model, texts, enc.template, ray=ray, progress=progress, fill_cache=fill_cache_ray)
    meta = run_header("embed", None, corpus)
    meta.update(
        {
            **model.info(),
            **engine,
            "template": enc.template,
            "rows": int(X.shape[0]),
            "storage": storage,
            "stats": model.stats_.to_dict(),
            "outputs": [out.name],
            **sidecar_rows(corpus.samples, enc.template),
        }
    )
    with guard.locked():
        guard.check([f.path for f in corpus.files], overwrite)
        with atomic_files([out, guard.marker]) as (npy, sidecar):  # the pair appears together or not at all
            np.save(npy, X.astype(storage, copy=False))
            write_json(sidecar, meta, indent=1)
    return EmbedRun(X, meta, corpus, model, out, guard.marker)
