"""The ``static`` backend: a static embedding model distilled from the configured transformer with model2vec.

Distillation (model2vec's ``distill``) runs every token of the transformer's vocabulary through the transformer
once, reduces the token vectors with PCA (to 256 dims when the model is wider) and weights them by an estimate of
token frequency (Zipf/SIF). Embedding a text is then a tokenisation and a mean of table rows: thousands of texts a
second on one CPU core, for pools of millions, at a lower quality than the transformer (the README gives the
measured cosines and throughput). It runs offline from the model folder; the distilled model is cached under
``<cache dir>/models/`` keyed by the source weights' sha256 (first use: about 1.5 minutes for MiniLM on two cores).

The vectors live in a different space from the transformer's (another width, other values): the embedding cache
keys them apart, and they must not be mixed with transformer vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from selector.embedding import models
from selector.embedding.backends import require
from selector.embedding.backends.store import get_or_build
from selector.errors import SelectorError

log = logging.getLogger(__name__)

PCA_DIMS = 256


def _distill(ref: models.ModelRef, hidden: int, device: str, folder: Path, *, trust_remote_code: bool) -> None:
    from model2vec.distill import distill

    try:
        static = distill(
            model_name=str(ref.path),
            pca_dims=PCA_DIMS if hidden > PCA_DIMS else None,
            device=device,
            trust_remote_code=trust_remote_code,
            quantize_to="float32",
        )
    except Exception as exc:
        raise SelectorError(
            f"model {ref.name!r}: model2vec could not distill a static model from {ref.path} "
            f"({type(exc).__name__}: {exc}); use encoder.backend: torch or onnx"
        ) from exc
    static.save_pretrained(str(folder))


class StaticRunner:
    """A distilled static model: ``runner.encode(texts) -> (n, d)`` float32 unit rows (zero rows for texts with no
    known token), each text cut at ``max_length`` tokens of the static model's tokenizer."""

    def __init__(
        self,
        ref: models.ModelRef,
        sha256: str,
        hidden: int,
        cache_dir: Path,
        *,
        max_length: int,
        device: str = "cpu",
        trust_remote_code: bool = False,
    ) -> None:
        require("model2vec", "static")
        from model2vec import StaticModel

        fields = {"model_sha256": sha256, "pca_dims": PCA_DIMS if hidden > PCA_DIMS else None, "sif": 1e-4}
        folder, built = get_or_build(
            cache_dir,
            "static",
            fields,
            lambda d: _distill(ref, hidden, device, d, trust_remote_code=trust_remote_code),
        )
        if built:
            log.info("distilled a static model from %s into %s", ref.name, folder)
        self.folder = folder
        self.max_length = max_length
        self.model = StaticModel.from_pretrained(folder, normalize=True, force_download=False)
        self.dim = int(self.model.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = self.model.encode(list(texts), max_length=self.max_length, use_multiprocessing=False)
        return np.ascontiguousarray(out, dtype=np.float32)
