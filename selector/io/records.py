"""Records read back from their input file on demand, so that a large corpus does not hold every record object.

A plain (uncompressed) JSON or JSON Lines file keeps, per record, the byte span of its raw text. The reader builds
every sample from the parsed record, then lets the record and the sample's messages go: a million Alpaca-style
records then take about 1.2 KB less each (see ``docs/scale.md``). Whoever needs a record or a sample's text later
(a filter, the embedding's text, a score field, the cleaning transform, an export, a rejected row, the writer)
gets it parsed again from those bytes, which gives equal objects, and the writer copies the raw text itself, byte
for byte.

The file must not change between reading and writing: its size and modification time are checked whenever it is
opened again, and the writer checks its sha256 (:func:`selector.io.writer.write_records`).
"""

from __future__ import annotations

import json
import os
import threading
from array import array
from typing import Any

import numpy as np

from selector.errors import SelectorError
from selector.formats import Format, get_format
from selector.sample import Message

BOM = b"\xef\xbb\xbf"


class RecordSource:
    """The records of one input file, by row, parsed from the file's bytes when asked for.

    ``starts``/``ends`` are byte offsets of each row's raw text (``-1`` for a row that failed to parse, which is
    never asked for). The file is opened on first use and kept open (one descriptor per file, reopened in a forked
    child); :meth:`close` lets it go.
    """

    def __init__(self, path: str, starts: array, ends: array, size: int, mtime_ns: int) -> None:
        self.path = path
        self.format_name = ""  # set by the reader once the file's format is known
        self.starts = starts
        self.ends = ends
        self.size = size
        self.mtime_ns = mtime_ns
        self._fd: int | None = None
        self._format: Format | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._last: tuple[int, Any] = (-1, None)  # the row parsed last and its record

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, row: int) -> str:
        """The raw text of ``row`` as it stands in the file (undecodable bytes kept as surrogate escapes)."""
        start, end = self.starts[row], self.ends[row]
        data = os.pread(self._descriptor(), end - start, start)
        if len(data) != end - start:
            raise self._changed()
        return data.decode("utf-8", errors="surrogateescape")

    def record(self, row: int) -> Any:
        """The record of ``row``, parsed again (an object equal to the one read).

        The row parsed last is kept, so asking for the same row again (its record, then its messages; the instances
        of one nested record, one after another) parses it once. Treat the record as read-only: it is shared.
        """
        last = self._last
        if last[0] == row:
            return last[1]
        try:
            record = json.loads(self.text(row))
        except ValueError:
            raise self._changed() from None
        self._last = (row, record)
        return record

    def messages(self, row: int, instance: int | None) -> list[Message]:
        """The messages of ``row`` (``instance`` of a nested record), built from the record as the reader did."""
        fmt = self._format
        if fmt is None:
            fmt = self._format = get_format(self.format_name)
        return fmt.to_messages(self.record(row), instance)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:  # a copy sent to another process opens the file itself
        state = self.__dict__.copy()
        state.update(_fd=None, _pid=0, _lock=None, _format=None, _last=(-1, None))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _descriptor(self) -> int:
        fd, pid = self._fd, os.getpid()
        if fd is not None and self._pid == pid:
            return fd
        with self._lock:
            if self._fd is None or self._pid != pid:
                try:
                    fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
                except OSError:
                    raise self._changed() from None
                st = os.fstat(fd)
                if (st.st_size, st.st_mtime_ns) != (self.size, self.mtime_ns):
                    os.close(fd)
                    raise self._changed()
                self._fd, self._pid = fd, pid
            return self._fd

    def _changed(self) -> SelectorError:
        return SelectorError(f"{self.path} changed (or was moved) since it was read; run again on the current file")


def byte_spans(data: bytes, text: str, starts: array, ends: array) -> tuple[array, array]:
    """Byte offsets in ``data`` (the file's bytes) of the character spans ``starts``/``ends`` of ``text`` (its
    decoding, a leading BOM dropped, undecodable bytes as surrogate escapes)."""
    lead = len(BOM) if data.startswith(BOM) else 0
    if len(data) - lead == len(text):  # ASCII: a character is a byte
        return array("q", (s + lead for s in starts)), array("q", (e + lead for e in ends))
    bstarts, bends = array("q"), array("q")
    pos, at = 0, lead
    for s, e in zip(starts, ends, strict=True):
        at += len(text[pos:s].encode("utf-8", errors="surrogateescape"))
        bstarts.append(at)
        at += len(text[s:e].encode("utf-8", errors="surrogateescape"))
        bends.append(at)
        pos = e
    return bstarts, bends


NEWLINE_BLOCK = 1 << 24
"""Bytes scanned for newlines at a time by :func:`line_byte_spans` (its one temporary is this many booleans)."""


def line_byte_spans(data: bytes, lines: array) -> tuple[array, array]:
    """Byte offsets in ``data`` of whole lines: row ``i`` spans line ``lines[i]`` (1-based), its end before the
    ``\\n`` (a ``\\r`` before it kept). What :func:`byte_spans` gives for a JSON Lines file, whose rows are whole
    lines, without encoding any text: UTF-8 (and the surrogate escapes of undecodable bytes) never puts a ``\\n``
    byte inside another character, so the file's lines are its text's lines. A leading BOM is not part of line 1.
    """
    view = np.frombuffer(data, dtype=np.uint8)
    parts = [np.zeros(0, dtype=np.int64)]
    for s in range(0, len(view), NEWLINE_BLOCK):
        parts.append(np.flatnonzero(view[s : s + NEWLINE_BLOCK] == 10) + s)
    newlines = np.concatenate(parts)
    lead = len(BOM) if data.startswith(BOM) else 0
    line_starts = np.concatenate([[lead], newlines + 1])
    line_ends = np.concatenate([newlines, [len(data)]])
    at = np.frombuffer(lines, dtype=np.int64) - 1 if len(lines) else np.zeros(0, dtype=np.int64)
    return array("q", line_starts[at].astype(np.int64).tobytes()), array("q", line_ends[at].astype(np.int64).tobytes())
