"""The forward side of :class:`~selector.embedding.encoder.Encoder`: token-budget batches, padded forward passes,
the out-of-memory split, and the finiteness check before anything reaches the cache (``docs/algorithms.md``
section 3).

A mixin: it reads the encoder's state (``model`` or ONNX ``_runner``, ``pad_id``, ``device``, ``dtype``,
``pooling``, ``chunk_size``, the call's ``_budget`` and ``stats_``) and keeps none of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from selector.embedding.gpu import is_out_of_memory
from selector.embedding.pooling import pool
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
    name: str
    backend: str
    _budget: int
    stats_: Any

    def _batches(self, lengths: np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
        """(row indices, padded length) per batch: rows sorted by (length, index), each batch padded to its longest
        row and holding at most this call's budget of tokens including padding (at least one row). The budget is read
        before each batch, so a halving after an out-of-memory batch applies to the batches cut after it."""
        order = np.argsort(lengths, kind="stable")
        start = 0
        while start < len(order):
            stop = start + 1
            while stop < len(order) and (stop + 1 - start) * int(lengths[order[stop]]) <= self._budget:
                stop += 1
            yield order[start:stop], int(lengths[order[stop - 1]])
            start = stop

    def _static_batches(self, n: int) -> list[tuple[np.ndarray, int]]:
        """Blocks of ``chunk_size`` rows for the static backend as (rows, width 1): it needs no token budget."""
        rows = np.arange(n)
        return [(rows[i : i + self.chunk_size], 1) for i in range(0, n, self.chunk_size)]

    def _forward(self, ids: list[np.ndarray], width: int) -> np.ndarray:
        import torch

        if self.model is None and self._runner is None:
            raise SelectorError("this Encoder was released (Encoder.release()); create a new one to encode again")
        b = len(ids)
        tokens = np.full((b, width), self.pad_id, dtype=np.int64)
        present = np.zeros((b, width), dtype=np.int64)
        for r, row in enumerate(ids):
            tokens[r, : len(row)] = row
            present[r, : len(row)] = 1
        if self._runner is not None:
            hidden = torch.from_numpy(self._runner(tokens, present))
            return pool(hidden, torch.from_numpy(present), self.pooling).numpy()
        input_ids = torch.from_numpy(tokens).to(self.device)
        mask = torch.from_numpy(present).to(self.device)
        with torch.inference_mode():
            hidden = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            return pool(hidden, mask, self.pooling).cpu().numpy()

    def _forward_safe(self, ids: list[np.ndarray], width: int) -> np.ndarray:
        """:meth:`_forward`; out of device memory, split the batch in two halves, each padded to its own longest row.

        The retry runs after the ``except`` block, so the failed attempt's tensors (held by the traceback) are
        freed first. A single row that does not fit is a :class:`SelectorError` saying what to lower.
        """
        try:
            return self._forward(ids, width)
        except RuntimeError as exc:  # torch.cuda.OutOfMemoryError is a RuntimeError; so is MPS's OOM
            if not is_out_of_memory(exc):
                raise
            reason = " ".join(str(exc).split())[:200]
        self._empty_cache()
        self.stats_.oom_splits += 1
        if len(ids) == 1:
            raise SelectorError(
                f"out of memory on {self.device} embedding a single text of {width} tokens ({reason}); lower "
                "--max-length (encoder.max_length) or --batch-tokens (encoder.batch_tokens), use --dtype "
                "float16/bfloat16, or embed on the CPU with --device cpu"
            )
        log.warning("out of %s memory on a %dx%d batch; splitting it in two", self.device, len(ids), width)
        half = len(ids) // 2
        parts = [ids[:half], ids[half:]]
        return np.concatenate([self._forward_safe(p, max(len(r) for r in p)) for p in parts])

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
