"""Token ids for the encoder, ahead of the model: flat int32 arrays, whole chunks at a time, in a background thread.

A call's texts are split into *chunks* by their position in hash order among all the call's distinct texts
(:func:`chunk_plan`), so the split depends on the set of texts alone: a resumed run (which encodes only what its
cache lacks) meets the same chunk boundaries as the run it resumes, and within a chunk the batches are cut from
the same start (``docs/algorithms.md`` section 3). While the model runs on chunk ``k``, chunk ``k + 1`` is
tokenised beside it: in a thread on the CPU, in a spawned process (:class:`TokenizerProcess`) on CUDA, so
tokenisation and the forward passes overlap instead of adding up.

Ids travel as one flat int32 array per chunk with a start and a length per text (:class:`Tokens`): no Python
list per text survives tokenisation, and a padded batch is assembled with one vectorised scatter (:func:`pad`).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

CHUNK_TEXTS = 8192
"""Distinct texts per chunk (about 1M tokens, 4 MB of ids at 125 tokens a text). A call with fewer distinct texts
is one chunk, so its batches are exactly those of one global length sort."""


@dataclass(frozen=True)
class Tokens:
    """Token ids of ``m`` texts: ``flat`` int32 ids back to back, ``starts`` and ``lengths`` (m,) int64 into it,
    ``truncated`` (m,) bool for texts cut at ``max_length``."""

    flat: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray

    def row(self, i: int) -> np.ndarray:
        """The ids of text ``i`` (a view)."""
        s = int(self.starts[i])
        return self.flat[s : s + int(self.lengths[i])]


CUT_PER_TOKEN = 8
"""A text longer than ``CUT_PER_TOKEN x max_length`` characters is tokenised from a prefix first (see
:func:`prefix_cut_safe`): the tokenizer's cost grows with the whole text while only ``max_length`` tokens are kept
(on the GPU sample, 14% of texts are longer than 2,048 characters and cost about a third of the time)."""

WORD_SPLITTERS = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit"}


def prefix_cut_safe(tokenizer_json: dict[str, Any], direction: str) -> bool:
    """Whether cutting a text just before a whitespace character keeps the tokens before the cut: true when the
    pre-tokenizer splits words at whitespace (so no token spans the cut) and truncation keeps the start."""
    pre = tokenizer_json.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
    kinds = [p.get("type") for p in steps]
    return direction == "right" and bool(kinds) and all(k in WORD_SPLITTERS for k in kinds)


def _cut(text: str, chars: int) -> str:
    """``text`` up to the last whitespace in ``[chars / 2, chars)``; the whole text when it is short or has none."""
    if len(text) <= chars:
        return text
    k = max(text.rfind(" ", chars // 2, chars), text.rfind("\n", chars // 2, chars))
    return text if k < 0 else text[:k]


def tokenize_flat(tok: Any, texts: Sequence[str], block: int = 8192, cut: int | None = None) -> Tokens:
    """Tokenise ``texts`` with a ``tokenizers.Tokenizer`` (special tokens added, truncation as configured on it),
    ``block`` texts per ``encode_batch_fast`` call (``encode_batch`` without the character offsets nobody here
    reads: 15-30% faster, the same ids), into one flat :class:`Tokens`.

    ``cut`` (characters; only where :func:`prefix_cut_safe` holds): a longer text is first tokenised from a prefix
    cut at whitespace; if that prefix already overflows ``max_length`` its tokens are the whole text's, else the
    whole text is tokenised again. The ids and truncation flags are those of tokenising every text whole."""
    parts: list[np.ndarray] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    truncated = np.zeros(len(texts), dtype=bool)
    encode = getattr(tok, "encode_batch_fast", tok.encode_batch)  # tokenizers >= 0.20: no character offsets
    for start in range(0, len(texts), block):
        part = list(texts[start : start + block])
        cuts = part if cut is None else [_cut(t, cut) for t in part]
        encodings = encode(cuts, add_special_tokens=True)
        redo = [k for k, e in enumerate(encodings) if cuts[k] is not part[k] and not e.overflowing]
        if redo:
            for k, e in zip(redo, encode([part[k] for k in redo], add_special_tokens=True), strict=True):
                encodings[k] = e
        for k, e in enumerate(encodings):
            ids = e.ids
            lengths[start + k] = len(ids)
            truncated[start + k] = bool(e.overflowing)
            parts.append(np.asarray(ids, dtype=np.int32))
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    starts = np.zeros(len(texts), dtype=np.int64)
    if len(texts) > 1:
        np.cumsum(lengths[:-1], out=starts[1:])
    return Tokens(flat, starts, lengths, truncated)


def chunk_plan(n_unique: int, todo: np.ndarray, size: int | None = None) -> list[np.ndarray]:
    """Split ``todo`` (sorted positions among ``n_unique`` distinct texts in hash order) into chunks: positions
    ``[k * step, (k + 1) * step)`` form chunk ``k``, with ``step`` fixed by ``n_unique`` alone. Returns the
    positions *into* ``todo`` of each non-empty chunk, in order. ``size``: :data:`CHUNK_TEXTS` when ``None``."""
    chunks = max(1, -(-n_unique // (size or CHUNK_TEXTS)))
    step = -(-n_unique // chunks)
    bounds = np.searchsorted(todo, np.arange(0, n_unique + step, step))
    index = np.arange(len(todo))
    return [index[a:b] for a, b in itertools.pairwise(bounds.tolist()) if b > a]


def ahead(
    submit: Callable[[np.ndarray], Future[Tokens]], chunks: Sequence[np.ndarray]
) -> Iterator[tuple[np.ndarray, Tokens]]:
    """``(chunk, tokens)`` for each chunk, in order, the next chunk already submitted (to a thread or to a
    :class:`TokenizerProcess`) while the caller works on this one. Leaving the loop early (an error, an interrupt)
    leaves at most one chunk in flight."""
    if not chunks:
        return
    pending = submit(chunks[0])
    for k, chunk in enumerate(chunks):
        tokens = pending.result()
        if k + 1 < len(chunks):
            pending = submit(chunks[k + 1])
        yield chunk, tokens


_worker: Any = None  # the tokenizer of a TokenizerProcess's child


def _start_worker(spec: str, max_length: int, direction: str) -> None:
    from tokenizers import Tokenizer

    global _worker
    _worker = Tokenizer.from_str(spec)
    _worker.no_padding()
    _worker.enable_truncation(max_length, stride=0, direction=direction)


def _tokenize_in_worker(texts: list[str], cut: int | None) -> Tokens:
    return tokenize_flat(_worker, texts, cut=cut)


class TokenizerProcess:
    """One spawned process that tokenises chunks for a CUDA encoder.

    A thread in the encoder's own process shares the GIL with the loop that launches the model's kernels: that loop
    blocks inside launches (a full launch queue) while holding it, and the tokenizer's Python side (one object and
    one id list per text) then waits, so on an H200 tokenising and the forward passes added up instead of
    overlapping. A process has its own GIL; texts go in and flat int32 arrays come back (a few MB a chunk).
    """

    def __init__(self, spec: str, max_length: int, direction: str) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork: the parent holds CUDA and the tokenizer's threads
        self.pool = ProcessPoolExecutor(
            1, mp_context=ctx, initializer=_start_worker, initargs=(spec, max_length, direction)
        )
        self.pool.submit(int)  # start the child now: its start-up (about a second) overlaps the model's loading

    def submit(self, texts: list[str], cut: int | None) -> Future[Tokens]:
        return self.pool.submit(_tokenize_in_worker, texts, cut)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def round_width(width: int, multiple: int, cap: int) -> int:
    """``width`` rounded up to a multiple of ``multiple``, but never past ``max(width, cap)``: fewer distinct
    shapes reach the GPU's kernels, and padding stays masked (``multiple`` 1 leaves it alone)."""
    if multiple <= 1:
        return width
    return max(width, min(-(-width // multiple) * multiple, cap))


def pad(tokens: Tokens, rows: np.ndarray, width: int, pad_id: int, out: np.ndarray) -> np.ndarray:
    """Rows ``rows`` of ``tokens`` padded with ``pad_id`` to ``width``, written into ``out`` (at least
    ``len(rows) * width`` int64 elements; e.g. pinned memory) and returned as its ``(len(rows), width)`` view."""
    b = len(rows)
    grid = out[: b * width].reshape(b, width)
    grid.fill(pad_id)
    lengths = tokens.lengths[rows]
    total = int(lengths.sum())
    if total:
        row_of = np.repeat(np.arange(b), lengths)
        first = np.cumsum(lengths) - lengths
        col = np.arange(total) - np.repeat(first, lengths)
        src = np.repeat(tokens.starts[rows], lengths) + col
        grid[row_of, col] = tokens.flat[src]
    return grid


class EncoderTokenizer:
    """The tokenizing half of an :class:`~selector.embedding.encoder.Encoder`: a fast ``tokenizers`` copy of the
    model's tokenizer cut at ``max_length`` (set up by :meth:`_backend_tokenizer` once ``tokenizer`` and
    ``max_length`` are loaded), tokenizing in this process or in a spawned :class:`TokenizerProcess` on CUDA."""

    tokenizer: Any
    max_length: int
    _tokproc: TokenizerProcess | None

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
