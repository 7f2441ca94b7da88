"""The one check every command makes before it writes: may its output go where the user asked?

Rules, the same for ``select``, ``filter``, ``dedup``, ``embed``, ``evaluate`` and ``plan``:

- an output never replaces an input, holds one, or sits inside an input folder; a symlink is judged both by where
  it sits and by where it points, and the output is written where it points (the link stays);
- the embedding cache (the one the run will use, the default included) neither holds the output nor sits inside it;
- an existing output is replaced only with ``overwrite``, and only when a marker proves it is an earlier run of
  the *same* command: a folder's ``manifest.json`` (a file's JSON sidecar; a JSON output is its own marker) with
  ``selector_version`` and ``command`` keys, whose ``outputs`` list every file in the folder, at any depth. A file
  the earlier run did not write (one a user added inside ``selected/``, say) is named and refused, never deleted;
- the place must be writable, checked before any work is done (:mod:`selector.io.writable`);
- one run at a time per output (:mod:`selector.io.lock`).

Outputs are written into a temporary name beside their final place and renamed when complete
(:func:`~selector.io.atomic_path`), so an output appears whole or not at all. The messages name the output by
``label`` (``--out`` by default); nothing the guard decides depends on it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from selector.errors import SelectorError
from selector.io import lock
from selector.io.atomic import finish_staged, leftovers, remove_path
from selector.io.writable import check_name, check_writable

log = logging.getLogger(__name__)

MARKER_KEY = "selector_version"
MANIFEST = "manifest.json"
F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["folder", "file", "json"]


@dataclass(frozen=True)
class OutputGuard:
    """What a command is about to write: ``path`` (a folder; a file with its JSON sidecar; or, ``json``, a JSON
    file that is its own marker). A symlinked ``path`` is replaced by where it points; ``given`` keeps the path as
    given, ``sits`` where that name itself lies (its folder's symlinks resolved)."""

    path: Path
    command: str
    kind: Kind = "folder"
    label: str = "--out"
    given: Path = field(init=False)
    sits: Path = field(init=False)

    def __post_init__(self) -> None:
        given = Path(self.path).expanduser()
        object.__setattr__(self, "given", given)
        object.__setattr__(self, "sits", Path(os.path.realpath(given.parent)) / given.name)
        if _is_link(given):
            object.__setattr__(self, "path", Path(os.path.realpath(given)))
        else:
            object.__setattr__(self, "path", given)

    @property
    def marker(self) -> Path:
        """The file whose contents prove an earlier run: the folder's manifest, or the file's sidecar."""
        if self.kind == "folder":
            return self.path / MANIFEST
        return self.path if self.kind == "json" else self.path.with_suffix(".json")

    @property
    def lock(self) -> Path:
        return lock.lock_path(self.path)

    def check(
        self,
        inputs: Collection[str | os.PathLike[str]],
        overwrite: bool,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        """Raise :class:`SelectorError` unless this output may be written; makes no change on disk. ``cache_dir``:
        the embedding cache the run will use (the default one too), or ``None`` when it uses none."""
        self._check_placement(inputs)
        if cache_dir is not None:
            self._check_cache(cache_dir)
        check_name(self.path, self.label)
        check_writable(self.path, self.label)
        present = self._present()
        if not present:
            return
        if not overwrite:
            raise SelectorError(
                f"{self.label} {self.given} already exists; choose a new path, or pass --overwrite to replace an "
                f"earlier `selector {self.command}` run there"
            )
        self._check_earlier_run(present)

    def _check_placement(self, inputs: Collection[str | os.PathLike[str]]) -> None:
        flag, out = self.label, self.given
        places = dict.fromkeys([self.path.resolve(), self.sits])
        targets = [*places, *([Path(os.path.realpath(self.marker))] if self.kind == "file" else [])]
        for item in inputs:
            if not os.path.lexists(item):
                continue
            p = Path(os.path.realpath(item))
            for target in targets:
                if p == target or target in p.parents:
                    raise SelectorError(
                        f"{flag} {out} would replace the input {item}; your data would be lost. Choose another {flag}"
                    )
            if p.is_dir() and any(p in place.parents for place in places):
                raise SelectorError(
                    f"{flag} {out} is inside the input folder {item}: a later run on {item} would read the output "
                    f"as input. Choose an {flag} outside it"
                )

    def _check_cache(self, cache_dir: str | os.PathLike[str]) -> None:
        cache = Path(os.path.realpath(Path(cache_dir).expanduser()))
        for real in dict.fromkeys([self.path.resolve(), self.sits]):
            if cache == real or cache in real.parents or real in cache.parents:
                raise SelectorError(
                    f"{self.label} {self.given} and the embedding cache {cache_dir} overlap: replacing the output "
                    "would delete the cache (or the cache would land among the outputs). Give them separate folders "
                    "(--cache-dir, or SELECTOR_CACHE_DIR for the default cache)"
                )

    def _present(self) -> list[str]:
        """What exists at the output now: every file in the folder (relative, at any depth), or the files."""
        out, flag = self.path, self.label
        if self.kind != "folder":
            if out.is_dir():
                raise SelectorError(f"{flag} {self.given} is a folder; give a file path")
            return [p.name for p in dict.fromkeys((out, self.marker)) if p.exists() or p.is_symlink()]
        if out.exists() and not out.is_dir():
            raise SelectorError(f"{flag} {self.given} exists and is a file; give a folder path")
        if not out.is_dir():
            return []
        return sorted(_files_under(out))

    def _check_earlier_run(self, present: list[str]) -> None:
        out = self.given
        marker = read_marker(self.marker)
        if marker is None:
            raise SelectorError(
                f"{self.label} {out} is not an earlier selector run (no selector {self.marker.name}); refusing to "
                "replace it even with --overwrite. Choose a new path"
            )
        if marker.get("command") != self.command:
            raise SelectorError(
                f"{self.label} {out} holds the output of `selector {marker.get('command', 'an older version')}`, "
                f"not of `selector {self.command}`; refusing to replace it. Choose a new path"
            )
        if self.kind == "folder":
            listed = listed_outputs(marker) | {MANIFEST}
            unknown = [name for name in present if not _covered(name, listed)]
            if unknown:
                raise SelectorError(
                    f"{self.label} {out} holds files that the earlier run did not write ({', '.join(unknown[:5])}); "
                    "refusing to replace them even with --overwrite. Move them away or choose a new path"
                )

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this output's lock for the body (:func:`selector.io.lock.hold`); fail at once if another live
        process holds it. A stale lock's process left its half-written outputs beside ``path`` (a killed run never
        leaves a partial output under the output's own name, only these hidden ones): they go with the lock."""
        if os.path.realpath(self.lock) not in lock.HELD:
            check_name(self.path, self.label)
            check_writable(self.path, self.label)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with lock.hold(self.path, self._remove_leftovers):
            yield

    def _remove_leftovers(self, pid: int) -> None:
        for left in leftovers(self.path, pid):
            if left.is_dir() and finish_staged(left, self.path.parent):
                log.warning("finished writing %s, which an earlier run (process %s) had staged whole", self.path, pid)
                continue
            log.warning("removing %s, left by an earlier run (process %s) that was killed", left, pid)
            remove_path(left)


def _files_under(folder: Path) -> Iterator[str]:
    """Every non-folder entry under ``folder`` as a relative POSIX path (symlinks not followed); empty folders too."""
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        for name in files:
            yield (rel / name).as_posix()
        if not dirs and not files and root != str(folder):
            yield rel.as_posix()


def _covered(name: str, listed: set[str]) -> bool:
    """Whether ``name`` is a listed output or lies inside one (a listed dataset folder holds its own files)."""
    parts = name.split("/")
    return any("/".join(parts[:i]) in listed for i in range(1, len(parts) + 1))


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
    kind: Kind = "folder",
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


def listed_outputs(marker: dict[str, Any]) -> set[str]:
    """The paths (relative to the output folder) a marker lists as written by its run."""
    outputs = marker.get("outputs") or []
    if isinstance(outputs, dict):
        outputs = [v for value in outputs.values() for v in (value if isinstance(value, list) else [value])]
    return {str(name).strip("/") for name in outputs if isinstance(name, str)}


def _is_link(path: Path) -> bool:
    """Whether ``path`` is a symlink; a name the file system cannot hold (too long) is not one: the writability
    probe then names the problem and the fix."""
    try:
        return path.is_symlink()
    except OSError:
        return False
