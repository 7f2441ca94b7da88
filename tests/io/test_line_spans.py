"""A JSON Lines file's byte spans come from its newlines (no text is encoded): they must be the spans the text
walk gives, whatever the file holds (a BOM, CRLF ends, blank lines, multi-byte text, undecodable bytes), since the
writer copies each selected record back from exactly those bytes."""

from __future__ import annotations

import json

import pytest

from selector.io.readers import decode, parse_jsonl
from selector.io.records import BOM, byte_spans, line_byte_spans

ROWS = [
    {"instruction": "plain", "output": "ascii"},
    {"instruction": "你好，世界", "output": "é ü ß \u2028 \u3000 😀"},
    {"instruction": "escaped \\n and \\u00e9", "output": "x"},
]


def _file(bom: bool, crlf: bool, blanks: bool, bad_bytes: bool) -> bytes:
    end = b"\r\n" if crlf else b"\n"
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in ROWS]
    if bad_bytes:
        lines.insert(1, b'{"instruction": "bad \xff byte", "output": "y"}')
    if blanks:
        lines = [b"", lines[0], b"   ", *lines[1:], b""]
    return (BOM if bom else b"") + end.join(lines) + (end if not blanks else b"")


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("blanks", [False, True])
@pytest.mark.parametrize("bad_bytes", [False, True])
def test_line_spans_equal_the_text_walk(bom: bool, crlf: bool, blanks: bool, bad_bytes: bool) -> None:
    data = _file(bom, crlf, blanks, bad_bytes)
    text = decode("f.jsonl", data, skip=bad_bytes)
    layout = parse_jsonl("f.jsonl", text, skip=bad_bytes)
    fast = line_byte_spans(data, layout.lines)
    slow = byte_spans(data, text, layout.starts, layout.ends)
    assert list(fast[0]) == list(slow[0]) and list(fast[1]) == list(slow[1])
    for s, e, record in zip(fast[0], fast[1], layout.records, strict=True):
        if record is not None:  # each span holds exactly its record's line
            assert json.loads(data[s:e].decode("utf-8")) == record


def test_no_rows_no_spans() -> None:
    starts, ends = line_byte_spans(b"\n  \n", parse_jsonl("f.jsonl", "\n  \n", skip=False).lines)
    assert len(starts) == len(ends) == 0
