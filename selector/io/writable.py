"""Checks made on an output's place before any work: it can be written (a byte is written and synced, so a full
disk is caught as well as a read-only one), and its name leaves room for the temporary names beside it."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from selector.errors import SelectorError

NAME_ROOM = 40
"""Characters the hidden names beside an output add to its name (``.NAME.tmp-PID-HEX``, ``.NAME.old-...``)."""


def check_writable(path: str | os.PathLike[str], label: str, *, folder: bool = False, fix: str = "") -> None:
    """Fail now, not after the pipeline ran, when ``path`` cannot be written.

    ``folder=False``: ``path`` is an output to create, so its parent folder (or the nearest one that exists) is
    probed; ``folder=True``: ``path`` is a folder to write into (a cache), probed itself. ``label`` names the path in
    the message (an option or an argument name) and ``fix`` says what to do; neither changes what is checked.
    """
    out = Path(path).expanduser()
    parent = out if folder else out.parent
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise SelectorError(f"{label} {out}: {parent} is a file, not a folder; choose another {label}")
    try:
        with tempfile.TemporaryFile(dir=parent) as probe:
            os.write(probe.fileno(), b"\0")
            os.fsync(probe.fileno())
    except OSError as exc:
        what = fix or f"free space there or choose another {label}"
        raise SelectorError(f"{label} {out}: cannot write into {parent} ({why(exc)}); {what}") from None


def why(exc: OSError) -> str:
    """A disk error in words (a full disk or quota named as such)."""
    return "no space left on the device" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or str(exc)


def check_name(out: Path, label: str) -> None:
    """The output's name, and the temporary names made beside it, must fit the file system's name limit."""
    try:
        limit = os.pathconf(_existing_folder(out.parent), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(out.name)) + NAME_ROOM > limit:
        raise SelectorError(
            f"{label}: the name {out.name[:40]}... is {len(os.fsencode(out.name))} bytes; this file system allows "
            f"{limit} and selector needs {NAME_ROOM} more for temporary names beside it. Choose a shorter {label}"
        )


def _existing_folder(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path
