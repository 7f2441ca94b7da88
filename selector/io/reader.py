"""``read_corpus``: every input file -> records -> one :class:`~selector.sample.Sample` per record or instance.

Format detection is per file, from the first record; every later record must fit that format (an error naming
its line, or skipped with ``skip_invalid``). An explicit mapping (``--map``) is used for a file when its first
record holds the mapped keys; other files are still detected.

Inside a folder, a file that parses but holds no records of any known format (an index or manifest such as
natural-instructions' ``MANIFEST.json``) is skipped with a warning listing it, and listed in ``Corpus.skipped``; a
file named explicitly still fails.

Sample ids are the record's own ``id`` when it has one, else ``<file name>#<row>`` (``#<row>/<instance>`` for
nested formats), where ``row`` is the 0-based index of the record in its file. Positions in error messages are
``<file>:<line>`` with 1-based lines: the ``#`` keeps the two notations apart.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from selector.errors import InputError, NotRecordsError, SelectorError
from selector.formats import Format, FormatError, as_text, mapped_format
from selector.io.corpus import Corpus, FileInfo, Layout, Skipped
from selector.io.discover import Input, discover, stem, text_name
from selector.io.ids import SampleIds, own_id
from selector.io.loading import choose_format, load_input
from selector.io.partition import PartitionRunner, PartitionVisit, merge_columns, read_partitioned, read_workers
from selector.io.readers.gz import gzip_ratio
from selector.sample import Sample

log = logging.getLogger(__name__)

FILE_STEM = "@file"  # --source-field/--task-field value meaning "the input file's stem"


def read_corpus(
    paths: Sequence[str | Path],
    *,
    source_field: str | None = None,
    task_field: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    max_gzip_ratio: float | None = None,
    visit: Callable[[Sample], None] | None = None,
    workers: int | None = 1,
    runner: PartitionRunner | None = None,
) -> Corpus:
    """Read files, folders (recursively) and Hub dataset names into one :class:`Corpus`.

    ``source_field``/``task_field`` name a record key whose value becomes ``Sample.source``/``Sample.task``
    (``"@file"`` means the file stem; by default the source is the file stem and the task is ``None``, except for
    Super-NaturalInstructions task files whose task is their stem). ``mapping`` maps ``prompt``, ``input``,
    ``response``, ``system`` and ``id`` to record keys (``+`` joins several keys). ``max_gzip_ratio`` bounds how
    far a ``.gz`` input may inflate (:mod:`selector.io.readers.gz`). With ``skip_invalid``, bad records and
    unreadable files are left out and listed in ``Corpus.skipped`` instead of raising
    :class:`~selector.errors.InputError`.

    ``visit(sample)`` is called for every sample as it is built, in corpus order, while its record and messages are
    still in memory (``select`` filters the samples there: one parse of each record serves reading and filtering).

    ``workers`` > 1 (``None``: one per CPU) reads the input files in that many forked processes
    (:mod:`selector.io.partition`) when there are several files and ``visit`` is ``None`` or a
    :class:`~selector.io.partition.PartitionVisit`; the corpus is the same as one process reads. ``runner`` reads
    the partitions elsewhere instead (Ray tasks), whatever ``workers`` says.
    """
    mapping = dict(mapping or {})
    mapped = mapped_format(mapping) if set(mapping) - {"id"} else None
    id_key = mapping.get("id")
    gzip_ratio(max_gzip_ratio)  # a bad $SELECTOR_MAX_GZIP_RATIO fails before anything is read
    inputs = discover(paths)
    corpus = Corpus(samples=[], files=[], skipped=[])
    ids = SampleIds()
    paused = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the cyclic collector would only rescan them over and over
    try:
        reading = _Reading(mapped, source_field, task_field, id_key, skip_invalid, max_gzip_ratio, visit)
        parts = _partitions(workers, inputs, reading, runner)
        not_records = _read_all(inputs, corpus, ids, reading, parts)
    finally:
        if paused:
            gc.enable()
    if mapped is not None and corpus.files and not any(f.format == mapped.name for f in corpus.files):
        raise _mapping_unused(corpus, mapped, mapping)
    if ids.renamed:
        log.warning("%d samples had an id already in use; they got <file>#<row> ids instead", ids.renamed)
    if not_records:
        log.warning(
            "skipped %d file(s) in the input folder(s) that hold no records of a known format: %s",
            len(not_records),
            ", ".join(not_records),
        )
    invalid = len(corpus.skipped) - len(not_records)
    if invalid:
        log.warning("skipped %d invalid records or files (--skip-invalid)", invalid)
    return corpus


def _mapping_unused(corpus: Corpus, mapped: Format, mapping: Mapping[str, str]) -> InputError:
    """``--map`` fitted no input (each file was read by its detected format instead): name what is missing."""
    layout = corpus.layouts[corpus.files[0].path]
    first = corpus.samples[0].record if corpus.samples else {}  # the first file's first record
    keys = sorted(first) if isinstance(first, Mapping) else []
    missing = sorted(mapped.required - set(keys))
    given = " ".join(f"mapping={k}={v}" for k, v in mapping.items())
    return InputError(
        layout.path,
        f"{given} was given, but no input has the key(s) {', '.join(missing)} (first record: {', '.join(keys)})",
        hint="Fix the mapping= keys, or drop mapping= to read the files by their detected format",
    )


@dataclass(frozen=True)
class _Reading:
    """The options of one :func:`read_corpus` call, as its helpers need them."""

    mapped: Format | None
    source_field: str | None
    task_field: str | None
    id_key: str | None
    skip_invalid: bool
    max_gzip_ratio: float | None
    visit: Callable[[Sample], None] | None = None


def _partitions(
    workers: int | None, inputs: list[Input], how: _Reading, runner: PartitionRunner | None
) -> Iterator[Any] | None:
    """The columns of each input read by partition (``runner``'s, or ``workers`` forked processes'), or ``None``
    for the one-process read: one worker, or a ``visit`` that cannot run by partition."""
    visit = how.visit
    n = len(inputs) if runner is not None else read_workers(workers, inputs)
    if n <= 1:
        return None
    if visit is not None:
        why = visit.partitionable() if isinstance(visit, PartitionVisit) else "its visitor does not run by partition"
        if why:
            log.info("reading in one process: %s", why)
            return None
    if runner is not None:
        return runner(inputs, how, visit)  # type: ignore[arg-type]
    return read_partitioned(inputs, n, how, visit)  # type: ignore[arg-type]


def _read_all(
    inputs: list[Input], corpus: Corpus, ids: SampleIds, how: _Reading, parts: Iterator[Any] | None = None
) -> list[str]:
    """Read every input into ``corpus`` (``parts``: each one's columns read by partition, ``None`` where this
    process reads it); returns the folder files skipped as holding no records."""
    not_records: list[str] = []
    with (
        tqdm(inputs, desc="reading", unit="file", disable=None, leave=False) as bar,
        closing(parts) if parts is not None else nullcontext(),
    ):
        for item in bar:
            columns = next(parts) if parts is not None else None
            if columns is not None:
                corpus.files.append(merge_columns(columns, corpus, ids, how.visit))  # type: ignore[arg-type]
                bar.set_postfix(samples=len(corpus.samples))
                continue
            try:
                layout = load_input(item, how.skip_invalid, how.max_gzip_ratio)
                fmt = choose_format(layout, how.mapped)
            except SelectorError as exc:
                stray = item.in_folder and isinstance(exc, NotRecordsError)
                if not (how.skip_invalid or stray):
                    raise
                reason = exc.reason if isinstance(exc, InputError) else str(exc)
                corpus.skipped.append(Skipped(item.path, getattr(exc, "line", None), None, reason))
                if stray:
                    not_records.append(item.path)
                log.debug("skipped %s: %s", item.path, reason)
                continue
            info = _build(layout, fmt, corpus, ids, how)
            corpus.files.append(info)
            corpus.layouts[layout.path] = layout
            bar.set_postfix(samples=len(corpus.samples))
    return not_records


def _build(
    layout: Layout,
    fmt: Format,
    corpus: Corpus,
    ids: SampleIds,
    how: _Reading,
) -> FileInfo:
    """Append the samples of one parsed file to ``corpus`` (each shown to ``how.visit`` as it is built); returns
    its FileInfo."""
    source_field, task_field, id_key = how.source_field, how.task_field, how.id_key
    skip, visit = how.skip_invalid, how.visit
    path = layout.path
    layout.format = fmt.name
    file_stem = stem(path)
    name = text_name(os.path.basename(path.rstrip("/\\")) or path)
    samples = corpus.samples
    start = len(samples)
    skipped = 0
    for row, record in (layout.records and enumerate(layout.records)) or ():
        line = layout.lines[row] if layout.lines is not None else None
        if record is None:
            bad_line, reason = layout.bad[row]
            corpus.skipped.append(Skipped(path, bad_line, row, reason))
            skipped += 1
            continue
        try:
            count = fmt.count(record)
            units = [None] if count is None else range(count)
            if count == 0:
                raise FormatError(f"{fmt.instances_key!r} is empty (a task with no instances)")
        except FormatError as exc:
            skipped += _skip_or_raise(corpus, skip, path, exc, line, row)
            continue
        for instance in units:
            try:
                messages = fmt.to_messages(record, instance)
                inner = record[fmt.instances_key][instance] if instance is not None else None
                source = _field(source_field, record, inner, file_stem) if source_field else file_stem
                # A null or empty task value means the sample has no task.
                task = (_field(task_field, record, inner, file_stem) or None) if task_field else None
            except FormatError as exc:
                skipped += _skip_or_raise(corpus, skip, path, exc, line, row)
                continue
            if task is None and fmt.name == "natural_instructions":
                task = file_stem
            own = own_id(record, inner, id_key, instance, fmt, file_stem)
            fallback = f"{name}#{row}" if instance is None else f"{name}#{row}/{instance}"
            sample_id = ids.claim(own, fallback, path)
            sample = Sample(sample_id, source, task, messages, record, fmt.name, path, row, line, instance)
            samples.append(sample)
            if visit is not None:
                visit(sample)
    n = len(samples) - start
    records = sum(1 for r in layout.records if r is not None)
    if layout.source is not None and not fmt.nested:
        layout.source.format_name = fmt.name
        _let_records_go(layout, samples, start)
    else:
        layout.source = None
    return FileInfo(path, layout.container, fmt.name, records, n, skipped, layout.sha256)


def _let_records_go(layout: Layout, samples: list[Sample], start: int) -> None:
    """Samples of a plain JSON/JSONL file read their record and messages back from the file
    (:mod:`selector.io.records`)."""
    source = layout.source
    for i in range(start, len(samples)):
        sample = samples[i]
        sample.parsed = sample.turns = None
        sample.origin = source
    layout.records = [None] * len(layout.records)
    layout.starts = layout.ends = None  # character offsets; the source keeps byte offsets


def _skip_or_raise(corpus: Corpus, skip: bool, path: str, exc: FormatError, line: int | None, row: int) -> int:
    """With ``--skip-invalid``, record the bad record in ``corpus.skipped`` and return 1; else raise it, located."""
    if not skip:
        raise _located(path, exc, line, row) from None
    corpus.skipped.append(Skipped(path, line, row, str(exc)))
    return 1


def _located(path: str, exc: FormatError, line: int | None, row: int) -> InputError:
    return InputError(
        path,
        str(exc),
        line=line,
        row=None if line else row,
        hint="fix the record, or pass skip_invalid=True to skip such records",
    )


def _field(key: str, record: Mapping[str, Any], inner: Mapping[str, Any] | None, file_stem: str) -> str:
    """Value of a --source-field/--task-field key (instance first, then the record); ``@file`` is the stem."""
    if key == FILE_STEM:
        return file_stem
    if inner is not None and key in inner:
        return as_text(inner[key], key)
    if key in record:
        return as_text(record[key], key)
    raise FormatError(f"record has no field {key!r} (named by source_field= or task_field=); keys: {sorted(record)}")
