"""CSV files: a header row, then one record per row (all values strings); quoted fields may span lines."""

from __future__ import annotations

import csv
from array import array
from typing import Any

from selector.errors import InputError
from selector.io.corpus import Layout
from selector.io.readers.base import SURROGATE

FIELD_LIMIT = 2**31 - 1
"""The longest CSV field read (``csv``'s default of 131,072 characters rejects real long answers)."""


def parse_csv(path: str, text: str, *, skip: bool) -> Layout:
    """A header row, then one record per row (all values are strings); quoted fields may span lines."""
    parts = text.split("\n")
    physical = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    offsets = array("q", [0])
    for line in physical:
        offsets.append(offsets[-1] + len(line))
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)  # process-wide; raising it only lets longer valid fields through
    reader = csv.reader(iter(physical))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InputError(path, f"cannot read the CSV header ({exc})", line=1) from None
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(path, f"CSV header repeats column(s) {dupes}", line=1, hint="give each column its own name")
    records: list[Any] = []
    lines, starts, ends = array("q"), array("q"), array("q")
    bad: dict[int, tuple[int | None, str]] = {}
    style = {"header": text[: offsets[reader.line_num]], "columns": header}
    while True:
        first = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = exc  # type: ignore[assignment]
        if isinstance(row, list) and not any(row):
            continue
        index = len(records)
        record: Any = None
        if isinstance(row, csv.Error):
            reason = f"malformed CSV row ({row})"
        elif len(row) != len(header):
            reason = f"row has {len(row)} fields, the header has {len(header)}"
        elif SURROGATE.search(text, offsets[first], offsets[reader.line_num]):
            reason = "invalid UTF-8"
        else:
            reason = ""
            record = dict(zip(header, row, strict=True))
        if reason:
            if not skip:
                raise InputError(path, reason, line=first + 1, hint="fix the row, or pass --skip-invalid to skip it")
            bad[index] = (first + 1, reason)
        records.append(record)
        lines.append(first + 1)
        starts.append(offsets[first])
        ends.append(offsets[reader.line_num])
    return Layout(path, "csv", records, lines, starts, ends, style, bad=bad)
