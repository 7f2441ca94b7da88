"""Text containers: JSON arrays, JSON Lines (also gzip-compressed) and CSV, parsed with each record's raw span.

Every parser takes the decoded text and returns a :class:`~selector.io.corpus.Layout`: the records, their 1-based
start lines, and their character spans, so that the writer can copy unmodified records back verbatim. A record
that does not parse raises :class:`~selector.errors.InputError` naming the line, or with ``skip`` is recorded in
``Layout.bad`` and left out.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
import zlib
from array import array
from typing import Any

from selector.errors import InputError, NotRecordsError
from selector.io.corpus import Layout

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by the surrogateescape decoding
_ANY_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # a \uD800-\uDFFF escape in JSON source
GZIP_MAGIC = b"\x1f\x8b"


def decompress(path: str, data: bytes) -> bytes:
    """Gunzip ``data``; a corrupt stream is an :class:`InputError`."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"cannot decompress gzip data ({exc})", hint="check that the file is complete") from None


def decode(path: str, data: bytes, *, skip: bool) -> str:
    """UTF-8 text of ``data`` (a leading BOM dropped).

    Invalid UTF-8 is an :class:`InputError` naming the line; with ``skip`` the text is decoded with
    ``surrogateescape`` so that the line-based parsers can skip just the lines that carry bad bytes.
    """
    wide = _wide_encoding(data)
    if wide is not None:
        folder, _, name = path.replace("\\", "/").rpartition("/")
        base, dot, rest = name.partition(".")
        converted = (folder + "/" if folder else "") + f"{base}-utf8{dot}{rest}"
        raise InputError(
            path,
            f"looks like {wide} text, not UTF-8",
            hint=f"convert it to UTF-8 first, e.g. iconv -f {wide} -t UTF-8 {path} > {converted}",
        )
    if not data.strip():
        raise InputError(path, "file is empty", hint="remove it or point selector at a data file")
    if b"\x00" in data[:8192]:
        raise InputError(
            path,
            "looks like a binary file (it contains NUL bytes), not UTF-8 text data",
            hint="pass a .json, .jsonl, .jsonl.gz, .parquet or .csv file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if skip:
            return data.decode("utf-8-sig", errors="surrogateescape")
        raise InputError(
            path,
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
            line=line,
            hint="re-encode the file as UTF-8, or pass --skip-invalid to skip such lines",
        ) from None


def _wide_encoding(data: bytes) -> str | None:
    """The encoding name iconv knows for a wide text file: ``UTF-32`` or ``UTF-16`` when ``data`` starts with that
    byte-order mark; ``UTF-16LE``/``UTF-16BE`` when, without one, the first bytes look like ASCII text in UTF-16
    (every other byte NUL); else ``None``."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "UTF-16LE"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "UTF-16BE"
    return None


def encode(text: str) -> bytes:
    """Inverse of :func:`decode` for writing (bytes that were invalid come back unchanged)."""
    return text.encode("utf-8", errors="surrogateescape")


def sniff_json(text: str) -> str:
    """``"json"`` when ``text`` holds one JSON value (array or object), ``"jsonl"`` when several objects follow."""
    start = _WS.match(text).end()
    if start < len(text) and text[start] == "[":
        return "json"
    try:
        _, end = _DECODER.raw_decode(text, start)
    except RecursionError:
        return "json"  # one value nested too deeply: parse_json says so, naming the line
    except json.JSONDecodeError:
        return "jsonl"
    rest = _WS.match(text, end).end()
    return "json" if rest == len(text) else "jsonl"


def parse_jsonl(path: str, text: str, *, skip: bool) -> Layout:
    """One JSON object per line; blank lines are ignored (they are not rows)."""
    records: list[Any] = []
    lines, starts, ends = array("q"), array("q"), array("q")
    bad: dict[int, tuple[int | None, str]] = {}
    loads = json.loads
    pos = 0
    check_bytes = skip and _SURROGATE.search(text) is not None
    check_escapes = _SURROGATE_ESCAPE.search(text) is not None
    for lineno, line in enumerate(text.split("\n"), 1):
        end = pos + len(line)
        if line and not line.isspace():
            row = len(records)
            try:
                if check_bytes and _SURROGATE.search(line):
                    raise ValueError("invalid UTF-8")
                record = _loads(loads, line)
                if not isinstance(record, dict):
                    raise ValueError(f"a JSON {_json_kind(record)}, expected an object (one record per line)")
                if check_escapes and _SURROGATE_ESCAPE.search(line):
                    _check_text(record)
            except ValueError as exc:
                reason = _reason(exc)
                if row == 0:
                    _refuse_if_not_json_lines(path, line)
                if not skip:
                    raise InputError(
                        path, reason, line=lineno, hint="fix the line, or pass --skip-invalid to skip bad records"
                    ) from None
                bad[row] = (lineno, reason)
                record = None
            records.append(record)
            lines.append(lineno)
            starts.append(pos)
            ends.append(end)
        pos = end + 1
    return Layout(path, "jsonl", records, lines, starts, ends, {"ensure_ascii": _escapes_non_ascii(text)}, bad=bad)


def _loads(loads: Any, line: str) -> Any:
    """``json.loads`` with data nested too deeply to parse turned into a ValueError the caller can locate."""
    try:
        return loads(line)
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None


_TOO_DEEP = f"JSON nested too deeply to read (more than about {sys.getrecursionlimit()} levels of arrays/objects)"
_FLATTEN = "fix the record: instruction data nests a few levels deep at most"


def _check_text(record: Any) -> None:
    """Raise ValueError when a string (or key) in ``record`` holds a lone UTF-16 surrogate.

    JSON allows ``\\ud800`` escapes that decode to half of a surrogate pair, which is not a character: it passes
    ``json.loads`` but fails any UTF-8 encoder later (a tokenizer, the output writer). The walk is iterative, so a
    deeply nested record cannot overflow the stack.
    """
    stack: list[tuple[Any, str]] = [(record, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            bad = _ANY_SURROGATE.search(value)
            if bad:
                raise ValueError(
                    f"invalid text: lone surrogate \\u{ord(bad.group()):04x} in {where or 'the record'} (half of a "
                    "UTF-16 pair, not a character)"
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, f"a key of {where or 'the record'}"))
                stack.append((item, f"{where}.{key}" if where else repr(key)))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))


def _refuse_if_not_json_lines(path: str, first_line: str) -> None:
    """Raise a file-level :class:`InputError` when a JSON Lines file whose first line does not hold a record is
    really a JSON array or pretty-printed JSON (a record spread over several lines); return otherwise."""
    head = first_line.strip()
    if head.startswith("["):
        what = "a JSON array" + ("" if head != "[" else " (pretty-printed over several lines)")
    elif head == "{":
        what = "pretty-printed JSON (records spread over several lines)"
    else:
        return
    hint = "rename it to .json, or write one record per line (e.g. jq -c '.[]' FILE > FILE.jsonl)"
    if head == "{" and not path.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        hint = "put the records in one JSON array, or write one record per line (e.g. jq -c . FILE > FILE.jsonl)"
    raise InputError(path, f"holds {what}, not JSON Lines (one record per line)", line=1, hint=hint)


def parse_json(path: str, text: str, *, skip: bool) -> Layout:
    """A JSON array of records, or one JSON object (a Super-NaturalInstructions task file is one record)."""
    if _SURROGATE.search(text):
        line = text.count("\n", 0, _SURROGATE.search(text).start()) + 1
        raise InputError(path, "invalid UTF-8", line=line, hint="re-encode the file as UTF-8")
    pos = _WS.match(text).end()
    ascii_style = _escapes_non_ascii(text)
    if text[pos] != "[":
        try:
            record, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"malformed JSON: {exc.msg}", line=exc.lineno, hint="fix the file") from None
        except RecursionError:
            raise InputError(path, _TOO_DEEP, line=text.count("\n", 0, pos) + 1, hint=_FLATTEN) from None
        if not isinstance(record, dict):
            raise NotRecordsError(path, f"holds a JSON {_json_kind(record)}, expected an array of records")
        if _SURROGATE_ESCAPE.search(text):
            try:
                _check_text(record)
            except ValueError as exc:
                raise InputError(path, str(exc), line=text.count("\n", 0, pos) + 1, hint="fix the file") from None
        style = {"ensure_ascii": ascii_style, "indent": _indent(text, pos), "tail": text[end:]}
        one = array("q", [pos])
        return Layout(
            path,
            "json",
            [record],
            array("q", [text.count("\n", 0, pos) + 1]),
            one,
            array("q", [end]),
            style,
            single_object=True,
        )
    records: list[Any] = []
    lines, starts, ends = array("q"), array("q"), array("q")
    raw_decode = _DECODER.raw_decode
    ws = _WS.match
    style: dict[str, Any] = {"ensure_ascii": ascii_style}
    i = ws(text, pos + 1).end()
    style["lead"] = text[pos + 1 : i]
    lineno = text.count("\n", 0, i) + 1
    last = i
    try:
        if text[i] != "]":
            while True:
                record, end = raw_decode(text, i)
                lineno += text.count("\n", last, i)
                last = i
                records.append(record)
                lines.append(lineno)
                starts.append(i)
                ends.append(end)
                j = ws(text, end).end()
                if text[j] == "]":
                    style["trail"] = text[end:j]
                    i = j
                    break
                if text[j] != ",":
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, j)
                k = ws(text, j + 1).end()
                if "sep" not in style:
                    style["sep"] = text[end:k]
                i = k
    except (json.JSONDecodeError, IndexError, RecursionError) as exc:
        if isinstance(exc, RecursionError):  # the element that starts at i is the one nested too deeply
            raise InputError(path, _TOO_DEEP, line=text.count("\n", 0, i) + 1, hint=_FLATTEN) from None
        where, msg = (
            (exc.pos, exc.msg) if isinstance(exc, json.JSONDecodeError) else (len(text), "unexpected end of file")
        )
        raise InputError(
            path,
            f"malformed JSON array: {msg}",
            line=text.count("\n", 0, where) + 1,
            hint="fix the file (a JSON array cannot be read past a syntax error)",
        ) from None
    style["tail"] = text[i + 1 :]
    style.setdefault("sep", ",\n" + style["lead"].rpartition("\n")[2] if "\n" in style["lead"] else ", ")
    style.setdefault("trail", "\n" if "\n" in style["lead"] else "")
    style["indent"] = _indent(text, starts[0]) if records else None
    style["base"] = style["lead"].rpartition("\n")[2] if "\n" in style["lead"] else ""
    layout = Layout(path, "json", records, lines, starts, ends, style)
    if records and not any(isinstance(r, dict) for r in records):
        kinds = sorted({_json_kind(r) for r in records})
        raise NotRecordsError(path, f"holds a JSON array of {' and '.join(kinds)} values, not of records (objects)")
    check_escapes = _SURROGATE_ESCAPE.search(text) is not None
    for row, record in enumerate(records):
        reason = ""
        if not isinstance(record, dict):
            reason = f"element {row} of the array is a JSON {_json_kind(record)}, expected an object (a record)"
        elif check_escapes and _SURROGATE_ESCAPE.search(text, starts[row], ends[row]):
            try:
                _check_text(record)
            except ValueError as exc:
                reason = str(exc)
        if reason:
            if not skip:
                raise InputError(path, reason, line=lines[row], hint="fix it, or pass --skip-invalid to skip it")
            layout.bad[row] = (lines[row], reason)
            records[row] = None
    return layout


def parse_csv(path: str, text: str, *, skip: bool) -> Layout:
    """A header row, then one record per row (all values are strings); quoted fields may span lines."""
    parts = text.split("\n")
    physical = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    offsets = array("q", [0])
    for line in physical:
        offsets.append(offsets[-1] + len(line))
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
        elif _SURROGATE.search(text, offsets[first], offsets[reader.line_num]):
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


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null", dict: "object"}.get(
        type(value), "number"
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON ({exc.msg} at column {exc.colno})"
    return str(exc)


def _escapes_non_ascii(text: str) -> bool:
    """Whether the file writes non-ASCII as ``\\u`` escapes (e.g. ``\\u00e9``) (so re-serialized records should too)."""
    return text.isascii() and re.search(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", text) is not None


def _indent(text: str, start: int) -> int | None:
    """Indent of the first key inside the object at ``start``, relative to the object's own line."""
    m = re.compile(r"\{\n([ \t]*)").match(text, start)
    if not m:
        return None
    line_start = text.rfind("\n", 0, start) + 1
    return max(len(m.group(1)) - (start - line_start), 1)
