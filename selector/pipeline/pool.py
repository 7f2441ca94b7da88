"""The pool: the samples a run works on and what the stages learn about each one, row for row.

A :class:`Pool` holds the samples, where each stands in the corpus as read (``at``), and, once the stages that
compute them have run, their unit vectors (``X``), K-Means labels and token counts. Every stage that drops
samples (filters, presampling, semantic dedup) calls :meth:`Pool.narrow` once, so no array can fall out of step
with the samples and no stage has to map positions back to the corpus: ``pool.at[i]`` is row ``i``'s position in
``corpus.samples``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from selector.sample import Sample

__all__ = ["Pool"]


@dataclass(frozen=True)
class Pool:
    """``samples`` and the per-row facts about them, kept aligned.

    Attributes:
        samples: the samples, in reading order.
        at: ``(n,)`` int64 positions of the samples in ``corpus.samples`` (or in the pool handed to
            :func:`selector.pipeline.select_pool`).
        X: ``(n, d)`` unit vectors, once embedded.
        labels: ``(n,)`` K-Means labels, once clustered.
        token_counts: ``(n,)`` training tokens per sample, under a token budget.
        lengths: ``(n,)`` int64 characters of each sample's response (:attr:`Sample.response`), once the filter
            pass measured them (the report's length histogram reads them instead of parsing every sample again).
    """

    samples: list[Sample]
    at: np.ndarray
    X: np.ndarray | None = None
    labels: np.ndarray | None = None
    token_counts: np.ndarray | None = None
    lengths: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.samples)
        for f in fields(self)[1:]:
            value = getattr(self, f.name)
            if value is not None and len(value) != n:
                raise ValueError(f"pool {f.name} has {len(value)} rows for {n} samples")

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Pool:
        """A pool of ``samples`` as they stand in the corpus (row ``i`` at position ``i``)."""
        return cls(list(samples), np.arange(len(samples), dtype=np.int64))

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> Sample:
        return self.samples[i]

    def narrow(self, keep: Sequence[int] | np.ndarray) -> Pool:
        """The pool of rows ``keep`` (positions in this pool, in the order given), every array cut alike."""
        rows = np.asarray(keep, dtype=np.int64)
        cut = {f.name: getattr(self, f.name) for f in fields(self)[2:]}
        return Pool(
            [self.samples[i] for i in rows.tolist()],
            self.at[rows],
            **{name: (None if value is None else value[rows]) for name, value in cut.items()},
        )

    def with_(self, **facts: np.ndarray) -> Pool:
        """This pool with ``facts`` (``X=``, ``labels=``, ``token_counts=``, ``lengths=``) set, rows matching."""
        return replace(self, **facts)
