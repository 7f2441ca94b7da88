"""What an :class:`~selector.embedding.encoder.Encoder` is, for manifests and the cache: its identity and
settings (:meth:`EncoderIdentity.info`), the fields that change a vector and so key the cache
(:meth:`EncoderIdentity.cache_fields`), and what one ``encode`` call did (:class:`EncodeStats`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from selector.embedding.cache import EmbeddingCache

__all__ = ["EncodeStats", "EncoderIdentity"]


@dataclass
class EncodeStats:
    """What the last :meth:`Encoder.encode` call did: ``n`` texts asked, ``n_unique`` distinct, ``n_cached`` served
    from the cache, ``n_encoded`` run through the model, ``n_truncated`` cut at ``max_length`` (among the encoded),
    ``batches`` forward passes, ``padding`` fraction of padded tokens, ``seconds`` wall time, ``oom_splits``
    batches split after running out of GPU memory."""

    n: int = 0
    n_unique: int = 0
    n_cached: int = 0
    n_encoded: int = 0
    n_truncated: int = 0
    batches: int = 0
    padding: float = 0.0
    seconds: float = 0.0
    oom_splits: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class EncoderIdentity:
    """The identity half of an encoder: the attributes it reads (``name``, ``path``, ``revision``, ``sha256``,
    ``dim``, ``max_length``, ``pooling``, ``device``, ``dtype``, ``batch_tokens``, ``backend``, ``quantize``,
    ``cache_dir``, ``chunk_size``) are set by :class:`~selector.embedding.encoder.Encoder` when it loads."""

    def info(self) -> dict[str, Any]:
        """Model identity and settings for a run manifest (JSON-serialisable)."""
        return {
            "model": self.name,
            "path": str(self.path),
            "revision": self.revision,
            "sha256": self.sha256,
            "dim": self.dim,
            "max_length": self.max_length,
            "pooling": self.pooling,
            "device": self.device,
            "dtype": self.dtype,
            "batch_tokens": self.batch_tokens,
            "backend": self.backend,
            "quantize": self.quantize,
            **({"int8_recipe": self._int8_recipe()} if self.quantize else {}),
        }

    def cache_fields(self, template: str | None) -> dict[str, Any]:
        """Everything that changes a vector: the cache key (see :mod:`selector.embedding.cache`). The ``onnx`` and
        ``static`` backends add ``backend`` and ``quantize`` (int8 also its quantisation recipe, so vectors of an
        earlier recipe are not reused); the torch backend keeps the key it had before backends existed, so earlier
        caches stay valid."""
        fields: dict[str, Any] = {
            "model_sha256": self.sha256,
            "max_length": self.max_length,
            "template": template,
            "pooling": self.pooling,
            "dtype": self.dtype,
        }
        if self.backend != "torch":
            fields.update(backend=self.backend, quantize=self.quantize)
        if self.quantize is not None:
            fields["int8_recipe"] = self._int8_recipe()
        return fields

    @staticmethod
    def _int8_recipe() -> dict[str, Any]:
        from selector.embedding.backends.onnx_runtime import INT8_DEFAULT

        return INT8_DEFAULT.fields()

    def open_cache(self, template: str | None = None) -> EmbeddingCache:
        """The on-disk cache for this encoder's settings and ``template``."""
        return EmbeddingCache(self.cache_dir, self.cache_fields(template), self.dim, chunk_size=self.chunk_size)
