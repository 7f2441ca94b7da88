"""Editing a sample's text while keeping its record's shape (what the cleaning transform uses)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection

from selector.formats import get_format
from selector.sample import Sample


def map_sample_text(sample: Sample, fn: Callable[[str], str], roles: Collection[str] = ("assistant",)) -> Sample:
    """A new Sample whose record (a copy) and messages have ``fn`` applied to the text of the given roles.

    Only the text fields of those roles change in the record; every other key and value stays as it was. The
    original sample and its record are untouched. When ``fn`` changes nothing, the new sample shares the original
    record object, so the writer still copies the record's raw bytes.
    """
    fmt = get_format(sample.format)
    original = sample.record
    record = fmt.map_text(original, fn, roles, sample.instance)
    meta = dict(sample.meta) if sample.meta is not None else None
    if record is original:  # unchanged: keep the sample's own handle on it (in memory or in the file)
        return dataclasses.replace(sample, turns=None if sample.turns is None else list(sample.turns), meta=meta)
    messages = fmt.to_messages(record, sample.instance)
    return dataclasses.replace(sample, parsed=record, turns=messages, meta=meta)
