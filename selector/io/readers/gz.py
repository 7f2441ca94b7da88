"""Gzip-compressed inputs, inflated in blocks with a bound: a small file that inflates to gigabytes (a gzip bomb)
is refused before it fills memory.

The bound is ``max_ratio`` times the compressed size, but never below :data:`MIN_INFLATED` (a small file of very
repetitive records inflates far past any sane ratio and is still harmless). ``ReadOptions(max_gzip_ratio=...)``
raises it for one call; the ``SELECTOR_MAX_GZIP_RATIO`` environment variable raises it for every command.
"""

from __future__ import annotations

import os
import zlib

from selector.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
MAX_GZIP_RATIO = 100.0
"""Default bound: a gzip input may inflate to at most this many times its compressed size (text compresses 3-10x)."""
MIN_INFLATED = 64 << 20
"""Below this many inflated bytes a file is never refused, whatever its ratio."""
RATIO_ENV = "SELECTOR_MAX_GZIP_RATIO"
_BLOCK = 1 << 20


def gzip_ratio(max_ratio: float | None) -> float:
    """The bound in force: ``max_ratio`` when given, else ``$SELECTOR_MAX_GZIP_RATIO``, else :data:`MAX_GZIP_RATIO`."""
    if max_ratio is not None:
        return float(max_ratio)
    text = os.environ.get(RATIO_ENV, "").strip()
    if not text:
        return MAX_GZIP_RATIO
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InputError(RATIO_ENV, f"must be a positive number, got {text!r}", hint=f"e.g. {RATIO_ENV}=1000")
    return value


def decompress(path: str, data: bytes, *, max_ratio: float | None = None, limited: bool = True) -> bytes:
    """Gunzip ``data`` (every member) in blocks; a corrupt stream, or one that would inflate past the bound
    (``limited``: see the module docstring), is an :class:`InputError` naming the file and how to raise it."""
    ratio = gzip_ratio(max_ratio)
    limit = max(int(ratio * len(data)), MIN_INFLATED) if limited else None
    out = bytearray()
    rest = data
    try:
        while rest:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = rest
            while chunk:
                out += inflater.decompress(chunk, _BLOCK)
                chunk = inflater.unconsumed_tail
                if limit is not None and len(out) > limit:
                    raise _too_large(path, len(data), limit, ratio)
            out += inflater.flush()
            if not inflater.eof:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            rest = inflater.unused_data.lstrip(b"\0")  # gzip allows several members and trailing padding
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"cannot decompress gzip data ({exc})", hint="check that the file is complete") from None
    return bytes(out)


def _too_large(path: str, size: int, limit: int, ratio: float) -> InputError:
    return InputError(
        path,
        f"inflates to more than {limit:,} bytes ({ratio:g} times its {size:,} compressed bytes): refused as a "
        "possible gzip bomb",
        hint=f"if the file is genuine, raise the bound with {RATIO_ENV}=RATIO (or ReadOptions(max_gzip_ratio=...)), "
        "or decompress it yourself first",
    )
