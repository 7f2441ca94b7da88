"""Malformed input files for fuzzing the readers, and the one check every read must pass.

Shared by ``tests/io/test_io_fuzz.py`` (a few thousand examples in the suite) and ``benchmarks/fuzz_readers.py``
(many more, with counts per outcome). A case starts from a valid file of some container and format (built from
``io_fixtures.RECORDS``) and applies one to three mutations: at the record level (a wrong type, a lone surrogate,
a missing or renamed key, deep nesting) before serializing, and at the byte level (truncation, inserted or replaced
bytes, NULs, BOMs, UTF-16, a duplicated or deleted line) after.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from selector.errors import InputError
from selector.io import read_corpus
from tests.io_fixtures import FLAT_STRING_FORMATS, RECORDS

SUFFIXES = {"json": ".json", "jsonl": ".jsonl", "jsonl.gz": ".jsonl.gz", "csv": ".csv"}
TOOL_CHAT = {
    "messages": [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": "Sunny."},
    ]
}  # fmt: skip
SEEDS: dict[str, list[dict[str, Any]]] = {**RECORDS, "openai_tools": [TOOL_CHAT, *RECORDS["openai"]]}

# values a field may be replaced by: wrong types, awkward text, a lone surrogate (half of a UTF-16 pair)
ODD_VALUES = [None, 0, -1.5, 1e308, True, [], {}, ["x"], {"a": "b"}, "", " ", "\ud800", "a\udc00b", "\x00", "\u2028",
              "é" * 50, [[[[[]]]]], {"role": "user"}, [{"role": "tool"}]]  # fmt: skip
# byte strings a file may get inserted or be made of
ODD_BYTES = [b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\n", b"\r\n",
             b'"', b"\\", b",", b"{", b"}", b"[", b"]", b":", b"\\ud800", b'"\\udfff"', b"NaN", b"1e999", b"\t",
             b"[" * 2000, b"{\"a\":" * 1500, b'\\u0000', b"\x1f\x8b", b"PAR1"]  # fmt: skip


BYTE_ACTIONS = ["truncate", "insert", "insert", "replace", "delete_line", "duplicate_line", "utf16", "bom"]


def _records(fmt: str) -> list[dict[str, Any]]:
    return json.loads(json.dumps(SEEDS[fmt]))  # a deep copy the mutations may change


def _mutate_record(record: Any, key: str, action: str, value: Any) -> Any:
    """One record-level change: replace, delete or rename ``key``, add a key, or bury the record in nesting."""
    if not isinstance(record, dict) or not record:
        return record
    target = key if key in record else sorted(record)[len(key) % len(record)]
    if action == "replace":
        record[target] = value
    elif action == "delete":
        del record[target]
    elif action == "rename":
        record[target + "_x"] = record.pop(target)
    elif action == "add":
        record[key or "extra"] = value
    elif action == "nest":
        for _ in range(1500 if isinstance(value, bool) and value else 30):
            record = {target: record}
    elif action == "wrap":
        record = [record]
    return record


def _dumps(value: Any, *, ascii_only: bool, indent: int | None = None) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    except RecursionError:  # a record nested deeper than json.dumps goes: write the nesting by hand
        text = '{"a": ' * 1500 + "1" + "}" * 1500
    return text.encode("utf-8", errors="surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


def serialize(container: str, records: list[Any], *, ascii_only: bool) -> bytes:
    """The bytes of a file of ``container`` holding ``records`` (records need not be valid)."""
    if container == "json":
        if len(records) == 1 and isinstance(records[0], dict) and "Instances" in records[0]:
            return _dumps(records[0], ascii_only=ascii_only, indent=4)
        return _dumps(records, ascii_only=ascii_only, indent=2) + b"\n"
    if container in ("jsonl", "jsonl.gz"):
        return b"".join(_dumps(r, ascii_only=ascii_only) + b"\n" for r in records)
    buffer = io.StringIO(newline="")
    columns = list(dict.fromkeys(k for r in records if isinstance(r, dict) for k in r)) or ["x"]
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([_cell(r.get(c, "")) for c in columns] if isinstance(r, dict) else [_cell(r)] for r in records)
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def _cell(value: Any) -> str:
    """A CSV cell for ``value``: text as is; anything else as its repr, or a marker when it nests too deeply."""
    if isinstance(value, str):
        return value
    try:
        return repr(value)
    except RecursionError:
        return "[nested too deeply]"


def _mutate_bytes(data: bytes, action: str, at: int, payload: bytes) -> bytes:
    """One byte-level change at position ``at`` (taken modulo the length)."""
    at = at % (len(data) + 1)
    if action == "truncate":
        return data[:at]
    if action == "insert":
        return data[:at] + payload + data[at:]
    if action == "replace":
        return data[:at] + payload + data[at + len(payload) :]
    if action == "delete_line":
        lines = data.split(b"\n")
        del lines[at % len(lines)]
        return b"\n".join(lines)
    if action == "duplicate_line":
        lines = data.split(b"\n")
        i = at % len(lines)
        return b"\n".join(lines[: i + 1] + lines[i:])
    if action == "utf16":
        return codecs.BOM_UTF16_LE + data.decode("utf-8", errors="replace").encode("utf-16-le")
    if action == "bom":
        return codecs.BOM_UTF8 + data
    return data


@st.composite
def malformed_files(draw: st.DrawFn, container: str) -> tuple[str, bytes]:
    """``(suffix, bytes)`` of a mutated file of ``container`` (``json``, ``jsonl``, ``jsonl.gz`` or ``csv``)."""
    names = FLAT_STRING_FORMATS if container == "csv" else sorted(SEEDS)
    records = _records(draw(st.sampled_from(names)))
    ascii_only = draw(st.booleans())
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(records) - 1))
        records[i] = _mutate_record(
            records[i],
            draw(st.sampled_from(["", "instruction", "output", "messages", "conversations", "Instances", "id"])),
            draw(st.sampled_from(["replace", "replace", "delete", "rename", "add", "nest", "wrap"])),
            draw(st.sampled_from(ODD_VALUES)),
        )
    data = serialize(container, records, ascii_only=ascii_only)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(BYTE_ACTIONS))
        payload = draw(st.one_of(st.sampled_from(ODD_BYTES), st.binary(min_size=1, max_size=8)))
        data = _mutate_bytes(data, action, draw(st.integers(0, 1 << 16)), payload)
    if container == "jsonl.gz":
        data = gzip.compress(data, mtime=0)
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
    return SUFFIXES[container], data


def read_outcome(path: Path, *, skip_invalid: bool) -> str:
    """Read ``path`` and check the result; returns the outcome's name, raises AssertionError on a broken promise.

    Without ``skip_invalid`` a read either succeeds or raises :class:`InputError` whose message starts with the
    path; with it, it never raises. Whatever was read is clean: every text encodes as UTF-8 (a tokenizer will not
    choke on it), ids are unique, and every skipped item names the file and a reason. Any other exception
    propagates: that is the bug the fuzzing looks for.
    """
    try:
        corpus = read_corpus([path], skip_invalid=skip_invalid)
    except InputError as exc:
        assert not skip_invalid, f"--skip-invalid still raised: {exc}"
        assert str(exc).startswith(str(path)), f"error does not name the file: {exc}"
        assert exc.line is None or exc.line >= 1, f"line must be 1-based: {exc}"
        return "input error"
    ids = [s.id for s in corpus.samples]
    assert len(set(ids)) == len(ids), "duplicate sample ids"
    for sample in corpus.samples:
        for message in sample.messages:
            message.content.encode("utf-8")
    for item in corpus.skipped:
        assert item.file == str(path) and item.reason, item
    if not corpus.skipped:
        return "read"
    if any(item.row is None for item in corpus.skipped):
        return "file skipped"
    return "read, records skipped"
