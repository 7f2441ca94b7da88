"""The forward side of :class:`~selector.embedding.encoder.Encoder`: token-budget batches, padded forward passes,
the out-of-memory split, and the finiteness check before anything reaches the cache (``docs/algorithms.md``
section 3).

A mixin: it reads the encoder's state (``model`` or ONNX ``_runner``, ``pad_id``, ``device``, ``dtype``,
``pooling``, ``chunk_size``, the call's ``_budget`` and ``stats_``) and keeps none of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from selector.embedding.backends.torch import torch_forward
from selector.embedding.gpu import WIDTH_MULTIPLE, is_out_of_memory
from selector.embedding.pooling import pool
from selector.embedding.tokenizing import Tokens, ahead, chunk_plan, pad, round_width, tokenize_flat
from selector.errors import SelectorError

log = logging.getLogger(__name__)


class BatchedForward:
    """Batching and forward passes shared by the encoder's backends."""

    model: Any
    _runner: Any
    pad_id: int
    device: str
    dtype: str
    pooling: str
    chunk_size: int
    max_length: int
    dim: int
    _tok: Any
    _cut: int | None
    tokenize_in_process: bool
    _tokenizer_process: Any
    _static: Any
    _staging: Any
    name: str
    backend: str
    _budget: int
    stats_: Any

    def _padded(self, width: int) -> int:
        """The padded width of a batch whose longest row has ``width`` tokens: rounded up to a multiple of
        :data:`~selector.embedding.gpu.WIDTH_MULTIPLE` on CUDA (never past ``max_length``), exact elsewhere (so CPU
        vectors are those of the exact widths)."""
        return width if self._staging is None else round_width(width, WIDTH_MULTIPLE, self.max_length)

    def _batches(self, lengths: np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
        """(row indices, padded length) per batch: rows sorted by (length, index), each batch padded to its longest
        row (:meth:`_padded`) and holding at most this call's budget of tokens including padding (at least one row).
        The budget is read before each batch, so a halving after an out-of-memory batch applies to the batches cut
        after it."""
        order = np.argsort(lengths, kind="stable")
        start = 0
        while start < len(order):
            stop = start + 1
            while stop < len(order) and (stop + 1 - start) * self._padded(int(lengths[order[stop]])) <= self._budget:
                stop += 1
            yield order[start:stop], self._padded(int(lengths[order[stop - 1]]))
            start = stop

    def _stream(
        self, texts: Sequence[str], index: np.ndarray, n_unique: int, todo: np.ndarray
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Encode ``texts[index[k]]`` for every k; yields ``(positions k, (len, dim) float32 vectors)`` as they are
        ready: per batch on the CPU, per chunk on CUDA (where the vectors of a chunk are gathered in one device
        buffer and copied back once). ``todo`` (positions among ``n_unique`` distinct texts in hash order) fixes
        the chunks (:func:`~selector.embedding.tokenizing.chunk_plan`); each chunk is tokenised while the one
        before it runs through the model, and its batches are cut by (length, position) within the chunk."""
        stats = self.stats_
        self._budget = self.batch_tokens
        if self._static is not None:  # the static backend needs neither tokens nor a token budget
            for s in range(0, len(index), self.chunk_size):
                rows = np.arange(s, min(len(index), s + self.chunk_size))
                stats.batches += 1
                yield rows, self._static.encode([texts[i] for i in index[rows]])
            return
        chunks = chunk_plan(n_unique, todo)
        threads = ThreadPoolExecutor(1, thread_name_prefix="selector-tokenize")
        if self.tokenize_in_process and len(chunks) > 1:
            worker = self._tokenizer_process()

            def submit(chunk: np.ndarray) -> Future[Tokens]:
                return worker.submit([texts[i] for i in index[chunk]], self._cut)
        else:

            def submit(chunk: np.ndarray) -> Future[Tokens]:
                return threads.submit(tokenize_flat, self._tok, [texts[i] for i in index[chunk]], 8192, self._cut)

        with threads:
            yield from self._chunks(ahead(submit, chunks))

    def _chunks(self, chunks: Iterator[tuple[np.ndarray, Tokens]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The forward passes of :meth:`_stream` over tokenised chunks."""
        import torch

        stats = self.stats_
        real = padded = 0
        for chunk, tokens in chunks:
            stats.n_truncated += int(tokens.truncated.sum())
            held = None if self._staging is None else torch.empty((len(chunk), self.dim), device=self.device)
            order: list[np.ndarray] = []
            for rows, width in self._batches(tokens.lengths):
                splits = stats.oom_splits
                out = self._forward_safe(tokens, rows, width)
                if stats.oom_splits > splits:  # once per batch, however deep its split went
                    self._budget = max(1, self._budget // 2)
                stats.batches += 1
                real += int(tokens.lengths[rows].sum())
                padded += width * len(rows)
                if held is None:
                    yield chunk[rows], out.numpy()
                else:
                    done = sum(len(r) for r in order)
                    held[done : done + len(rows)] = out
                    order.append(rows)
            if held is not None:
                yield chunk[np.concatenate(order)], held.cpu().numpy()
        stats.padding = 1.0 - real / padded if padded else 0.0

    def _forward(self, tokens: Tokens, rows: np.ndarray, width: int) -> Any:
        """Pooled, normalised float32 vectors ``(len(rows), dim)`` of rows ``rows`` of ``tokens``, padded to ``width``
        (at least their longest row; see :meth:`_padded`). On CUDA the result stays on
        the device and nothing waits for it: the ids go through pinned memory with a non-blocking copy and the
        mask is built there from the lengths."""
        import torch

        if self.model is None and self._runner is None:
            raise SelectorError("this Encoder was released (Encoder.release()); create a new one to encode again")
        lengths = tokens.lengths[rows]
        if self._staging is not None:
            ids, lens = self._staging.send(tokens, rows, width, self.pad_id)
            mask = (torch.arange(width, device=ids.device)[None, :] < lens[:, None]).to(torch.int64)
        else:
            grid = pad(tokens, rows, width, self.pad_id, np.empty(len(rows) * width, dtype=np.int64))
            present = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int64)
            if self._runner is not None:
                hidden = torch.from_numpy(self._runner(grid, present))
                return pool(hidden, torch.from_numpy(present), self.pooling)
            ids = torch.from_numpy(grid).to(self.device)
            mask = torch.from_numpy(present).to(self.device)
        return torch_forward(self.model, ids, mask, self.pooling)

    def _forward_safe(self, tokens: Tokens, rows: np.ndarray, width: int) -> Any:
        """:meth:`_forward`; out of device memory, split the batch in two halves, each padded to its own longest row.

        The retry runs after the ``except`` block, so the failed attempt's tensors (held by the traceback) are
        freed first. A single row that does not fit is a :class:`SelectorError` saying what to lower.
        """
        import torch

        try:
            return self._forward(tokens, rows, width)
        except RuntimeError as exc:  # torch.cuda.OutOfMemoryError is a RuntimeError; so is MPS's OOM
            if not is_out_of_memory(exc):
                raise
            reason = " ".join(str(exc).split())[:200]
        self._empty_cache()
        self.stats_.oom_splits += 1
        if len(rows) == 1:
            raise SelectorError(
                f"out of memory on {self.device} embedding a single text of {width} tokens ({reason}); lower "
                "max_length= (encoder.max_length) or batch_tokens= (encoder.batch_tokens), use "
                'dtype="float16/bfloat16", or embed on the CPU with device="cpu"'
            )
        log.warning("out of %s memory on a %dx%d batch; splitting it in two", self.device, len(rows), width)
        half = len(rows) // 2
        parts = [rows[:half], rows[half:]]
        return torch.cat([self._forward_safe(tokens, p, self._padded(int(tokens.lengths[p].max()))) for p in parts])

    def _empty_cache(self) -> None:
        import gc

        import torch

        gc.collect()
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()
        elif self.device.startswith("mps") and hasattr(torch, "mps"):
            torch.mps.empty_cache()

    def _check_finite(self, out: np.ndarray, index: np.ndarray, texts: Sequence[str]) -> None:
        """Refuse rows with NaN or inf (an fp16 overflow, a broken model) before they reach the cache; the error
        names the first texts by position in the input."""
        bad = ~np.isfinite(out).all(axis=1)
        if not bad.any():
            return
        where = [int(i) for i in index[bad]]
        shown = "; ".join(f"text {i}: {texts[i][:60]!r}" for i in where[:3])
        hint = "use --dtype float32 (encoder.dtype)" if self.dtype != "float32" else "check the model's weights"
        raise SelectorError(
            f"the encoder ({self.name}, {self.backend}, {self.dtype} on {self.device}) returned NaN or inf for "
            f"{len(where)} text(s), e.g. {shown}; none of them were cached; {hint}"
        )
