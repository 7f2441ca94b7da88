"""Sample ids: the record's own ``id`` when it has one and it is free, else ``<file name>#<row>`` (see
:mod:`selector.io.reader`), kept unique across every file of a read by one :class:`SampleIds`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.formats import Format


def own_id(
    record: Mapping[str, Any],
    inner: Mapping[str, Any] | None,
    id_key: str | None,
    instance: int | None,
    fmt: Format,
    file_stem: str,
) -> str | None:
    key = id_key or "id"
    if inner is not None and isinstance(inner, Mapping) and inner.get(key) not in (None, ""):
        return str(inner[key])
    parent = record.get(key)
    if instance is None:
        return None if parent in (None, "") else str(parent)
    if parent in (None, ""):
        return f"{file_stem}/{instance}" if fmt.name == "natural_instructions" else None
    return f"{parent}/{instance}"


class SampleIds:
    """Keeps sample ids unique: the record's own id, else ``<file name>#<row>``, else ``<full path>#<row>``, else
    that with ``~n`` appended (n = 2, 3, ...)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.renamed = 0

    def claim(self, own: str | None, fallback: str, path: str) -> str:
        used = self.used
        if own is not None and own not in used:
            used.add(own)
            return own
        if own is not None:
            self.renamed += 1
        candidate = fallback
        if candidate in used:
            candidate = f"{path}#{fallback.partition('#')[2]}"
        n = 1
        base = candidate
        while candidate in used:
            n += 1
            candidate = f"{base}~{n}"
        used.add(candidate)
        return candidate
