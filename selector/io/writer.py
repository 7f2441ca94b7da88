"""``write_records``: selected records back in the input's own container and shape.

Unmodified records of JSON, JSONL and CSV inputs are copied as raw text (same keys, key order, escapes,
whitespace); Parquet and ``save_to_disk`` rows are taken from the original table (same schema). A sample whose
record was replaced (cleaning) is re-serialized in the file's style. Nested formats (self-instruct, Natural
Instructions) are written as their parent record with the instance list cut down to the selected instances.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.errors import SelectorError
from selector.formats import get_format
from selector.io.atomic import atomic_path, gzip_writer
from selector.io.corpus import Corpus, Layout
from selector.io.readers import GZIP_MAGIC, decompress, encode
from selector.io.tables import folder_sha256
from selector.sample import Sample

KIND = {"json": "json", "jsonl": "jsonl", "jsonl.gz": "jsonl.gz", "json.gz": "json.gz", "csv": "csv"}
KIND |= {"parquet": "parquet", "dataset": "dataset", "hub": "jsonl"}
EXT = {"json": ".json", "jsonl": ".jsonl", "jsonl.gz": ".jsonl.gz", "json.gz": ".json.gz", "csv": ".csv"}
EXT |= {"parquet": ".parquet", "dataset": ""}


@dataclass
class _Unit:
    """One output record: a flat sample, or a nested parent with its selected instances (in the given order)."""

    layout: Layout
    row: int
    samples: list[Sample] = field(default_factory=list)

    def record(self) -> tuple[Any, bool]:
        """The record to write and whether it equals the original (so its raw text can be copied)."""
        first = self.samples[0]
        if first.as_read:
            return first.record, True
        original = self.layout.records[self.row]
        if first.instance is None:
            return first.record, first.record is original
        key = get_format(first.format).instances_key
        instances = [s.record[key][s.instance] for s in self.samples]
        same = all(s.record is original for s in self.samples)
        if same and [s.instance for s in self.samples] == list(range(len(original[key]))):
            return original, True
        parent = dict(first.record)
        parent[key] = instances
        return parent, False


def write_records(corpus: Corpus, samples: Sequence[Sample], out_dir: str | Path, stem: str) -> list[Path]:
    """Write the records of ``samples`` (in this order) under ``out_dir``; returns the paths written.

    One container kind and one format among the inputs (and flat formats, or a single input file): one file
    ``out_dir/<stem>.<ext>`` (a folder for ``save_to_disk`` inputs; Hub inputs become ``.jsonl``). Otherwise a
    folder ``out_dir/<stem>/`` with one file per input file under its own name (relative to the inputs' common
    folder). Atomic; raises :class:`SelectorError` rather than overwrite an input.
    """
    out_dir = Path(out_dir)
    units = _units(corpus, samples)
    involved = list(dict.fromkeys(u.layout.path for u in units)) or [f.path for f in corpus.files]
    layouts = [corpus.layouts[p] for p in involved if p in corpus.layouts]
    kinds = {KIND[lay.container] for lay in layouts} or {"jsonl"}
    nested = any(lay.single_object or get_format(lay.format).nested for lay in layouts)
    formats = {lay.format for lay in layouts}
    single = len(kinds) == 1 and (len(layouts) <= 1 or (not nested and len(formats) == 1 and _compatible(layouts)))
    inputs = {os.path.realpath(p) for p, lay in corpus.layouts.items() if lay.container != "hub"}
    if single:
        kind = kinds.pop()
        target = out_dir / f"{stem}{EXT[kind]}"
        _refuse_inputs(target, inputs)
        with atomic_path(target) as tmp:
            _write_one(tmp, kind, units, layouts)
        return [target]
    target = out_dir / stem
    _refuse_inputs(target, inputs)
    names = _relative_names(layouts)
    written = []
    with atomic_path(target) as tmp:
        tmp.mkdir()
        for lay in layouts:
            kind = KIND[lay.container]
            path = tmp / names[lay.path]
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_one(path, kind, [u for u in units if u.layout is lay], [lay])
            written.append(target / names[lay.path])
    return written


def _units(corpus: Corpus, samples: Sequence[Sample]) -> list[_Unit]:
    units: list[_Unit] = []
    parents: dict[tuple[str, int], _Unit] = {}
    for s in samples:
        layout = corpus.layouts.get(s.file)
        if layout is None:
            raise SelectorError(f"sample {s.id!r} comes from {s.file}, which is not part of this corpus")
        if s.instance is None:
            units.append(_Unit(layout, s.row, [s]))
            continue
        unit = parents.get((s.file, s.row))
        if unit is None:
            unit = parents[(s.file, s.row)] = _Unit(layout, s.row)
            units.append(unit)
        unit.samples.append(s)
    return units


def _compatible(layouts: list[Layout]) -> bool:
    """Several inputs can share one output file: same CSV header, same Parquet schema, not datasets."""
    kind = KIND[layouts[0].container]
    if kind == "csv":
        return len({tuple(lay.style["columns"]) for lay in layouts}) == 1
    if kind == "parquet":
        return all(lay.style["schema"].equals(layouts[0].style["schema"]) for lay in layouts)
    return kind != "dataset"


def _refuse_inputs(target: Path, inputs: set[str]) -> None:
    real = os.path.realpath(target)
    for path in inputs:
        if path == real or path.startswith(real.rstrip(os.sep) + os.sep):
            raise SelectorError(f"refusing to overwrite the input {path} with output {target}; choose another --out")


def _relative_names(layouts: list[Layout]) -> dict[str, str]:
    local = [lay for lay in layouts if lay.container != "hub"]
    dirs = [os.path.dirname(os.path.abspath(lay.path)) for lay in local]
    root = os.path.commonpath(dirs) if dirs else ""
    names = {lay.path: os.path.relpath(os.path.abspath(lay.path), root) for lay in local}
    for lay in layouts:
        if lay.container == "hub":
            names[lay.path] = lay.path.replace("/", "__") + ".jsonl"
    return names


def _source_text(layout: Layout) -> str:
    """The decoded text of an input file, checked against the sha256 taken when it was read."""
    raw = Path(layout.path).read_bytes()
    if hashlib.sha256(raw).hexdigest() != layout.sha256:
        raise _changed(layout)
    if raw[:2] == GZIP_MAGIC:
        raw = decompress(layout.path, raw, limited=False)  # bounded when it was read
    return raw.decode("utf-8-sig", errors="surrogateescape")


def _check_unchanged(layout: Layout) -> None:
    """Hash the file in blocks (it is not loaded whole) and compare with the sha256 taken when it was read."""
    digest = hashlib.sha256()
    try:
        with open(layout.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        raise _changed(layout) from None
    if digest.hexdigest() != layout.sha256:
        raise _changed(layout)


def _changed(layout: Layout) -> SelectorError:
    return SelectorError(f"{layout.path} changed since it was read; run again on the current file")


def _write_one(path: Path, kind: str, units: list[_Unit], layouts: list[Layout]) -> None:
    if kind == "parquet":
        _write_parquet(path, units, layouts)
    elif kind == "dataset":
        _write_dataset(path, units, layouts[0])
    else:
        pieces = _render_text(kind, units, layouts)
        with gzip_writer(path) if kind.endswith(".gz") else open(path, "wb") as f:
            buffer: list[str] = []
            size = 0
            for piece in pieces:  # written in blocks of about 1 MB: the whole text is never in memory at once
                buffer.append(piece)
                size += len(piece)
                if size >= 1 << 20:
                    f.write(encode("".join(buffer)))
                    buffer, size = [], 0
            f.write(encode("".join(buffer)))


def _render_text(kind: str, units: list[_Unit], layouts: list[Layout]) -> Iterator[str]:
    """The output file's text in pieces, in order (JSON, JSONL or CSV, in the first input's style)."""
    texts = {lay.path: _source_text(lay) for lay in layouts if lay.starts is not None and lay.source is None}
    for lay in layouts:
        if lay.source is not None:
            _check_unchanged(lay)
    first = layouts[0] if layouts else None
    style = first.style if first else {}
    ensure_ascii = bool(style.get("ensure_ascii"))
    if style.get("bom"):
        yield "\ufeff"  # the input's byte-order mark, so that the output is the input's bytes
    if kind == "csv":
        yield _render_csv(units, first, texts)
        return
    pieces = (_record_text(u, kind, ensure_ascii, texts) for u in units)
    if kind.startswith("jsonl"):
        for p in pieces:
            yield p.rstrip("\r") + ("\r\n" if p.endswith("\r") else "\n")
        return
    if first is not None and first.single_object:
        yield from pieces
        yield style.get("tail", "\n")
        return
    head = next(pieces, None)
    if head is None:
        yield "[]" + style.get("tail", "\n")
        return
    yield "[" + style["lead"] + head
    for p in pieces:
        yield style["sep"] + p
    yield style["trail"] + "]" + style.get("tail", "\n")


def _record_text(u: _Unit, kind: str, ensure_ascii: bool, texts: dict[str, str]) -> str:
    """One record's text: its raw text when it is unchanged, else serialized in its file's style."""
    lay = u.layout
    if u.samples[0].as_read and lay.source is not None:  # flat and unchanged: the raw text, no parsing
        return lay.source.text(u.row)
    record, same = u.record()
    if same and lay.path in texts:
        return texts[lay.path][lay.starts[u.row] : lay.ends[u.row]]
    if kind.startswith("jsonl") or lay.container == "hub":
        return json.dumps(record, ensure_ascii=ensure_ascii)
    dumped = json.dumps(record, ensure_ascii=ensure_ascii, indent=lay.style.get("indent"))
    return dumped.replace("\n", "\n" + lay.style.get("base", ""))


def _render_csv(units: list[_Unit], first: Layout | None, texts: dict[str, str]) -> str:
    if first is None:
        return ""
    header: str = first.style["header"]
    columns = first.style["columns"]
    newline = "\r\n" if header.endswith("\r\n") else "\n"
    out = [header if header.endswith("\n") else header + newline]
    for u in units:
        record, same = u.record()
        if same:
            raw = texts[u.layout.path][u.layout.starts[u.row] : u.layout.ends[u.row]]
            out.append(raw if raw.endswith("\n") else raw + newline)
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator=newline).writerow([record.get(c, "") for c in columns])
            out.append(buf.getvalue())
    return "".join(out)


def _write_parquet(path: Path, units: list[_Unit], layouts: list[Layout]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = layouts[0].style["schema"]
    records = [u.record()[0] for u in units]
    if all(u.record()[1] for u in units) and len(layouts) == 1:
        raw = Path(layouts[0].path).read_bytes()  # the rows are taken from these bytes, once they are checked
        if hashlib.sha256(raw).hexdigest() != layouts[0].sha256:
            raise _changed(layouts[0])
        table = pq.read_table(pa.BufferReader(raw)).take(pa.array([u.row for u in units], type=pa.int64()))
    else:
        table = pa.Table.from_pylist(records, schema=schema)
    pq.write_table(table, path)


def _write_dataset(path: Path, units: list[_Unit], layout: Layout) -> None:
    import datasets

    if folder_sha256(Path(layout.path)) != layout.sha256:
        raise _changed(layout)
    ds = datasets.load_from_disk(layout.path)
    if all(u.record()[1] for u in units):
        out = ds.select([u.row for u in units])
    else:
        out = datasets.Dataset.from_list([u.record()[0] for u in units], features=ds.features)
    out.save_to_disk(str(path))
