"""The one check every command makes before it writes: may its output go where the user asked?

Rules, the same for ``select``, ``filter`` and ``embed`` (symlinks resolved first):

- an output never replaces an input, nor a folder that holds one;
- an existing output is replaced only with ``overwrite``, and only when a marker proves it is an earlier run of
  the *same* command: a folder's ``manifest.json`` (a file's JSON sidecar) with ``selector_version`` and
  ``command`` keys, whose ``outputs`` list every file in the folder. A folder with anything else in it, or a marker
  written by another command, is refused even with ``overwrite``;
- the place must be writable, checked before any work is done (a missing parent folder is created);
- one run at a time per output: a lock file beside the output names the process holding it; a second run fails
  at once, naming that process (a lock left by a process that no longer exists is taken over).

Outputs are written into a temporary name beside their final place and renamed when complete
(:func:`~selector.io.atomic_path`), so an output appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from selector.errors import SelectorError
from selector.io.atomic import leftovers, remove_path
from selector.signals import sigterm_raises

log = logging.getLogger(__name__)

MARKER_KEY = "selector_version"
MANIFEST = "manifest.json"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class OutputGuard:
    """What a command is about to write: ``path`` (a folder, or a file with its JSON ``sidecar``)."""

    path: Path
    command: str
    kind: Literal["folder", "file"] = "folder"

    @property
    def marker(self) -> Path:
        """The file whose contents prove an earlier run: the folder's manifest, or the file's sidecar."""
        return self.path / MANIFEST if self.kind == "folder" else self.path.with_suffix(".json")

    @property
    def lock(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def check(
        self,
        inputs: Collection[str | os.PathLike[str]],
        overwrite: bool,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        """Raise :class:`SelectorError` unless this output may be written; makes no change on disk."""
        flag = "--out"
        out = self.path
        real = Path(os.path.realpath(out))
        targets = [real] if self.kind == "folder" else [real, Path(os.path.realpath(self.marker))]
        for item in inputs:
            if not os.path.exists(item):
                continue
            p = Path(os.path.realpath(item))
            for target in targets:
                if p == target or target in p.parents:
                    raise SelectorError(
                        f"{flag} {out} would replace the input {item}; your data would be lost. Choose another {flag}"
                    )
            if p.is_dir() and p in real.parents:
                raise SelectorError(
                    f"{flag} {out} is inside the input folder {item}: a later run on {item} would read the output "
                    f"as input. Choose an {flag} outside it"
                )
        if cache_dir is not None:
            cache = Path(os.path.realpath(Path(cache_dir).expanduser()))
            if cache == real or cache in real.parents or real in cache.parents:
                raise SelectorError(
                    f"{flag} {out} and --cache-dir {cache_dir} overlap: replacing the output would delete the cache "
                    "(or the cache would land among the outputs). Give them separate folders"
                )
        _check_name(out, flag)
        check_writable(out, flag)
        if self.kind == "folder":
            if out.exists() and not out.is_dir():
                raise SelectorError(f"{flag} {out} exists and is a file; give a folder path")
            if not out.is_dir() or not any(out.iterdir()):
                return
            present = sorted(p.name for p in out.iterdir())
        else:
            if out.is_dir():
                raise SelectorError(f"{flag} {out} is a folder; give a file path")
            present = [p.name for p in (out, self.marker) if p.exists() or p.is_symlink()]
            if not present:
                return
        if not overwrite:
            raise SelectorError(
                f"{flag} {out} already exists; choose a new path, or pass --overwrite to replace an earlier "
                f"`selector {self.command}` run there"
            )
        self._check_earlier_run(present)

    def _check_earlier_run(self, present: list[str]) -> None:
        out = self.path
        marker = read_marker(self.marker)
        if marker is None:
            raise SelectorError(
                f"--out {out} is not an earlier selector run (no selector {self.marker.name}); refusing to replace "
                "it even with --overwrite. Choose a new path"
            )
        if marker.get("command") != self.command:
            raise SelectorError(
                f"--out {out} holds the output of `selector {marker.get('command', 'an older version')}`, not of "
                f"`selector {self.command}`; refusing to replace it. Choose a new path"
            )
        if self.kind == "folder":
            listed = set(output_names(marker)) | {MANIFEST}
            unknown = [name for name in present if name not in listed]
            if unknown:
                raise SelectorError(
                    f"--out {out} holds files that the earlier run did not write ({', '.join(unknown[:5])}); "
                    "refusing to replace them even with --overwrite. Move them away or choose a new path"
                )

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this output's lock for the body; fail at once if another live process holds it.

        Re-entrant: a body that already holds the lock (:func:`holds_output_lock` around a whole run) nests freely.
        While the lock is held, SIGTERM ends the body as Ctrl-C does, so the lock and temporary outputs go too.
        """
        key = os.path.realpath(self.lock)
        if key in _HELD:
            yield
            return
        _check_name(self.path, "--out")
        check_writable(self.path, "--out")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            if _create_lock(self.lock, self.path):
                break
            holder = _lock_holder(self.lock)
            if holder is not None:
                raise SelectorError(
                    f"--out {self.path} is being written by another selector run (process {holder}, lock "
                    f"{self.lock}); wait for it to finish or choose another --out"
                    + (f"; if no selector run is active there, remove {self.lock}" if " on " in holder else "")
                ) from None
            self._take_over_stale_lock()
        else:
            raise SelectorError(
                f"--out {self.path}: could not take the lock {self.lock}; remove it if no run is active"
            )
        _HELD.add(key)
        try:
            with sigterm_raises():
                yield
        finally:
            _HELD.discard(key)
            with contextlib.suppress(FileNotFoundError):
                self.lock.unlink()

    def _take_over_stale_lock(self) -> None:
        """Remove the lock of a process that no longer runs (or an empty one, see :func:`_create_lock`), and the
        half-written outputs it left beside ``path`` (a killed run never leaves a partial output under the
        output's own name, only these hidden ones)."""
        host, pid = _read_lock(self.lock)
        if host == socket.gethostname() and pid.isdigit():
            for left in leftovers(self.path, int(pid)):
                log.warning("removing %s, left by an earlier run (process %s) that was killed", left, pid)
                remove_path(left)
        elif not host:
            log.warning("taking over the empty lock %s, left by a run that could not write it (disk full?)", self.lock)
        with contextlib.suppress(FileNotFoundError):
            self.lock.unlink()


