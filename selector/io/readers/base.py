"""What the JSON, JSON Lines and CSV readers share: decoding bytes to text (UTF-8, a BOM noted, wide encodings
and binary files refused with the fix), and the checks made on parsed JSON values.

Each reader (:mod:`~selector.io.readers.json`, :mod:`~selector.io.readers.jsonl`, :mod:`~selector.io.readers.csv`)
takes the decoded text and returns a :class:`~selector.io.corpus.Layout`: the records, their 1-based start lines and
their character spans, so that the writer can copy unmodified records back verbatim.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from selector.errors import InputError, NotRecordsError

WS = re.compile(r"[ \t\n\r]*")
DECODER = json.JSONDecoder()
SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by the surrogateescape decoding
ANY_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # a \uD800-\uDFFF escape in JSON source


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
        raise NotRecordsError(path, "file is empty", hint="remove it or point selector at a data file")
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


def loads_located(loads: Any, line: str) -> Any:
    """``json.loads`` with data nested too deeply to parse turned into a ValueError the caller can locate."""
    try:
        return loads(line)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None


TOO_DEEP = f"JSON nested too deeply to read (more than about {sys.getrecursionlimit()} levels of arrays/objects)"
FLATTEN = "fix the record: instruction data nests a few levels deep at most"


def check_text(record: Any) -> None:
    """Raise ValueError when a string (or key) in ``record`` holds a lone UTF-16 surrogate.

    JSON allows ``\\ud800`` escapes that decode to half of a surrogate pair, which is not a character: it passes
    ``json.loads`` but fails any UTF-8 encoder later (a tokenizer, the output writer). The walk is iterative, so a
    deeply nested record cannot overflow the stack.
    """
    stack: list[tuple[Any, str]] = [(record, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            bad = ANY_SURROGATE.search(value)
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


def json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null", dict: "object"}.get(
        type(value), "number"
    )


def reason_of(exc: Exception) -> str:
    """What was wrong with a value that did not parse, in words (a too-long integer named as such)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON ({exc.msg} at column {exc.colno})"
    if "integer string conversion" in str(exc):
        return HUGE_INT
    return str(exc)


HUGE_INT = (
    f"holds an integer of more than {sys.get_int_max_str_digits()} digits, more than Python converts safely "
    "(a number that long is not instruction data)"
)
HUGE_INT_FIX = "write the number as a JSON string (in quotes), or remove it"


def escapes_non_ascii(text: str) -> bool:
    """Whether the file writes non-ASCII as ``\\u`` escapes (e.g. ``\\u00e9``) (so re-serialized records should too)."""
    return text.isascii() and re.search(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", text) is not None
