"""JSON files: one array of records (each record's span and the array's layout kept), or one object."""

from __future__ import annotations

import json
import re
from array import array
from typing import Any

from selector.errors import InputError, NotRecordsError
from selector.io.corpus import Layout
from selector.io.readers.base import (
    DECODER,
    FLATTEN,
    HUGE_INT_FIX,
    SURROGATE,
    SURROGATE_ESCAPE,
    TOO_DEEP,
    WS,
    check_text,
    escapes_non_ascii,
    json_kind,
    reason_of,
)


def sniff_json(text: str) -> str:
    """``"json"`` when ``text`` holds one JSON value (array or object), ``"jsonl"`` when several objects follow."""
    start = WS.match(text).end()
    if start < len(text) and text[start] == "[":
        return "json"
    try:
        _, end = DECODER.raw_decode(text, start)
    except RecursionError:
        return "json"  # one value nested too deeply: parse_json says so, naming the line
    except json.JSONDecodeError:
        return "jsonl"
    except ValueError:
        return "json"  # an integer too long to convert: parse_json says so, naming the line
    rest = WS.match(text, end).end()
    return "json" if rest == len(text) else "jsonl"


def parse_json(path: str, text: str, *, skip: bool) -> Layout:
    """A JSON array of records, or one JSON object (a Super-NaturalInstructions task file is one record)."""
    if SURROGATE.search(text):
        line = text.count("\n", 0, SURROGATE.search(text).start()) + 1
        raise InputError(path, "invalid UTF-8", line=line, hint="re-encode the file as UTF-8")
    pos = WS.match(text).end()
    ascii_style = escapes_non_ascii(text)
    if text[pos] != "[":
        try:
            record, end = DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"malformed JSON: {exc.msg}", line=exc.lineno, hint="fix the file") from None
        except RecursionError:
            raise InputError(path, TOO_DEEP, line=text.count("\n", 0, pos) + 1, hint=FLATTEN) from None
        except ValueError as exc:
            raise InputError(path, reason_of(exc), line=text.count("\n", 0, pos) + 1, hint=HUGE_INT_FIX) from None
        if not isinstance(record, dict):
            raise NotRecordsError(path, f"holds a JSON {json_kind(record)}, expected an array of records")
        if SURROGATE_ESCAPE.search(text):
            try:
                check_text(record)
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
    raw_decode = DECODER.raw_decode
    ws = WS.match
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
    except (json.JSONDecodeError, IndexError, RecursionError, ValueError) as exc:
        if isinstance(exc, RecursionError):  # the element that starts at i is the one nested too deeply
            raise InputError(path, TOO_DEEP, line=text.count("\n", 0, i) + 1, hint=FLATTEN) from None
        if not isinstance(exc, (json.JSONDecodeError, IndexError)):  # an integer too long to convert, in element i
            raise InputError(path, reason_of(exc), line=text.count("\n", 0, i) + 1, hint=HUGE_INT_FIX) from None
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
        kinds = sorted({json_kind(r) for r in records})
        raise NotRecordsError(path, f"holds a JSON array of {' and '.join(kinds)} values, not of records (objects)")
    check_escapes = SURROGATE_ESCAPE.search(text) is not None
    for row, record in enumerate(records):
        reason = ""
        if not isinstance(record, dict):
            reason = f"element {row} of the array is a JSON {json_kind(record)}, expected an object (a record)"
        elif check_escapes and SURROGATE_ESCAPE.search(text, starts[row], ends[row]):
            try:
                check_text(record)
            except ValueError as exc:
                reason = str(exc)
        if reason:
            if not skip:
                raise InputError(path, reason, line=lines[row], hint="fix it, or pass --skip-invalid to skip it")
            layout.bad[row] = (lines[row], reason)
            records[row] = None
    return layout


def _indent(text: str, start: int) -> int | None:
    """Indent of the first key inside the object at ``start``, relative to the object's own line."""
    m = re.compile(r"\{\n([ \t]*)").match(text, start)
    if not m:
        return None
    line_start = text.rfind("\n", 0, start) + 1
    return max(len(m.group(1)) - (start - line_start), 1)
