"""Embedding: every sample becomes one L2-normalised vector of a transformer encoder.

- :mod:`~selector.embedding.templates`: how a sample is rendered as text (its training input);
- :mod:`~selector.embedding.models`: loading the encoder offline (the bundled all-MiniLM-L6-v2 by default);
- :mod:`~selector.embedding.encoder`: length-sorted token-budget batches, masked mean pooling
  (:mod:`~selector.embedding.pooling`), order restored;
- :mod:`~selector.embedding.cache`: the content-addressed, resumable embedding cache;
- :mod:`~selector.embedding.step`: the pipeline's embed step (samples in, ``(n, d)`` float32 out);
- :mod:`~selector.embedding.precomputed`: ``--embeddings`` files, checked row by row against the samples;
- :mod:`~selector.progress`: progress bars on a terminal, a plain log line every few seconds elsewhere.

See ``docs/algorithms.md`` section 3. torch is imported only when a name is first used.
"""

from selector._lazy import lazy_exports

_NAMES = {
    "Encoder": "selector.embedding.encoder",
    "encode": "selector.embedding.encoder",
    "render": "selector.embedding.templates",
    "render_all": "selector.embedding.templates",
    "TEMPLATES": "selector.embedding.templates",
    "embed_samples": "selector.embedding.step",
    "load_embeddings": "selector.embedding.precomputed",
    "load_encoder": "selector.embedding.step",
}
__getattr__ = lazy_exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
