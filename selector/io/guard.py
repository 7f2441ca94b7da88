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
import json
import logging
import os
import socket
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from selector.errors import SelectorError
from selector.io.atomic import leftovers, remove_path

log = logging.getLogger(__name__)

MARKER_KEY = "selector_version"
MANIFEST = "manifest.json"


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

    def check(self, inputs: Collection[str | os.PathLike[str]], overwrite: bool) -> None:
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
        _check_writable(out)
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
        """Hold this output's lock for the body; fail at once if another live process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        owner = f"{socket.gethostname()} {os.getpid()}"
        for _ in range(2):
            try:
                fd = os.open(self.lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = _lock_holder(self.lock)
                if holder is not None:
                    raise SelectorError(
                        f"--out {self.path} is being written by another selector run (process {holder}, lock "
                        f"{self.lock}); wait for it to finish or choose another --out"
                    ) from None
                self._take_over_stale_lock()
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(owner + "\n")
            break
        else:
            raise SelectorError(
                f"--out {self.path}: could not take the lock {self.lock}; remove it if no run is active"
            )
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.lock.unlink()

    def _take_over_stale_lock(self) -> None:
        """Remove the lock of a process that no longer runs, and the half-written outputs it left beside ``path``
        (a killed run never leaves a partial output under the output's own name, only these hidden ones)."""
        try:
            host, _, pid = self.lock.read_text(encoding="utf-8").strip().partition(" ")
        except OSError:
            host, pid = "", ""
        if host == socket.gethostname() and pid.isdigit():
            for left in leftovers(self.path, int(pid)):
                log.warning("removing %s, left by an earlier run (process %s) that was killed", left, pid)
                remove_path(left)
        with contextlib.suppress(FileNotFoundError):
            self.lock.unlink()


def output_guard(
    path: str | os.PathLike[str],
    command: str,
    inputs: Collection[str | os.PathLike[str]],
    *,
    overwrite: bool = False,
    kind: Literal["folder", "file"] = "folder",
) -> OutputGuard:
    """Check that ``command`` may write ``path`` (see the module docstring) and return its guard."""
    guard = OutputGuard(Path(path), command, kind)
    guard.check(inputs, overwrite)
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


def _check_writable(out: Path) -> None:
    """Fail now, not after the pipeline ran, when ``out``'s folder cannot be created or written."""
    parent = out.parent
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise SelectorError(f"--out {out}: {parent} is a file, not a folder; choose another --out")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise SelectorError(
            f"--out {out}: cannot write into {parent} ({exc.strerror or exc}); choose another --out"
        ) from None


def _lock_holder(lock: Path) -> str | None:
    """The ``host pid`` in ``lock`` when that process still runs on this host (or cannot be checked)."""
    try:
        host, _, pid = lock.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
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
