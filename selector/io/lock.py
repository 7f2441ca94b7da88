"""One run at a time per output: a lock file beside it names the process (``host pid``) that holds it.

A second run on the same output fails at once, naming the first. A lock is stale, and is taken over, when its
process no longer runs, when it names this very process (process ids repeat after a container restart, so a lock
left by an earlier container can name the new run), or when the process with that id started after the lock was
written (the id was reused by an unrelated process). A lock written on another host cannot be checked: the error
says to remove it when no run is active there.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from selector.errors import SelectorError
from selector.signals import sigterm_raises

log = logging.getLogger(__name__)

HELD: set[str] = set()
"""Locks this process holds (real paths), so that nested :func:`hold` calls do not deadlock."""


def lock_path(out: Path) -> Path:
    """The lock of output ``out``: a hidden file beside it."""
    return out.with_name(f".{out.name}.lock")


@contextlib.contextmanager
def hold(out: Path, on_stale: Callable[[int], None] | None = None) -> Iterator[None]:
    """Hold ``out``'s lock for the body; fail at once if another live process holds it.

    Re-entrant within a process. ``on_stale(pid)`` is called before a stale lock of this host is taken over (to
    remove what that process left half-written). While the lock is held, SIGTERM ends the body as Ctrl-C does.
    """
    lock = lock_path(out)
    key = os.path.realpath(lock)
    if key in HELD:
        yield
        return
    for _ in range(2):
        if _create(lock, out):
            break
        holder = holder_of(lock)
        if holder is not None:
            raise SelectorError(
                f"output {out} is being written by another selector run (process {holder}, lock {lock}); wait for "
                "it to finish or choose another output"
                + (f"; if no selector run is active there, remove {lock}" if " on " in holder else "")
            ) from None
        _take_over(lock, on_stale)
    else:
        raise SelectorError(f"output {out}: could not take the lock {lock}; remove it if no run is active")
    HELD.add(key)
    try:
        with sigterm_raises():
            yield
    finally:
        HELD.discard(key)
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _take_over(lock: Path, on_stale: Callable[[int], None] | None) -> None:
    host, pid = read_lock(lock)
    if host == socket.gethostname() and pid.isdigit():
        log.warning("taking over the stale lock %s (process %s no longer holds it)", lock, pid)
        if on_stale is not None:
            on_stale(int(pid))
    elif not host:
        log.warning("taking over the empty lock %s, left by a run that could not write it (disk full?)", lock)
    with contextlib.suppress(FileNotFoundError):
        lock.unlink()


def _create(lock: Path, out: Path) -> bool:
    """Create ``lock`` holding ``host pid``, whole or not at all; ``False`` when it exists already.

    The owner is written to a temporary file first and hard-linked to the lock's name (atomic, and it fails when
    the name exists), so a full disk never leaves an empty lock behind. Where hard links are not supported, the
    lock is created exclusively and written in place.
    """
    owner = f"{socket.gethostname()} {os.getpid()}\n".encode()
    try:
        fd, tmp = tempfile.mkstemp(dir=lock.parent, prefix=f"{lock.name}.")
        try:
            try:
                os.write(fd, owner)
            finally:
                os.close(fd)
            try:
                os.link(tmp, lock)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                    raise
                return _create_in_place(lock, owner)
            return True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as exc:
        why = "no space left on the device" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
        raise SelectorError(
            f"output {out}: cannot write its lock {lock} ({why}); free space there or choose another output"
        ) from None


def _create_in_place(lock: Path, owner: bytes) -> bool:
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, owner)
    except OSError:
        os.close(fd)
        lock.unlink()
        raise
    os.close(fd)
    return True


def read_lock(lock: Path) -> tuple[str, str]:
    """The ``(host, pid)`` written in ``lock``; empty strings for an empty or unreadable lock."""
    try:
        host, _, pid = lock.read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, UnicodeDecodeError):
        return "", ""
    return host, pid


def holder_of(lock: Path) -> str | None:
    """The ``pid`` (``pid on host`` for another host) in ``lock`` when that process may still hold it, else
    ``None`` (stale: see the module docstring; or an empty lock)."""
    host, pid = read_lock(lock)
    if not host or not pid:
        return None
    if host != socket.gethostname():
        return f"{pid} on {host}"
    if not pid.isdigit() or int(pid) == os.getpid():
        return None  # our own id: this process holds no such lock (HELD), so an earlier namesake left it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    started = process_start(int(pid))
    try:
        written = lock.stat().st_mtime
    except OSError:
        return None
    if started is not None and started > written + 1.0:  # 1 s: the clock-tick rounding of the start time
        return None
    return pid


def process_start(pid: int) -> float | None:
    """When process ``pid`` started, in seconds since the epoch (Linux ``/proc``); ``None`` where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    fields = stat.rpartition(")")[2].split()  # the command name, in parentheses, may hold spaces
    try:
        ticks = int(fields[19])  # field 22 of proc(5): start time in clock ticks after boot
        return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return None
