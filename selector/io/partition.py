"""Reading by partition: each input file parsed in a forked worker process, only compact columns sent back.

A worker reads one partition (one input file) as :func:`~selector.io.read_corpus` would: the same layout, the
same format choice, the same samples, each shown to the caller's per-partition visitor while its record is parsed
(``select`` runs its per-record filter rules there, :class:`PartitionVisit`). What comes back is what the driver
needs to rebuild every :class:`~selector.sample.Sample` without parsing again: per sample its own id, source,
task, row and line; the file's :class:`~selector.io.corpus.Layout` with the byte spans of its rows (the samples
read their records back from the file, :mod:`selector.io.records`); the records skipped; and the visitor's
columns. The driver merges the partitions in input order, claims the ids (unique across files, as one pass
would), and hands each partition's columns and samples to :meth:`PartitionVisit.merge`.

A file whose samples must hold their records (``.gz``, CSV, Parquet, a nested format), and one whose reading
fails in the worker (a bad line, a record of the wrong shape, a rule that raises), is read on the driver by the
one-process path at its place in the order, so its samples, skips and errors are exactly that path's.
"""

from __future__ import annotations

import logging
import os
import sys
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from selector.errors import ConfigError
from selector.io.corpus import Corpus, FileInfo, Layout, Skipped
from selector.io.discover import Input, text_name
from selector.io.loading import choose_format, load_input
from selector.sample import Sample

log = logging.getLogger(__name__)

__all__ = [
    "Columns",
    "PartitionRunner",
    "PartitionVisit",
    "PartitionWorker",
    "available_cpus",
    "read_partition",
    "read_workers",
]


class PartitionWorker(ABC):
    """What a :class:`PartitionVisit` runs inside a worker for one partition."""

    @abstractmethod
    def __call__(self, sample: Sample) -> None:
        """See the partition's next sample, its record and messages in memory."""

    @abstractmethod
    def columns(self) -> Any:
        """What the driver's :meth:`PartitionVisit.merge` needs of the samples seen (picklable, compact)."""


class PartitionVisit(ABC):
    """A ``visit`` for :func:`~selector.io.read_corpus` that can also run by partition.

    Called as ``visit(sample)`` for the samples the driver reads itself; :meth:`worker` gives a fresh visitor
    for one partition inside a worker process, and :meth:`merge` takes its columns back on the driver, in input
    order, with the partition's rebuilt samples (what ``visit`` would have seen, one by one)."""

    @abstractmethod
    def __call__(self, sample: Sample) -> None:
        """See the next sample read on the driver."""

    @abstractmethod
    def worker(self) -> PartitionWorker:
        """A visitor for one partition, run in a worker process."""

    @abstractmethod
    def merge(self, columns: Any, samples: list[Sample]) -> None:
        """The columns of one partition's visitor, with that partition's samples in order."""

    def partitionable(self) -> str | None:
        """Why this visit cannot run by partition (logged; the read is then one process), or ``None``."""
        return None


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


AUTO_MIN_BYTES = 32 << 20
"""Below this many bytes of input files, ``read_workers=None`` reads in one process: starting the workers (about
0.3 s) would cost more than it saves."""


