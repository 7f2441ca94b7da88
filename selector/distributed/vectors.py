"""The pool's vectors left in their ``.npy`` file: what the partitioned executor passes instead of an ``(n, d)`` array.

A :class:`VectorFile` names the file and, for each pool row, its row in the file (the pool is the corpus after
filters, so pool row ``i`` is file row ``rows[i]``). Indexing it (``vf[idx]``) reads just those rows and returns
them as unit rows, exactly as :func:`selector.embedding.precomputed.load_embeddings` would have made them (each row
divided by its own float32 norm, so a row's bits do not depend on which other rows were read with it); float16
when the file stores float16 and the run keeps float16 in memory (``half``), else float32. ``vf.part(lo, hi)`` and
``vf.take(idx)`` are smaller :class:`VectorFile` objects, a few integers each, that Ray workers read from on
their own.

Nothing here turns the whole file into an array by accident: ``numpy.asarray(vf)`` raises, so a stage that would
have materialised every vector fails loudly instead of using the driver's memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selector.embedding.precomputed import checked_array, unit_rows
from selector.errors import SelectorError
from selector.sample import Sample

__all__ = ["VectorFile", "open_vectors"]


@dataclass(frozen=True, eq=False)
class VectorFile:
    """Pool rows ``rows`` (``(n,)`` int64 rows of the file at ``path``), read on demand as ``(len, d)`` unit rows.

    ``d`` is the vectors' dimension; ``half``: return float16 (the file stores float16 and the run keeps it).
    """

    path: str
    rows: np.ndarray
    d: int
    half: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), self.d)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(np.float16 if self.half else np.float32)

    @property
    def nbytes(self) -> int:
        """What the vectors would take as one array in memory (they never are, here)."""
        return len(self.rows) * self.d * self.dtype.itemsize

    def __len__(self) -> int:
        return len(self.rows)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise SelectorError(
            f"the {len(self):,} vectors of {self.path} stay in their file under the partitioned executor: read the "
            "rows a step needs (vectors[rows]) or run the step on the workers"
        )

    def __getitem__(self, idx: Any) -> np.ndarray:
        """The unit rows ``idx`` (an index array, a bool mask or a slice of pool rows), read from the file."""
        if isinstance(idx, tuple):
            raise SelectorError("a VectorFile is indexed by rows only (vectors[rows])")
        return self.read(self.rows[idx])

    def part(self, lo: int, hi: int) -> VectorFile:
        """Pool rows ``lo`` to ``hi`` (exclusive) as their own :class:`VectorFile`."""
        return VectorFile(self.path, self.rows[lo:hi], self.d, self.half)

    def take(self, idx: np.ndarray) -> VectorFile:
        """Pool rows ``idx`` (in that order) as their own :class:`VectorFile`."""
        return VectorFile(self.path, self.rows[np.asarray(idx, dtype=np.int64)], self.d, self.half)

    def read_all(self) -> np.ndarray:
        """Every row of this :class:`VectorFile` as one array: for a partition or a shard on a worker."""
        return self.read(self.rows)

    def read(self, file_rows: np.ndarray) -> np.ndarray:
        """File rows ``file_rows`` as unit rows of :attr:`dtype` (the math float32, as ``load_embeddings``)."""
        path = Path(self.path)
        return unit_rows(path, FileRows(path), np.asarray(file_rows, dtype=np.int64).reshape(-1), dtype=self.dtype)


WINDOW = 8192
"""Most consecutive rows of the file read at a time by :class:`FileRows` (12 MB of float32 at 384-d)."""

GAP_BYTES = 4096
"""Wanted rows this close (the bytes between them) are read in one span; farther ones by reads of their own."""


class FileRows:
    """The ``(n, d)`` array of a ``.npy`` file as far as :func:`~selector.embedding.precomputed.unit_rows` needs
    it (``dtype``, ``shape``, ``rows[idx]``), read by plain reads of spans of consecutive rows.

    A span holds wanted rows at most :data:`GAP_BYTES` apart and at most :data:`WINDOW` rows, and every span is
    read into one buffer as long as the longest: the rows read are those wanted and the few between them, and the
    memory beside the result is one span. A memory map indexed by scattered rows (a K-Means sample, a shard of
    clusters) would leave every page it touched counted in the process's resident memory until it is closed, and
    reading whole windows around a sparse sample would read the whole file (the K-Means sample of 256,000 rows at
    100M is one row in 400).
    """

    def __init__(self, path: Path) -> None:
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
        self.path, self.dtype, self.shape = path, mapped.dtype, mapped.shape
        self.offset = int(mapped.offset) if isinstance(mapped, np.memmap) else 0
        self.plain = isinstance(mapped, np.memmap) and mapped.flags.c_contiguous and mapped.ndim == 2
        del mapped  # nothing of it was read

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        if not self.plain:
            return np.asarray(np.load(self.path, mmap_mode="r", allow_pickle=False)[idx])
        d = self.shape[1]
        row_bytes = d * self.dtype.itemsize
        order = np.argsort(idx, kind="stable")
        wanted = idx[order]
        out = np.empty((len(idx), d), dtype=self.dtype)
        spans = self.spans(wanted)
        buf = np.empty(max((hi - lo for _, _, lo, hi in spans), default=0) * d, dtype=self.dtype)
        with open(self.path, "rb", buffering=0) as f:
            for i, j, lo, hi in spans:
                view = buf[: (hi - lo) * d]
                f.seek(self.offset + lo * row_bytes)
                if f.readinto(memoryview(view).cast("B")) != view.nbytes:
                    raise SelectorError(f"{self.path}: the file ends before row {hi - 1}; was it cut short?")
                out[order[i:j]] = view.reshape(hi - lo, d)[wanted[i:j] - lo]
        return out

    def spans(self, wanted: np.ndarray) -> list[tuple[int, int, int, int]]:
        """``(i, j, lo, hi)`` for each read of the ascending ``wanted`` rows: ``wanted[i:j]`` read as file rows
        ``lo`` to ``hi`` (exclusive)."""
        gap = max(1, GAP_BYTES // (self.shape[1] * self.dtype.itemsize))
        cuts = [0, *(np.flatnonzero(np.diff(wanted) > gap) + 1).tolist(), len(wanted)]
        spans = []
        for s, e in itertools.pairwise(cuts):
            i = s
            while i < e:
                lo = int(wanted[i])
                j = int(np.searchsorted(wanted[:e], lo + WINDOW, side="left")) if e - i > 1 else e
                spans.append((i, j, lo, int(wanted[j - 1]) + 1))
                i = j
        return spans


def open_vectors(
    path: str | Path,
    rows: Sequence[int] | np.ndarray,
    samples: Sequence[Sample],
    *,
    template: str | None = None,
    model: str | Path | None = None,
    keep_float16: bool = False,
) -> VectorFile:
    """The :class:`VectorFile` of pool rows ``rows`` of the ``--embeddings`` file ``path``, once its sidecar shows
    that its rows are ``samples`` (every sample as read); the checks and errors of ``load_embeddings``, no vector
    read. ``keep_float16``: rows come back float16 when the file stores float16."""
    arr = checked_array(Path(path), samples, template=template, model=model)
    if arr.dtype.kind not in "fiu":
        raise SelectorError(f"embeddings={path}: expected float32 or float16 vectors, got {arr.dtype}")
    half = keep_float16 and arr.dtype == np.float16
    return VectorFile(str(path), np.asarray(rows, dtype=np.int64), int(arr.shape[1]), half)
