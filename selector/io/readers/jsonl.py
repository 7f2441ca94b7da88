"""JSON Lines files: one object per line; a bad line is an error naming it, or skipped with ``skip``."""

from __future__ import annotations

import json
from array import array
from typing import Any

from selector.errors import InputError
from selector.io.corpus import Layout
from selector.io.readers.base import (
    SURROGATE,
    SURROGATE_ESCAPE,
    check_text,
    escapes_non_ascii,
    json_kind,
    loads_located,
    reason_of,
)


def parse_jsonl(path: str, text: str, *, skip: bool) -> Layout:
    """One JSON object per line; blank lines are ignored (they are not rows)."""
    records: list[Any] = []
    lines, starts, ends = array("q"), array("q"), array("q")
    bad: dict[int, tuple[int | None, str]] = {}
    loads = json.loads
    pos = 0
    check_bytes = skip and SURROGATE.search(text) is not None
    check_escapes = SURROGATE_ESCAPE.search(text) is not None
    for lineno, line in enumerate(text.split("\n"), 1):
        end = pos + len(line)
        if line and not line.isspace():
            row = len(records)
            try:
                if check_bytes and SURROGATE.search(line):
                    raise ValueError("invalid UTF-8")
                record = loads_located(loads, line)
                if not isinstance(record, dict):
                    raise ValueError(f"a JSON {json_kind(record)}, expected an object (one record per line)")
                if check_escapes and SURROGATE_ESCAPE.search(line):
                    check_text(record)
            except ValueError as exc:
                reason = reason_of(exc)
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
    return Layout(path, "jsonl", records, lines, starts, ends, {"ensure_ascii": escapes_non_ascii(text)}, bad=bad)


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