def read_workers(workers: int | None, inputs: list[Input]) -> int:
    """How many worker processes read ``inputs``: ``workers``, or with ``None`` one per available CPU when the
    files hold at least :data:`AUTO_MIN_BYTES`; at most one per input; 1 means the one-process read."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"read_workers={workers!r} must be a whole number of at least 1 (or None: one per CPU)")
    if workers is None and _ray_driver():
        return 1  # a forked copy of a Ray driver would inherit its gRPC threads' locks: Ray reads by tasks instead
    if workers is None:
        files = [os.path.getsize(i.path) for i in inputs if i.kind == "file" and os.path.isfile(i.path)]
        workers = available_cpus() if sum(files) >= AUTO_MIN_BYTES else 1
    return max(1, min(workers, len(inputs)))


def _ray_driver() -> bool:
    ray = sys.modules.get("ray")
    return ray is not None and bool(ray.is_initialized())


@dataclass
class Columns:
    """One partition as read in a worker: what the driver rebuilds its samples and file entry from."""

    layout: Layout
    records: int  # len(layout.records), sent without the list of Nones
    info: FileInfo
    skipped: list[Skipped]
    own: list[str | None]
    sources: list[str]
    tasks: list[str | None]
    rows: array
    visited: Any


class _OwnIds:
    """Stands in for the reader's id registry inside a worker: notes each sample's own id (the driver claims)."""

    def __init__(self) -> None:
        self.own: list[str | None] = []

    def claim(self, own: str | None, fallback: str, path: str) -> str:
        self.own.append(own)
        return fallback


_JOB: tuple[list[Input], Any, PartitionVisit | None] | None = None  # set before the workers fork


def _read_one(index: int) -> Columns | None:
    """In a forked worker: partition ``index`` of the job the driver set before forking."""
    assert _JOB is not None  # set by the driver before forking
    inputs, how, visit = _JOB
    return read_partition(inputs[index], how, visit)


def read_partition(item: Input, how: Any, visit: PartitionVisit | None) -> Columns | None:
    """One partition (``item``, read with the reader's options ``how``) as columns, ``visit``'s worker shown each
    sample; ``None`` for the driver to read it the one-process way (a container whose samples hold their records,
    or any error: the driver then raises or skips exactly as one process does). Runs in a worker process (forked,
    or a Ray task: :mod:`selector.distributed.ray_read`)."""
    from selector.io.reader import _build  # the one-process reader's sample builder

    if item.kind != "file":
        return None
    try:
        layout = load_input(item, how.skip_invalid, how.max_gzip_ratio)
        fmt = choose_format(layout, how.mapped)
        if layout.source is None or fmt.nested:
            return None  # its samples hold their records: read on the driver
        worker = visit.worker() if visit is not None else None
        scratch = Corpus(samples=[], files=[], skipped=[])
        ids = _OwnIds()
        info = _build(layout, fmt, scratch, ids, _with_visit(how, worker))  # type: ignore[arg-type]
    except Exception:  # the driver reads it again and raises (or skips) exactly as one process does
        log.debug("partition %s falls back to the driver", item.path, exc_info=True)
        return None
    samples = scratch.samples
    records, layout.records = len(layout.records), []
    return Columns(
        layout,
        records,
        info,
        scratch.skipped,
        ids.own,
        [s.source for s in samples],
        [s.task for s in samples],
        array("q", (s.row for s in samples)),
        worker.columns() if worker is not None else None,
    )


def one_thread_each() -> None:
    """Pool initializer: a worker forked from a process that ran torch, faiss or a BLAS inherits thread pools
    sized for the whole machine; parsing needs none of them, so each worker keeps one thread of each. It also
    leaves SIGINT to the driver (which stops the pool) and dies quietly on the pool's SIGTERM, instead of the
    run's own handlers (:mod:`selector.signals`)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(1)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _with_visit(how: Any, visit: Callable[[Sample], None] | None) -> Any:
    from dataclasses import replace

    return replace(how, visit=visit)


#: Reads partitions somewhere else: ``runner(inputs, how, visit)`` yields each input's :class:`Columns` (or
#: ``None``) in input order, each made by :func:`read_partition` (Ray tasks: :mod:`selector.distributed.ray_read`).
PartitionRunner = Callable[[list[Input], Any, "PartitionVisit | None"], Iterator["Columns | None"]]


def read_partitioned(inputs: list[Input], workers: int, how: Any, visit: PartitionVisit | None) -> Iterator[Any]:
    """Each input's :class:`Columns` (or ``None``: read it on the driver), in input order, from ``workers``
    forked processes reading ahead."""
    import multiprocessing

    global _JOB
    _JOB = (inputs, how, visit)
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=one_thread_each) as pool:
            yield from pool.imap(_read_one, range(len(inputs)))
    finally:
        _JOB = None


def merge_columns(cols: Columns, corpus: Corpus, ids: Any, visit: PartitionVisit | None) -> FileInfo:
    """Append one partition's samples to ``corpus`` (ids claimed in order), its skips and layout; the visitor's
    columns go to ``visit.merge``. Returns the partition's FileInfo."""
    layout, info = cols.layout, cols.info
    layout.records = [None] * cols.records
    path, fmt, source, lines = layout.path, layout.format, layout.source, layout.lines
    name = text_name(os.path.basename(path.rstrip("/\\")) or path)
    claim = ids.claim
    start = len(corpus.samples)
    corpus.samples.extend(
        Sample(claim(own, f"{name}#{row}", path), src, task, None, None, fmt, path, row,
               lines[row] if lines is not None else None, None, None, source)
        for own, src, task, row in zip(cols.own, cols.sources, cols.tasks, cols.rows, strict=True)
    )  # fmt: skip
    corpus.skipped.extend(cols.skipped)
    corpus.layouts[path] = layout
    if visit is not None:
        visit.merge(cols.visited, corpus.samples[start:])
    return info