_HELD: set[str] = set()
"""Locks this process holds (real paths), so that nested :meth:`OutputGuard.locked` calls do not deadlock."""


def output_lock(out: str | os.PathLike[str] | None, command: str) -> contextlib.AbstractContextManager[Any]:
    """The lock of output ``out``, to hold for a whole run (nothing to hold without an output): a second run on the
    same output fails at once, before reading anything, naming the first."""
    return OutputGuard(Path(out), command).locked() if out is not None else contextlib.nullcontext()


def holds_output_lock(command: str) -> Callable[[F], F]:
    """Decorate a function that takes ``out=`` so that :func:`output_lock` is held for the whole call."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with output_lock(kwargs.get("out"), command):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def output_guard(
    path: str | os.PathLike[str],
    command: str,
    inputs: Collection[str | os.PathLike[str]],
    *,
    overwrite: bool = False,
    kind: Literal["folder", "file"] = "folder",
    cache_dir: str | os.PathLike[str] | None = None,
) -> OutputGuard:
    """Check that ``command`` may write ``path`` (see the module docstring) and return its guard."""
    guard = OutputGuard(Path(path), command, kind)
    guard.check(inputs, overwrite, cache_dir)
    return guard


def read_marker(path: Path) -> dict[str, Any] | None:
    """The marker JSON at ``path`` when selector wrote it, else ``None``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and MARKER_KEY in data else None


def output_names(marker: dict[str, Any]) -> list[str]:
    """The top-level names a marker lists as written by its run."""
    outputs = marker.get("outputs") or []
    if isinstance(outputs, dict):
        outputs = [v for value in outputs.values() for v in (value if isinstance(value, list) else [value])]
    return sorted({str(name).split("/")[0] for name in outputs if isinstance(name, str)})


def check_writable(path: str | os.PathLike[str], flag: str) -> None:
    """Fail now, not after the pipeline ran, when ``path``'s folder (or the nearest one that exists) cannot be
    written: one byte is written and synced, so a full disk is caught as well as a read-only one."""
    out = Path(path).expanduser()
    parent = out.parent if flag == "--out" else out
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise SelectorError(f"{flag} {out}: {parent} is a file, not a folder; choose another {flag}")
    try:
        with tempfile.TemporaryFile(dir=parent) as probe:
            os.write(probe.fileno(), b"\0")
            os.fsync(probe.fileno())
    except OSError as exc:
        raise SelectorError(f"{flag} {out}: cannot write into {parent} ({_why(exc)}); {_WHAT_TO_DO[flag]}") from None


_WHAT_TO_DO = {
    "--out": "free space there or choose another --out",
    "--cache-dir": "free space there, or give a writable --cache-dir (or set SELECTOR_CACHE_DIR)",
}


def _why(exc: OSError) -> str:
    return "no space left on the device" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or str(exc)


NAME_ROOM = 40
"""Characters the hidden names beside an output add to its name (``.NAME.tmp-PID-HEX``, ``.NAME.old-...``)."""


def _check_name(out: Path, flag: str) -> None:
    """The output's name, and the temporary names made beside it, must fit the file system's name limit."""
    try:
        limit = os.pathconf(_existing_folder(out.parent), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(out.name)) + NAME_ROOM > limit:
        raise SelectorError(
            f"{flag}: the name {out.name[:40]}... is {len(os.fsencode(out.name))} bytes; this file system allows "
            f"{limit} and selector needs {NAME_ROOM} more for temporary names beside it. Choose a shorter {flag}"
        )


def _existing_folder(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _create_lock(lock: Path, out: Path) -> bool:
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
                return _create_lock_in_place(lock, owner)
            return True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as exc:
        raise SelectorError(
            f"--out {out}: cannot write its lock {lock} ({_why(exc)}); {_WHAT_TO_DO['--out']}"
        ) from None


def _create_lock_in_place(lock: Path, owner: bytes) -> bool:
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


def _read_lock(lock: Path) -> tuple[str, str]:
    """The ``(host, pid)`` written in ``lock``; empty strings for an empty or unreadable lock."""
    try:
        host, _, pid = lock.read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, UnicodeDecodeError):
        return "", ""
    return host, pid


def _lock_holder(lock: Path) -> str | None:
    """The ``pid`` (``pid on host`` for another host) in ``lock`` when that process may still run, else ``None``
    (a dead process of this host, or an empty lock)."""
    host, pid = _read_lock(lock)
    if not host or not pid:
        return None
    if host != socket.gethostname():
        return f"{pid} on {host}"
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return None
    except PermissionError:
        pass
    return pid
