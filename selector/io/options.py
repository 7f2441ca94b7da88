"""How inputs are read, as one object that ``select()``, the commands and the evaluation pass around."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from selector.io.corpus import Corpus
from selector.io.partition import PartitionRunner
from selector.sample import Sample


@dataclass(frozen=True)
class ReadOptions:
    """The reading options shared by every command.

    Attributes:
        source_field: record key holding the source (default: the file stem).
        task_field: record key holding the task (``@file``: the file stem; ``None``: no tasks).
        mapping: ``FIELD -> KEY`` for records of another shape (``--map``).
        skip_invalid: skip bad records and unreadable files, count them and say why, instead of failing.
        max_gzip_ratio: how many times its compressed size a ``.gz`` input may inflate to before it is refused as
            a possible gzip bomb (``None``: ``$SELECTOR_MAX_GZIP_RATIO``, else 100; :mod:`selector.io.readers.gz`).
        read_workers: processes that read (and, for ``select``, filter) the input files, one file each at a time
            (:mod:`selector.io.partition`): ``None`` is one per available CPU, at most one per file; ``1`` reads in
            this process. The corpus, and every output, is the same for any value.
    """

    source_field: str | None = None
    task_field: str | None = None
    mapping: Mapping[str, str] | None = None
    skip_invalid: bool = False
    max_gzip_ratio: float | None = None
    read_workers: int | None = None

    def read(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        *,
        visit: Callable[[Sample], None] | None = None,
        runner: PartitionRunner | None = None,
    ) -> Corpus:
        """:func:`~selector.io.read_corpus` of ``inputs`` with these options (``visit``, ``runner``: see there)."""
        from selector.io.reader import read_corpus

        return read_corpus(
            list(inputs),
            source_field=self.source_field,
            task_field=self.task_field,
            mapping=dict(self.mapping) if self.mapping else None,
            skip_invalid=self.skip_invalid,
            max_gzip_ratio=self.max_gzip_ratio,
            visit=visit,
            workers=self.read_workers,
            runner=runner,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_field": self.source_field,
            "task_field": self.task_field,
            "mapping": dict(self.mapping) if self.mapping else None,
            "skip_invalid": self.skip_invalid,
        }
