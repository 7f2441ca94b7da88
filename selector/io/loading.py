"""One input -> its :class:`~selector.io.corpus.Layout` (records, spans, style, sha256) and its record format.

:func:`load_input` reads the bytes once, inflates ``.gz`` inputs in bounded blocks, decodes the text and hands it
to the parser of its container (JSON, JSONL, CSV, Parquet, ``save_to_disk`` folders, Hub names); a plain JSON or
JSONL file also gets a :class:`~selector.io.records.RecordSource` so that its records can be read back from the file
instead of being held. :func:`choose_format` picks the format from the first record's keys. Both raise
:class:`~selector.errors.NotRecordsError` for a file that holds no instruction records (which a folder skips) and
:class:`~selector.errors.InputError` for one that is broken.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from selector.errors import InputError, NotRecordsError
from selector.formats import FORMATS, Format, FormatError, detect_format
from selector.io.corpus import Layout
from selector.io.discover import Input, data_suffix
from selector.io.readers import GZIP_MAGIC, decode, decompress, parse_csv, parse_json, parse_jsonl, sniff_json
from selector.io.records import BOM, RecordSource, byte_spans, line_byte_spans
from selector.io.tables import parse_dataset_folder, parse_hub, parse_parquet


def load_input(item: Input, skip: bool, max_gzip_ratio: float | None = None) -> Layout:
    """Parse one input into a Layout (records, spans, style) and fill its sha256."""
    if item.kind == "hub":
        return parse_hub(item.path)
    if item.kind == "dataset":
        return parse_dataset_folder(item.path)
    try:
        raw = Path(item.path).read_bytes()
    except OSError as exc:
        raise InputError(item.path, f"cannot read the file ({exc.strerror})") from None
    if not raw:  # a 0-byte shard: inside a folder it is skipped with a warning, named explicitly it fails
        raise NotRecordsError(item.path, "file is empty", hint="remove it or point selector at a data file")
    sha = hashlib.sha256(raw).hexdigest()
    suffix = data_suffix(os.path.basename(item.path)) or ""
    data = raw
    gz = raw[:2] == GZIP_MAGIC
    if gz:
        data = decompress(item.path, raw, max_ratio=max_gzip_ratio)
    if suffix == ".parquet" or data[:4] == b"PAR1":
        layout = parse_parquet(item.path, data)
    elif suffix == ".csv":
        layout = parse_csv(item.path, decode(item.path, data, skip=skip), skip=skip)
    else:
        text = decode(item.path, data, skip=skip)
        if not suffix and text.lstrip()[:1] not in ("[", "{"):
            raise InputError(
                item.path,
                "is not JSON, JSON Lines, CSV or Parquet data (unknown file type)",
                hint="pass .json, .jsonl, .jsonl.gz, .parquet or .csv files",
            )
        kind = "jsonl" if suffix in (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz") else sniff_json(text)
        layout = (parse_jsonl if kind == "jsonl" else parse_json)(item.path, text, skip=skip)
        if not gz and not layout.single_object and layout.starts is not None:
            st = os.stat(item.path)
            if kind == "jsonl":  # rows are whole lines: their byte offsets come from the newlines, no text encoded
                spans = line_byte_spans(data, layout.lines)
            else:
                spans = byte_spans(data, text, layout.starts, layout.ends)
            layout.source = RecordSource(item.path, *spans, *_stamp(st))
    if data[:3] == BOM:  # written back in front of the output (Excel's "CSV UTF-8", a JSONL with a BOM)
        layout.style["bom"] = True
    if gz:
        layout.container += ".gz"
        layout.style["gzip"] = True
    layout.sha256 = sha
    return layout


def choose_format(layout: Layout, mapped: Format | None) -> Format:
    """The format of a file: the mapping when the first record holds its keys, else detected from the keys.

    Raises :class:`NotRecordsError` when the first record has the required keys of no format (the file is not
    instruction data), and a plain :class:`InputError` when it fits several formats equally.
    """
    row = next((i for i, r in enumerate(layout.records) if r is not None), None)
    if row is None:
        if layout.bad:
            raise InputError(layout.path, "no valid record in the file")
        raise NotRecordsError(layout.path, "holds no records", hint="remove it or point selector at a data file")
    first = layout.records[row]
    line = layout.lines[row] if layout.lines is not None else None
    if mapped is not None and mapped.required <= first.keys():
        return mapped
    try:
        return detect_format(first.keys())
    except FormatError as exc:
        if layout.single_object:
            raise NotRecordsError(
                layout.path,
                "holds a JSON object that is neither a list of records nor a "
                f"Super-NaturalInstructions task file (keys {sorted(first)[:6]}...)",
                hint="pass a file holding an array of records, or one record per line",
            ) from None
        hint = None
        if mapped is not None:
            hint = f"(the mapping= keys {', '.join(sorted(mapped.required))} are not all in the first record either)"
        fits_none = not any(f.required <= first.keys() for f in FORMATS.values())
        error = NotRecordsError if fits_none else InputError
        raise error(layout.path, str(exc), line=line, row=None if line else row, hint=hint) from None


def _stamp(st: os.stat_result) -> tuple[int, int]:
    return st.st_size, st.st_mtime_ns
